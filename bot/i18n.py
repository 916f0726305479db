"""Localization: gettext catalogs from ``locales/`` and Babel number formats.

Catalogs are read from the ``.po`` sources and compiled in memory once at
start, so there is no build step and no stale ``.mo`` file to forget.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_compact_decimal, format_decimal, format_percent
from babel.support import Translations

from flows.messages import Money, Msg, Number, Percent

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "diagbot"
DEFAULT_LANGUAGE = "zh_CN"
WAN = Decimal(10_000)


@lru_cache(maxsize=8)
def translations(language: str = DEFAULT_LANGUAGE) -> Translations:
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        po_path = LOCALES_DIR / DEFAULT_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as fp:
        catalog = read_po(fp, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def catalog_keys(language: str = DEFAULT_LANGUAGE) -> set[str]:
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as fp:
        return {m.id for m in read_po(fp) if m.id and m.string}


@lru_cache(maxsize=8)
def _locale(language: str) -> Locale:
    return Locale.parse(language)  # parsing normalizes the name against every locale file: slow


@lru_cache(maxsize=4096)
def _amount_text(amount: Decimal, language: str) -> str:
    """Babel's compact formatting walks the locale data on every call; the
    same few amounts (defaults, method constants, round answers) recur in
    every summary, so they are formatted once."""
    locale = _locale(language)
    if abs(amount) >= WAN:
        return format_compact_decimal(amount, format_type="short", fraction_digits=2, locale=locale)
    return "¥" + format_decimal(amount, format="#,##0", locale=locale)


class Renderer:
    """Turns ``Msg`` objects into text in one language."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, strict: bool = False) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self._t = translations(language)
        # Strict (tests): a message id missing from the catalog is an error,
        # not a symbolic key shown to a client.
        self._known = catalog_keys(language) if strict else None
        self._words: dict[str, frozenset[str]] = {}

    def text(self, key: str) -> str:
        if self._known is not None and key not in self._known:
            raise KeyError(f"message id {key!r} is not in the {self.language} catalog")
        return self._t.gettext(key)

    def words(self, key: str) -> frozenset[str]:
        """Words the bot reads, listed in the catalog separated by "|"
        (``words.skip`` = "跳过|skip|…"), lower case, for matching a typed
        message stripped and lowered."""
        found = self._words.get(key)
        if found is None:
            found = self._words[key] = frozenset(w.strip().lower() for w in self.text(key).split("|") if w.strip())
        return found

    def __call__(self, m: Msg) -> str:
        template = self.text(m.key)
        if not m.params:
            return template
        return template.format(**{k: self.value(v) for k, v in m.params.items()})

    def value(self, v: object) -> str:
        if isinstance(v, Msg):
            return self(v)
        if isinstance(v, Money):
            return self.money(v)
        if isinstance(v, Percent):
            return format_percent(v.value, format="#,##0.#%", locale=self.locale)
        if isinstance(v, Number):
            return format_decimal(v.value, format="#,##0." + "#" * v.digits, locale=self.locale)
        if isinstance(v, (list, tuple)):
            return " > ".join(self.value(x) for x in v)
        return "" if v is None else str(v)

    def money(self, m: Money) -> str:
        """541万, 2.75万, 1.5亿 from 1万 up; ¥8,000 below; /年 or /月 when asked."""
        amount = m.yuan.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        if amount == 0:
            return "0"  # "0/年" reads oddly: nothing is nothing
        text = _amount_text(amount, self.language)
        if m.per:
            text += self.text(f"money.per.{m.per}")
        return text

    def lines(self, msgs: Iterable[Msg]) -> str:
        return "\n".join(self(m) for m in msgs)

"""Turning what people type into values.

Each parser takes the raw text and returns ``Parsed`` (the value, plus an
optional note such as "converted from monthly") or raises ``ParseError`` with a
short, specific message id. Bounds are checked by the caller (the step knows
them); parsers only reject what cannot be read at all.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

from .messages import Money, Msg, msg

# A message longer than this is not an answer to any of our questions.
MAX_ANSWER_CHARS = 200


class ParseError(ValueError):
    def __init__(self, message: Msg) -> None:
        super().__init__(message.key)
        self.message = message


@dataclass(frozen=True)
class Parsed:
    value: Any
    note: Msg | None = None
    unit_given: bool = False  # a money answer said 元/¥/万/k…, not just a bare number


def normalize(text: str) -> str:
    """NFKC folds full-width digits and punctuation (３０万, ，) to ASCII."""
    if text is None:
        raise ParseError(msg("error.empty"))
    if len(text) > MAX_ANSWER_CHARS:
        raise ParseError(msg("error.too_long"))
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        raise ParseError(msg("error.empty"))
    return cleaned


# --- numbers -----------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3,
              "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8,
              "九": 9, "玖": 9}
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "w": 10_000, "亿": 100_000_000, "億": 100_000_000}
_TOKEN = re.compile(r"\d+(?:\.\d+)?|点|[零〇一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖]|[十拾百佰千仟万萬亿億kw]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")


def parse_number(text: str) -> Decimal:
    """Read a non-negative number written with Arabic or Chinese numerals and
    units: 30万, 30w, 三十万, 1.5亿, 8k, 8千, 三万五, 一点五亿, 300,000.

    Raises ParseError("error.negative") for a minus sign, ("error.not_number")
    for anything else that is not a number.
    """
    s = _squeeze(normalize(text)).lower()
    if s.startswith(("-", "负", "−")):
        raise ParseError(msg("error.negative"))
    s = _THOUSANDS.sub("", s)
    # A Chinese decimal point between numerals: 一点五亿 → 1.5亿.
    tokens = _TOKEN.findall(s)
    if not tokens or "".join(tokens) != s:
        raise ParseError(msg("error.not_number"))
    tokens = _join_chinese_decimal(tokens)
    # Exact for any length we accept, so a bound check never sees a rounded value.
    with localcontext(prec=2 * MAX_ANSWER_CHARS):
        return _read_tokens(tokens)


def _read_tokens(tokens: list[str]) -> Decimal:
    total = Decimal(0)  # everything closed by 亿 / 万
    section = Decimal(0)  # the part below 万 being built
    number: Decimal | None = None
    last_unit: int | None = None
    for tok in tokens:
        if tok in _CN_DIGITS or tok[0].isdigit():
            if number is not None:  # two numbers in a row: "3 5", "三五"
                raise ParseError(msg("error.not_number"))
            number = Decimal(_CN_DIGITS[tok]) if tok in _CN_DIGITS else Decimal(tok)
            if tok in ("零", "〇"):
                number, last_unit = None, None
            continue
        if tok in _SMALL_UNITS:
            unit = _SMALL_UNITS[tok]
            if number is None and not (tok in ("十", "拾") and section == 0):
                raise ParseError(msg("error.not_number"))
            section += (number if number is not None else 1) * unit
        else:
            unit = _BIG_UNITS[tok]
            if number is None and section == 0:
                raise ParseError(msg("error.not_number"))
            if unit == 100_000_000:
                total = (total + section + (number or 0)) * unit
            else:
                total += (section + (number or 0)) * unit
            section = Decimal(0)
        number, last_unit = None, unit
    if number is not None:
        # Colloquial trailing digit: 三万五 = 35,000, 一百五 = 150.
        if last_unit and last_unit >= 100 and number == number.to_integral_value() and number < 10:
            number *= Decimal(last_unit) / 10
        section += number
    return total + section


def _join_chinese_decimal(tokens: list[str]) -> list[str]:
    if "点" not in tokens:
        return tokens
    i = tokens.index("点")
    before, after = tokens[i - 1] if i else None, tokens[i + 1 : i + 2]
    if before not in _CN_DIGITS or not after or after[0] not in _CN_DIGITS:
        raise ParseError(msg("error.not_number"))
    # Read the digits after 点 up to the next unit: 一点二五万 → 1.25万.
    j = i + 1
    frac = ""
    while j < len(tokens) and tokens[j] in _CN_DIGITS:
        frac += str(_CN_DIGITS[tokens[j]])
        j += 1
    joined = f"{_CN_DIGITS[before]}.{frac}"
    return tokens[: i - 1] + [joined] + tokens[j:]


def _squeeze(s: str) -> str:
    """Drop spaces ("30 万"), but "3 5" is two numbers, not 35."""
    if re.search(r"\d\s+\d", s):
        raise ParseError(msg("error.not_number"))
    return re.sub(r"\s+", "", s)


# --- money -------------------------------------------------------------------

Period = Literal["year", "month"]
_CURRENCY_NOISE = re.compile(r"[¥￥$]|人民币|rmb|cny|块钱|块|元|圆", re.IGNORECASE)
_MONTHLY = re.compile(r"(?:/|每|一个|一|个)?月$|^每月|^月|/mo(?:nth)?$|per\s*month$", re.IGNORECASE)
_YEARLY = re.compile(r"(?:/|每|一)?年$|^每年|^年|/y(?:ea)?r$|per\s*year$", re.IGNORECASE)
_NOTHING = {"无", "没有", "没", "无贷款", "没贷款", "none", "no", "nothing", "不需要"}


def parse_money(text: str, period: Period | None = None) -> Parsed:
    """An amount of money in whole yuan.

    ``period`` is what the question asks for. "3000/月" for a yearly question
    is converted (×12) and a note says so; "10万/年" for a monthly one, ÷12.
    "无"/"没有" reads as 0.
    """
    s = normalize(text)
    if s.lower() in _NOTHING:
        return Parsed(0)
    given: Period | None = None
    # Strip the period marker first: in 万/月, 月 is not part of the number.
    try:
        core = _squeeze(s)
    except ParseError:
        raise ParseError(msg("error.not_money")) from None
    for pattern, p in ((_MONTHLY, "month"), (_YEARLY, "year")):
        stripped = pattern.sub("", core)
        if stripped != core:
            core, given = stripped, p
            break
    stripped = _CURRENCY_NOISE.sub("", core)
    unit_given = stripped != core or given is not None or bool(re.search(r"[^\d.,]", stripped))
    core = stripped
    if not core:
        raise ParseError(msg("error.not_money"))
    try:
        amount = parse_number(core)
    except ParseError as err:
        if err.message.key == "error.not_number":
            raise ParseError(msg("error.not_money")) from None
        raise
    note = None
    if given and period is None:
        # "1.5万/月" for a balance or a cover: a total was asked, not a rate.
        raise ParseError(msg("error.not_periodic"))
    if period and given and given != period:
        if period == "year":
            converted = amount * 12
            note = msg("note.month_to_year", monthly=Money(amount), yearly=Money(converted))
        else:
            converted = amount / 12
            note = msg("note.year_to_month", yearly=Money(amount), monthly=Money(converted))
        amount = converted
    yuan = int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Parsed(yuan, note, unit_given)


def parse_whole(text: str) -> Parsed:
    """A whole number (a count, an age): 3, 三, 35岁, 2个, 一百."""
    s = normalize(text)
    try:
        s = re.sub(r"(岁|周岁|个|人|位|年|名)$", "", _squeeze(s))
    except ParseError:
        raise ParseError(msg("error.not_whole")) from None
    if s in _NOTHING:
        return Parsed(0)
    try:
        value = parse_number(s)
    except ParseError as err:
        if err.message.key == "error.not_number":
            raise ParseError(msg("error.not_whole")) from None
        raise
    if value != value.to_integral_value():
        raise ParseError(msg("error.not_whole"))
    return Parsed(int(value))


# --- dates -------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(text: str) -> Parsed:
    """1985-03-12, 1985/3/12, 1985.3.12, 1985年3月12日, 19850312."""
    s = normalize(text).replace(" ", "")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return Parsed(date(y, mo, d))
            except ValueError:
                raise ParseError(msg("error.no_such_date")) from None
    raise ParseError(msg("error.not_date"))


# --- yes / no ----------------------------------------------------------------

_YES = {"是", "是的", "对", "对的", "好", "好的", "行", "可以", "同意", "愿意", "要", "需要", "有", "嗯", "嗯嗯",
        "y", "yes", "ok", "okay", "1", "确认", "当然"}
_NO = {"否", "不", "不是", "不对", "不好", "不行", "不可以", "不同意", "不愿意", "不要", "不需要", "没有", "无", "没",
       "n", "no", "0", "算了", "拒绝"}


def parse_yes_no(text: str) -> Parsed:
    s = normalize(text).lower().rstrip("。!！.~")
    if s in _YES:
        return Parsed(True)
    if s in _NO:
        return Parsed(False)
    raise ParseError(msg("error.not_yes_no"))


# --- choices and rankings ----------------------------------------------------


def parse_choice(text: str, options: list[tuple[str, str]]) -> Parsed:
    """``options`` are (id, label) pairs, label already translated by the
    caller's catalog lookup or the id itself. Accepts the id (buttons), the
    1-based position, or the label."""
    s = normalize(text)
    lowered = s.lower()
    for oid, label in options:
        if lowered == oid.lower() or s == label:
            return Parsed(oid)
    if s.isdigit() and 1 <= int(s) <= len(options):
        return Parsed(options[int(s) - 1][0])
    matches = [oid for oid, label in options if label and (s in label)]
    if len(matches) == 1:
        return Parsed(matches[0])
    raise ParseError(msg("error.not_choice", count=len(options)))


def parse_ranking(text: str, options: list[tuple[str, str]]) -> Parsed:
    """Positions or labels in order of importance: "2 1 3", "21354",
    "健康医疗,收入保障". Items not named keep their listed order after those
    that were."""
    s = normalize(text)
    n = len(options)
    picked: list[str] = []
    parts = [p for p in re.split(r"[\s,、;>/|-]+", s) if p]
    if len(parts) == 1 and parts[0].isdigit() and n < 10:
        parts = list(parts[0])
    for part in parts:
        try:
            oid = parse_choice(part, options).value
        except ParseError:
            raise ParseError(msg("error.not_ranking", count=n)) from None
        if oid in picked:
            raise ParseError(msg("error.ranking_repeat"))
        picked.append(oid)
    rest = [oid for oid, _ in options if oid not in picked]
    return Parsed(picked + rest)


# --- short text --------------------------------------------------------------

MAX_NAME_CHARS = 20


def parse_text(text: str, max_chars: int = MAX_NAME_CHARS) -> Parsed:
    s = normalize(text)
    if len(s) > max_chars:
        raise ParseError(msg("error.text_too_long", max=max_chars))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Co", "Cs") for c in s):
        raise ParseError(msg("error.text_invalid"))
    return Parsed(s)

"""Reading a phone number (the closing's optional contact number).

Accepted: a mainland mobile number, 11 digits starting 13–19, written with
or without +86 / 0086 / 86, spaces, dashes, dots or brackets, also inside a
short sentence (我的手机是 138-1234-5678); an international number written
with its + (+852 9123 4567: a client shares the number of their Telegram
account whatever its country, and may type it). The option "none" (不留电话,
by button, id, label or a few words) is the empty answer. Anything else is
asked again with what to type; a number is never guessed (two numbers, a
landline, 10 or 12 digits).
"""

from __future__ import annotations

import re

from .messages import msg
from .parsing import MAX_ANSWER_CHARS, Parsed, ParseError, undecorated

NO_PHONE = ""  # the answer of a client who leaves no number
NO_PHONE_OPTION = "none"
NO_PHONE_WORDS = frozenset({"不留", "不留电话", "不留了", "不用", "不用了", "不需要", "不要", "不想留", "不方便",
                            "算了", "没有", "无", "否", "不", "no", "none", "skip"})

# The separators people write inside a number; dropped before matching.
_SEPARATORS = re.compile(r"[\s\-–—.·()()]")
_MAINLAND_MOBILE = r"1[3-9][0-9]{9}"
# +86 / 0086 / 86 before a mainland mobile; the number stands alone (no digit
# right before or after it, so 12 digits are not read as 11).
_MAINLAND = re.compile(rf"(?<![0-9+])(?:\+86|0086|86)?({_MAINLAND_MOBILE})(?![0-9])")
# E.164: a + and at most 15 digits, the country code first (never 0).
_INTERNATIONAL = re.compile(r"(?<![0-9])\+([1-9][0-9]{6,14})(?![0-9])")


_TRAILING = re.compile(r"[\s。.!~]+$")


def _words(text: str) -> str:
    """The answer as words: emoji and other decoration (不留电话😊, 👌没有)
    and invisible marks dropped, as every parser drops them."""
    return _TRAILING.sub("", " ".join(undecorated(text).split()).lower())


def parse_phone(text: str, options: list[tuple[str, str]] | None = None) -> Parsed:
    """The number, normalized: a mainland mobile as its 11 digits, any other
    as + and its digits; ``NO_PHONE`` for the option "none" (by id or label,
    ``options`` as (id, translated label) pairs) or its words."""
    if text is None or not text.strip():
        raise ParseError(msg("error.empty"))
    if len(text) > MAX_ANSWER_CHARS:
        raise ParseError(msg("error.too_long"))
    if not undecorated(text).strip():  # only emoji: not a number, nor a "none"
        raise ParseError(msg("closing.phone_invalid"))
    said = _words(text)
    labels = {_words(label) for oid, label in (options or ()) if oid == NO_PHONE_OPTION}
    if said == NO_PHONE_OPTION or said in labels or said in NO_PHONE_WORDS:
        return Parsed(NO_PHONE)
    flat = _SEPARATORS.sub("", undecorated(text))  # 📞138 1234 5678
    mainland = {m.group(1) for m in _MAINLAND.finditer(flat)}
    international = {m.group(1) for m in _INTERNATIONAL.finditer(flat) if not m.group(1).startswith("86")}
    if len(mainland) + len(international) == 1 and _digits_outside(flat) == 0:
        return Parsed(next(iter(mainland)) if mainland else "+" + next(iter(international)))
    raise ParseError(msg("closing.phone_invalid"))


def _digits_outside(flat: str) -> int:
    """Digits not part of the one number found (a second number, a code):
    then the answer is not read as a phone number."""
    rest = _MAINLAND.sub("", flat, count=1)
    if rest == flat:
        rest = _INTERNATIONAL.sub("", flat, count=1)
    return sum(c.isdigit() for c in rest)

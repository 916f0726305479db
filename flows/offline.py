"""The offline pre-qualification (``/newlead``): an advisor runs the quick
diagnosis on behalf of a prospect met in person. A variant of the registered
diagnosis, as data: the same questions, outcome and report (so the lead card
and the summary are the diagnosis's own), with

- a consent step that asks the *advisor* to confirm that the prospect agreed
  (strict: only an unambiguous yes; no keeps nothing, as in the diagnosis);
- the prospect's 称呼 asked at quick depth and required (the advisor must
  recognize the lead in the book);
- an optional typed phone number (a typed one only: Telegram's share-contact
  button would share the advisor's own number), kept under the diagnosis's
  phone step so the lead card shows it;
- no closing questions: no "contact_ok" (the advisor is the contact, so the
  lead exists when the flow ends), no greetings questions.

The shell runs it as a side conversation under a subject id of its own
(``bot.leadbook``): it never mixes with the advisor's own diagnosis.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .contact import NO_PHONE, parse_phone
from .diagnosis import DIAGNOSIS as _BASE
from .diagnosis import S_PERSON
from .diagnosis_report import REPORT
from .flow import Context, Step
from .messages import Msg, msg
from .parsing import ParseError

S_OFFLINE = "section.offline"
OFFLINE_NAME = "offline_diagnosis"
PHONE_KEY = "contact_phone"  # the diagnosis's phone step: the lead card reads the "phone" fact there
PHONE_MAX_CHARS = 40
# The diagnosis's closing questions are the client's own: none is asked here.
DROPPED = frozenset({"contact_ok", "contact_time", "contact_phone", "greetings_ok", "birthday_calendar"})


def _named(value: Any, answers: dict, ctx: Context) -> Msg | None:
    """The advisor recognizes the lead in the book by this name: required."""
    return msg("error.offline_name_needed") if not value else None


def _phone_typed(value: Any, answers: dict, ctx: Context) -> Msg | None:
    """A typed number that reads as exactly one phone number (as the
    diagnosis's phone step reads one); skipping keeps none."""
    if value in (None, NO_PHONE):
        return None
    try:
        read = parse_phone(str(value))
    except ParseError:
        return msg("error.offline_phone")
    return None if read.value != NO_PHONE else msg("error.offline_phone")


CONSENT = Step("consent", "ask.offline_consent", "yes_no", S_OFFLINE, quick=True, strict=True,
               labels={"yes": "offline.consent.yes", "no": "offline.consent.no"})
PHONE = Step(PHONE_KEY, "ask.offline_phone", "note", S_PERSON, quick=True, max=PHONE_MAX_CHARS, default=NO_PHONE,
             check=_phone_typed)


def _items() -> tuple:
    items: list = []
    for item in _BASE.items:
        key = getattr(item, "key", None)
        if key == _BASE.consent_key:
            items.append(CONSENT)
        elif key == "name":
            items.append(replace(item, prompt="ask.offline_name", quick=True, default=None, check=_named))
            items.append(PHONE)
        elif key not in DROPPED:
            items.append(item)
    return tuple(items)


OFFLINE = replace(
    _BASE,
    name=OFFLINE_NAME,
    items=_items(),
    report=REPORT,
    # No "contact_ok" and no greetings: the shell's client features (the lead
    # made on consent, greetings) do not apply to a prospect.
    facts={"name": "name", "phone": PHONE_KEY, "birth_date": "birth_date"},
)

__all__ = ["OFFLINE", "OFFLINE_NAME"]

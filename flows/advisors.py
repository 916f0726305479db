"""Advisors' small conversations, as data: run by the same engine and driver
as the diagnosis (a new conversation is a flow and a line in the registry).

- ``SIGNUP``: whoever opens an advisor invitation gives a name, a company and
  a phone number (the company and the phone may be skipped).
- ``CONTACT_NOTE``: after a contact logged by button (📞 / ✉️ / 🤝), an
  optional note.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .flow import Context, Flow, Step
from .leads.book import NOTE_MAX_CHARS
from .messages import Msg, msg
from .parsing import NO_NAME

S_SIGNUP = "section.signup"
S_NOTE = "section.note"

SIGNUP_NAME_MAX = 20
COMPANY_MAX = 30

LINKISH = re.compile(r"https?:|www\.|t\.me|@|\.(com|cn|net|org|me)\b|微信|vx|wx", re.IGNORECASE)


def _named(value: Any, answers: dict, ctx: Context) -> Msg | None:
    """Clients see this name in the welcome text and on every card: a name,
    one line, no digits, no link or contact handle."""
    if not value or value.strip().lower() in NO_NAME:  # 不想说, 保密…: a name is needed here
        return msg("error.signup_name_needed")
    letters = any(unicodedata.category(c).startswith("L") for c in value)
    if "\n" in value or any(c.isdigit() for c in value) or not letters:
        return msg("error.signup_name_invalid")
    return _no_link(value, answers, ctx)


def _no_link(value: Any, answers: dict, ctx: Context) -> Msg | None:
    """Shown to clients beside the advisor's name: no link or handle that
    would send them elsewhere."""
    if value and ("\n" in value or LINKISH.search(value)):
        return msg("error.signup_no_link")
    return None


SIGNUP = Flow(
    name="advisor_signup",
    facts={"name": "name", "company": "company", "phone": "phone"},
    items=(
        Step("name", "ask.signup_name", "note", S_SIGNUP, max=SIGNUP_NAME_MAX, hint="hint.signup_name",
             check=_named, label="label.signup_name"),
        Step("company", "ask.signup_company", "note", S_SIGNUP, max=COMPANY_MAX, default="",
             hint="hint.signup_company", check=_no_link),
        Step("phone", "ask.signup_phone", "phone", S_SIGNUP, choices=("none",),
             labels={"none": "label.signup_phone_none"}, default=""),
    ),
)

CONTACT_NOTE = Flow(
    name="contact_note",
    facts={"note": "note"},
    items=(
        Step("note", "ask.contact_note", "note", S_NOTE, max=NOTE_MAX_CHARS, default=""),
    ),
)

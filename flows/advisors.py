"""Advisors' small conversations, as data: run by the same engine and driver
as the diagnosis (a new conversation is a flow and a line in the registry).

- ``SIGNUP``: whoever opens an advisor invitation gives a name, a company and
  a phone number (the company and the phone may be skipped).
- ``CONTACT_NOTE``: after a contact logged by button (📞 / ✉️ / 🤝), an
  optional note.
"""

from __future__ import annotations

from typing import Any

from .flow import Context, Flow, Step
from .messages import Msg, msg

S_SIGNUP = "section.signup"
S_NOTE = "section.note"

SIGNUP_NAME_MAX = 20
COMPANY_MAX = 30
NOTE_MAX = 500

def _named(value: Any, answers: dict, ctx: Context) -> Msg | None:
    """Clients will see this name on every card and link: it may not be empty."""
    return msg("error.signup_name_needed") if not value else None


SIGNUP = Flow(
    name="advisor_signup",
    facts={"name": "name", "company": "company", "phone": "phone"},
    items=(
        Step("name", "ask.signup_name", "text", S_SIGNUP, max=SIGNUP_NAME_MAX, hint="hint.signup_name",
             check=_named),
        Step("company", "ask.signup_company", "note", S_SIGNUP, max=COMPANY_MAX, default="",
             hint="hint.signup_company"),
        Step("phone", "ask.signup_phone", "phone", S_SIGNUP, choices=("none",),
             labels={"none": "label.signup_phone_none"}, default=""),
    ),
)

CONTACT_NOTE = Flow(
    name="contact_note",
    facts={"note": "note"},
    items=(
        Step("note", "ask.contact_note", "note", S_NOTE, max=NOTE_MAX, default=""),
    ),
)

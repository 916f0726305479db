"""Leads: tier, rating, the lead card, the lead book (stages, contact log,
filters), the CSV export and the contact cadence. Pure: no I/O, no clock
(``today`` is an argument).

- ``card``: ``tier_of``, ``rating_of`` (``RATING_RULE``), ``lead_card`` from
  a result's stored figures, ``card_lines`` (one message), ``card_brief``
  (one line of ``/leads``);
- ``book``: stages and their moves, contact kinds (T/E/M) and notes,
  ``LeadFilter`` / ``matches``;
- ``export``: ``EXPORT_HEADER`` and ``export_row`` for ``/export``;
- ``cadence``: ``reminders`` — who is due for a call, a birthday or a visit.
"""

from .book import (
    CONTACT_KINDS,
    NEXT_STAGES,
    NOTE_MAX_CHARS,
    STAGES,
    ContactEntry,
    ContactKind,
    LeadFilter,
    can_move,
    contact_line,
    filter_label,
    matches,
    next_stages,
)
from .cadence import (
    CadenceSettings,
    LeadTouch,
    Reminder,
    ReminderKind,
    due_ids,
    lead_reminders,
    reminder_line,
    reminders,
)
from .card import (
    CARD_MAX_LINES,
    RATING_RULE,
    RATINGS,
    TIERS,
    Family,
    Gaps,
    LeadCard,
    Medical,
    Rating,
    Source,
    Stage,
    Tier,
    card_brief,
    card_lines,
    lead_card,
    name_of,
    rating_of,
    tier_at_least,
    tier_of,
    who,
)
from .export import EXPORT_HEADER, export_row

__all__ = [
    "CARD_MAX_LINES", "CONTACT_KINDS", "EXPORT_HEADER", "NEXT_STAGES", "NOTE_MAX_CHARS", "RATINGS", "RATING_RULE",
    "STAGES", "TIERS", "CadenceSettings", "ContactEntry", "ContactKind", "Family", "Gaps", "LeadCard",
    "LeadFilter", "LeadTouch", "Medical", "Rating", "Reminder", "ReminderKind", "Source", "Stage", "Tier",
    "can_move", "card_brief", "card_lines", "contact_line", "due_ids", "export_row",
    "filter_label", "lead_card", "lead_reminders", "matches", "name_of", "next_stages", "rating_of",
    "reminder_line", "reminders", "tier_at_least", "tier_of", "who",
]

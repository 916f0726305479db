"""The lead book: stages and the moves between them, the contact log's
kinds and notes, and the filters of ``/leads``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ..messages import Msg, msg
from .card import LeadCard, Rating, Stage, Tier, stamp

STAGES: tuple[Stage, ...] = ("new", "contacted", "proposal", "won", "lost")  # 新线索 → 已联系 → 已出建议书 → 成交 / 未成交
OPEN_STAGES: tuple[Stage, ...] = ("new", "contacted", "proposal")

# Forward along the pipeline, skipping steps when things go fast (a proposal
# at the first meeting); 未成交 from any open stage; a closed lead reopens at
# 已联系 (a client who comes back, or a button pressed by mistake).
NEXT_STAGES: dict[Stage, tuple[Stage, ...]] = {
    "new": ("contacted", "proposal", "won", "lost"),
    "contacted": ("proposal", "won", "lost"),
    "proposal": ("won", "lost"),
    "won": ("contacted",),
    "lost": ("contacted",),
}


def next_stages(stage: Stage) -> tuple[Stage, ...]:
    return NEXT_STAGES[stage]


def can_move(stage: Stage, to: Stage) -> bool:
    return to in NEXT_STAGES[stage]


# --- the contact log (seed 004: T phone, E e-mail, M meeting) -------------------

ContactKind = Literal["T", "E", "M"]
CONTACT_KINDS: tuple[ContactKind, ...] = ("T", "E", "M")
# A note is a reminder for the advisor, not a document: long enough for a
# call's gist, short enough to list several in one message.
NOTE_MAX_CHARS = 500


@dataclass(frozen=True)
class ContactEntry:
    kind: ContactKind
    at: datetime  # local time, as the shell reads it
    note: str = ""


def contact_line(entry: ContactEntry) -> Msg:
    """One entry of the contact log: 📞 电话 2026-11-23 10:05 · note."""
    kind = msg(f"lead.contact.{entry.kind}")
    if entry.note.strip():
        return msg("lead.contact.line.note", kind=kind, at=stamp(entry.at), note=entry.note.strip())
    return msg("lead.contact.line", kind=kind, at=stamp(entry.at))


# --- filters of /leads ------------------------------------------------------------


@dataclass(frozen=True)
class LeadFilter:
    """What ``/leads`` shows; None: any. ``due``: only leads with a reminder due."""

    tier: Tier | None = None
    rating: Rating | None = None
    stage: Stage | None = None
    due: bool = False


def matches(card: LeadCard, f: LeadFilter, due_ids: Collection[int] = ()) -> bool:
    """Whether ``card`` passes ``f``; ``due_ids``: the ids of the leads due
    (``cadence.reminders``), computed once for the page."""
    return ((f.tier is None or card.tier == f.tier)
            and (f.rating is None or card.rating == f.rating)
            and (f.stage is None or card.stage == f.stage)
            and (not f.due or card.lead_id in due_ids))


def filter_label(f: LeadFilter, first: Msg | None = None) -> Msg:
    """What a filter keeps, in words (the /leads page title); ``first``: a
    part said before the filter's own (the shell's 100万+ floor)."""
    parts = [first] if first is not None else []
    parts += [msg(f"lead.tier.{f.tier}")] if f.tier else []
    parts += [msg(f"lead.rating.{f.rating}")] if f.rating else []
    parts += [msg(f"lead.stage.{f.stage}")] if f.stage else []
    parts += [msg("lead.filter.due")] if f.due else []
    if not parts:
        return msg("lead.filter.all")
    head = parts[0]
    for part in parts[1:]:
        head = msg("lead.sep", a=head, b=part)
    return msg("lead.filter", parts=head)

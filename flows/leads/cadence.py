"""Who is due today (seed 002): the bot reminds, the advisor acts.

- a lead of tier 20万+ is due for contact when its last contact (any T, E
  or M; never contacted: the consent date) is ``contact_every_days`` or more
  days old — 15 days keeps "at least twice a month";
- a 100万+ lead's birthday (solar, or lunar when the client chose it) is
  announced from ``birthday_notice_days`` days before through the day itself:
  time to send flowers or a cake;
- a 500万+ lead is due for a visit when it had no meeting (M) for
  ``visit_every_months`` months (never met: since consent).

Stages: a lost lead (未成交) gets no reminders — the advisor closed it.
A won lead (成交) is a client now, and seed 002's cadence is about clients:
its reminders go on.

``Reminder.on`` is the day a reminder became due (the birthday itself for a
birthday), so the shell can key a digest's entry by (lead, kind, on) and
send it once however many days it stays due.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ..greetings.calendar import lunar_date, next_birthday
from ..messages import Msg, msg
from .card import Stage, Tier, tier_at_least

ReminderKind = Literal["contact", "birthday", "visit"]
REMINDER_KINDS: tuple[ReminderKind, ...] = ("contact", "birthday", "visit")
# The lowest tier each reminder is for (seed 002).
REMINDER_TIER: dict[ReminderKind, Tier] = {"contact": "20w_100w", "birthday": "100w_500w", "visit": "500w_plus"}


@dataclass(frozen=True)
class CadenceSettings:
    contact_every_days: int = 15
    birthday_notice_days: int = 3
    visit_every_months: int = 6


@dataclass(frozen=True)
class LeadTouch:
    """What the cadence needs to know of a lead."""

    lead_id: int
    tier: Tier
    consent_on: date  # the day the lead exists
    stage: Stage
    last_contact: date | None = None  # the newest T, E or M entry
    last_meeting: date | None = None  # the newest M entry
    born: date | None = None
    lunar_birthday: bool = False


@dataclass(frozen=True)
class Reminder:
    kind: ReminderKind
    lead_id: int
    on: date  # contact/visit: the day it became due; birthday: the birthday
    days: int  # contact/visit: days since the last touch; birthday: days until it (0: today)
    lunar: bool = False  # a birthday kept by the lunar calendar
    never: bool = False  # contact/visit: never contacted (met) yet: ``days`` counts from the consent


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; a day the month lacks becomes its last (31 Aug + 6 → 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def lead_reminders(lead: LeadTouch, today: date, settings: CadenceSettings = CadenceSettings()) -> list[Reminder]:
    if lead.stage == "lost":
        return []
    found = []
    if tier_at_least(lead.tier, REMINDER_TIER["contact"]):
        since = lead.last_contact or lead.consent_on
        due = since + timedelta(days=settings.contact_every_days)
        if today >= due:
            found.append(Reminder("contact", lead.lead_id, due, (today - since).days,
                                  never=lead.last_contact is None))
    if tier_at_least(lead.tier, REMINDER_TIER["birthday"]) and lead.born is not None:
        birthday = next_birthday(lead.born, lead.lunar_birthday, today)
        days = (birthday - today).days
        if days <= settings.birthday_notice_days:
            found.append(Reminder("birthday", lead.lead_id, birthday, days, lead.lunar_birthday))
    if tier_at_least(lead.tier, REMINDER_TIER["visit"]):
        since = lead.last_meeting or lead.consent_on
        due = add_months(since, settings.visit_every_months)
        if today >= due:
            found.append(Reminder("visit", lead.lead_id, due, (today - since).days,
                                  never=lead.last_meeting is None))
    return found


def reminders(leads: Iterable[LeadTouch], today: date, settings: CadenceSettings = CadenceSettings()) -> list[Reminder]:
    """Every reminder due on ``today``: by kind (contact, birthday, visit),
    then the longest due (the nearest birthday) first, then by lead."""
    found = [r for lead in leads for r in lead_reminders(lead, today, settings)]
    return sorted(found, key=lambda r: (REMINDER_KINDS.index(r.kind), r.on, r.lead_id))


def due_ids(found: Iterable[Reminder]) -> frozenset[int]:
    """The leads with something due (the "due" filter of /leads)."""
    return frozenset(r.lead_id for r in found)


def reminder_line(r: Reminder, name: Msg) -> Msg:
    """One line of ``/due`` and of the daily digest; ``name``: the lead's
    称呼 (``card.who``)."""
    if r.kind == "birthday":
        when = msg("lead.remind.today") if r.days == 0 else msg("lead.remind.in_days", days=r.days)
        if r.lunar:  # the lunar date the client keeps, and this year's solar day of it
            return msg("lead.remind.birthday_lunar", n=r.lead_id, name=name, when=when, lunar=lunar_name(r.on),
                       month=r.on.month, day=r.on.day)
        return msg("lead.remind.birthday", n=r.lead_id, name=name, when=when, month=r.on.month, day=r.on.day)
    return msg(f"lead.remind.{r.kind}" + (".never" if r.never else ""), n=r.lead_id, name=name, days=r.days)


LUNAR_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
LUNAR_TENS = ("初", "十", "廿", "三")
LUNAR_UNITS = ("十", "一", "二", "三", "四", "五", "六", "七", "八", "九")


def lunar_name(day: date) -> str:
    """A solar date's lunar month and day as people write them: 二月初八,
    闰六月初十, 冬月二十, 腊月三十 (the lunar calendar is Chinese by nature)."""
    ld = lunar_date(day)
    tens, units = divmod(ld.day, 10)
    if units == 0:
        name = {1: "初十", 2: "二十", 3: "三十"}[tens]
    else:
        name = LUNAR_TENS[tens] + LUNAR_UNITS[units]
    return ("闰" if ld.leap else "") + LUNAR_MONTHS[ld.month - 1] + "月" + name

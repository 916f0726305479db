"""The annual review (定期检视): which clients are reminded on a day to look at
their diagnosis again, with which words, and the line an advisor's digest
gives a lead whose review is due. Pure: today is always an argument.

Rules:

- **The last diagnosis** is the day (in TZ) of the client's newest stored
  result: the diagnosis itself, or the newest ``/edit`` or ``/deepen`` that
  produced a new result. Looking at it again *is* a review, so the year
  starts again from it.
- **The anniversary**: the same month and day one, two, … years after the
  last diagnosis; a diagnosis of 29 Feb is reminded on 28 Feb in a common
  year (as a birthday is). Reminded once per anniversary: the outbox key's
  occurrence is the anniversary's year ("2027").
- **Catch-up**: due on the anniversary or on one of the
  ``REVIEW_WINDOW_DAYS - 1`` days after it — a bot that was down that day,
  or a day on which the client already gets a greeting (one message a day:
  the review waits for the next day). Once planned for a day, the outbox's
  rule holds: a reminder that could not go out on its day expires and is
  never planned again (its key exists).
- **Life events** (marriage, a child) are reported by the client with
  ``/edit`` (婚姻状况, 子女), or in one tap from the reminder's 重新检视
  button. When the change reached a new result, the client has just seen
  their new gaps: a reminder would be redundant, none is sent (and the year
  starts again). When the change was left unfinished (the interview that
  holds the result says 已婚 while the result was single, or lists more
  children than the result; questions the change brought are still open),
  the next day — or one of the ``REVIEW_WINDOW_DAYS - 1`` days after — the
  client is reminded to finish it (``/start`` resumes at the open question),
  once per change: occurrence ``family-<day of the change>``.
- **At most one review reminder** in ``REVIEW_WINDOW_DAYS`` days to a client
  (a change's reminder and an anniversary's never come on top of each
  other; on a day both are due, the change's, which says more).
- **Opt-in**: the client's greetings answer (``/greetings``, the stop button
  under a greeting or a reminder): a client who declined or stopped greetings
  gets no review reminder either; nor does one who blocked the bot.
- **The advisor**: the digest names a lead whose client's anniversary is
  due (the same window), until the advisor logs a contact with the lead on
  or after the anniversary; a lost lead (未成交) gets no reminder (as in
  ``flows.leads.cadence``). The client's greetings answer does not matter
  there: the client agreed to be contacted by the advisor.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal

from ..messages import Msg, msg
from .plan import GreetingClient

REVIEW_OCCASION = "review"
REVIEW_WINDOW_DAYS = 7  # the first day and the catch-up days; also the quiet time between two reminders

LifeEvent = Literal["married", "child"]
Reason = Literal["anniversary", "family"]
# The diagnosis answers a life event changes (its step keys: marital status,
# the children's ages) and the stored result's profile fields that held them.
FAMILY_ANSWERS = ("marital", "children")


def anniversary(last: date, years: int) -> date:
    """The day ``years`` years after ``last`` (29 Feb → 28 Feb in a common year)."""
    try:
        return last.replace(year=last.year + years)
    except ValueError:  # 29 Feb in a common year
        return date(last.year + years, 2, 28)


def anniversary_due(last: date | None, day: date, window: int = REVIEW_WINDOW_DAYS) -> date | None:
    """The anniversary of ``last`` whose reminder falls on ``day`` (``day``
    within ``window`` days from it, the anniversary itself the first), or None."""
    if last is None or day <= last:
        return None
    for years in (day.year - last.year, day.year - last.year - 1):
        if years >= 1:
            a = anniversary(last, years)
            if a <= day < a + timedelta(days=window):
                return a
    return None


def years_since(last: date, on: date) -> int:
    """Whole years from ``last`` to its anniversary ``on``."""
    return on.year - last.year


@dataclass(frozen=True)
class FamilyChange:
    """A life event the client reported with /edit that no result holds yet."""

    on: date  # the day (in TZ) the changed answer was given
    events: tuple[LifeEvent, ...]  # "married", "child" (in that order)


def family_change(figures: Mapping[str, Any] | None, answers: Mapping[str, Any],
                  answered_on: Mapping[str, date]) -> FamilyChange | None:
    """The life events between a stored result (its ``figures``) and the
    answers of its interview as they are now (``FAMILY_ANSWERS``, with the
    day each was given), or None: married now and single in the result;
    more children now than in the result. Only meaningful while a change is
    under way (a finished change has stored a new result)."""
    profile = figures.get("profile") if isinstance(figures, Mapping) else None
    if not isinstance(profile, Mapping):
        return None
    events: list[LifeEvent] = []
    days: list[date] = []
    if answers.get("marital") == "married" and profile.get("married") is False and "marital" in answered_on:
        events.append("married")
        days.append(answered_on["marital"])
    now, then = answers.get("children"), profile.get("children")
    if isinstance(now, list) and isinstance(then, list) and len(now) > len(then) and "children" in answered_on:
        events.append("child")
        days.append(answered_on["children"])
    if not events:
        return None
    return FamilyChange(on=max(days), events=tuple(events))


@dataclass(frozen=True)
class Review:
    client_id: int
    chat_id: int
    day: date
    reason: Reason
    occasion: str  # REVIEW_OCCASION
    occurrence: str  # "2027" (the anniversary's year) or "family-2027-03-04" (the change's day)
    message: tuple[Msg, ...]


def review_due(client: GreetingClient, day: date, last_diagnosis: date | None,
               change: FamilyChange | None = None) -> Review | None:
    """The review reminder due to ``client`` on ``day`` by the rules above,
    leaving out the two that need the outbox (a greeting the same day, a
    reminder in the last days: ``plan_reviews``)."""
    if not (client.opted_in and client.reachable):
        return None
    if change is not None and 1 <= (day - change.on).days <= REVIEW_WINDOW_DAYS:
        return Review(client.client_id, client.chat_id, day, "family", REVIEW_OCCASION,
                      f"family-{change.on.isoformat()}", family_message(client, change.events))
    due = anniversary_due(last_diagnosis, day)
    if due is None or last_diagnosis is None:
        return None
    return Review(client.client_id, client.chat_id, day, "anniversary", REVIEW_OCCASION, str(due.year),
                  anniversary_message(client, years_since(last_diagnosis, due)))


def plan_reviews(clients: Iterable[GreetingClient], day: date, last_diagnosis: Mapping[int, date], *,
                 changes: Mapping[int, FamilyChange] | None = None, greeted: Collection[int] = (),
                 reminded: Collection[int] = ()) -> list[Review]:
    """The review reminders due on ``day``, in the clients' order.
    ``last_diagnosis``: client id → the day of their newest result (clients
    without one are never reminded); ``changes``: client id → an unfinished
    life event; ``greeted``: client ids greeted on ``day`` (their review
    waits a day); ``reminded``: client ids with a review reminder planned on
    one of the ``REVIEW_WINDOW_DAYS - 1`` days before ``day``."""
    changes = changes or {}
    planned = []
    for client in clients:
        cid = client.client_id
        if cid in greeted or cid in reminded:
            continue
        last = last_diagnosis.get(cid)
        change = changes.get(cid)
        if last is None and change is None:
            continue
        found = review_due(client, day, last, change)
        if found is not None:
            planned.append(found)
    return planned


# --- the words -----------------------------------------------------------------
#
# A day may plan 100,000 reminders that share a handful of lines: the lines,
# and whole messages (a 称呼, an advisor and a number of years), are built
# once and shared (a Msg is frozen and never changed once built).

_INVITE = msg("review.invite")
_STOP = msg("review.stop")


def anniversary_message(client: GreetingClient, years: int) -> tuple[Msg, ...]:
    return _anniversary_message(client.name, client.advisor_name, years)


def family_message(client: GreetingClient, events: tuple[LifeEvent, ...]) -> tuple[Msg, ...]:
    what = msg("review.event.both") if len(events) > 1 else msg(f"review.event.{events[0]}")
    return _closed((_hello(client.name), msg("review.family", events=what)), client.advisor_name)


@lru_cache(maxsize=4096)
def _anniversary_message(name: str | None, advisor: str | None, years: int) -> tuple[Msg, ...]:
    since = msg("review.anniversary.one") if years == 1 else msg("review.anniversary.years", years=years)
    return _closed((_hello(name), since, _INVITE), advisor)


def _closed(lines: tuple[Msg, ...], advisor: str | None) -> tuple[Msg, ...]:
    return (*lines, *((_signed(advisor),) if advisor else ()), _STOP)


@lru_cache(maxsize=4096)
def _hello(name: str | None) -> Msg:
    return msg("greet.hello.name", name=name) if name else msg("greet.hello")


@lru_cache(maxsize=1024)
def _signed(advisor: str) -> Msg:
    return msg("greet.signed", advisor=advisor)


# --- the advisor's digest ---------------------------------------------------------


def lead_review_due(last_diagnosis: date | None, day: date, *, last_contact: date | None = None,
                    stage: str | None = None) -> date | None:
    """The anniversary an advisor's digest of ``day`` names for a lead (its
    client's last diagnosis on ``last_diagnosis``), or None: none due, the
    lead is lost, or the advisor has contacted the client since the
    anniversary."""
    if stage == "lost":
        return None
    due = anniversary_due(last_diagnosis, day)
    if due is None or (last_contact is not None and last_contact >= due):
        return None
    return due


def lead_review_line(lead_id: int, name: Msg, years: int) -> Msg:
    """The digest's line: 「🔁 #N 王先生:诊断满一年,建议约一次检视」."""
    if years == 1:
        return msg("review.digest.one", n=lead_id, name=name)
    return msg("review.digest.years", n=lead_id, name=name, years=years)

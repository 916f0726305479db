"""Scheduled greetings and reminders, the shell: read the clients' settings,
plan the day (``flows.greetings.plan`` and ``flows.greetings.review``, pure),
render each message in its client's language, insert the rows into the
outbox, drain it at the configured rate.

The database is the truth; python-telegram-bot's JobQueue only ticks
(``GreetingClock``): every ``TICK_SECONDS`` (and once at start) the clock
drains today's pending rows (greetings, review reminders, the advisors' lead
cards the driver posts, digests). Once it is ``GREETING_TIME`` today (in
``TZ``) it plans today's greetings and annual review reminders first; once it
is ``DIGEST_TIME``, the advisors' daily digests (``bot.leadbook.digests``) —
idempotent both: the outbox's unique key inserts nothing twice. A bot that
was down at 09:00 catches up at its first tick the same day; a message still
pending when its day is over expires (against the real today, never a later
day's rehearsal), except lead cards and withdrawal notices, which are not
bound to a day: the next drain carries them to its own day. The operators' ``diagbot greetings
send --date D`` runs the same ``run_day`` for any D.

``lead_reviews`` gives the advisor's digest its annual-review lines.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from telegram import Bot

from flows.greetings.plan import Greeting, GreetingClient, plan_day
from flows.greetings.review import (
    FAMILY_ANSWERS,
    REVIEW_OCCASION,
    REVIEW_WINDOW_DAYS,
    Review,
    family_change,
    lead_review_due,
    lead_review_line,
    plan_reviews,
    years_since,
)
from flows.messages import Msg
from flows.registry import FLOWS

from .callbacks import CardAction, Greetings
from .config import Settings
from .i18n import Renderer, catalog_keys
from .sender import DrainReport, Sender, make_bot
from .storage import Storage
from .storage_outbox import NewMessage, Outbox, is_greeting

if TYPE_CHECKING:
    from .driver import Driver

log = logging.getLogger("diagbot.greetings")

# The button under every greeting: stop receiving them (``Greetings("off")``,
# pressed in bot.greetings_room); none while the catalog has no label for it.
STOP_LABEL = "greet.button.stop"
# Under a review reminder: review now (``CardAction("edit")``: what /edit
# does, handled by the driver) and stop (the same switch as greetings').
REVIEW_LABEL = "review.button.review"
REVIEW_STOP_LABEL = "review.button.stop"
DEFAULT_TZ = "Asia/Shanghai"  # the TZ setting's default


@dataclass
class PlanReport:
    day: date
    due: int = 0  # greetings due that day
    inserted: int = 0  # rows new in the outbox (0 when the day was planned before)
    by_occasion: Counter = field(default_factory=Counter)
    recipients: list[int] = field(default_factory=list)  # greetings' chat ids in plan order: never logged
    reviews: int = 0  # review reminders due that day
    digests: int | None = None  # advisors' digests due that day (None: not planned, or the planning failed)

    def __str__(self) -> str:
        return (f"due={self.due} new={self.inserted}" + (f" reviews={self.reviews}" if self.reviews else "")
                + (f" digests={self.digests}" if self.digests else ""))


def stop_keyboard(r: Renderer) -> list[list[dict]]:
    """The payload's inline keyboard (as the Bot API takes it): the stop button."""
    if STOP_LABEL not in catalog_keys(r.language):
        return []
    return [[{"text": r.text(STOP_LABEL), "callback_data": Greetings("off").encode()}]]


def review_keyboard(r: Renderer, review: Review) -> list[list[dict]]:
    """Under an anniversary's reminder, 重新检视 (the driver's /edit, a tap
    away) and the stop button; under a change's, the stop button (its text
    says /start, which resumes the change at its open question)."""
    keys = catalog_keys(r.language)
    rows = []
    if review.reason == "anniversary" and REVIEW_LABEL in keys:
        rows.append([{"text": r.text(REVIEW_LABEL), "callback_data": CardAction("edit").encode()}])
    if REVIEW_STOP_LABEL in keys:
        rows.append([{"text": r.text(REVIEW_STOP_LABEL), "callback_data": Greetings("off").encode()}])
    return rows


def _greeting_keyboard(r: Renderer, item: Any) -> list[list[dict]]:
    return stop_keyboard(r)


def _review_keyboard(r: Renderer, item: Any) -> list[list[dict]]:
    return review_keyboard(r, item)


class _Renderers:
    def __init__(self, default: str) -> None:
        self.default = default
        self._by_language: dict[str, Renderer] = {}

    def __call__(self, language: str | None) -> Renderer:
        language = language or self.default
        found = self._by_language.get(language)
        if found is None:
            try:
                found = Renderer(language)
            except Exception:  # no catalog for a stored language: the default's
                found = Renderer(self.default)
            self._by_language[language] = found
        return found


def render(items: Iterable[Greeting | Review], languages: dict[int, str], default_language: str,
           keyboard: Callable[[Renderer, Any], list[list[dict]]] = _greeting_keyboard) -> list[NewMessage]:
    """Each greeting (or review reminder) as an outbox row: its text in the
    client's language, and its buttons (``keyboard``: the stop button)."""
    renderers = _Renderers(default_language)
    lines: dict[tuple[str, str], str] = {}  # a line without parameters, rendered once per language
    keyboards: dict[tuple[str, str], list] = {}  # one object per language and kind: encoded once (storage_outbox)
    rows = []
    for g in items:
        r = renderers(languages.get(g.client_id))
        kind = getattr(g, "reason", "greeting")
        buttons = keyboards.get((r.language, kind))
        if buttons is None:
            buttons = keyboards[(r.language, kind)] = keyboard(r, g)
        text = []
        for m in g.message:
            if m.params:
                text.append(r(m))
            else:
                line = lines.get((r.language, m.key))
                if line is None:
                    line = lines[(r.language, m.key)] = r(m)
                text.append(line)
        rows.append(NewMessage(recipient=g.chat_id, client_id=g.client_id, occasion=g.occasion,
                               occurrence=g.occurrence, day=g.day,
                               payload={"text": "\n".join(text), "keyboard": buttons}))
    return rows


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def local_day(stored: str, tz: ZoneInfo) -> date:
    """The day (in ``tz``) of a stored UTC time (ISO)."""
    moment = datetime.fromisoformat(stored)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz).date()


def _plan_rows(clients: list[GreetingClient], languages: dict[int, str], day: date, language: str,
               known: set[tuple[int, str, str]] | None, last: dict[int, str], changes: dict, reminded: set[int],
               tz: ZoneInfo) -> tuple[list[Greeting], list[Review], list[NewMessage]]:
    greetings = plan_day(clients, day)
    # One greeting per client a day: a client who already has a greeting row
    # of the day (any occasion: their birthday may have changed since the day
    # was planned; any status) gets no other one.
    occurrence = day.isoformat()
    greeted_before = {chat for chat, occasion, when in known or () if when == occurrence and is_greeting(occasion)}
    last_diagnosis = {cid: local_day(at, tz) for cid, at in last.items()}
    reviews = plan_reviews(clients, day, last_diagnosis, changes=changes,
                           greeted={g.client_id for g in greetings} | greeted_before, reminded=reminded)
    if known is None:  # a dry run
        return greetings, reviews, []
    rows = render([g for g in greetings if g.chat_id not in greeted_before], languages, language)
    rows += render([v for v in reviews if (v.chat_id, v.occasion, v.occurrence) not in known], languages, language,
                   _review_keyboard)
    return greetings, reviews, rows


async def _changes(outbox: Outbox, client_ids: Sequence[int], tz: ZoneInfo) -> dict:
    """The unfinished life events of the clients changing their answers."""
    if not client_ids:
        return {}
    found = {}
    for cid, family in (await outbox.family_answers(client_ids, FAMILY_ANSWERS)).items():
        change = family_change(family.figures, family.answers,
                               {k: local_day(at, tz) for k, at in family.answered_at.items()})
        if change is not None:
            found[cid] = change
    return found


async def plan(outbox: Outbox, day: date, *, language: str, dry_run: bool = False,
               tz: str | ZoneInfo = DEFAULT_TZ) -> PlanReport:
    """Plan ``day``'s greetings and review reminders into the outbox (a dry
    run writes nothing). Messages already in the outbox are not rendered
    again (the unique key would ignore them anyway). The pure work runs in a
    thread: with many clients the running bot's event loop keeps answering
    meanwhile."""
    tz = _zone(tz)
    clients, languages, last, changing = [], {}, {}, []
    for flow in FLOWS.values():  # the flows whose answers hold greeting settings (the diagnosis)
        if "greetings" in flow.facts:
            found = await outbox.client_settings(flow.name, flow.facts)
            clients += found.clients
            languages.update(found.languages)
            last.update(found.last_result)
            changing += found.changing
    changes = await _changes(outbox, changing, tz)
    # Reminded in the days before (one reminder in REVIEW_WINDOW_DAYS days);
    # today's own rows are the known keys: counted as due, not planned again.
    reminded = await outbox.reminded(REVIEW_OCCASION, day - timedelta(days=REVIEW_WINDOW_DAYS - 1),
                                     day - timedelta(days=1))
    known = None if dry_run else await outbox.keys(day)
    greetings, reviews, rows = await asyncio.to_thread(_plan_rows, clients, languages, day, language, known, last,
                                                       changes, reminded, tz)
    report = PlanReport(day, due=len(greetings), by_occasion=Counter(g.occasion for g in greetings),
                        recipients=[g.chat_id for g in greetings], reviews=len(reviews))
    if reviews:
        report.by_occasion[REVIEW_OCCASION] += len(reviews)
    if rows:
        report.inserted = await outbox.add(rows)
    return report


def driver_for(storage: Storage, settings: Settings) -> Driver:
    """A Driver on ``storage`` as the bot builds one (``bot.telegram_app``):
    what the advisors' digests are rendered with, outside the running bot."""
    from .driver import Driver

    return Driver(storage, timezone=settings.tz, language=settings.language, admin_ids=settings.admin_user_ids,
                  bot_username=settings.bot_username)


async def plan_digests(outbox: Outbox, driver: Driver, day: date, *, dry_run: bool = False) -> tuple[int, int]:
    """The advisors' daily digests of ``day`` (``bot.leadbook.digests``: one
    per advisor who has something) into the outbox; (due, inserted). The
    key (advisor, "digest", day) makes a second planning insert nothing."""
    from .leadbook import digests

    messages = await digests(driver, day)
    if dry_run or not messages:
        return len(messages), 0
    return len(messages), await outbox.add(messages)


async def run_day(outbox: Outbox, sender: Sender, day: date, *, language: str, until: datetime | None = None,
                  greetings: bool = True, digests: Driver | None = None, tz: str | ZoneInfo = DEFAULT_TZ,
                  today: date | None = None) -> tuple[int, PlanReport | None, DrainReport]:
    """The one path of the clock and of ``greetings send``: dated rows
    (greetings, reminders, digests) of the days before ``day`` — and before
    the real ``today`` (in ``tz``; a rehearsal of a later day never expires
    today's rows) — still pending expire; pending lead cards and withdrawal
    notices of any other day are carried to ``day`` (they never expire);
    ``day``'s greetings and review reminders are planned (idempotent; skipped
    when ``greetings`` is False), and the advisors' digests when ``digests``
    (the Driver that renders them) is given; rows to people who blocked the
    bot since are failed; every pending row of ``day`` (greetings, reminders,
    lead cards, digests) is sent. Returns (expired, plan — None when nothing
    was planned —, drain)."""
    tz = _zone(tz)
    today = today or datetime.now(tz).date()
    expired = await outbox.expire(min(day, today))
    carried = await outbox.carry(day)
    planned = await plan(outbox, day, language=language, tz=tz) if greetings else None
    if digests is not None:
        planned = planned or PlanReport(day)
        try:
            planned.digests, inserted = await plan_digests(outbox, digests, day)
            planned.inserted += inserted
            if planned.digests:
                planned.by_occasion["digest"] += planned.digests
        except Exception as err:  # the greetings still go; the digests are planned again at the next tick
            log.error("digest planning failed: %s", type(err).__name__)
    await outbox.fail_unreachable(day)
    drained = await sender.drain(day, until=until)
    if expired or carried or (planned is not None and planned.inserted) or drained.busy:
        log.info("outbox day=%s expired=%d carried=%d %s %s", day.isoformat(), expired, carried,
                 planned or "plan=later", drained)
    return expired, planned, drained


def end_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


# --- the advisor's digest: annual reviews ------------------------------------------------


async def lead_reviews(driver: Driver, entries: Iterable[Any], day: date,
                       name: Callable[[Any], Msg]) -> list[tuple[int, Msg]]:
    """The annual-review lines of an advisor's digest of ``day``: (lead id,
    line) for each of ``entries`` (``bot.leadbook.Entry``: its ``lead`` and
    ``touch``) whose client's last diagnosis had its anniversary in the last
    days and whom the advisor has not contacted since
    (``flows.greetings.review.lead_review_due``). ``name``: the 称呼 beside
    #N (``bot.leadbook.who``). Lines name #N and 称呼 only."""
    entries = list(entries)
    last = await driver.outbox.last_results(e.lead.client_id for e in entries)
    found = []
    for e in entries:
        at = last.get(e.lead.client_id)
        if at is None:
            continue
        diagnosed = local_day(at, driver.tz)
        touch = getattr(e, "touch", None)
        due = lead_review_due(diagnosed, day, last_contact=touch.last_contact if touch is not None else None,
                              stage=e.lead.stage)
        if due is not None:
            found.append((e.lead.id, lead_review_line(e.lead.id, name(e.lead), years_since(diagnosed, due))))
    return found


# --- the clock ---------------------------------------------------------------------------


class GreetingClock:
    """The outbox's clock inside ``diagbot run``. Each tick (python-telegram-
    bot's JobQueue: at start, then every ``TICK_SECONDS``) drains today's
    pending rows; from ``GREETING_TIME`` on it plans today's greetings and
    review reminders first, from ``DIGEST_TIME`` on the advisors' digests
    (given the running bot's ``driver``), each again every
    ``REPLAN_SECONDS`` (the clients who finished their interview since, a
    digest a /delete took back). ``nudge`` drains at once (a lead card just
    posted). The work runs in a task of its own: a tick never waits for a
    drain, and while one runs a tick or a nudge only asks it to look once
    more."""

    REPLAN_SECONDS = 600

    def __init__(self, storage: Storage, settings: Settings, *, bot: Bot | None = None,
                 now: Callable[[], datetime] | None = None, driver: Driver | None = None) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.tz)
        self.outbox = Outbox(storage)
        self.driver = driver
        self.now = now or (lambda: datetime.now(self.tz))
        self._bot = bot
        self._own_bot = bot is None
        self._bot_ready = False
        self.sender: Sender | None = None
        self._task: asyncio.Task | None = None
        self._wanted = False
        self._planned: datetime | None = None  # when greetings were last planned
        self._digested: datetime | None = None  # when digests were last planned
        self._stopped = False

    async def start(self) -> None:
        """Once, before the first tick: rows a dead process left ``sending`` become ``unknown``."""
        recovered = await self.outbox.recover()
        if recovered:
            log.warning("outbox: %d messages were being sent when the bot stopped: marked unknown", recovered)

    async def tick(self, context: object = None) -> None:
        """The JobQueue's callback (its context is not needed)."""
        self.nudge()

    def nudge(self) -> None:
        """Look at the outbox now (``Driver.nudge``: messages were just posted)."""
        if self._stopped:
            return
        self._wanted = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="diagbot-outbox")

    def _due(self, now: datetime, at: time, last: datetime | None) -> bool:
        if now.time() < at:
            return False
        return last is None or last.date() != now.date() or (now - last).total_seconds() >= self.REPLAN_SECONDS

    def _greetings_due(self, now: datetime) -> bool:
        return self._due(now, self.settings.greeting_time, self._planned)

    def _digests_due(self, now: datetime) -> bool:
        return self.driver is not None and self._due(now, self.settings.digest_time, self._digested)

    async def _run(self) -> None:
        while self._wanted and not self._stopped:
            self._wanted = False
            now = self.now()
            today = now.date()
            try:
                if self._bot is None:
                    self._bot = make_bot(self.settings, self.settings.greeting_rate)
                if not self._bot_ready:
                    await self._bot.initialize()
                    self._bot_ready = True
                if self.sender is None:
                    self.sender = Sender(self.outbox, self._bot, self.settings.greeting_rate, now=lambda: self.now())
                if self._stopped:
                    return
                plan_now, digest_now = self._greetings_due(now), self._digests_due(now)
                _, planned, _ = await run_day(self.outbox, self.sender, today, language=self.settings.language,
                                              until=end_of(today, self.tz), greetings=plan_now,
                                              digests=self.driver if digest_now else None, tz=self.tz,
                                              today=today)
                if plan_now:
                    self._planned = now
                if digest_now and planned is not None and planned.digests is not None:
                    self._digested = now
            except Exception as err:  # tried again at the next tick
                log.error("outbox run failed: %s", type(err).__name__)
                return

    async def stop(self) -> None:
        """At shutdown: claim nothing more, let the sends in flight finish and be marked."""
        self._stopped = True
        if self.sender is not None:
            self.sender.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._bot is not None and self._own_bot and self._bot_ready:
            await self._bot.shutdown()

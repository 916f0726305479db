"""Scheduled greetings, the shell: read the clients' settings, plan the day
(``flows.greetings.plan``, pure), render each greeting in its client's
language, insert the rows into the outbox, drain it at the configured rate.

The database is the truth; python-telegram-bot's JobQueue only ticks
(``GreetingClock``): every ``TICK_SECONDS`` (and once at start) the clock
drains today's pending rows (greetings, and the advisors' lead cards the
driver posts) and, once it is ``GREETING_TIME`` today (in ``TZ``), plans
today's greetings first — idempotent: the outbox's unique key inserts nothing
twice. A bot that was down at 09:00 catches up at its first
tick the same day; a greeting still pending when its day is over expires. The
operators' ``diagbot greetings send --date D`` runs the same ``run_day`` for
any D.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot

from flows.greetings.plan import Greeting, GreetingClient, plan_day
from flows.registry import FLOWS

from .callbacks import Greetings
from .config import Settings
from .i18n import Renderer, catalog_keys
from .sender import DrainReport, Sender, make_bot
from .storage import Storage
from .storage_outbox import NewMessage, Outbox

log = logging.getLogger("diagbot.greetings")

# The button under every greeting: stop receiving them (``Greetings("off")``,
# pressed in bot.greetings_room); none while the catalog has no label for it.
STOP_LABEL = "greet.button.stop"


@dataclass
class PlanReport:
    day: date
    due: int = 0  # greetings due that day
    inserted: int = 0  # rows new in the outbox (0 when the day was planned before)
    by_occasion: Counter = field(default_factory=Counter)
    recipients: list[int] = field(default_factory=list)  # chat ids in plan order: never logged

    def __str__(self) -> str:
        return f"due={self.due} new={self.inserted}"


def stop_keyboard(r: Renderer) -> list[list[dict]]:
    """The payload's inline keyboard (as the Bot API takes it): the stop button."""
    if STOP_LABEL not in catalog_keys(r.language):
        return []
    return [[{"text": r.text(STOP_LABEL), "callback_data": Greetings("off").encode()}]]


class _Renderers:
    def __init__(self, default: str) -> None:
        self.default = default
        self._by_language: dict[str, tuple[Renderer, list]] = {}

    def __call__(self, language: str | None) -> tuple[Renderer, list]:
        language = language or self.default
        found = self._by_language.get(language)
        if found is None:
            try:
                r = Renderer(language)
            except Exception:  # no catalog for a stored language: the default's
                r = Renderer(self.default)
            found = self._by_language[language] = (r, stop_keyboard(r))
        return found


def render(greetings: Iterable[Greeting], languages: dict[int, str], default_language: str) -> list[NewMessage]:
    """Each greeting as an outbox row: its text in the client's language, and the stop button."""
    renderers = _Renderers(default_language)
    lines: dict[tuple[str, str], str] = {}  # a line without parameters, rendered once per language
    rows = []
    for g in greetings:
        r, keyboard = renderers(languages.get(g.client_id))
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
                               payload={"text": "\n".join(text), "keyboard": keyboard}))
    return rows


def _plan_rows(clients: list[GreetingClient], languages: dict[int, str], day: date, language: str,
               known: set[tuple[int, str, str]] | None) -> tuple[list[Greeting], list[NewMessage]]:
    greetings = plan_day(clients, day)
    if known is None:  # a dry run
        return greetings, []
    new = [g for g in greetings if (g.chat_id, g.occasion, g.occurrence) not in known]
    return greetings, render(new, languages, language)


async def plan(outbox: Outbox, day: date, *, language: str, dry_run: bool = False) -> PlanReport:
    """Plan ``day`` into the outbox (a dry run writes nothing). Greetings
    already in the outbox are not rendered again (the unique key would
    ignore them anyway). The pure work runs in a thread: with many clients
    the running bot's event loop keeps answering meanwhile."""
    clients, languages = [], {}
    for flow in FLOWS.values():  # the flows whose answers hold greeting settings (the diagnosis)
        if "greetings" in flow.facts:
            found, found_languages = await outbox.greeting_clients(flow.name, flow.facts)
            clients += found
            languages.update(found_languages)
    known = None if dry_run else await outbox.keys(day)
    greetings, rows = await asyncio.to_thread(_plan_rows, clients, languages, day, language, known)
    report = PlanReport(day, due=len(greetings), by_occasion=Counter(g.occasion for g in greetings),
                        recipients=[g.chat_id for g in greetings])
    if rows:
        report.inserted = await outbox.add(rows)
    return report


async def run_day(outbox: Outbox, sender: Sender, day: date, *, language: str, until: datetime | None = None,
                  greetings: bool = True) -> tuple[int, PlanReport | None, DrainReport]:
    """The one path of the clock and of ``greetings send``: rows of the days
    before ``day`` still pending expire; ``day``'s greetings are planned
    (idempotent; skipped when ``greetings`` is False); rows to people who
    blocked the bot since are failed; every pending row of ``day`` (greetings,
    lead cards, digests) is sent. Returns (expired, plan, drain)."""
    expired = await outbox.expire(day)
    planned = await plan(outbox, day, language=language) if greetings else None
    await outbox.fail_unreachable(day)
    drained = await sender.drain(day, until=until)
    if expired or planned is None or planned.due or drained.sent or drained.unknown or drained.failed:
        log.info("outbox day=%s expired=%d %s %s", day.isoformat(), expired, planned or "plan=later", drained)
    return expired, planned, drained


def end_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


class GreetingClock:
    """The outbox's clock inside ``diagbot run``. Each tick (python-telegram-
    bot's JobQueue: at start, then every ``TICK_SECONDS``) drains today's
    pending rows; from ``GREETING_TIME`` on it plans today's greetings first
    (again every ``REPLAN_SECONDS``, for the clients who finished their
    interview since). ``nudge`` drains at once (a lead card just posted).
    The work runs in a task of its own: a tick never waits for a drain, and
    while one runs a tick or a nudge only asks it to look once more."""

    REPLAN_SECONDS = 600

    def __init__(self, storage: Storage, settings: Settings, *, bot: Bot | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.tz)
        self.outbox = Outbox(storage)
        self.now = now or (lambda: datetime.now(self.tz))
        self._bot = bot
        self._own_bot = bot is None
        self._bot_ready = False
        self.sender: Sender | None = None
        self._task: asyncio.Task | None = None
        self._wanted = False
        self._planned: datetime | None = None  # when greetings were last planned
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

    def _greetings_due(self, now: datetime) -> bool:
        if now.time() < self.settings.greeting_time:
            return False
        last = self._planned
        return last is None or last.date() != now.date() or (now - last).total_seconds() >= self.REPLAN_SECONDS

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
                plan_now = self._greetings_due(now)
                await run_day(self.outbox, self.sender, today, language=self.settings.language,
                              until=end_of(today, self.tz), greetings=plan_now)
                if plan_now:
                    self._planned = now
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

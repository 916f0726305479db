"""Scheduled greetings, the shell: read the clients' settings, plan the day
(``flows.greetings.plan``, pure), render each greeting in its client's
language, insert the rows into the outbox, drain it at the configured rate.

The database is the truth; python-telegram-bot's JobQueue only ticks
(``GreetingClock``): every ``TICK_SECONDS`` (and once at start) the clock asks
whether it is ``GREETING_TIME`` yet today (in ``TZ``), and if so plans today —
idempotent: the outbox's unique key inserts nothing twice — and drains what is
pending. A bot that was down at 09:00 catches up at its first tick the same
day; a greeting still pending when its day is over expires. The operators'
``diagbot greetings send --date D`` runs the same ``run_day`` for any D.
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

from .callbacks import Greetings
from .config import Settings
from .i18n import Renderer, catalog_keys
from .sender import DrainReport, Sender, make_bot
from .storage import Storage
from .storage_outbox import NewMessage, Outbox

log = logging.getLogger("diagbot.greetings")

# The button under every greeting: stop receiving them. It is shown once the
# catalog has its label (the channel then handles the press: ``Greetings("off")``).
STOP_ACTION = "stop_greetings"
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


def stop_button(r: Renderer) -> dict:
    """The payload's button: its action and callback data, and its label
    when the catalog has one (no label: the sender shows no button)."""
    label = r.text(STOP_LABEL) if STOP_LABEL in catalog_keys(r.language) else None
    return {"action": STOP_ACTION, "label_key": STOP_LABEL, "label": label, "data": Greetings("off").encode()}


class _Renderers:
    def __init__(self, default: str) -> None:
        self.default = default
        self._by_language: dict[str, tuple[Renderer, dict]] = {}

    def __call__(self, language: str | None) -> tuple[Renderer, dict]:
        language = language or self.default
        found = self._by_language.get(language)
        if found is None:
            try:
                r = Renderer(language)
            except Exception:  # no catalog for a stored language: the default's
                r = Renderer(self.default)
            found = self._by_language[language] = (r, stop_button(r))
        return found


def render(greetings: Iterable[Greeting], languages: dict[int, str], default_language: str) -> list[NewMessage]:
    """Each greeting as an outbox row: its text in the client's language, and the stop button."""
    renderers = _Renderers(default_language)
    lines: dict[tuple[str, str], str] = {}  # a line without parameters, rendered once per language
    rows = []
    for g in greetings:
        r, button = renderers(languages.get(g.client_id))
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
                               payload={"text": "\n".join(text), "button": button}))
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
    clients, languages = await outbox.greeting_clients()
    known = None if dry_run else await outbox.keys(day)
    greetings, rows = await asyncio.to_thread(_plan_rows, clients, languages, day, language, known)
    report = PlanReport(day, due=len(greetings), by_occasion=Counter(g.occasion for g in greetings),
                        recipients=[g.chat_id for g in greetings])
    if rows:
        report.inserted = await outbox.add(rows)
    return report


async def run_day(outbox: Outbox, sender: Sender, day: date, *, language: str,
                  until: datetime | None = None) -> tuple[int, PlanReport, DrainReport]:
    """The one path of the clock and of ``greetings send``: rows of the days
    before ``day`` still pending expire, ``day`` is planned (idempotent),
    rows of clients who blocked the bot since are failed, the rest is sent.
    Returns (expired, plan, drain)."""
    expired = await outbox.expire(day)
    planned = await plan(outbox, day, language=language)
    await outbox.fail_unreachable(day)
    drained = await sender.drain(day, until=until)
    log.info("greetings day=%s expired=%d %s %s", day.isoformat(), expired, planned, drained)
    return expired, planned, drained


def end_of(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


class GreetingClock:
    """Inside ``diagbot run``: each tick, from ``GREETING_TIME`` on, plans
    today and drains it (in a task of its own: a tick never waits for a
    drain, and a drain still running makes the tick do nothing)."""

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
        self._stopped = False

    async def start(self) -> None:
        """Once, before the first tick: rows a dead process left ``sending`` become ``unknown``."""
        recovered = await self.outbox.recover()
        if recovered:
            log.warning("outbox: %d messages were being sent when the bot stopped: marked unknown", recovered)

    async def tick(self, context: object = None) -> None:
        """The JobQueue's callback (its context is not needed)."""
        now = self.now()
        if self._stopped or now.time() < self.settings.greeting_time:
            return
        if self._task is not None and not self._task.done():
            return
        self._task = asyncio.create_task(self._run(now.date()), name="diagbot-greetings")

    async def _run(self, today: date) -> None:
        try:
            if self._bot is None:
                self._bot = make_bot(self.settings, self.settings.greeting_rate)
            if not self._bot_ready:
                await self._bot.initialize()
                self._bot_ready = True
            self.sender = Sender(self.outbox, self._bot, self.settings.greeting_rate, now=self.now)
            if self._stopped:
                return
            await run_day(self.outbox, self.sender, today, language=self.settings.language,
                          until=end_of(today, self.tz))
        except Exception as err:  # tried again at the next tick
            log.error("greetings run failed: %s", type(err).__name__)

    async def stop(self) -> None:
        """At shutdown: claim nothing more, let the sends in flight finish and be marked."""
        self._stopped = True
        if self.sender is not None:
            self.sender.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._bot is not None and self._own_bot and self._bot_ready:
            await self._bot.shutdown()

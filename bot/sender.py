"""The outbox's sender: claim → send → mark, at a steady rate, at most once.

The Bot API has no idempotency key, and a timeout can hide a delivered
message, so a scheduled message is sent **at most once**:

- a row is claimed (``sending``, committed) before it is sent;
- a 429 (``RetryAfter``: not delivered) is the only error retried: the whole
  drain pauses for its ``retry_after``, then the same row is sent again; a row
  still refused after ``max_retries`` goes back to ``pending``;
- a timeout or a network error (maybe delivered) marks it ``unknown``: never
  sent again;
- a 403 (the client blocked the bot) marks it ``failed``, the recipient's
  other pending rows too, and the client unreachable; a 400 (our mistake)
  marks it ``failed``;
- a process that dies leaves its rows ``sending``: the next start's
  ``Outbox.recover`` turns them ``unknown``.

Sending is paced by a token bucket at ``rate`` messages per second
(``GREETING_RATE``, below Telegram's ~30/s so interactive replies keep their
headroom); the sender has its own ``telegram.Bot`` (``make_bot``), apart from
the interactive bot's rate limiter. Logs carry counts and error types, never a
chat, a client or a text.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from telegram import Bot
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.request import BaseRequest, HTTPXRequest
from telegram.warnings import PTBUserWarning

from .config import Settings
from .storage_outbox import Outbox, OutboxRow

log = logging.getLogger("diagbot.sender")
# PTB suggests the typed method for a known endpoint; the raw one is chosen on purpose (``Sender._send``).
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.sendMessage'", category=PTBUserWarning)

MAX_RETRIES_AFTER_429 = 5
MARK_DELAY = 0.05  # seconds: the sends of that long are marked ``sent`` in one write


class RateLimiter:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up
    (so a late wake-up is made up for, and an idle sender starts with a short
    burst); ``pause`` stops every acquirer until a moment (a 429's retry_after)."""

    # A token due within this many seconds is granted at once: at high rates a
    # few sends share one wake-up (the rate over a second is the same).
    EARLY = 0.005

    def __init__(self, rate: float, burst: float | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be above 0")
        self.rate = rate
        self.interval = 1.0 / rate
        self.burst = max(1.0, burst if burst is not None else rate / 20)
        self.clock, self.sleep = clock, sleep
        self._next = clock()  # when the next token is due
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        until = self.clock() + seconds
        self._paused_until = max(self._paused_until, until)
        self._next = max(self._next, self._paused_until)  # no burst after a pause

    async def acquire(self) -> None:
        while True:
            now = self.clock()
            if now < self._paused_until:
                await self.sleep(self._paused_until - now)
                continue
            slot = max(self._next, now - (self.burst - 1) * self.interval)
            self._next = slot + self.interval
            if slot - now > self.EARLY:
                await self.sleep(slot - now)
                if self.clock() < self._paused_until:  # a 429 came while waiting: wait for it, take a new slot
                    continue
            return


@dataclass
class DrainReport:
    sent: int = 0
    unknown: int = 0
    failed: int = 0
    released: int = 0  # claimed but not sent (429 after the retries, stopped, the day over): pending again
    retried: int = 0  # 429s honoured
    error: str | None = None  # the error that stopped the drain (a bad token), by type

    @property
    def busy(self) -> bool:
        """Something happened: a drain that found nothing logs nothing."""
        return bool(self.sent or self.unknown or self.failed or self.released or self.retried or self.error)

    def __str__(self) -> str:
        return (f"sent={self.sent} unknown={self.unknown} failed={self.failed} released={self.released}"
                f" retried_429={self.retried}" + (f" stopped_by={self.error}" if self.error else ""))


def _retry_after(err: RetryAfter) -> float:
    value = getattr(err, "_retry_after", None)
    if isinstance(value, timedelta):
        return value.total_seconds()
    with warnings.catch_warnings():  # PTB 22 warns that the int form is deprecated
        warnings.simplefilter("ignore")
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def reply_markup(payload: dict) -> dict | None:
    """The row's inline keyboard, as the Bot API takes it: the payload's
    ``keyboard`` is rows of buttons (``{"text", "callback_data"}`` or
    ``{"text", "url"}``); none when it is empty or absent."""
    keyboard = payload.get("keyboard")
    return {"inline_keyboard": keyboard} if keyboard else None


def in_flight_for(rate: float) -> int:
    """Sends waiting for Telegram's answer at once: half a second's worth
    (Telegram answers in well under that), at least 4."""
    return max(4, min(256, math.ceil(rate / 2)))


def make_bot(settings: Settings, rate: float, *, request: BaseRequest | None = None) -> Bot:
    """A Bot of its own for scheduled messages (the interactive bot's rate
    limiter and connection pool are left to the clients who write). Its pool
    holds as many connections as sends in flight: a send never waits for a
    connection (a pool timeout would look like a timeout, and mark a row
    ``unknown`` that was never sent)."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    request = request or HTTPXRequest(connection_pool_size=in_flight_for(rate), connect_timeout=10.0,
                                      read_timeout=20.0, write_timeout=20.0, pool_timeout=60.0)
    return Bot(settings.token, base_url=settings.telegram_api_base_url, base_file_url=settings.base_file_url,
               request=request)


class Sender:
    """Drains one day's pending rows of an outbox through a Bot."""

    def __init__(self, outbox: Outbox, bot: Bot, rate: float, *, max_in_flight: int | None = None,
                 batch: int | None = None, max_retries: int = MAX_RETRIES_AFTER_429,
                 now: Callable[[], datetime] | None = None, limiter: RateLimiter | None = None) -> None:
        self.outbox = outbox
        self.bot = bot
        self.limiter = limiter or RateLimiter(rate)
        self.max_in_flight = max_in_flight or in_flight_for(rate)
        # A claim takes a twentieth of a second's worth: a crash leaves at most
        # that many claimed and not sent (``unknown``, never sent), and claims
        # stay a small share of the writes.
        self.batch = batch or max(1, min(100, math.ceil(rate / 20)))
        self.max_retries = max_retries
        self.now = now or (lambda: datetime.now().astimezone())
        self._stop = asyncio.Event()
        # Rows sent and not yet marked: marked together every MARK_DELAY. A
        # crash before the mark leaves them ``sending``, then ``unknown``: never
        # sent twice.
        self._sent: list[tuple[int, int]] = []
        self._flusher: asyncio.Task | None = None

    def stop(self) -> None:
        """Claim nothing more; rows in flight are finished and marked."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def drain(self, day: date, *, until: datetime | None = None) -> DrainReport:
        """Send the pending rows of ``day`` until there are none, the sender
        is stopped, or ``until`` (the end of ``day``: what is left expires)."""
        report = DrainReport()
        slots = asyncio.Semaphore(self.max_in_flight)
        tasks: set[asyncio.Task] = set()
        # One chat's messages go one after the other: after a 403 the next
        # one is not sent (recipients who blocked the bot, this drain).
        last: dict[int, asyncio.Task] = {}
        blocked: set[int] = set()

        def over() -> bool:
            return self.stopping or (until is not None and self.now() >= until)

        try:
            while not over():
                rows = await self.outbox.claim(day, self.batch)
                if not rows:
                    break
                for i, row in enumerate(rows):
                    await slots.acquire()
                    await self.limiter.acquire()
                    if over():
                        slots.release()
                        report.released += await self.outbox.release([r.id for r in rows[i:]])
                        break
                    task = asyncio.create_task(self._deliver(row, report, slots, last.get(row.recipient), blocked))
                    tasks.add(task)
                    last[row.recipient] = task
                    task.add_done_callback(partial(self._done, tasks, last, row.recipient))
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            if self._flusher is not None:
                await asyncio.gather(self._flusher, return_exceptions=True)
            await self._flush()
        if report.busy:  # counts when something happened; an idle tick stays quiet
            log.info("outbox drain day=%s %s", day.isoformat(), report)
        return report

    @staticmethod
    def _done(tasks: set[asyncio.Task], last: dict[int, asyncio.Task], recipient: int, task: asyncio.Task) -> None:
        tasks.discard(task)
        if last.get(recipient) is task:  # forgotten once done: memory stays flat over 100,000 recipients
            del last[recipient]

    def _mark_sent(self, row_id: int, message_id: int) -> None:
        self._sent.append((row_id, message_id))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(MARK_DELAY))

    async def _flush(self, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        sent, self._sent = self._sent, []
        try:
            await self.outbox.mark_sent_many(sent)
        except Exception as err:  # the rows stay ``sending``: ``unknown`` after the next recover
            log.error("outbox mark failed: %s", type(err).__name__)

    async def _send(self, row: OutboxRow) -> int:
        # sendMessage through the Bot's own request (its base URL, timeouts and
        # error classes), answered as plain JSON: the typed send_message builds
        # a Message object of its answer, five times the cost of the call (see
        # bot/telegram_app.py, which sends replies the same way).
        params: dict = {"chat_id": row.recipient, "text": row.payload["text"]}
        markup = reply_markup(row.payload)
        if markup:
            params["reply_markup"] = markup
        sent = await self.bot.do_api_request("sendMessage", api_kwargs=params)
        return sent["message_id"]

    async def _deliver(self, row: OutboxRow, report: DrainReport, slots: asyncio.Semaphore,
                       before: asyncio.Task | None, blocked: set[int]) -> None:
        try:
            if before is not None:
                await asyncio.wait([before])
            if row.recipient in blocked:
                report.failed += 1
                await self.outbox.mark_failed(row.id)
                return
            attempt = 0
            while True:
                try:
                    message_id = await self._send(row)
                except RetryAfter as err:  # not delivered: honoured by every send, then tried again
                    report.retried += 1
                    self.limiter.pause(_retry_after(err))
                    attempt += 1
                    if attempt > self.max_retries or self.stopping:
                        report.released += await self.outbox.release([row.id])
                        return
                    await self.limiter.acquire()
                    continue
                except Forbidden:
                    report.failed += 1
                    blocked.add(row.recipient)
                    log.warning("scheduled message not delivered: the client blocked the bot")
                    await self.outbox.mark_blocked(row, int(time.time()))
                except BadRequest as err:  # our mistake (a NetworkError subclass: caught first)
                    report.failed += 1
                    log.warning("scheduled message refused: %s", type(err).__name__)
                    await self.outbox.mark_failed(row.id)
                except (InvalidToken, EndPointNotFound) as err:  # nothing was carried out: stop, keep the row
                    report.error = type(err).__name__
                    report.released += await self.outbox.release([row.id])
                    log.error("outbox drain stopped: %s", type(err).__name__)
                    self.stop()
                except Exception as err:  # TimedOut, NetworkError, anything else: maybe delivered
                    report.unknown += 1
                    log.warning("scheduled message maybe not delivered: %s (not sent again)", type(err).__name__)
                    await self.outbox.mark_unknown(row.id)
                else:
                    report.sent += 1
                    self._mark_sent(row.id, message_id)
                return
        except Exception as err:  # a mark failed: the row stays ``sending``, ``unknown`` after the next recover
            log.error("outbox mark failed: %s", type(err).__name__)
        finally:
            slots.release()

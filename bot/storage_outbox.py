"""The outbox of scheduled messages, and the one read of clients' greeting settings.

The SQL of the ``outbox`` table lives here and only here. A row is one
message to one recipient for one (occasion, occurrence): the table's unique
key, so planning the same day twice inserts nothing twice. Its life:

    pending ─claim─▶ sending ─▶ sent       (delivered; Telegram's message id kept)
                        ├──────▶ unknown    (a timeout or network error: maybe delivered; never sent again)
                        ├──────▶ failed     (the recipient blocked the bot, or Telegram refused the message)
                        └──────▶ pending    (a 429 that outlasted its retries, or a drain stopped: not delivered)
    pending ─────────────────▶ expired    (its day is over: a greeting never arrives a day late;
                                            lead cards never expire, a drain carries them to its day)
    pending ─────────────────▶ failed     (its recipient blocked the bot since it was planned)
    sending ─recover()───────▶ unknown    (a process died while sending it)

Writes go through the storage's one writer (``Storage.write`` and
``Storage.write_returning``), so a running bot and a command-line sender never
fight over SQLite's write lock; a claim is one ``UPDATE … RETURNING`` in the
writer's transaction, committed before anything is sent (at most once).
``Storage.delete_user`` deletes a client's rows (``client_id``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any, Literal, get_args

from flows.greetings.calendar import Occasion
from flows.greetings.plan import GreetingClient
from flows.greetings.review import REVIEW_OCCASION

from .storage import Storage

Status = Literal["pending", "sending", "sent", "unknown", "failed", "expired"]
STATUSES: tuple[Status, ...] = ("sent", "unknown", "failed", "expired", "pending", "sending")
INSERT_CHUNK = 1_000  # rows per INSERT (8 parameters each: under SQLite's 32,766): a short transaction each
_ALL = ", ".join(f"'{s}'" for s in STATUSES)
_JSON = json.JSONEncoder(ensure_ascii=False)  # one encoder for 100,000 payloads (json.dumps makes one per call)
# Messages that are not bound to a day (posted by bot.advisors with the day
# they were posted): they never expire; a drain carries a pending one to its
# own day (``Outbox.carry``), so a lead card still arrives after a bot that was
# down overnight. Greetings, review reminders and digests belong to their day.
UNDATED_OCCASIONS = ("lead_card", "lead_withdrawn")
_UNDATED = ", ".join(f"'{o}'" for o in UNDATED_OCCASIONS)
_GREETING_PARTS = frozenset(get_args(Occasion))


def is_greeting(occasion: str) -> bool:
    """A greeting's occasion: the birthday, a holiday, or several joined by "+"."""
    return all(part in _GREETING_PARTS for part in occasion.split("+"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class NewMessage:
    """A message to plan: one row, unless its (recipient, occasion, occurrence) is already there."""

    recipient: int  # the chat it goes to
    client_id: int | None  # whom it is about (deleted with the client's data); None: nobody's
    occasion: str  # e.g. "birthday+mid_autumn"
    occurrence: str  # e.g. "2027-09-15"
    day: date  # the only day it may be sent on
    payload: dict[str, Any]  # {"text": …, "keyboard": rows of inline buttons as the Bot API takes them}


@dataclass(frozen=True)
class OutboxRow:
    """A claimed row: the sender owns it until it marks it."""

    id: int
    recipient: int
    client_id: int | None
    occasion: str
    occurrence: str
    day: date
    payload: dict[str, Any]
    attempts: int  # claims so far, this one included


@dataclass(frozen=True)
class StatusCount:
    day: str
    occasion: str
    counts: dict[str, int]  # status → rows


# One read for every client: the newest interview with a result (a client has
# one, or two while a /restart keeps the last result readable), if it was run
# by this flow, and when that result was stored (the last diagnosis: the
# annual review counts from it) and whether its interview is being changed;
# four of its answers by primary key (the keys the flow names for those facts;
# JSON text, decoded in Python: ``_decode``); the signing advisor — the
# advisor of the client's current lead, an active one, and nobody else (a
# referral is no consent to be contacted: a client who never gave it, or
# withdrew it, gets an unsigned greeting). Clients with negative ids are
# advisors' offline prospects, never greeted.
#
# Plain SQL that PostgreSQL accepts too (no SQLite JSON operator): the query
# costs what it did with ``value ->> '$'`` (about 1 s for 100,000 clients),
# and decoding the 400,000 values in Python about 0.1 s more (measured on one
# database; bench/bench_greetings.py, "read settings", varies more than that).
_SETTINGS_SQL = """
WITH latest AS (
    SELECT user_id, MAX(session_id) AS sid, MAX(created_at) AS at FROM results WHERE user_id > 0 GROUP BY user_id
)
SELECT c.user_id, c.language, c.unreachable_since IS NULL, l.at, s.status = 'done',
       (SELECT value FROM answers WHERE session_id = l.sid AND key = :birth_date),
       (SELECT value FROM answers WHERE session_id = l.sid AND key = :greetings),
       (SELECT value FROM answers WHERE session_id = l.sid AND key = :birthday_calendar),
       (SELECT value FROM answers WHERE session_id = l.sid AND key = :name),
       la.name
FROM latest l
JOIN sessions s ON s.id = l.sid AND s.flow = :flow
JOIN clients c ON c.user_id = l.user_id
LEFT JOIN leads ld ON ld.client_id = c.user_id
LEFT JOIN advisors la ON la.telegram_user_id = ld.advisor_id AND la.active = 1
"""
GREETING_FACTS = ("birth_date", "greetings", "birthday_calendar", "name")


def _born(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _decode(value: str | None) -> Any:
    """A stored answer (JSON text) as Python; the common shapes (true, false,
    a string without escapes) without the JSON parser: 400,000 of them per
    plan."""
    if value is None:
        return None
    if value == "true":
        return True
    if value == "false":
        return False
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"' and "\\" not in value:
        return value[1:-1]
    try:
        return json.loads(value)
    except ValueError:
        return None


@dataclass
class ClientSettings:
    """What planning a day reads of every client (``Outbox.client_settings``)."""

    clients: list[GreetingClient]
    languages: dict[int, str]  # client id → their language
    last_result: dict[int, str]  # client id → when their newest result was stored (UTC, ISO)
    changing: list[int]  # clients whose interview with that result is being changed (an /edit under way)


def _settings(rows: list[tuple]) -> ClientSettings:
    found = ClientSettings([], {}, {}, [])
    for user_id, language, reachable, at, done, born, ok, calendar, name, advisor in rows:
        name = _decode(name)
        found.clients.append(GreetingClient(
            client_id=user_id,
            chat_id=user_id,  # a client's chat with the bot is private: its id is theirs
            born=_born(_decode(born)),
            lunar=_decode(calendar) == "lunar",
            opted_in=_decode(ok) is True,  # JSON true (false, or no answer: no)
            reachable=bool(reachable),
            name=(name.strip() or None) if isinstance(name, str) else None,
            advisor_name=advisor or None,
        ))
        found.languages[user_id] = language
        if at:
            found.last_result[user_id] = at
        if not done:
            found.changing.append(user_id)
    return found


@dataclass(frozen=True)
class FamilyAnswers:
    """A client whose interview is being changed: the figures of their newest
    result, and the answers asked for as they are now, with when each was given."""

    figures: dict[str, Any]
    answers: dict[str, Any]
    answered_at: dict[str, str]  # key → UTC ISO time


IN_CHUNK = 500  # ids per ``IN (…)``: well under SQLite's and PostgreSQL's parameter limits


def _chunks(items: Sequence, size: int = IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


_ROW_COLUMNS = "id, recipient, client_id, occasion, occurrence, day, payload, attempts"


def _payload_encoder() -> Callable[[dict[str, Any]], str]:
    """JSON of payloads, each value encoded once per object: the rows of one
    plan share their button (one dict), and encoding a dict costs ten times
    a string."""
    done: dict[int, tuple[object, str]] = {}

    def value(v: object) -> str:
        if isinstance(v, str):
            return _JSON.encode(v)
        found = done.get(id(v))
        if found is None:
            found = done[id(v)] = (v, _JSON.encode(v))  # the object is kept: its id stays its own
        return found[1]

    def encode(payload: dict[str, Any]) -> str:
        return "{" + ", ".join(f"{_JSON.encode(k)}: {value(v)}" for k, v in payload.items()) + "}"

    return encode


def _row(row: tuple) -> OutboxRow:
    row_id, recipient, client_id, occasion, occurrence, day, payload, attempts = row
    return OutboxRow(row_id, recipient, client_id, occasion, occurrence, date.fromisoformat(day),
                     json.loads(payload), attempts)


class Outbox:
    """The outbox on a ``Storage`` (its connection for reads, its writer for writes)."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    # --- reading what to plan ------------------------------------------------

    async def client_settings(self, flow: str, facts: Mapping[str, str]) -> ClientSettings:
        """Every Telegram client whose newest finished interview was run by
        ``flow``: their greeting settings (the plan decides who is greeted),
        language, last diagnosis and whether it is being changed. ``facts``:
        the flow's answer key of each of ``GREETING_FACTS`` (``Flow.facts``;
        the shell never names a step key)."""
        params = {"flow": flow, **{fact: facts.get(fact) for fact in GREETING_FACTS}}
        rows = await self.storage.db.execute_fetchall(_SETTINGS_SQL, params)
        # 100,000 objects take a while to build: off the event loop.
        return await asyncio.to_thread(_settings, list(rows))

    async def greeting_clients(self, flow: str, facts: Mapping[str, str]) -> tuple[list[GreetingClient],
                                                                                   dict[int, str]]:
        """``client_settings``' clients and their languages."""
        found = await self.client_settings(flow, facts)
        return found.clients, found.languages

    async def family_answers(self, client_ids: Sequence[int], keys: Sequence[str]) -> dict[int, FamilyAnswers]:
        """For each client, their newest result's figures and the answers
        ``keys`` of its interview as they are now (a few clients: those
        changing their answers)."""
        found: dict[int, FamilyAnswers] = {}
        keys = list(keys)
        for chunk in _chunks(list(client_ids)):
            marks = ", ".join("?" * len(chunk))
            results = await self.storage.db.execute_fetchall(
                f"SELECT user_id, session_id, figures FROM results WHERE id IN"
                f" (SELECT MAX(id) FROM results WHERE user_id IN ({marks}) GROUP BY user_id)", tuple(chunk))
            sessions = {sid: user_id for user_id, sid, _ in results}
            for user_id, _, figures in results:
                found[user_id] = FamilyAnswers(_decode(figures) or {}, {}, {})
            if not sessions or not keys:
                continue
            answers = await self.storage.db.execute_fetchall(
                f"SELECT session_id, key, value, answered_at FROM answers WHERE session_id IN"
                f" ({', '.join('?' * len(sessions))}) AND key IN ({', '.join('?' * len(keys))})",
                (*sessions, *keys))
            for sid, key, value, answered_at in answers:
                mine = found[sessions[sid]]
                mine.answers[key] = _decode(value)
                mine.answered_at[key] = answered_at
        return found

    async def last_results(self, client_ids: Iterable[int]) -> dict[int, str]:
        """When each client's newest result was stored (UTC, ISO); clients without one are left out."""
        found: dict[int, str] = {}
        for chunk in _chunks(list(dict.fromkeys(client_ids))):
            rows = await self.storage.db.execute_fetchall(
                f"SELECT user_id, MAX(created_at) FROM results WHERE user_id IN ({', '.join('?' * len(chunk))})"
                f" GROUP BY user_id", tuple(chunk))
            found.update((user_id, at) for user_id, at in rows if at)
        return found

    async def reminded(self, occasion: str, first: date, last: date) -> set[int]:
        """The clients with a row of ``occasion`` planned for a day from
        ``first`` to ``last`` (any status)."""
        rows = await self.storage.db.execute_fetchall(
            f"SELECT DISTINCT client_id FROM outbox WHERE status IN ({_ALL}) AND day >= ? AND day <= ?"
            f" AND occasion = ?", (first.isoformat(), last.isoformat(), occasion))  # the (status, day) index
        return {row[0] for row in rows if row[0] is not None}

    # --- planning --------------------------------------------------------------

    async def add(self, messages: Iterable[NewMessage]) -> int:
        """Insert the messages whose key is new; the number inserted. Each
        chunk is one multi-row INSERT, committed by the writer between other
        writes (chats' answers wait at most one chunk)."""
        now = _now()
        encode = _payload_encoder()
        messages = iter(messages)
        inserted = 0
        # Encoded a chunk at a time: 100,000 payloads' JSON is never held at once.
        while chunk := [(m.recipient, m.client_id, m.occasion, m.occurrence, m.day.isoformat(), encode(m.payload),
                         now, now) for m in islice(messages, INSERT_CHUNK)]:
            inserted += await self.storage.write([(
                "INSERT INTO outbox (recipient, client_id, occasion, occurrence, day, payload, created_at, updated_at)"
                " VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
                + " ON CONFLICT (recipient, occasion, occurrence) DO NOTHING",
                tuple(v for item in chunk for v in item))])
        return inserted

    async def keys(self, day: date) -> set[tuple[int, str, str]]:
        """The (recipient, occasion, occurrence) of the rows of ``day``: what
        a new plan of that day need not render again."""
        rows = await self.storage.db.execute_fetchall(
            f"SELECT recipient, occasion, occurrence FROM outbox WHERE status IN ({_ALL}) AND day = ?",
            (day.isoformat(),))  # every status: the (status, day) index
        return {tuple(row) for row in rows}

    async def planned(self, day: date) -> int:
        rows = await self.storage.db.execute_fetchall("SELECT COUNT(*) FROM outbox WHERE day = ?", (day.isoformat(),))
        return rows[0][0]

    # --- before a drain --------------------------------------------------------

    async def recover(self) -> int:
        """At start: rows a dead process left ``sending`` may have been
        delivered; they become ``unknown`` and are never sent again."""
        return await self.storage.write([(
            "UPDATE outbox SET status = 'unknown', updated_at = ? WHERE status = 'sending'", (_now(),))])

    async def expire(self, before: date) -> int:
        """Pending rows of a day before ``before`` expire: never sent a day
        late; except the undated ones (``UNDATED_OCCASIONS``), which never
        expire. The caller passes the real today at the latest
        (``bot.greetings.run_day``): today's rows never expire."""
        return await self.storage.write([(
            f"UPDATE outbox SET status = 'expired', updated_at = ? WHERE status = 'pending' AND day < ?"
            f" AND occasion NOT IN ({_UNDATED})",
            (_now(), before.isoformat()))])

    async def carry(self, day: date) -> int:
        """Pending undated rows (lead cards, withdrawal notices) of another
        day move to ``day``, the day being drained: sent by this drain."""
        return await self.storage.write([(
            f"UPDATE outbox SET day = ?, updated_at = ? WHERE status = 'pending' AND occasion IN ({_UNDATED})"
            f" AND day <> ?",
            (day.isoformat(), _now(), day.isoformat()))])

    async def cancel_pending(self, client_id: int) -> int:
        """The client stopped greetings: their pending greetings and review
        reminders are deleted (not the lead cards or digests about them);
        the number deleted."""
        rows = await self.storage.db.execute_fetchall(
            "SELECT id, occasion FROM outbox WHERE client_id = ? AND status = 'pending'", (client_id,))
        ids = [row_id for row_id, occasion in rows if occasion == REVIEW_OCCASION or is_greeting(occasion)]
        deleted = 0
        for chunk in _chunks(ids):
            deleted += await self.storage.write([(
                f"DELETE FROM outbox WHERE status = 'pending' AND id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk))])
        return deleted

    async def fail_unreachable(self, day: date) -> int:
        """Pending rows of ``day`` to people who blocked the bot since they
        were planned: ``failed``, nothing is sent to them."""
        return await self.storage.write([(
            "UPDATE outbox SET status = 'failed', updated_at = ? WHERE status = 'pending' AND day = ?"
            " AND recipient IN (SELECT user_id FROM clients WHERE unreachable_since IS NOT NULL)",
            (_now(), day.isoformat()))])

    # --- the sender's claims and marks -----------------------------------------

    async def claim(self, day: date, limit: int) -> list[OutboxRow]:
        """Up to ``limit`` pending rows of ``day``, now ``sending`` (committed
        before this returns: two senders never claim one row), oldest first."""
        rows = await self.storage.write_returning([(
            f"UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?"
            f" WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND day = ? ORDER BY id LIMIT ?)"
            f" RETURNING {_ROW_COLUMNS}",
            (_now(), day.isoformat(), limit))])
        return sorted((_row(r) for r in rows), key=lambda r: r.id)

    async def mark_sent_many(self, sent: Sequence[tuple[int, int]]) -> int:
        """Rows sent: (row id, Telegram message id) pairs, one statement per
        ``IN_CHUNK`` rows (``CASE`` and ``IN``: SQL that PostgreSQL takes as
        well). From ``unknown`` too: another process's recover() may have
        marked a row this one was sending; it was delivered after all."""
        changed = 0
        now = _now()
        for chunk in _chunks(list(sent)):
            cases = " ".join(["WHEN ? THEN CAST(? AS INTEGER)"] * len(chunk))
            marks = ", ".join("?" * len(chunk))
            changed += await self.storage.write([(
                f"UPDATE outbox SET status = 'sent', message_id = CASE id {cases} END, updated_at = ?"
                f" WHERE id IN ({marks}) AND status IN ('sending', 'unknown')",
                (*(v for pair in chunk for v in pair), now, *(row_id for row_id, _ in chunk)))])
        return changed

    async def mark_unknown(self, row_id: int) -> None:
        await self.storage.write([(
            "UPDATE outbox SET status = 'unknown', updated_at = ? WHERE id = ? AND status = 'sending'",
            (_now(), row_id))])

    async def mark_failed(self, row_id: int) -> None:
        await self.storage.write([(
            "UPDATE outbox SET status = 'failed', updated_at = ? WHERE id = ? AND status IN ('sending', 'unknown')",
            (_now(), row_id))])

    async def mark_blocked(self, row: OutboxRow, since: int) -> None:
        """A 403: the row ``failed``, the recipient's other pending rows too,
        and the recipient marked unreachable (``Storage.mark_unreachable``:
        a private chat's id is its user's)."""
        now = _now()
        await self.storage.write([
            ("UPDATE outbox SET status = 'failed', updated_at = ? WHERE id = ? AND status IN ('sending', 'unknown')",
             (now, row.id)),
            ("UPDATE outbox SET status = 'failed', updated_at = ? WHERE recipient = ? AND status = 'pending'",
             (now, row.recipient)),
        ])
        await self.storage.mark_unreachable(row.recipient, since)

    async def release(self, row_ids: Sequence[int]) -> int:
        """Claimed rows that were not sent (a 429 that outlasted its retries, a
        drain stopped or past its day): ``pending`` again."""
        if not row_ids:
            return 0
        marks = ",".join("?" * len(row_ids))
        return await self.storage.write([(
            f"UPDATE outbox SET status = 'pending', updated_at = ? WHERE status = 'sending' AND id IN ({marks})",
            (_now(), *row_ids))])

    # --- for operators ---------------------------------------------------------

    async def status(self, day: date | None = None) -> list[StatusCount]:
        """Rows per day and occasion, by status; newest day first."""
        where, params = ("WHERE day = ?", (day.isoformat(),)) if day else ("", ())
        rows = await self.storage.db.execute_fetchall(
            f"SELECT day, occasion, status, COUNT(*) FROM outbox {where} GROUP BY day, occasion, status"
            f" ORDER BY day DESC, occasion", params)
        table: dict[tuple[str, str], dict[str, int]] = {}
        for day_text, occasion, status, count in rows:
            table.setdefault((day_text, occasion), dict.fromkeys(STATUSES, 0))[status] = count
        return [StatusCount(d, o, counts) for (d, o), counts in table.items()]

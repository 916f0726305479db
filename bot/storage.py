"""SQLite storage (aiosqlite, WAL) with numbered schema migrations.

One connection per process. Every write goes through one writer task that
commits the writes of concurrent chats together (group commit): whatever is
waiting when a transaction starts joins it, each caller awaits the commit of
its own batch, so nothing is acknowledged before it is on disk, and one
chat's writes stay in order (its handler awaits each before the next).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from flows.engine import State

log = logging.getLogger("diagbot.storage")

# Each entry moves the schema one version up; never edit a released one.
MIGRATIONS: tuple[str, ...] = (
    # 1: clients, interview sessions, answers, results
    """
    CREATE TABLE clients (
        user_id     INTEGER PRIMARY KEY,
        language    TEXT NOT NULL DEFAULT 'zh_CN',
        consent_at  TEXT,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE sessions (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id      INTEGER NOT NULL REFERENCES clients(user_id) ON DELETE CASCADE,
        flow         TEXT NOT NULL,
        state        TEXT NOT NULL,
        status       TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        completed_at TEXT
    );
    CREATE INDEX sessions_by_user ON sessions(user_id, id);
    CREATE TABLE answers (
        session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        value       TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        PRIMARY KEY (session_id, key)
    );
    CREATE TABLE results (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id  INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        user_id     INTEGER NOT NULL REFERENCES clients(user_id) ON DELETE CASCADE,
        created_at  TEXT NOT NULL,
        figures     TEXT NOT NULL
    );
    CREATE INDEX results_by_user ON results(user_id, id);
    """,
    # 2: Telegram's update ids increase and one chat's updates are handled in
    # order, so the last id that changed a session is enough to spot a repeat,
    # and it is written by the statement that saves the answer (no extra
    # round trip, no ever-growing table).
    """
    ALTER TABLE sessions ADD COLUMN last_update_id INTEGER;
    """,
    # 3: delivery. The last question message sent (its step and message id),
    # so that when a question is asked again the older copy's buttons can be
    # removed; the turn of a question whose send failed (re-sent when the
    # client writes again); when the client was found to have blocked the bot
    # (nothing is sent to them until they write again).
    """
    ALTER TABLE sessions ADD COLUMN question_step TEXT;
    ALTER TABLE sessions ADD COLUMN question_message_id INTEGER;
    ALTER TABLE sessions ADD COLUMN undelivered_turn INTEGER;
    ALTER TABLE clients ADD COLUMN unreachable_since INTEGER;
    """,
    # 4: advisors (added on the command line or, later, by invitation). The
    # referral token is opaque and random, kept across a removal and a
    # re-adding; a removed advisor stays as a row (their leads are kept).
    """
    CREATE TABLE advisors (
        telegram_user_id INTEGER PRIMARY KEY,
        name             TEXT NOT NULL,
        company          TEXT,
        phone            TEXT,
        referral_token   TEXT NOT NULL UNIQUE,
        active           INTEGER NOT NULL DEFAULT 1,
        created_at       TEXT NOT NULL,
        removed_at       TEXT
    );
    """,
    # 5: advisors' invitations; which advisor's link brought a client (first
    # touch); leads (a client who agreed to be contacted) and their contact
    # log; side conversations (an advisor's sign-up, a note, an offline
    # pre-qualification run under a subject id of their own, so they never
    # mix with the chat's own interview); the outbox of scheduled messages
    # (greetings, reminders, digests, lead cards): one row per (recipient,
    # occasion, occurrence), so planning twice inserts nothing twice.
    """
    CREATE TABLE invitations (
        token       TEXT PRIMARY KEY,
        created_by  INTEGER NOT NULL,
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        used_by     INTEGER,
        used_at     TEXT
    );
    CREATE TABLE referrals (
        client_id   INTEGER PRIMARY KEY,
        advisor_id  INTEGER NOT NULL REFERENCES advisors(telegram_user_id),
        created_at  TEXT NOT NULL
    );
    CREATE INDEX referrals_by_advisor ON referrals(advisor_id);
    CREATE TABLE leads (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id     INTEGER NOT NULL UNIQUE,
        advisor_id    INTEGER REFERENCES advisors(telegram_user_id),
        source        TEXT NOT NULL,
        stage         TEXT NOT NULL DEFAULT 'new',
        display_name  TEXT,
        consent_at    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE INDEX leads_by_advisor ON leads(advisor_id, id);
    CREATE TABLE contact_log (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        lead_id  INTEGER NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
        kind     TEXT NOT NULL,
        note     TEXT,
        at       TEXT NOT NULL
    );
    CREATE INDEX contact_log_by_lead ON contact_log(lead_id, at);
    CREATE TABLE subjects (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        owner_id    INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE TABLE conversations (
        chat_id     INTEGER PRIMARY KEY,
        subject_id  INTEGER NOT NULL,
        flow        TEXT NOT NULL,
        purpose     TEXT NOT NULL DEFAULT '{}',
        created_at  TEXT NOT NULL
    );
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        recipient   INTEGER NOT NULL,
        client_id   INTEGER,
        occasion    TEXT NOT NULL,
        occurrence  TEXT NOT NULL,
        day         TEXT NOT NULL,
        payload     TEXT NOT NULL,
        status      TEXT NOT NULL DEFAULT 'pending',
        message_id  INTEGER,
        attempts    INTEGER NOT NULL DEFAULT 0,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL,
        UNIQUE (recipient, occasion, occurrence)
    );
    CREATE INDEX outbox_by_status ON outbox(status, day);
    CREATE INDEX outbox_by_client ON outbox(client_id);
    """,
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Session:
    id: int
    state: State
    last_update_id: int | None = None
    question_step: str | None = None  # the last question message sent …
    question_message_id: int | None = None  # … and its Telegram message id
    undelivered_turn: int | None = None  # a question whose send failed

    def has_seen(self, update_id: int | None) -> bool:
        return update_id is not None and self.last_update_id is not None and update_id <= self.last_update_id

    @property
    def undelivered(self) -> bool:
        """The current question never reached the client."""
        return self.state.status == "active" and self.undelivered_turn == self.state.turn


@dataclass(frozen=True)
class Advisor:
    telegram_user_id: int
    name: str
    company: str | None
    phone: str | None
    referral_token: str  # the opaque deep-link payload of their referral link
    active: bool
    created_at: str
    removed_at: str | None


_ADVISOR_COLUMNS = "telegram_user_id, name, company, phone, referral_token, active, created_at, removed_at"


def _advisor(row: tuple) -> Advisor:
    user_id, name, company, phone, token, active, created_at, removed_at = row
    return Advisor(user_id, name, company, phone, token, bool(active), created_at, removed_at)


@dataclass
class _SessionSave:
    """One interview's state and changed answers: saved with every other
    session of its batch in a handful of ``executemany`` round trips."""

    user_id: int
    session_id: int | None
    state: State
    changed: dict[str, Any]
    removed: list[str]
    figures: dict | None
    update_id: int | None
    consented: bool = False  # the flow's consent step is answered yes (the driver knows which step)
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass
class _Statements:
    """A few statements run in order (marks, a deletion); ``checkpoint``: the
    WAL is emptied after the commit, so no deleted byte is left in it."""

    statements: list[tuple[str, tuple]]
    checkpoint: bool = False
    returning: bool = False  # the result is the rows of the last statement (… RETURNING), not a count
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


@dataclass
class _QuestionSent:
    """The question message just delivered (the newest copy, and delivered):
    one row per chat, batched like the saves."""

    user_id: int
    step: str
    message_id: int
    done: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


_Job = _SessionSave | _Statements | _QuestionSent
_STOP = None
SESSION_CACHE_MAX = 2_000  # sessions kept in memory: about the clients active in the last minutes


class Storage:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()  # migrations only; writes go through the writer task
        self._queue: asyncio.Queue[_Job | None] | None = None
        self._writer: asyncio.Task | None = None
        self._checkpoint_due = False  # a deletion's WAL checkpoint has not completed yet
        # The current session of recently active users, as committed: updated
        # after each commit (write-through), dropped by any other write of the
        # user, bounded. Spares a read per update; the database stays the
        # truth (only this process writes, one chat at a time).
        self._sessions: OrderedDict[int, Session] = OrderedDict()
        self.batches = 0  # transactions committed by the writer (the benchmark reports writes per batch)
        self.batched_writes = 0
        # Clients marked unreachable, as in the database (loaded at open, kept
        # in step by every write of the mark): spares a query per update for
        # the common case of a client who is not marked. The database decides.
        self._unreachable: set[int] = set()

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("Storage.open() was not called")
        return self._db

    async def open(self) -> Storage:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path)
        await self.db.execute("PRAGMA journal_mode=WAL")
        await self.db.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash in WAL mode
        await self.db.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten rows are zeroed, not just unlinked (the WAL is
        # checkpointed after a deletion, see delete_user).
        await self.db.execute("PRAGMA secure_delete=ON")
        await self.migrate()
        rows = await self.db.execute_fetchall("SELECT user_id FROM clients WHERE unreachable_since IS NOT NULL")
        self._unreachable = {r[0] for r in rows}
        self._queue = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_batches(), name="diagbot-storage-writer")
        return self

    async def close(self) -> None:
        if self._writer is not None:
            await self._queue.put(_STOP)  # after every write already waiting
            await self._writer
            self._writer = None
            self._queue = None  # a write after close raises instead of waiting forever
        if self._db is not None:
            await self._db.close()
            self._db = None

    # --- the writer ----------------------------------------------------------

    async def _submit(self, job: _Job) -> Any:
        if self._queue is None:
            raise RuntimeError("Storage.open() was not called")
        await self._queue.put(job)
        return await job.done

    async def _write_batches(self) -> None:
        """The one writer: take every job waiting, commit them together."""
        assert self._queue is not None
        while True:
            job = await self._queue.get()
            if job is _STOP:
                return
            batch = [job]
            stop = False
            while not self._queue.empty():
                more = self._queue.get_nowait()
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)
            try:
                await self._commit(batch)
            except Exception as err:  # the connection itself failed: report it, keep writing
                log.error("storage writer: batch failed: %s", type(err).__name__)
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(err)
            if stop:
                return

    async def _commit(self, batch: list[_Job]) -> None:
        try:
            results = await self._apply(batch)
            await self.db.commit()
        except Exception as err:
            await self.db.rollback()
            if len(batch) > 1:  # one bad write must not fail the others: each alone
                for job in batch:
                    await self._commit([job])
            elif not batch[0].done.done():
                batch[0].done.set_exception(err)
            return
        self.batches += 1
        self.batched_writes += len(batch)
        for job, result in zip(batch, results, strict=True):
            self._remember(job, result)
        done = list(zip(batch, results, strict=True))
        deletions = [(job, r) for job, r in done if isinstance(job, _Statements) and job.checkpoint]
        # The other writes are on disk: their callers go on now, whatever the
        # checkpoint does; a deletion returns once its checkpoint was tried.
        deleting = {id(job) for job, _ in deletions}
        self._resolve([(job, r) for job, r in done if id(job) not in deleting])
        if deletions:
            self._checkpoint_due = True
        if self._checkpoint_due:
            await self._checkpoint()
        self._resolve(deletions)

    def _remember(self, job: _Job, result: Any) -> None:
        """Keep the session cache as the commit left the database."""
        if isinstance(job, _SessionSave):
            before = self._sessions.get(job.user_id)
            if job.session_id is None:  # a new row: its delivery columns are empty
                self._cache(job.user_id, Session(result, job.state, job.update_id))
            elif before is not None and before.id == job.session_id:
                last = job.update_id if job.update_id is not None else before.last_update_id
                self._cache(job.user_id, replace(before, state=job.state, last_update_id=last))
            else:
                self._sessions.pop(job.user_id, None)
        elif isinstance(job, _QuestionSent):
            before = self._sessions.get(job.user_id)
            if before is not None:
                self._cache(job.user_id, replace(before, question_step=job.step, question_message_id=job.message_id,
                                                 undelivered_turn=None))

    def _cache(self, user_id: int, session: Session) -> None:
        self._sessions[user_id] = session
        self._sessions.move_to_end(user_id)
        if len(self._sessions) > SESSION_CACHE_MAX:
            self._sessions.popitem(last=False)

    @staticmethod
    def _resolve(done: list[tuple[_Job, Any]]) -> None:
        for job, result in done:
            if not job.done.done():  # its caller may have been cancelled
                job.done.set_result(result)

    async def _apply(self, batch: list[_Job]) -> list[Any]:
        """Every statement of the batch, in one transaction (not committed)."""
        now = _now()
        saves = [job for job in batch if isinstance(job, _SessionSave)]
        existing = [job for job in saves if job.session_id is not None]
        # New sessions' ids are kept apart from the jobs: if the batch rolls
        # back, each job is retried alone and must insert again.
        sid = {id(job): job.session_id for job in existing}
        for job in saves:
            if job.session_id is None:
                sid[id(job)] = await self._insert_session(job, now)
        if existing:
            await self.db.executemany(
                "UPDATE sessions SET state = ?, status = ?, updated_at = ?, completed_at = COALESCE(?, completed_at),"
                " last_update_id = COALESCE(?, last_update_id) WHERE id = ? AND user_id = ?",
                [(job.state.model_dump_json(), job.state.status, now, now if job.state.status == "done" else None,
                  job.update_id, job.session_id, job.user_id) for job in existing],
            )
        answers = [(sid[id(job)], k, json.dumps(v, ensure_ascii=False), now)
                   for job in saves for k, v in job.changed.items()]
        if answers:
            await self.db.executemany(
                "INSERT INTO answers (session_id, key, value, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(session_id, key) DO UPDATE SET value = excluded.value,"
                " answered_at = excluded.answered_at",
                answers,
            )
        removed = [(sid[id(job)], k) for job in saves for k in job.removed]
        if removed:
            await self.db.executemany("DELETE FROM answers WHERE session_id = ? AND key = ?", removed)
        figures = [(sid[id(job)], job.user_id, now, json.dumps(job.figures, ensure_ascii=False))
                   for job in saves if job.figures is not None]
        if figures:
            await self.db.executemany(
                "INSERT INTO results (session_id, user_id, created_at, figures) VALUES (?, ?, ?, ?)", figures
            )
            # A new result replaces the interviews before it (a finished one
            # kept readable by a confirmed /restart): a client has at most the
            # newest finished interview and one in progress.
            older = [(user_id, session_id) for session_id, user_id, _, _ in figures]
            await self.db.executemany("DELETE FROM results WHERE user_id = ? AND session_id < ?", older)
            await self.db.executemany(
                "DELETE FROM answers WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ? AND id < ?)", older)
            await self.db.executemany("DELETE FROM sessions WHERE user_id = ? AND id < ?", older)
        sent = [(job.step, job.message_id, job.user_id) for job in batch if isinstance(job, _QuestionSent)]
        if sent:
            await self.db.executemany(
                "UPDATE sessions SET question_step = ?, question_message_id = ?, undelivered_turn = NULL"
                " WHERE id = (SELECT MAX(id) FROM sessions WHERE user_id = ?)", sent)
        # Marks and deletions after the saves; a chat's own writes never share
        # a batch out of order, since its handler awaits each one.
        counts: dict[int, int] = {}
        for job in batch:
            if isinstance(job, _Statements):
                changed, rows = 0, []
                for sql, params in job.statements:
                    cur = await self.db.execute(sql, params)
                    if job.returning:
                        rows = list(await cur.fetchall())
                    changed += cur.rowcount
                counts[id(job)] = rows if job.returning else changed
        return [sid[id(job)] if isinstance(job, _SessionSave) else counts.get(id(job)) for job in batch]

    async def _insert_session(self, job: _SessionSave, now: str) -> int:
        # The first save of a user is the moment of consent: nothing is stored before it.
        consent_at = now if job.consented else None
        await self.db.execute(
            "INSERT INTO clients (user_id, consent_at, created_at) VALUES (?, ?, ?) ON CONFLICT(user_id)"
            " DO UPDATE SET consent_at = COALESCE(clients.consent_at, excluded.consent_at)",
            (job.user_id, consent_at, now),
        )
        rows = await self.db.execute_fetchall(
            "INSERT INTO sessions (user_id, flow, state, status, started_at, updated_at, completed_at,"
            " last_update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (job.user_id, job.state.flow, job.state.model_dump_json(), job.state.status, now, now,
             now if job.state.status == "done" else None, job.update_id),
        )
        return rows[0][0]

    async def _checkpoint(self) -> None:
        # secure_delete zeroed the rows in the pages written now, but the WAL
        # still holds earlier copies of those pages: copy the WAL back into
        # the database and truncate it, so no deleted byte is left.
        # If it cannot complete now (a read in progress), it is tried again
        # after every following commit until it does.
        try:
            rows = await self.db.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = rows[0][0]
        except Exception as err:  # e.g. "database table is locked" while a read is open
            log.warning("WAL checkpoint after a deletion failed: %s; retried after the next commit", type(err).__name__)
            return
        if busy:
            log.warning("WAL checkpoint after a deletion was blocked; retried after the next commit")
            return
        self._checkpoint_due = False

    async def __aenter__(self) -> Storage:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        await self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        async with self.db.execute("SELECT MAX(version) FROM schema_version") as cur:
            row = await cur.fetchone()
        return row[0] or 0

    async def migrate(self) -> None:
        async with self._lock:
            version = await self.schema_version()
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                await self.db.executescript(f"BEGIN;\n{script}\nINSERT INTO schema_version VALUES ({number});\nCOMMIT;")

    # --- interview sessions --------------------------------------------------

    async def current_session(self, user_id: int) -> Session | None:
        cached = self._sessions.get(user_id)
        if cached is not None:
            self._sessions.move_to_end(user_id)
            return cached
        rows = await self.db.execute_fetchall(
            "SELECT id, state, last_update_id, question_step, question_message_id, undelivered_turn FROM sessions"
            " WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,)
        )
        if not rows:
            return None
        sid, state, *rest = rows[0]
        session = Session(sid, State.model_validate_json(state), *rest)
        self._cache(user_id, session)
        return session

    async def finished_sessions(self, user_id: int) -> list[tuple[int, State]]:
        """The user's interviews that reached a result, newest first (at most
        two: the current one and the one a /restart kept)."""
        rows = await self.db.execute_fetchall(
            "SELECT s.id, s.state FROM sessions s WHERE s.user_id = ?"
            " AND EXISTS (SELECT 1 FROM results r WHERE r.session_id = s.id) ORDER BY s.id DESC", (user_id,))
        return [(sid, State.model_validate_json(state)) for sid, state in rows]

    async def save_session(self, user_id: int, session_id: int | None, state: State,
                           changed: dict[str, Any], removed: list[str], figures: dict | None = None,
                           update_id: int | None = None, consented: bool = False) -> int:
        """Persist the state and the answers that changed, committed (with
        other chats' writes) before this returns; returns the session id (new
        on the first save, or when ``session_id`` is None: a new interview
        after a finished one). ``figures``: a result, stored; it replaces
        the user's earlier interviews (their rows are deleted). ``consented``:
        the client has given consent (the flow's consent step, which the
        driver knows): the user's first save stamps its time."""
        return await self._submit(_SessionSave(user_id, session_id, state, changed, removed, figures, update_id,
                                               consented))

    # --- delivery ------------------------------------------------------------
    # Each is one statement on the user's current session or client row; a
    # user with no row yet (before consent) has nothing to mark.

    async def _write(self, statements: list[tuple[str, tuple]]) -> int:
        """Run statements in the writer's next transaction; the rows changed."""
        return await self._submit(_Statements(statements))

    async def write(self, statements: list[tuple[str, tuple]]) -> int:
        """Statements of another storage module (bot.storage_leads,
        bot.storage_outbox), run in order in the writer's next transaction
        (one at a time with every other write); the rows they changed."""
        return await self._write(statements)

    async def write_returning(self, statements: list[tuple[str, tuple]]) -> list[tuple]:
        """Like ``write``; the rows the last statement returns (``… RETURNING``)."""
        return await self._submit(_Statements(statements, returning=True))

    async def record_question(self, user_id: int, step: str, message_id: int) -> None:
        """The question message just delivered: the newest copy, and delivered."""
        await self._submit(_QuestionSent(user_id, step, message_id))

    async def mark_undelivered(self, user_id: int, turn: int) -> None:
        try:
            await self._write([(
                "UPDATE sessions SET undelivered_turn = ? WHERE id = (SELECT MAX(id) FROM sessions WHERE user_id = ?)",
                (turn, user_id))])
        finally:
            self._sessions.pop(user_id, None)  # read again from the database

    async def mark_unreachable(self, user_id: int, since: int) -> None:
        """The client blocked the bot (found at ``since``, Unix seconds)."""
        if await self._write([("UPDATE clients SET unreachable_since = ? WHERE user_id = ?", (since, user_id))]):
            self._unreachable.add(user_id)

    async def unreachable_since(self, user_id: int) -> int | None:
        if user_id not in self._unreachable:
            return None
        rows = await self.db.execute_fetchall("SELECT unreachable_since FROM clients WHERE user_id = ?", (user_id,))
        since = rows[0][0] if rows else None
        if since is None:
            self._unreachable.discard(user_id)
        return since

    async def clear_unreachable(self, user_id: int) -> None:
        await self._write([("UPDATE clients SET unreachable_since = NULL WHERE user_id = ?", (user_id,))])
        self._unreachable.discard(user_id)

    # --- privacy -------------------------------------------------------------

    async def user_data(self, user_id: int) -> dict[str, Any]:
        """Everything stored about one user (for /mydata)."""
        data: dict[str, Any] = {"client": None, "sessions": [], "results": []}
        # execute_fetchall: no statement stays open across an await (an open
        # read would block a deletion's WAL checkpoint on this connection).
        rows = await self.db.execute_fetchall(
            "SELECT language, consent_at, created_at, unreachable_since FROM clients WHERE user_id = ?", (user_id,))
        if rows:
            language, consent_at, created_at, unreachable = rows[0]
            data["client"] = {"language": language, "consent_at": consent_at, "created_at": created_at,
                              "unreachable_since": unreachable}
        sessions = await self.db.execute_fetchall(
            "SELECT id, flow, status, started_at, updated_at, completed_at, state FROM sessions WHERE user_id = ?"
            " ORDER BY id", (user_id,))
        for sid, flow, status, started, updated, completed, state in sessions:
            answers = await self.db.execute_fetchall(
                "SELECT key, value FROM answers WHERE session_id = ? ORDER BY answered_at, key", (sid,))
            data["sessions"].append({"id": sid, "flow": flow, "status": status, "started_at": started,
                                     "updated_at": updated, "completed_at": completed,
                                     "answers": {k: json.loads(v) for k, v in answers},
                                     "state": State.model_validate_json(state)})
        results = await self.db.execute_fetchall(
            "SELECT session_id, created_at FROM results WHERE user_id = ? ORDER BY id", (user_id,))
        data["results"] = [{"session_id": sid, "created_at": created} for sid, created in results]
        return data

    async def delete_session(self, user_id: int, session_id: int) -> None:
        """One interview of the user (a /restart's new one, declined), then
        the WAL emptied; the user's other rows stay."""
        self._sessions.pop(user_id, None)
        await self._submit(_Statements([
            ("DELETE FROM results WHERE session_id = ? AND user_id = ?", (session_id, user_id)),
            ("DELETE FROM answers WHERE session_id IN (SELECT id FROM sessions WHERE id = ? AND user_id = ?)",
             (session_id, user_id)),
            ("DELETE FROM sessions WHERE id = ? AND user_id = ?", (session_id, user_id)),
        ], checkpoint=True))
        self._sessions.pop(user_id, None)

    async def delete_user(self, user_id: int) -> None:
        """Every row of the user, then the WAL emptied (see ``_checkpoint``)."""
        self._sessions.pop(user_id, None)
        await self._submit(_Statements([
            # Their lead (its contact log goes with it), the advisor link that
            # brought them, their pending messages, an open side conversation.
            ("DELETE FROM contact_log WHERE lead_id IN (SELECT id FROM leads WHERE client_id = ?)", (user_id,)),
            # Today's digest of their advisor names them: planned again without them.
            ("DELETE FROM outbox WHERE status = 'pending' AND occasion = 'digest'"
             " AND recipient IN (SELECT advisor_id FROM leads WHERE client_id = ?)", (user_id,)),
            ("DELETE FROM leads WHERE client_id = ?", (user_id,)),
            ("DELETE FROM subjects WHERE id = ?", (-user_id,)),  # a side conversation's own id (negative)
            ("DELETE FROM referrals WHERE client_id = ?", (user_id,)),
            ("DELETE FROM outbox WHERE client_id = ?", (user_id,)),  # greetings, and lead cards about them
            ("DELETE FROM conversations WHERE chat_id = ?", (user_id,)),
            ("DELETE FROM results WHERE user_id = ?", (user_id,)),
            ("DELETE FROM answers WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?)", (user_id,)),
            ("DELETE FROM sessions WHERE user_id = ?", (user_id,)),
            ("DELETE FROM clients WHERE user_id = ?", (user_id,)),
        ], checkpoint=True))
        self._unreachable.discard(user_id)
        self._sessions.pop(user_id, None)

    # --- advisors ------------------------------------------------------------
    # No cache: every read asks the database, so a bot that is running sees an
    # advisor added from the command line (another process) at once.

    async def add_advisor(self, user_id: int, name: str, company: str | None = None,
                          phone: str | None = None) -> Advisor:
        """Add an advisor with a new random referral token, or update one
        already known: the name, and the company and phone when given; a
        removed advisor is active again. The token never changes."""
        now = _now()
        for _ in range(3):  # a token that is already taken (about never) is drawn again
            token = secrets.token_urlsafe(12)
            try:
                await self._write([(
                    f"INSERT INTO advisors ({_ADVISOR_COLUMNS}) VALUES (?, ?, ?, ?, ?, 1, ?, NULL)"
                    " ON CONFLICT(telegram_user_id) DO UPDATE SET name = excluded.name,"
                    " company = COALESCE(excluded.company, advisors.company),"
                    " phone = COALESCE(excluded.phone, advisors.phone), active = 1, removed_at = NULL",
                    (user_id, name, company, phone, token, now))])
                break
            except aiosqlite.IntegrityError:
                continue
        advisor = await self.advisor(user_id)
        assert advisor is not None
        return advisor

    async def advisor(self, user_id: int) -> Advisor | None:
        """The advisor with this Telegram user id, active or removed."""
        rows = await self.db.execute_fetchall(
            f"SELECT {_ADVISOR_COLUMNS} FROM advisors WHERE telegram_user_id = ?", (user_id,))
        return _advisor(rows[0]) if rows else None

    async def advisors(self, active_only: bool = True) -> list[Advisor]:
        """Advisors in the order they were first added."""
        rows = await self.db.execute_fetchall(
            f"SELECT {_ADVISOR_COLUMNS} FROM advisors WHERE active = 1 OR ? = 0 ORDER BY created_at, telegram_user_id",
            (1 if active_only else 0,))
        return [_advisor(row) for row in rows]

    async def remove_advisor(self, user_id: int) -> bool:
        """Mark an active advisor removed (the row and the token are kept);
        False when there was no active advisor with this id."""
        changed = await self._write([(
            "UPDATE advisors SET active = 0, removed_at = ? WHERE telegram_user_id = ? AND active = 1",
            (_now(), user_id))])
        return bool(changed)

    async def advisor_by_token(self, token: str) -> Advisor | None:
        """The active advisor whose referral token this is."""
        rows = await self.db.execute_fetchall(
            f"SELECT {_ADVISOR_COLUMNS} FROM advisors WHERE referral_token = ? AND active = 1", (token,))
        return _advisor(rows[0]) if rows else None

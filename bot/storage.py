"""SQLite storage (aiosqlite, WAL) with numbered schema migrations.

One connection per process; every write is one transaction under a lock, so
the statements of two chats handled concurrently never share a commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
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


class Storage:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
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
        return self

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

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
        rows = await self.db.execute_fetchall(
            "SELECT id, state, last_update_id, question_step, question_message_id, undelivered_turn FROM sessions"
            " WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,)
        )
        if not rows:
            return None
        sid, state, *rest = rows[0]
        return Session(sid, State.model_validate_json(state), *rest)

    async def save_session(self, user_id: int, session_id: int | None, state: State,
                           changed: dict[str, Any], removed: list[str], figures: dict | None = None,
                           update_id: int | None = None) -> int:
        """Persist the state and the answers that changed in one transaction;
        returns the session id (new on the first save)."""
        now = _now()
        async with self._lock:
            try:
                completed = now if state.status == "done" else None
                if session_id is None:
                    # The first save of a user is the moment of consent: nothing is stored before it.
                    consent_at = now if state.answers.get("consent") is True else None
                    await self.db.execute(
                        "INSERT INTO clients (user_id, consent_at, created_at) VALUES (?, ?, ?) ON CONFLICT(user_id)"
                        " DO UPDATE SET consent_at = COALESCE(clients.consent_at, excluded.consent_at)",
                        (user_id, consent_at, now),
                    )
                    cur = await self.db.execute(
                        "INSERT INTO sessions (user_id, flow, state, status, started_at, updated_at, completed_at,"
                        " last_update_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (user_id, state.flow, state.model_dump_json(), state.status, now, now, completed, update_id),
                    )
                    session_id = cur.lastrowid
                else:
                    await self.db.execute(
                        "UPDATE sessions SET state = ?, status = ?, updated_at = ?, completed_at = COALESCE(?, completed_at),"
                        " last_update_id = COALESCE(?, last_update_id) WHERE id = ? AND user_id = ?",
                        (state.model_dump_json(), state.status, now, completed, update_id, session_id, user_id),
                    )
                if changed:
                    await self.db.executemany(
                        "INSERT INTO answers (session_id, key, value, answered_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT(session_id, key) DO UPDATE SET value = excluded.value,"
                        " answered_at = excluded.answered_at",
                        [(session_id, k, json.dumps(v, ensure_ascii=False), now) for k, v in changed.items()],
                    )
                if removed:
                    await self.db.executemany(
                        "DELETE FROM answers WHERE session_id = ? AND key = ?", [(session_id, k) for k in removed]
                    )
                if figures is not None:
                    await self.db.execute(
                        "INSERT INTO results (session_id, user_id, created_at, figures) VALUES (?, ?, ?, ?)",
                        (session_id, user_id, now, json.dumps(figures, ensure_ascii=False)),
                    )
                await self.db.commit()
            except BaseException:
                await self.db.rollback()
                raise
        return session_id

    # --- delivery ------------------------------------------------------------
    # Each is one statement on the user's current session or client row; a
    # user with no row yet (before consent) has nothing to mark.

    async def _write(self, statements: list[tuple[str, tuple]]) -> int:
        async with self._lock:
            try:
                changed = 0
                for sql, params in statements:
                    cur = await self.db.execute(sql, params)
                    changed += cur.rowcount
                await self.db.commit()
                return changed
            except BaseException:
                await self.db.rollback()
                raise

    async def record_question(self, user_id: int, step: str, message_id: int) -> None:
        """The question message just delivered: the newest copy, and delivered."""
        await self._write([(
            "UPDATE sessions SET question_step = ?, question_message_id = ?, undelivered_turn = NULL"
            " WHERE id = (SELECT MAX(id) FROM sessions WHERE user_id = ?)", (step, message_id, user_id))])

    async def mark_undelivered(self, user_id: int, turn: int) -> None:
        await self._write([(
            "UPDATE sessions SET undelivered_turn = ? WHERE id = (SELECT MAX(id) FROM sessions WHERE user_id = ?)",
            (turn, user_id))])

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
        async with self.db.execute(
            "SELECT language, consent_at, created_at, unreachable_since FROM clients WHERE user_id = ?", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        if row:
            data["client"] = {"language": row[0], "consent_at": row[1], "created_at": row[2],
                              "unreachable_since": row[3]}
        async with self.db.execute(
            "SELECT id, flow, status, started_at, updated_at, completed_at FROM sessions WHERE user_id = ? ORDER BY id",
            (user_id,),
        ) as cur:
            sessions = await cur.fetchall()
        for sid, flow, status, started, updated, completed in sessions:
            async with self.db.execute(
                "SELECT key, value, answered_at FROM answers WHERE session_id = ? ORDER BY answered_at, key", (sid,)
            ) as cur:
                answers = {k: json.loads(v) for k, v, _ in await cur.fetchall()}
            data["sessions"].append({"id": sid, "flow": flow, "status": status, "started_at": started,
                                     "updated_at": updated, "completed_at": completed, "answers": answers})
        async with self.db.execute(
            "SELECT session_id, created_at FROM results WHERE user_id = ? ORDER BY id", (user_id,)
        ) as cur:
            data["results"] = [{"session_id": s, "created_at": c} for s, c in await cur.fetchall()]
        return data

    async def delete_user(self, user_id: int) -> None:
        async with self._lock:
            try:
                await self.db.execute("DELETE FROM results WHERE user_id = ?", (user_id,))
                await self.db.execute(
                    "DELETE FROM answers WHERE session_id IN (SELECT id FROM sessions WHERE user_id = ?)", (user_id,)
                )
                await self.db.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
                await self.db.execute("DELETE FROM clients WHERE user_id = ?", (user_id,))
                await self.db.commit()
            except BaseException:
                await self.db.rollback()
                raise
            self._unreachable.discard(user_id)
            # secure_delete zeroed the rows in the pages written now, but the
            # WAL still holds earlier copies of those pages: copy the WAL back
            # into the database and truncate it, so no deleted byte is left.
            async with self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                busy, _, _ = await cur.fetchone()
            if busy:
                log.warning("WAL checkpoint after a deletion was blocked; it is retried at the next deletion or close")

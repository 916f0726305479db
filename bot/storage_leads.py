"""Storage of advisors' work: invitations, referrals (which advisor's link
brought a client), leads and their contact log, and side conversations.

The SQL of these tables lives here and only here. Every read of a lead takes
the advisor's id and returns nothing for another advisor's lead, or for a
lead whose advisor was removed: privacy by construction, not by the caller's
care. Writes go through the one storage writer (``Storage.write``).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from .storage import Storage

InvitationStatus = Literal["ok", "used", "expired", "unknown"]
LEAD_COLUMNS = "l.id, l.client_id, l.advisor_id, l.source, l.stage, l.display_name, l.consent_at, l.created_at"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class LeadRow:
    id: int  # the N of /lead N
    client_id: int
    advisor_id: int | None  # None: no advisor yet (a client who came without a referral)
    source: str  # "link" | "offline" | "direct"
    stage: str
    display_name: str | None
    consent_at: str  # when the client agreed to be contacted (UTC, ISO)
    created_at: str


@dataclass(frozen=True)
class ContactEntry:
    id: int
    lead_id: int
    kind: str  # T / E / M
    note: str | None
    at: str  # UTC, ISO


@dataclass(frozen=True)
class ClientFacts:
    """What a lead card is made of: the client's stored result (its figures,
    as kept when it was computed) and the answers of that interview."""

    figures: dict[str, Any]
    answers: dict[str, Any]
    completed_at: str | None


@dataclass(frozen=True)
class Focus:
    """A chat's side conversation: its messages go to ``flow``, stored under
    ``subject_id`` (a negative id of its own), not to the chat's interview."""

    chat_id: int
    subject_id: int
    flow: str
    purpose: dict[str, Any]


def _lead(row: tuple) -> LeadRow:
    return LeadRow(*row)


class LeadStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        # The chats with a side conversation, as in the database: read once,
        # then kept in step by this process's writes (only a running bot
        # starts or ends conversations). Spares a query per update.
        self._focus: dict[int, Focus] | None = None

    @property
    def db(self):
        return self.storage.db

    # --- invitations -----------------------------------------------------------

    async def create_invitation(self, created_by: int, days: int = 7, now: datetime | None = None) -> str:
        """A one-time advisor invitation token, valid ``days`` days."""
        now = now or _now()
        token = "inv_" + secrets.token_urlsafe(16)
        await self.storage.write([(
            "INSERT INTO invitations (token, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (token, created_by, _iso(now), _iso(now + timedelta(days=days))))])
        return token

    async def claim_invitation(self, token: str, user_id: int, now: datetime | None = None) -> InvitationStatus:
        """Whoever opens an invitation first holds it (the same person may open
        it again until they finish signing up); ``used`` for anyone else, or
        once signed up; ``expired`` after its days."""
        now = now or _now()
        rows = await self.db.execute_fetchall(
            "SELECT used_by, used_at, expires_at FROM invitations WHERE token = ?", (token,))
        if not rows:
            return "unknown"
        used_by, used_at, expires_at = rows[0]
        if used_at is not None or (used_by is not None and used_by != user_id):
            return "used"
        if expires_at <= _iso(now):
            return "expired"
        changed = await self.storage.write([(
            "UPDATE invitations SET used_by = ? WHERE token = ? AND (used_by IS NULL OR used_by = ?)"
            " AND used_at IS NULL AND expires_at > ?", (user_id, token, user_id, _iso(now)))])
        return "ok" if changed else "used"

    async def finish_invitation(self, user_id: int, now: datetime | None = None) -> bool:
        """The holder of an invitation finished signing up: it is spent. False
        when they hold none that is still valid."""
        now = now or _now()
        return bool(await self.storage.write([(
            "UPDATE invitations SET used_at = ? WHERE used_by = ? AND used_at IS NULL AND expires_at > ?",
            (_iso(now), user_id, _iso(now)))]))

    async def holds_invitation(self, user_id: int, now: datetime | None = None) -> bool:
        now = now or _now()
        rows = await self.db.execute_fetchall(
            "SELECT 1 FROM invitations WHERE used_by = ? AND used_at IS NULL AND expires_at > ?",
            (user_id, _iso(now)))
        return bool(rows)

    # --- referrals (first touch) -------------------------------------------------

    async def refer(self, client_id: int, advisor_id: int, now: datetime | None = None) -> bool:
        """The client opened this advisor's link: theirs unless another
        advisor's link came first (first touch). True when it is this one's."""
        await self.storage.write([(
            "INSERT INTO referrals (client_id, advisor_id, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT(client_id) DO NOTHING", (client_id, advisor_id, _iso(now or _now())))])
        return await self.referred_by(client_id) == advisor_id

    async def referred_by(self, client_id: int) -> int | None:
        """The advisor whose link brought the client (active or not)."""
        rows = await self.db.execute_fetchall("SELECT advisor_id FROM referrals WHERE client_id = ?", (client_id,))
        return rows[0][0] if rows else None

    # --- leads -------------------------------------------------------------------

    async def create_lead(self, client_id: int, advisor_id: int | None, source: str, display_name: str | None,
                          consent_at: datetime | None = None) -> tuple[LeadRow, bool]:
        """The client agreed to be contacted: their lead (new: True), or the
        one they already have (False; a repeat changes nothing)."""
        moment = _iso(consent_at or _now())
        changed = await self.storage.write([(
            "INSERT INTO leads (client_id, advisor_id, source, stage, display_name, consent_at, created_at, updated_at)"
            " VALUES (?, ?, ?, 'new', ?, ?, ?, ?) ON CONFLICT(client_id) DO NOTHING",
            (client_id, advisor_id, source, display_name, moment, moment, moment))])
        lead = await self.lead_of_client(client_id)
        assert lead is not None
        return lead, bool(changed)

    async def agreed_without_lead(self, key: str) -> list[int]:
        """Clients whose current interview holds a yes to ``key`` (the flow's
        consent to be contacted) and who have no lead."""
        rows = await self.db.execute_fetchall(
            "SELECT s.user_id FROM sessions s JOIN answers a ON a.session_id = s.id"
            " WHERE a.key = ? AND a.value = 'true' AND s.user_id > 0"
            " AND s.id = (SELECT MAX(id) FROM sessions WHERE user_id = s.user_id)"
            " AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.client_id = s.user_id)", (key,))
        return [r[0] for r in rows]

    async def lead_of_client(self, client_id: int) -> LeadRow | None:
        rows = await self.db.execute_fetchall(f"SELECT {LEAD_COLUMNS} FROM leads l WHERE l.client_id = ?",
                                              (client_id,))
        return _lead(rows[0]) if rows else None

    async def withdraw(self, client_id: int) -> LeadRow | None:
        """The client withdrew their consent to be contacted: the lead and its
        contact log are deleted, with the messages about it still waiting
        (its card; the advisor's digest of today, planned again without it);
        the lead as it was (to notify its advisor), None when there was none."""
        rows = await self.storage.write_returning([
            ("DELETE FROM contact_log WHERE lead_id IN (SELECT id FROM leads WHERE client_id = ?)", (client_id,)),
            ("DELETE FROM outbox WHERE status = 'pending' AND (client_id = ? OR (occasion = 'digest' AND"
             " recipient IN (SELECT advisor_id FROM leads WHERE client_id = ?)))", (client_id, client_id)),
            (f"DELETE FROM leads WHERE client_id = ? RETURNING {LEAD_COLUMNS.replace('l.', '')}", (client_id,)),
        ])
        return _lead(rows[0]) if rows else None

    async def lead(self, lead_id: int, advisor_id: int) -> LeadRow | None:
        """This advisor's lead N; None for a lead that does not exist, is
        another advisor's, or whose advisor was removed (all read alike)."""
        rows = await self.db.execute_fetchall(
            f"SELECT {LEAD_COLUMNS} FROM leads l JOIN advisors a ON a.telegram_user_id = l.advisor_id"
            " WHERE l.id = ? AND l.advisor_id = ? AND a.active = 1", (lead_id, advisor_id))
        return _lead(rows[0]) if rows else None

    async def leads(self, advisor_id: int) -> list[LeadRow]:
        """The advisor's leads, newest first (none while the advisor is removed)."""
        rows = await self.db.execute_fetchall(
            f"SELECT {LEAD_COLUMNS} FROM leads l JOIN advisors a ON a.telegram_user_id = l.advisor_id"
            " WHERE l.advisor_id = ? AND a.active = 1 ORDER BY l.id DESC", (advisor_id,))
        return [_lead(r) for r in rows]

    async def unassigned(self) -> list[LeadRow]:
        """Leads of no active advisor (no referral, or their advisor was
        removed), oldest first: for an admin to assign."""
        rows = await self.db.execute_fetchall(
            f"SELECT {LEAD_COLUMNS} FROM leads l LEFT JOIN advisors a ON a.telegram_user_id = l.advisor_id"
            " WHERE a.telegram_user_id IS NULL OR a.active = 0 ORDER BY l.id")
        return [_lead(r) for r in rows]

    async def assign(self, lead_id: int, advisor_id: int) -> bool:
        """Give a lead of no active advisor to an active advisor."""
        return bool(await self.storage.write([(
            "UPDATE leads SET advisor_id = ?, updated_at = ? WHERE id = ?"
            " AND EXISTS (SELECT 1 FROM advisors WHERE telegram_user_id = ? AND active = 1)"
            " AND (advisor_id IS NULL OR advisor_id NOT IN (SELECT telegram_user_id FROM advisors WHERE active = 1))",
            (advisor_id, _iso(_now()), lead_id, advisor_id))]))

    async def reassign(self, from_advisor: int, to_advisor: int) -> int:
        """Every lead (and referral) of one advisor to another, in one
        transaction; the number of leads moved."""
        rows = await self.storage.write_returning([
            ("UPDATE referrals SET advisor_id = ? WHERE advisor_id = ?", (to_advisor, from_advisor)),
            ("UPDATE leads SET advisor_id = ?, updated_at = ? WHERE advisor_id = ? RETURNING id",
             (to_advisor, _iso(_now()), from_advisor)),
        ])
        return len(rows)

    async def count_leads(self, advisor_id: int) -> int:
        rows = await self.db.execute_fetchall("SELECT COUNT(*) FROM leads WHERE advisor_id = ?", (advisor_id,))
        return rows[0][0]

    async def set_stage(self, lead_id: int, advisor_id: int, stage: str, from_stage: str | None = None) -> bool:
        """Move this advisor's lead to ``stage`` (from ``from_stage`` only,
        when given: a press on an old card does not undo a newer move). One
        statement: the advisor must still be active when it runs."""
        return bool(await self.storage.write([(
            "UPDATE leads SET stage = ?, updated_at = ? WHERE id = ? AND advisor_id = ? AND stage <> ?"
            " AND (? IS NULL OR stage = ?)"
            " AND EXISTS (SELECT 1 FROM advisors WHERE telegram_user_id = ? AND active = 1)",
            (stage, _iso(_now()), lead_id, advisor_id, stage, from_stage, from_stage, advisor_id))]))

    # --- the contact log -----------------------------------------------------------

    async def log_contact(self, lead_id: int, advisor_id: int, kind: str, note: str | None = None,
                          at: datetime | None = None) -> int | None:
        """A contact (T / E / M) with this advisor's lead; its entry id, or
        None when the lead is not theirs (one statement)."""
        rows = await self.storage.write_returning([(
            "INSERT INTO contact_log (lead_id, kind, note, at) SELECT l.id, ?, ?, ? FROM leads l"
            " JOIN advisors a ON a.telegram_user_id = l.advisor_id WHERE l.id = ? AND l.advisor_id = ?"
            " AND a.active = 1 RETURNING id",
            (kind, note, _iso(at or _now()), lead_id, advisor_id))])
        return rows[0][0] if rows else None

    async def set_note(self, entry_id: int, advisor_id: int, note: str | None) -> bool:
        return bool(await self.storage.write([(
            "UPDATE contact_log SET note = ? WHERE id = ? AND lead_id IN"
            " (SELECT l.id FROM leads l JOIN advisors a ON a.telegram_user_id = l.advisor_id"
            "  WHERE l.advisor_id = ? AND a.active = 1)", (note, entry_id, advisor_id))]))

    async def contacts(self, lead_id: int, advisor_id: int) -> list[ContactEntry]:
        """This advisor's lead's contact log, oldest first."""
        if await self.lead(lead_id, advisor_id) is None:
            return []
        rows = await self.db.execute_fetchall(
            "SELECT id, lead_id, kind, note, at FROM contact_log WHERE lead_id = ? ORDER BY at, id", (lead_id,))
        return [ContactEntry(*r) for r in rows]

    async def contact_summary(self, advisor_id: int) -> dict[int, tuple[int, str | None, str | None]]:
        """Per lead of this advisor: (contacts, last contact, last meeting)."""
        rows = await self.db.execute_fetchall(
            "SELECT c.lead_id, COUNT(*), MAX(c.at), MAX(CASE WHEN c.kind = 'M' THEN c.at END) FROM contact_log c"
            " JOIN leads l ON l.id = c.lead_id WHERE l.advisor_id = ? GROUP BY c.lead_id", (advisor_id,))
        return {lead: (n, last, met) for lead, n, last, met in rows}

    # --- the client's stored result ---------------------------------------------------

    async def client_facts(self, client_id: int) -> ClientFacts | None:
        """The client's newest result and the answers of its interview."""
        rows = await self.db.execute_fetchall(
            "SELECT r.figures, r.session_id, s.completed_at FROM results r JOIN sessions s ON s.id = r.session_id"
            " WHERE r.user_id = ? ORDER BY r.id DESC LIMIT 1", (client_id,))
        if not rows:
            return None
        figures, session_id, completed_at = rows[0]
        answers = await self.db.execute_fetchall("SELECT key, value FROM answers WHERE session_id = ?", (session_id,))
        return ClientFacts(json.loads(figures), {k: json.loads(v) for k, v in answers}, completed_at)

    async def client_facts_many(self, client_ids: list[int]) -> dict[int, ClientFacts]:
        """``client_facts`` of several clients in two queries (an advisor's book)."""
        if not client_ids:
            return {}
        marks = ",".join("?" * len(client_ids))
        rows = await self.db.execute_fetchall(
            f"SELECT r.user_id, r.figures, r.session_id, s.completed_at FROM results r"
            f" JOIN sessions s ON s.id = r.session_id WHERE r.user_id IN ({marks})"
            f" AND r.id = (SELECT MAX(id) FROM results WHERE user_id = r.user_id)", tuple(client_ids))
        sessions = {sid: (user, figures, completed) for user, figures, sid, completed in rows}
        answers: dict[int, dict[str, Any]] = {sid: {} for sid in sessions}
        if sessions:
            smarks = ",".join("?" * len(sessions))
            for sid, key, value in await self.db.execute_fetchall(
                    f"SELECT session_id, key, value FROM answers WHERE session_id IN ({smarks})", tuple(sessions)):
                answers[sid][key] = json.loads(value)
        return {user: ClientFacts(json.loads(figures), answers[sid], completed)
                for sid, (user, figures, completed) in sessions.items()}

    # --- side conversations -------------------------------------------------------------

    async def new_subject(self, owner_id: int, kind: str) -> int:
        """A new subject id (negative, so it never meets a Telegram user id)
        for a side conversation, or for an advisor's offline prospect."""
        rows = await self.storage.write_returning([(
            "INSERT INTO subjects (owner_id, kind, created_at) VALUES (?, ?, ?) RETURNING id",
            (owner_id, kind, _iso(_now())))])
        return -rows[0][0]

    async def _focused(self) -> dict[int, Focus]:
        if self._focus is None:
            rows = await self.db.execute_fetchall("SELECT chat_id, subject_id, flow, purpose FROM conversations")
            self._focus = {chat: Focus(chat, subject, flow, json.loads(purpose)) for chat, subject, flow, purpose in rows}
        return self._focus

    async def focus(self, chat_id: int) -> Focus | None:
        return (await self._focused()).get(chat_id)

    async def set_focus(self, chat_id: int, subject_id: int, flow: str, purpose: dict[str, Any]) -> None:
        focused = await self._focused()
        await self.storage.write([(
            "INSERT INTO conversations (chat_id, subject_id, flow, purpose, created_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(chat_id) DO UPDATE SET subject_id = excluded.subject_id, flow = excluded.flow,"
            " purpose = excluded.purpose, created_at = excluded.created_at",
            (chat_id, subject_id, flow, json.dumps(purpose), _iso(_now())))])
        focused[chat_id] = Focus(chat_id, subject_id, flow, purpose)

    async def clear_focus(self, chat_id: int) -> None:
        focused = await self._focused()
        await self.storage.write([("DELETE FROM conversations WHERE chat_id = ?", (chat_id,))])
        focused.pop(chat_id, None)

    def forget_focus(self, chat_id: int) -> None:
        """The row went with a deletion (Storage.delete_user)."""
        if self._focus is not None:
            self._focus.pop(chat_id, None)

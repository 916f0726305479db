"""The advisor's lead book: ``/leads`` (filters, pages), ``/lead N`` (the card,
the client's summary, the contact log), the stage and contact buttons (a
contact is stamped now, then an optional note: the ``contact_note`` flow as
a side conversation), ``/export`` (CSV), ``/newlead`` (the offline
pre-qualification: ``flows.offline`` as a side conversation under a subject
of its own), ``/due`` and the daily digest's content (``digests``).

Privacy by construction: every read goes through ``LeadStore`` with the
advisor's id, so another advisor's lead reads exactly like one that does not
exist. Figures come from the stored result through ``bot.advisors.lead_card_for``
(never recomputed another way); the digest names leads by #N and 称呼 only.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from flows import engine
from flows.advisors import CONTACT_NOTE
from flows.engine import State
from flows.leads import (
    CONTACT_KINDS,
    EXPORT_HEADER,
    RATINGS,
    STAGES,
    TIERS,
    CadenceSettings,
    ContactEntry,
    LeadCard,
    LeadFilter,
    LeadTouch,
    Reminder,
    Tier,
    can_move,
    card_brief,
    card_lines,
    contact_line,
    due_ids,
    export_row,
    filter_label,
    matches,
    next_stages,
    reminder_line,
    reminders,
    tier_at_least,
)
from flows.messages import Msg, msg
from flows.offline import OFFLINE

from .advisors import lead_card_for, payload
from .callbacks import LeadContact, LeadErase, LeadOpen, LeadPage, LeadStage
from .driver import Room
from .greetings import lead_reviews
from .presenter import TELEGRAM_TEXT_LIMIT, Attachment, Button, Outgoing, pack
from .routing import ADVISOR
from .storage_leads import ContactEntry as StoredContact
from .storage_leads import Focus, LeadRow
from .storage_outbox import NewMessage

log = logging.getLogger("diagbot.leadbook")

PAGE_SIZE = 10
OPEN_PER_ROW = 5  # the #N buttons of a page, compact
MAX_OPEN_BUTTONS = 30  # /due and the digest: at most this many #N buttons
LEAD_NUMBER_DIGITS = 12  # /lead 1234567890123: no such lead (and no integer overflow in SQLite)

CADENCE = CadenceSettings()  # seed 002: 15 days, birthdays 3 days ahead, visits every 6 months

# --- filters of /leads -------------------------------------------------------------
#
# A filter is a few ids: an exact tier (TIERS) or a floor (20万+ / 100万+: that
# tier and above; 500万+ is the top tier itself), a rating, a stage, "due".
# LeadPage carries them joined by "," (short, ASCII); typed words are the
# catalog's ``words.lead_filter.<id>``.

FLOORS: dict[str, Tier] = {"20w_up": "20w_100w", "100w_up": "100w_500w"}
DUE = "due"
ALL = "all"
FILTER_IDS: tuple[str, ...] = (*TIERS, *FLOORS, *RATINGS, *STAGES, DUE)
# The filter buttons under a page (the rest are typed: /leads 温, /leads 已联系).
FILTER_ROWS: tuple[tuple[str, ...], ...] = (("", "hot", DUE, "new"), ("20w_up", "100w_up", "500w_plus"))
_SEPARATORS = re.compile(r"[\s,\uff0c\u3001;\uff1b/]+")  # spaces, commas (also full-width), 、 ;


@dataclass(frozen=True)
class BookFilter:
    """What /leads shows: the core's ``LeadFilter`` (exact tier, rating,
    stage, due) and a tier floor."""

    core: LeadFilter = LeadFilter()
    floor: str | None = None  # a key of FLOORS

    @property
    def ids(self) -> tuple[str, ...]:
        c = self.core
        return tuple(i for i in (self.floor or c.tier, c.rating, c.stage, DUE if c.due else None) if i)

    def encode(self) -> str:
        return ",".join(self.ids)

    @classmethod
    def decode(cls, text: str) -> BookFilter:
        """The filter a button carries; an id it does not know is left out."""
        f = cls()
        for part in text.split(","):
            if part in FILTER_IDS:
                f = f.with_id(part)
        return f

    def with_id(self, fid: str) -> BookFilter:
        """This filter with one criterion set (another of its kind replaced)."""
        c = self.core
        if fid in FLOORS:
            return BookFilter(replace(c, tier=None), fid)
        if fid in TIERS:
            return BookFilter(replace(c, tier=fid), None)
        if fid in RATINGS:
            return BookFilter(replace(c, rating=fid), self.floor)
        if fid in STAGES:
            return BookFilter(replace(c, stage=fid), self.floor)
        if fid == DUE:
            return BookFilter(replace(c, due=True), self.floor)
        raise ValueError(fid)

    def keeps(self, card: LeadCard, due: Iterable[int]) -> bool:
        return matches(card, self.core, frozenset(due)) and (
            self.floor is None or tier_at_least(card.tier, FLOORS[self.floor]))

    def label(self) -> Msg:
        """What the filter keeps, in words (the page's title)."""
        return filter_label(self.core, msg(f"book.floor.{self.floor}") if self.floor else None)


ECHO_MAX = 20  # a word said back in a reply: enough to recognise it, never a wall of text


def shown_word(word: str) -> str:
    return word if len(word) <= ECHO_MAX else word[:ECHO_MAX] + "…"


def read_filter(text: str, words) -> BookFilter | str:
    """A typed filter (/leads 热 100万+): the filter, or the first word that
    is none (the caller explains the words). ``words``: the renderer's
    ``words`` (the catalog's word lists)."""
    f = BookFilter()
    for word in (w for w in _SEPARATORS.split(text.strip().lower()) if w):
        if word in words(f"words.lead_filter.{ALL}"):
            f = BookFilter()
            continue
        fid = next((i for i in FILTER_IDS if word in words(f"words.lead_filter.{i}")), None)
        if fid is None:
            return word
        f = f.with_id(fid)
    return f


# --- the book: each lead with its card and what the cadence needs -----------------------


@dataclass(frozen=True)
class Entry:
    lead: LeadRow
    card: LeadCard | None  # None: the client has no stored result
    touch: LeadTouch | None  # None without a card (no tier)
    contacts: int
    last_contact: datetime | None  # local time


def _moment(stored: str) -> datetime:
    moment = datetime.fromisoformat(stored)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(driver, stored: str) -> datetime:
    """A stored UTC time in the TZ setting (a naive datetime, as ``stamp`` writes it)."""
    return _moment(stored).astimezone(driver.tz).replace(tzinfo=None)


async def card_of(driver, lead: LeadRow) -> LeadCard | None:
    """The lead's card (``lead_card_for``: the stored figures, the consent time local)."""
    return await lead_card_for(driver, lead)


def _date(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


async def book(driver, advisor_id: int) -> list[Entry]:
    """The advisor's leads, newest first, each with its card and cadence facts."""
    leads = await driver.leads.leads(advisor_id)
    summary = await driver.leads.contact_summary(advisor_id) if leads else {}
    flow = driver.flow  # the facts' names (birth date, birthday calendar) of the registered diagnosis
    entries = []
    stored = await driver.leads.client_facts_many([lead.client_id for lead in leads])  # two queries for the book
    for lead in leads:
        count, last, met = summary.get(lead.id, (0, None, None))
        facts = stored.get(lead.client_id)
        card = await lead_card_for(driver, lead, facts) if facts is not None else None
        touch = None
        if card is not None:
            answers = facts.answers
            touch = LeadTouch(
                lead_id=lead.id, tier=card.tier, consent_on=local(driver, lead.consent_at).date(),
                stage=lead.stage,  # type: ignore[arg-type]
                last_contact=local(driver, last).date() if last else None,
                last_meeting=local(driver, met).date() if met else None,
                born=_date(flow.fact(answers, "birth_date")),
                lunar_birthday=flow.fact(answers, "birthday_calendar") == "lunar")
        entries.append(Entry(lead, card, touch, count, local(driver, last) if last else None))
    return entries


def due_of(entries: list[Entry], today: date, settings: CadenceSettings) -> list[Reminder]:
    return reminders((e.touch for e in entries if e.touch is not None), today, settings)


def who(lead: LeadRow) -> Msg:
    """称呼 beside #N (the card's ``who``, from the lead row)."""
    return msg("lead.name", name=lead.display_name) if lead.display_name else msg("lead.name.client")


def open_buttons(r, lead_ids: Iterable[int], limit: int = MAX_OPEN_BUTTONS) -> list[list[Button]]:
    """#N buttons opening leads, several to a row."""
    ids = list(dict.fromkeys(lead_ids))[:limit]
    buttons = [Button(r(msg("book.button.open", n=n)), LeadOpen(n)) for n in ids]
    return [buttons[i:i + OPEN_PER_ROW] for i in range(0, len(buttons), OPEN_PER_ROW)]


# --- the daily digest -------------------------------------------------------------------

DIGEST_OCCASION = "digest"
DIGEST_MAX_REMINDERS = 12  # lines; the rest: "……还有 N 项" (/due lists them all)
DIGEST_MAX_NAMES = 10  # new leads named
DIGEST_MAX_CHARS = 3_000  # well inside Telegram's 4,096


async def digest_text(driver, advisor_id: int, day: date,
                      settings: CadenceSettings = CADENCE) -> tuple[str, list[list[Button]]] | None:
    """One advisor's digest for ``day``: what is due (contacts, birthdays of
    100万+ leads, visits of 500万+ leads) and the leads that arrived the day
    before (each lead is new in exactly one digest: the day after its
    creation, local time), and the leads whose client's annual review
    (定期检视) is due (``bot.greetings.lead_reviews``). #N and 称呼 only, no
    figures. None: nothing to say."""
    entries = await book(driver, advisor_id)
    found = due_of(entries, day, settings)
    yesterday = day - timedelta(days=1)
    new = [e.lead for e in reversed(entries) if local(driver, e.lead.created_at).date() == yesterday]
    leads = {e.lead.id: e.lead for e in entries}
    # (lead id, line): what is due, then the annual reviews.
    items = [(rm.lead_id, reminder_line(rm, who(leads[rm.lead_id]))) for rm in found]
    items += await lead_reviews(driver, entries, day, who)
    if not items and not new:
        return None
    r = driver.renderer
    lines = [r(msg("book.digest_title", month=day.month, day=day.day))]
    shown = []
    for lead_id, item in items[:DIGEST_MAX_REMINDERS]:
        line = r(item)
        if sum(len(x) + 1 for x in lines) + len(line) > DIGEST_MAX_CHARS:
            break
        lines.append(line)
        shown.append(lead_id)
    if new:
        names: Msg | str = ""
        for lead in new[:DIGEST_MAX_NAMES]:
            ref = msg("book.lead_ref", n=lead.id, name=who(lead))
            names = ref if names == "" else msg("lead.list", a=names, b=ref)
        if len(new) > DIGEST_MAX_NAMES:
            names = msg("book.digest_names_more", names=names)
        lines.append(r(msg("book.digest_new", count=len(new), names=names)))
    left = len(items) - len(shown)
    if left:
        lines.append(r(msg("book.digest_more", count=left)))
    lines.append(r.text("book.digest_footer"))
    opened = shown + [lead.id for lead in new]
    return "\n".join(lines), open_buttons(r, opened, limit=2 * OPEN_PER_ROW)


async def digests(driver, day: date, settings: CadenceSettings = CADENCE) -> list[NewMessage]:
    """The daily digest of every active advisor who has something today:
    one outbox message each (occasion "digest", occurrence the day), about
    no single client (``client_id`` None). The scheduler puts them in the
    outbox (``driver.post``); planning the same day twice inserts nothing twice."""
    out = []
    for advisor in await driver.storage.advisors():
        try:
            found = await digest_text(driver, advisor.telegram_user_id, day, settings)
        except Exception as err:  # one advisor's bad row must not cost every other advisor their digest
            log.error("digest of one advisor failed: %s", type(err).__name__)
            continue
        if found is None:
            continue
        text, buttons = found
        out.append(NewMessage(recipient=advisor.telegram_user_id, client_id=None, occasion=DIGEST_OCCASION,
                              occurrence=day.isoformat(), day=day, payload=payload(text, buttons)))
    return out


# --- the room ----------------------------------------------------------------------------


class LeadBookRoom(Room):
    def __init__(self, cadence: CadenceSettings = CADENCE) -> None:
        self.cadence = cadence

    def features(self):
        return {"leads": self.leads, "lead": self.lead, "due": self.due, "export": self.export,
                "newlead": self.newlead}

    def presses(self):
        return {LeadPage: self.page_press, LeadOpen: self.open_press, LeadStage: self.stage_press,
                LeadContact: self.contact_press, LeadErase: self.erase_press}

    def side_flows(self) -> frozenset[str]:
        return frozenset({CONTACT_NOTE.name, OFFLINE.name})

    @property
    def r(self):
        return self.driver.renderer

    def _say(self, *keys: str | Msg) -> list[Outgoing]:
        return self.driver._say(*keys)

    async def _advisor(self, chat_id: int) -> bool:
        """Presses are not routed by role: a press of a removed advisor (or a forged one) is refused."""
        return ADVISOR in await self.driver.roles_of(chat_id)

    # --- /leads --------------------------------------------------------------------

    async def leads(self, chat_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        f = read_filter(arg, self.r.words)
        if isinstance(f, str):
            return self._say(msg("book.filter_help", word=shown_word(f)))
        return await self.page(chat_id, f, 0)

    async def page_press(self, chat_id: int, press: LeadPage, update_id: int | None) -> list[Outgoing]:
        if not await self._advisor(chat_id):
            return self._say("routing.only_advisor")
        return await self.page(chat_id, BookFilter.decode(press.filter), press.page)

    async def page(self, chat_id: int, f: BookFilter, page: int) -> list[Outgoing]:
        """One page of the book: a line per lead (``card_brief``), #N buttons,
        ◀ ▶, and the filter buttons."""
        entries = await book(self.driver, chat_id)
        if not entries:
            return self._say("book.empty")
        due = due_ids(due_of(entries, self.driver._today(), self.cadence)) if f.core.due else frozenset()
        if f.ids:
            shown = [e for e in entries if e.card is not None and f.keeps(e.card, due)]
        else:
            shown = entries
        pages = max(1, -(-len(shown) // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        chunk = shown[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        r = self.r
        if pages > 1:
            title = msg("book.title.page", filter=f.label(), count=len(shown), page=page + 1, pages=pages)
        else:
            title = msg("book.title", filter=f.label(), count=len(shown))
        lines = [title]
        lines += [card_brief(e.card) if e.card is not None else msg("book.no_result", n=e.lead.id, name=who(e.lead))
                  for e in chunk]
        if not shown:
            lines.append(msg("book.none_match"))
        buttons = open_buttons(r, (e.lead.id for e in chunk))
        pager = []
        if page > 0:
            pager.append(Button(r.text("book.button.prev"), LeadPage(page - 1, f.encode())))
        if page < pages - 1:
            pager.append(Button(r.text("book.button.next"), LeadPage(page + 1, f.encode())))
        if pager:
            buttons.append(pager)
        current = f.encode()
        for row in FILTER_ROWS:
            line = []
            for fid in row:
                label = r.text(f"book.button.filter.{fid or ALL}")
                if fid == current:
                    label = r(msg("book.button.current", label=label))
                line.append(Button(label, LeadPage(0, fid)))
            buttons.append(line)
        texts = pack([r.lines(lines)], TELEGRAM_TEXT_LIMIT)
        outs = [Outgoing(t) for t in texts]
        outs[-1].buttons = buttons
        return outs

    # --- /lead N ---------------------------------------------------------------------

    async def lead(self, chat_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        found = re.fullmatch(r"[#＃№]?\s*(\d+)", arg.strip())
        if found is None:
            return self._say("book.usage")
        digits = found.group(1)
        if len(digits) > LEAD_NUMBER_DIGITS:
            return self._say(msg("book.not_found", n=shown_word(digits)))
        return await self.show(chat_id, int(digits))

    async def open_press(self, chat_id: int, press: LeadOpen, update_id: int | None) -> list[Outgoing]:
        if not await self._advisor(chat_id):
            return self._say("routing.only_advisor")
        return await self.show(chat_id, press.lead)

    async def show(self, chat_id: int, n: int) -> list[Outgoing]:
        """The card, the client's full summary, the contact log (its buttons:
        stage moves, 📞 T / ✉️ E / 🤝 M, the client's chat)."""
        lead = await self.driver.leads.lead(n, chat_id)
        if lead is None:
            return self._say(msg("book.not_found", n=n))
        r = self.r
        card = await card_of(self.driver, lead)
        outs = [Outgoing(r.lines(card_lines(card)) if card is not None
                         else r(msg("book.no_result", n=lead.id, name=who(lead))))]
        outcome, _, report = await self.driver._find_outcome(lead.client_id)
        if outcome is not None and report is not None:
            about = report.shared or report.full  # the breakdown as the advisor reads it
            blocks = [r(msg("book.summary_header", n=lead.id))] + [r.lines(b) for b in about(outcome)]
            outs += [Outgoing(t) for t in pack(blocks, TELEGRAM_TEXT_LIMIT)]
        else:
            outs.append(Outgoing(r.text("book.summary_none")))
        entries = await self.driver.leads.contacts(lead.id, chat_id)
        log = [msg("book.log_header", n=lead.id, name=who(lead), stage=msg(f"lead.stage.{lead.stage}"))]
        log += [contact_line(self._entry(e)) for e in entries] or [msg("book.log_empty")]
        log.append(msg("book.log_hint"))
        texts = pack([r.lines(log)], TELEGRAM_TEXT_LIMIT)
        logs = [Outgoing(t) for t in texts]
        logs[-1].buttons = self.actions(lead)
        return outs + logs

    def actions(self, lead: LeadRow, stage: str | None = None) -> list[list[Button]]:
        """The stage moves from the lead's stage, the contact kinds, the client's chat."""
        r = self.r
        moves = [Button(r(msg("book.button.stage", stage=msg(f"lead.stage.{to}"))), LeadStage(lead.id, to))
                 for to in next_stages(stage or lead.stage)]  # type: ignore[arg-type]
        rows = [moves[i:i + 2] for i in range(0, len(moves), 2)]
        rows.append([Button(r.text(f"book.button.contact.{kind}"), LeadContact(lead.id, kind))
                     for kind in CONTACT_KINDS])
        if lead.client_id > 0:  # an offline prospect has no Telegram chat
            rows.append([Button(r.text("lead.button.chat"), None, url=f"tg://user?id={lead.client_id}")])
        else:  # the advisor entered it: theirs to erase (a prospect may ask them to)
            rows.append([Button(r.text("book.button.erase"), LeadErase(lead.id, "ask"))])
        return rows

    async def erase_press(self, chat_id: int, press: LeadErase, update_id: int | None) -> list[Outgoing]:
        """Erase an offline lead: asked first; then the prospect's answers,
        result, lead and contact log go, as a client's /delete does."""
        lead = await self.driver.leads.lead(press.lead, chat_id)
        if lead is None or lead.client_id > 0:
            return [] if press.step != "ask" else self._say(msg("book.not_found", n=press.lead))
        if press.step == "ask":
            buttons = [[Button(self.r.text("book.erase.yes"), LeadErase(lead.id, "yes")),
                        Button(self.r.text("book.erase.no"), LeadErase(lead.id, "no"))]]
            return [Outgoing(self.r(msg("book.erase.confirm", n=lead.id, name=who(lead))), buttons)]
        if press.step != "yes":
            return self._say("book.erase.kept")
        await self.driver.storage.delete_user(lead.client_id)
        return self._say(msg("book.erase.done", n=lead.id))

    def _entry(self, stored: StoredContact) -> ContactEntry:
        return ContactEntry(kind=stored.kind, at=local(self.driver, stored.at),  # type: ignore[arg-type]
                            note=stored.note or "")

    # --- stage and contact buttons ---------------------------------------------------------

    async def stage_press(self, chat_id: int, press: LeadStage, update_id: int | None) -> list[Outgoing]:
        """A stage move; a stale or second press (the lead is already there, or
        the move no longer applies) changes nothing and says nothing new."""
        if not await self._advisor(chat_id):
            return self._say("routing.only_advisor")
        if press.stage not in STAGES:
            return []
        lead = await self.driver.leads.lead(press.lead, chat_id)
        if lead is None:
            return self._say(msg("book.not_found", n=press.lead))
        if lead.stage == press.stage or not can_move(lead.stage, press.stage):  # type: ignore[arg-type]
            return []
        if not await self.driver.leads.set_stage(lead.id, chat_id, press.stage):
            return []
        text = self.r(msg("book.stage_moved", n=lead.id, name=who(lead), old=msg(f"lead.stage.{lead.stage}"),
                          new=msg(f"lead.stage.{press.stage}")))
        return [Outgoing(text, self.actions(lead, press.stage))]

    async def contact_press(self, chat_id: int, press: LeadContact, update_id: int | None) -> list[Outgoing]:
        """A contact, stamped now, then the optional note (a side conversation).
        A second tap while its note is asked logs nothing; during another side
        conversation (an offline pre-qualification) the contact is logged
        without the note question, so that conversation goes on."""
        if not await self._advisor(chat_id):
            return self._say("routing.only_advisor")
        if press.kind not in CONTACT_KINDS:
            return []
        focus = await self.driver.leads.focus(chat_id)
        if (focus is not None and focus.flow == CONTACT_NOTE.name
                and focus.purpose.get("lead") == press.lead and focus.purpose.get("kind") == press.kind):
            return []  # a double tap: the note question is open
        lead = await self.driver.leads.lead(press.lead, chat_id)
        if lead is None:
            return self._say(msg("book.not_found", n=press.lead))
        if focus is not None and focus.flow != CONTACT_NOTE.name:
            entry = await self._log(lead, chat_id, press.kind)
            return await self._logged(chat_id, lead, entry)
        if focus is not None:
            await self.driver.end_side(chat_id)  # another contact's note: that one stays without a note
        entry = await self._log(lead, chat_id, press.kind)
        if entry is None:
            return self._say(msg("book.not_found", n=press.lead))
        stored = await self._stored(lead, chat_id, entry)
        at = stored.at if stored is not None else datetime.now(UTC).isoformat()
        said = self.r(msg("book.contact_started", kind=msg(f"lead.contact.{press.kind}"), n=lead.id, name=who(lead),
                          at=self._entry_at(at)))
        purpose = {"entry": entry, "lead": lead.id, "kind": press.kind}
        return [Outgoing(said)] + await self._begin_note(chat_id, purpose)

    async def _log(self, lead, chat_id: int, kind: str) -> int | None:
        """A contact logged; a new lead is now contacted (新线索 → 已联系)."""
        entry = await self.driver.leads.log_contact(lead.id, chat_id, kind)
        if entry is not None and lead.stage == "new":
            await self.driver.leads.set_stage(lead.id, chat_id, "contacted", from_stage="new")
        return entry

    async def _begin_note(self, chat_id: int, purpose: dict) -> list[Outgoing]:
        """The note question, as a side conversation. The note flow has no
        consent step, and the driver stores nothing of a side conversation
        before its first answer, when a skip would not be taken (the driver
        reads the first event as a consent answer): its start is stored at once."""
        outs = await self.driver.begin_side(chat_id, CONTACT_NOTE.name, purpose, "note")
        focus = await self.driver.leads.focus(chat_id)
        if focus is not None and await self.driver.storage.current_session(focus.subject_id) is None:
            state, _ = engine.start(CONTACT_NOTE, self.driver.context())  # as begin_side started it
            await self.driver.storage.save_session(focus.subject_id, None, state, {}, [])
        return outs

    def _entry_at(self, stored: str) -> str:
        return local(self.driver, stored).strftime("%Y-%m-%d %H:%M")

    async def _stored(self, lead: LeadRow, chat_id: int, entry: int | None) -> StoredContact | None:
        return next((e for e in await self.driver.leads.contacts(lead.id, chat_id) if e.id == entry), None)

    async def _logged(self, chat_id: int, lead: LeadRow, entry: int | None) -> list[Outgoing]:
        """已记录:📞 电话 2026-11-25 10:05 · 备注 — with the lead's buttons."""
        stored = await self._stored(lead, chat_id, entry)
        if stored is None:
            return self._say(msg("book.not_found", n=lead.id))
        fresh = await self.driver.leads.lead(lead.id, chat_id) or lead
        text = self.r(msg("book.contact_logged", n=lead.id, line=contact_line(self._entry(stored))))
        return [Outgoing(text, self.actions(fresh))]

    # --- side conversations: the contact note, the offline pre-qualification ---------------------

    async def side_done(self, chat_id: int, focus: Focus, state: State | None, outcome) -> list[Outgoing]:
        if focus.flow == CONTACT_NOTE.name:
            return await self._note_done(chat_id, focus, state)
        if focus.flow == OFFLINE.name:
            return await self._offline_done(chat_id, focus, state)
        return []

    async def side_left(self, chat_id: int, focus: Focus) -> list[Outgoing]:
        """Left before its end: a note's contact stays logged without a note;
        a prospect's partial answers go."""
        await self.driver.storage.delete_user(focus.subject_id)
        return self._say("book.note_left" if focus.flow == CONTACT_NOTE.name else "book.newlead_left")

    async def _note_done(self, chat_id: int, focus: Focus, state: State | None) -> list[Outgoing]:
        await self.driver.storage.delete_user(focus.subject_id)  # the note lives in the contact log
        entry, n = focus.purpose.get("entry"), focus.purpose.get("lead")
        lead = await self.driver.leads.lead(n, chat_id) if isinstance(n, int) else None
        if lead is None or not isinstance(entry, int):
            return self._say(msg("book.not_found", n=n))
        note = CONTACT_NOTE.fact(state.answers, "note") if state is not None and state.status == "done" else None
        if note:
            await self.driver.leads.set_note(entry, chat_id, note)
        return await self._logged(chat_id, lead, entry)

    async def _offline_done(self, chat_id: int, focus: Focus, state: State | None) -> list[Outgoing]:
        if state is None or state.status != "done":
            await self.driver.storage.delete_user(focus.subject_id)  # declined: already nothing kept
            return self._say("book.newlead_declined")
        name = OFFLINE.fact(state.answers, "name") or None
        # The subject's rows stay: they are the prospect's data, this advisor's lead.
        lead, _ = await self.driver.leads.create_lead(focus.subject_id, chat_id, "offline", name)
        r = self.r
        card = await card_of(self.driver, lead)
        lines = [msg("book.newlead_done", n=lead.id)] + (card_lines(card) if card is not None else [])
        contact = [row for row in self.actions(lead) if any(isinstance(b.press, LeadContact) for b in row)]
        buttons = [[Button(r.text("lead.button.open"), LeadOpen(lead.id))]] + contact
        return [Outgoing(r.lines(lines), buttons)]

    # --- /newlead -------------------------------------------------------------------------

    async def newlead(self, chat_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        outs = self._say("book.newlead_intro")
        return outs + await self.driver.begin_side(chat_id, OFFLINE.name, {}, "offline")

    # --- /export ----------------------------------------------------------------------------

    async def export(self, chat_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        """A CSV of the advisor's own leads: UTF-8 with a BOM (Excel reads the
        Chinese right), the header row, one row per lead (newest first)."""
        entries = [e for e in await book(self.driver, chat_id) if e.card is not None]
        if not entries:
            return self._say("book.export_empty")
        content = export_csv(entries)
        name = f"leads-{self.driver._today():%Y%m%d}.csv"  # ASCII: safe in any multipart upload
        caption = self.r(msg("book.export_caption", count=len(entries)))
        return [Outgoing(caption, attachment=Attachment("document", name, content))]

    # --- /due -------------------------------------------------------------------------------

    async def due(self, chat_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        entries = await book(self.driver, chat_id)
        today = self.driver._today()
        found = due_of(entries, today, self.cadence)
        if not found:
            return self._say(msg("book.due_none", days=self.cadence.contact_every_days))
        leads = {e.lead.id: e.lead for e in entries}
        r = self.r
        lines = [r(msg("book.due_title", month=today.month, day=today.day, count=len(found)))]
        lines += [r(reminder_line(x, who(leads[x.lead_id]))) for x in found]
        outs = [Outgoing(t) for t in pack(["\n".join(lines)], TELEGRAM_TEXT_LIMIT)]
        outs[-1].buttons = open_buttons(r, (x.lead_id for x in found))
        return outs


def export_csv(entries: list[Entry]) -> bytes:
    """The CSV file's bytes: UTF-8 with a BOM, ``EXPORT_HEADER``, one ``export_row`` per lead."""
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(EXPORT_HEADER)
    for e in entries:
        assert e.card is not None
        writer.writerow(export_row(e.card, e.contacts, e.last_contact))
    return text.getvalue().encode("utf-8-sig")


__all__ = ["BookFilter", "Entry", "LeadBookRoom", "book", "card_of", "digest_text", "digests", "export_csv",
           "read_filter"]

"""Advisors' room: who is an advisor, how a client reaches one, and the lead
that exists once a client agrees to be contacted.

- ``/invite`` (admins): a one-time advisor invitation link, valid 7 days;
  whoever opens it signs up through the ``advisor_signup`` flow (a side
  conversation, run by the same engine and driver as the diagnosis).
- ``/start <payload>``: an invitation, an advisor's referral (the client is
  theirs unless another advisor's link came first), or anything else: an
  ordinary start, no error words.
- ``/link`` (advisors): the referral link and its QR code.
- The lead: created when the client answers yes to being contacted (the
  flow's ``contact_ok`` fact), its card pushed to the advisor through the
  outbox; withdrawn by ``/privacy`` (the advisor gets a line without figures)
  or by changing that answer; deleted with the client's data by ``/delete``.
- ``/assign`` (admins): the leads of no advisor, and giving one to an advisor.
"""

from __future__ import annotations

import io
import logging
from datetime import UTC, date, datetime

import segno

from flows.advisors import SIGNUP
from flows.engine import State
from flows.leads.card import LeadCard, card_lines, lead_card
from flows.messages import Msg, msg

from .callbacks import LeadOpen, Withdraw
from .driver import Room
from .presenter import Attachment, Button, Outgoing
from .storage_leads import ClientFacts, Focus, LeadRow
from .storage_outbox import NewMessage

log = logging.getLogger("diagbot.advisors")

INVITATION_PREFIX = "inv_"
INVITATION_DAYS = 7


def deep_link(bot_username: str | None, payload: str) -> str | None:
    """``https://t.me/<bot>?start=<payload>`` (None while the bot's username is unknown)."""
    return f"https://t.me/{bot_username}?start={payload}" if bot_username else None


def qr_png(link: str) -> bytes:
    """The link as a QR code image (PNG), big enough for a business card or a poster."""
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def _parse_time(stored: str) -> datetime:
    moment = datetime.fromisoformat(stored)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AdvisorsRoom(Room):
    def features(self):
        return {"start": self.start, "invite": self.invite, "link": self.link, "privacy": self.privacy,
                "assign": self.assign, "mydata": self.my_data}

    def presses(self):
        return {Withdraw: self.withdraw_choice}

    def side_flows(self) -> frozenset[str]:
        return frozenset({SIGNUP.name})

    # --- helpers ---------------------------------------------------------------

    @property
    def r(self):
        return self.driver.renderer

    def _say(self, *keys: str | Msg) -> list[Outgoing]:
        return self.driver._say(*keys)

    async def _advisor_named(self, advisor_id: int | None) -> Msg | None:
        """王芳(平安保险), for an active advisor."""
        if advisor_id is None:
            return None
        advisor = await self.driver.storage.advisor(advisor_id)
        if advisor is None or not advisor.active:
            return None
        if advisor.company:
            return msg("advisor.named_company", name=advisor.name, company=advisor.company)
        return msg("advisor.named", name=advisor.name)

    # --- /start <payload> ----------------------------------------------------------

    async def start(self, user_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        payload = arg.strip().split(" ", 1)[0] if arg else ""
        if payload.startswith(INVITATION_PREFIX):
            found = await self._invitation(user_id, payload)
            if found is not None:
                return found
        elif payload:
            advisor = await self.driver.storage.advisor_by_token(payload)
            if (advisor is not None and advisor.telegram_user_id != user_id
                    and await self.driver.leads.lead_of_client(user_id) is None):
                # First touch: a client another advisor's link brought stays theirs
                # (and this advisor is never told the client exists); a client who
                # is already a lead keeps the lead's advisor (or waits for an admin).
                # Kept from now (not only from consent): the consent text names
                # the advisor, and /mydata and /delete cover it.
                await self.driver.leads.refer(user_id, advisor.telegram_user_id)
        return await self.driver._start(user_id, update_id)

    async def _invitation(self, user_id: int, token: str) -> list[Outgoing] | None:
        """An advisor invitation opened; None: no such invitation (an ordinary start)."""
        advisor = await self.driver.storage.advisor(user_id)
        if advisor is not None and advisor.active:
            return self._say("invite.already_advisor")
        status = await self.driver.leads.claim_invitation(token, user_id)
        if status == "unknown":
            return None
        if status == "used":
            return self._say("invite.used")
        if status == "expired":
            return self._say("invite.expired")
        return self._say("signup.welcome") + await self.driver.begin_side(user_id, SIGNUP.name, {}, "signup")

    async def side_done(self, chat_id: int, focus: Focus, state: State | None, outcome) -> list[Outgoing]:
        """The sign-up's last answer: the advisor is added, the invitation spent."""
        answers = state.answers if state is not None else {}
        await self.driver.storage.delete_user(focus.subject_id)  # the sign-up's rows: the advisors table keeps it
        if state is None or state.status != "done" or not await self.driver.leads.holds_invitation(chat_id):
            return self._say("signup.expired")
        advisor = await self.driver.storage.add_advisor(chat_id, SIGNUP.fact(answers, "name"),
                                                        SIGNUP.fact(answers, "company") or None,
                                                        SIGNUP.fact(answers, "phone") or None)
        await self.driver.leads.finish_invitation(chat_id)
        log.info("advisor signed up by invitation")
        outs = self._say(msg("signup.done", name=advisor.name))
        outs[0].menu_changed = True
        return outs + await self.link(chat_id, "", None)

    async def side_left(self, chat_id: int, focus: Focus) -> list[Outgoing]:
        await self.driver.storage.delete_user(focus.subject_id)
        return self._say("signup.left")

    # --- /invite, /link ------------------------------------------------------------

    async def invite(self, user_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        token = await self.driver.leads.create_invitation(user_id, days=INVITATION_DAYS)
        link = deep_link(self.driver.bot_username, token)
        if link is None:
            return self._say("link.no_username")
        return self._say(msg("invite.link", link=link, days=INVITATION_DAYS))

    async def link(self, user_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        advisor = await self.driver.storage.advisor(user_id)
        if advisor is None or not advisor.active:
            return self._say("routing.only_advisor")
        link = deep_link(self.driver.bot_username, advisor.referral_token)
        if link is None:
            return self._say("link.no_username")
        text = self.r(msg("link.text", link=link))
        return [Outgoing(text, attachment=Attachment("photo", "diagbot-link.png", qr_png(link)))]

    # --- what a client sees of their advisor ------------------------------------------

    async def shown(self, user_id: int, state: State | None, outs: list[Outgoing]) -> list[Outgoing]:
        """The consent question and the question about being contacted name
        the advisor (or say that none is assigned yet)."""
        if state is None:
            return outs
        flow = self.driver._flow_of(state)
        contact_key = flow.facts.get("contact_ok")
        for out in outs:
            if out.question_step is None or out.question_step not in (flow.consent_key, contact_key):
                continue
            named = await self._advisor_named(await self.driver.leads.referred_by(user_id))
            if out.question_step == flow.consent_key:
                line = msg("advisor.invited_by", advisor=named) if named else None
            else:
                line = msg("advisor.contact_by", advisor=named) if named else msg("advisor.contact_unassigned")
            if line is not None:  # under the question's header line (its section and counter)
                header, _, rest = out.text.partition("\n")
                out.text = f"{header}\n{self.r(line)}\n{rest}" if rest else f"{self.r(line)}\n{header}"
        return outs

    # --- the lead -------------------------------------------------------------------

    async def stored(self, user_id: int, before: State | None, after: State) -> list[Outgoing]:
        """The lead follows the stored answer, whatever the interview before
        it said (a /restart's new interview answering no withdraws the lead
        the earlier one made)."""
        flow = self.driver._flow_of(after)
        key = flow.facts.get("contact_ok")
        if key is None or key not in after.answers:
            return []
        if after.answers[key] is not True:
            was = before.answers.get(key) if before is not None else None
            # A yes taken back withdraws; a first no (also a /restart's new
            # interview's) withdraws only a lead that exists: a read, not a write.
            if was is True or (was is None and await self.driver.leads.lead_of_client(user_id) is not None):
                await self._withdrawn(user_id)
            return []
        if before is None or before.answers.get(key) is not True:
            await self.make_lead(user_id, after)
        if self._contact_part_done(flow, before, after):
            await self.push_card(user_id)
        return []

    async def make_lead(self, client_id: int, state: State) -> None:
        """The client agreed to be contacted: their lead, of the advisor whose
        link brought them (kept when that advisor was removed since, so that
        ``advisors reassign`` moves it; no card goes to a removed advisor)."""
        flow = self.driver._flow_of(state)
        referred = await self.driver.leads.referred_by(client_id)
        name = flow.fact(state.answers, "name") or self.driver.chat_name(client_id)  # else their Telegram name
        await self.driver.leads.create_lead(client_id, referred, "link" if referred else "direct", name or None)

    async def recover(self) -> int:
        """At start: clients whose yes to being contacted was stored but whose
        lead was not (a crash between the two) get it now, and its card."""
        key = self.driver.flow.facts.get("contact_ok")
        if key is None:
            return 0
        missing = await self.driver.leads.agreed_without_lead(key)
        for client_id in missing:
            session = await self.driver.storage.current_session(client_id)
            if session is not None:
                await self.make_lead(client_id, session.state)
                await self.push_card(client_id)
        return len(missing)

    @staticmethod
    def _contact_part_done(flow, before: State | None, after: State) -> bool:
        """The client has said how to reach them (the phone question answered
        or passed), or the interview ended: the card has what it needs."""
        key = flow.facts.get("phone")
        done_now = after.status == "done" and (before is None or before.status != "done")
        answered = key is not None and (key in after.answers or key in after.skipped) and not (
            before is not None and (key in before.answers or key in before.skipped))
        return done_now or answered

    async def card_of(self, lead: LeadRow) -> list[Msg] | None:
        """The lead's card as lines (None: the client has no stored result)."""
        card = await lead_card_for(self.driver, lead)
        return card_lines(card) if card is not None else None

    def card_buttons(self, lead: LeadRow) -> list[list[Button]]:
        """Open the client's Telegram chat (where their privacy settings let
        it), and the lead in the book."""
        rows = [[Button(self.r.text("lead.button.open"), LeadOpen(lead.id))]]
        if lead.client_id > 0:
            rows.insert(0, [Button(self.r.text("lead.button.chat"), None, url=f"tg://user?id={lead.client_id}")])
        return rows

    async def push_card(self, client_id: int) -> None:
        """The new lead's card to its advisor, once (the outbox's key)."""
        lead = await self.driver.leads.lead_of_client(client_id)
        if lead is None or lead.advisor_id is None:
            return
        advisor = await self.driver.storage.advisor(lead.advisor_id)
        if advisor is None or not advisor.active:
            return  # a removed advisor's: shown to nobody until reassigned
        lines = await self.card_of(lead)
        if lines is None:
            return
        text = self.r.lines([msg("lead.pushed"), *lines])
        await self.driver.post([NewMessage(
            recipient=lead.advisor_id, client_id=client_id, occasion="lead_card", occurrence=str(lead.id),
            day=self.driver._today(), payload=payload(text, self.card_buttons(lead)))])

    async def _withdrawn(self, client_id: int) -> LeadRow | None:
        """The lead leaves the book; its advisor gets one line, no figures."""
        lead = await self.driver.leads.withdraw(client_id)
        advisor = await self.driver.storage.advisor(lead.advisor_id) if lead and lead.advisor_id else None
        if lead is not None and advisor is not None and advisor.active:
            text = self.r(msg("lead.withdrawn_notice", n=lead.id, name=lead.display_name or msg("lead.no_name")))
            await self.driver.post([NewMessage(
                recipient=lead.advisor_id, client_id=None, occasion="lead_withdrawn",
                occurrence=f"{lead.id}", day=self.driver._today(), payload=payload(text, []))])
        return lead

    # --- /privacy, /mydata -------------------------------------------------------------

    async def _who_sees(self, user_id: int) -> tuple[Msg, LeadRow | None]:
        lead = await self.driver.leads.lead_of_client(user_id)
        if lead is None:
            return msg("privacy.no_lead"), None
        named = await self._advisor_named(lead.advisor_id)
        return (msg("privacy.lead_advisor", advisor=named) if named else msg("privacy.lead_unassigned")), lead

    async def privacy(self, user_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        line, lead = await self._who_sees(user_id)
        text = self.r.lines([msg("privacy.header"), line, msg("privacy.footer")])
        if lead is None:
            return [Outgoing(text)]
        buttons = [[Button(self.r.text("privacy.withdraw"), Withdraw(True)),
                    Button(self.r.text("privacy.keep"), Withdraw(False))]]
        return [Outgoing(text, buttons)]

    async def withdraw_choice(self, user_id: int, press: Withdraw, update_id: int | None) -> list[Outgoing]:
        if not press.confirmed:
            return self._say("privacy.kept")
        session = await self.driver.storage.current_session(user_id)
        lead = await self._withdrawn(user_id)
        if lead is None:
            return []  # already withdrawn (a second tap): "button.stale"
        # The answer says so too, so the lead is not made again from it.
        if session is not None:
            flow = self.driver._flow_of(session.state)
            key = flow.facts.get("contact_ok")
            if key is not None and session.state.answers.get(key) is True:
                state = session.state.copy_for_update()
                state.answers = {**state.answers, key: False}
                await self.driver.storage.save_session(user_id, session.id, state, {key: False}, [])
        return self._say("privacy.withdrawn")

    async def my_data(self, user_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        if await self.driver.storage.current_session(user_id) is None:
            # Before consent only the advisor link they opened is kept.
            named = await self._advisor_named(await self.driver.leads.referred_by(user_id))
            if named is not None:
                return self._say(msg("mydata.referral_only", advisor=named))
        outs = await self.driver.my_data(user_id)
        line, lead = await self._who_sees(user_id)
        if await self.driver.storage.current_session(user_id) is not None:
            outs[-1].text = f"{outs[-1].text}\n{self.r(line)}"  # the channel splits a text past the limit
        advisor = await self.driver.storage.advisor(user_id)
        if advisor is not None and advisor.active:  # their work profile, which /delete leaves
            profile = msg("mydata.advisor", name=advisor.name, company=advisor.company or "—",
                          phone=advisor.phone or "—")
            if outs and outs[0].text == self.r.text("mydata.none"):
                outs = []
            outs.append(Outgoing(self.r.lines([profile])))
        return outs

    # --- /assign (admins) -----------------------------------------------------------------

    async def assign(self, user_id: int, arg: str, update_id: int | None) -> list[Outgoing]:
        parts = arg.split()
        if parts and not (len(parts) == 2 and all(p.isascii() and p.isdigit() for p in parts)):
            return self._say("assign.usage")  # e.g. /assign 3, /assign abc 1: how to write it
        if parts:
            lead_id, advisor_id = int(parts[0]), int(parts[1])
            advisor = await self.driver.storage.advisor(advisor_id)
            if advisor is None or not advisor.active:
                return self._say(msg("assign.no_advisor", id=advisor_id))
            if not await self.driver.leads.assign(lead_id, advisor_id):
                return self._say(msg("assign.no_lead", n=lead_id))
            await self.push_card_of_lead(lead_id, advisor_id)
            return self._say(msg("assign.done", n=lead_id, advisor=advisor.name))
        waiting = await self.driver.leads.unassigned()
        if not waiting:
            return self._say("assign.none")
        lines = [msg("assign.header", count=len(waiting))]
        lines += [msg("assign.item", n=lead.id, name=lead.display_name or msg("lead.no_name"),
                      at=self.driver._local_time(lead.consent_at)) for lead in waiting[:30]]
        lines.append(msg("assign.usage"))
        return [Outgoing(self.r.lines(lines))]

    async def push_card_of_lead(self, lead_id: int, advisor_id: int) -> None:
        lead = await self.driver.leads.lead(lead_id, advisor_id)
        if lead is not None:
            await self.push_card(lead.client_id)


async def lead_card_for(driver, lead: LeadRow, facts: ClientFacts | None = None) -> LeadCard | None:
    """The lead's card, from the client's stored result and the answers of
    that interview (None: no result stored; ``facts``: already read). The
    caller has checked that the lead is the advisor's (``LeadStore.lead``
    takes the advisor's id)."""
    facts = facts or await driver.leads.client_facts(lead.client_id)
    if facts is None:
        return None
    flow = driver.flow
    born = flow.fact(facts.answers, "birth_date")
    return lead_card(facts.figures, lead_id=lead.id, display_name=lead.display_name, source=lead.source,
                     consent_at=_parse_time(lead.consent_at).astimezone(driver.tz), phone=flow.fact(facts.answers, "phone") or None,
                     contact_time=flow.fact(facts.answers, "contact_time"), stage=lead.stage,
                     today=driver._today(), born=date.fromisoformat(born) if isinstance(born, str) else None)


def payload(text: str, buttons: list[list[Button]]) -> dict:
    """An outbox row's message: its text and inline keyboard (as the Bot API takes it)."""
    keyboard = [[({"text": b.label, "url": b.url} if b.url else {"text": b.label, "callback_data": b.data})
                 for b in row] for row in buttons]
    return {"text": text, "keyboard": keyboard}

"""The one generic driver: load a user's interview, run the engine, store the
answers, present the reply. Telegram, the console and the tests all go
through it; there is no per-question code anywhere in the shell."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flows import engine
from flows.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from flows.diagnosis import DIAGNOSIS
from flows.engine import Back, Deepen, Edit, Event, Resume, Skip, State
from flows.flow import Context, Flow
from flows.messages import Msg, msg

from .callbacks import Choose, DeleteChoice, EditAnswer, GoBack, SkipStep, decode
from .i18n import Renderer
from .presenter import Button, Outgoing, pack, present, summary_texts
from .storage import Storage

CONSENT_SHOWN_MAX = 10_000
SKIP_WORDS = {"跳过", "skip", "默认", "用默认", "保持"}
BACK_WORDS = {"上一步", "返回", "back"}
COMMANDS = ("start", "restart", "back", "skip", "edit", "deepen", "summary", "mydata", "delete", "help", "cancel")


def figures_json(outcome) -> dict:
    """The outcome's figures as JSON-ready data (Decimal as strings)."""
    return {"diagnosis": _plain(outcome.diagnosis), "profile": _plain(outcome.profile),
            "assumptions": outcome.assumptions.model_dump(mode="json")}


def _plain(value):
    """Dataclasses, tuples and Decimals as JSON values; a direct walk, several
    times cheaper than ``dataclasses.asdict`` and a JSON round trip."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _typed(event: Event) -> bool:
    """A typed answer or skip (a button names its step, a command navigates)."""
    return isinstance(event, engine.Answer | Skip) and event.step is None


def _mark_superseded(session, event: Event, outs: list[Outgoing]) -> None:
    """When the question now asked is the same step asked again (a rejected
    answer, a re-send) or the client navigated (back, edit, restart, resume),
    the buttons of the last question message are stale: name that message so
    the channel removes its keyboard. An ordinary answer moving on costs no
    extra call (its old buttons are stale by their turn anyway)."""
    if session is None or session.question_message_id is None:
        return
    asked = next((o for o in outs if o.question_step), None)
    if asked is None:
        return
    navigated = isinstance(event, Back | Edit | engine.Restart | Deepen | Resume)
    if navigated or asked.question_step == session.question_step:
        asked.replaces = session.question_message_id


class Driver:
    def __init__(self, storage: Storage, *, flow: Flow = DIAGNOSIS, assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
                 timezone: str = "Asia/Shanghai", language: str = "zh_CN",
                 today: Callable[[], date] | None = None) -> None:
        self.storage = storage
        self.flow = flow
        self.assumptions = assumptions
        self.tz = ZoneInfo(timezone)
        self.renderer = Renderer(language)
        self._today = today or (lambda: datetime.now(self.tz).date())
        # Users shown the consent text who have not answered it yet. Nothing
        # is stored before consent, so this lives in memory; losing it (a
        # restart) only shows the consent text once more. Bounded.
        self._consent_shown: OrderedDict[int, None] = OrderedDict()

    def _shown_consent(self, user_id: int, shown: bool) -> None:
        if shown:
            self._consent_shown[user_id] = None
            self._consent_shown.move_to_end(user_id)
            if len(self._consent_shown) > CONSENT_SHOWN_MAX:
                self._consent_shown.popitem(last=False)
        else:
            self._consent_shown.pop(user_id, None)

    def context(self) -> Context:
        return Context(today=self._today(), assumptions=self.assumptions, label=self.renderer)

    def _say(self, *keys: str | Msg) -> list[Outgoing]:
        return [Outgoing(self.renderer.lines(k if isinstance(k, Msg) else msg(k) for k in keys))]

    # --- the interview -------------------------------------------------------

    async def handle(self, user_id: int, event: Event, update_id: int | None = None) -> list[Outgoing]:
        """``update_id``: the channel's id for this input; a repeat of one
        already stored (Telegram redelivering after a crash) changes nothing."""
        session = await self.storage.current_session(user_id)
        if session is not None and session.has_seen(update_id):
            return []
        ctx = self.context()
        resent = False
        if session is not None and session.undelivered and _typed(event):
            # The client never received the current question (its send failed,
            # or they had blocked the bot), so what they typed now answers
            # something else: it is not taken, and the question is sent again.
            event, resent = Resume(), True
        if session is None:
            state, reply = engine.start(self.flow, ctx)
            seen = getattr(event, "step", None) is not None or user_id in self._consent_shown
            if isinstance(event, engine.Answer) and seen:
                # A consent button, or text typed after the consent text was
                # shown, answers it. Consent is given after reading what is
                # collected: a first "好" (or even "同意") only opens with it.
                state, reply = engine.handle(self.flow, state, event, ctx)
        else:
            state, reply = engine.handle(self.flow, session.state, event, ctx)
        if reply.ignored:
            return []
        if session is None:  # the consent text is shown now (an ignored press showed nothing)
            self._shown_consent(user_id, state.status == "active" and not state.answers)
        if resent:
            reply.notes.insert(0, msg("delivery.resent"))
        await self._store(user_id, session, state, reply, update_id)
        outs = present(reply, self.renderer)
        _mark_superseded(session, event, outs)
        return outs

    async def _store(self, user_id: int, session, state: State, reply: engine.Reply, update_id: int | None) -> None:
        if state.status == "declined":
            # Declining consent keeps nothing, not even the fact of asking.
            await self.storage.delete_user(user_id)
            return
        before = session.state.answers if session else {}
        if not state.answers and not before:
            return  # nothing personal yet: don't create rows before consent
        if session is not None and state == session.state:
            return  # a bad answer, a repeated question: nothing to write
        changed = {k: v for k, v in state.answers.items() if before.get(k, object()) != v}
        removed = [k for k in before if k not in state.answers]
        figures = figures_json(reply.outcome) if reply.outcome is not None else None
        await self.storage.save_session(user_id, session.id if session else None, state, changed, removed, figures,
                                        update_id)

    # --- commands ------------------------------------------------------------

    async def command(self, user_id: int, name: str, arg: str = "", update_id: int | None = None) -> list[Outgoing]:
        name = name.lower()
        if name == "start":
            session = await self.storage.current_session(user_id)
            if session is None or session.state.status == "declined":
                return await self.handle(user_id, engine.Restart(), update_id)
            if session.state.status == "done":
                return self._say("done.hint")
            return self._say("start.welcome_back") + await self.handle(user_id, Resume(), update_id)
        if name == "restart":
            return await self.handle(user_id, engine.Restart(), update_id)
        if name == "back":
            return await self.handle(user_id, Back(), update_id)
        if name == "skip":
            return await self.handle(user_id, Skip(), update_id)
        if name == "edit":
            return await self.handle(user_id, Edit(arg or None), update_id)
        if name == "deepen":
            return await self.handle(user_id, Deepen(), update_id)
        if name == "summary":
            return await self.summary(user_id)
        if name == "mydata":
            return await self.my_data(user_id)
        if name == "delete":
            return await self.confirm_delete(user_id)
        if name == "cancel":
            return self._say("cancel.paused")
        return self._say("help.text")

    async def latest_outcome(self, user_id: int):
        """The client's newest result (the flow's outcome), or None."""
        session = await self.storage.current_session(user_id)
        return engine.conclusion(self.flow, session.state, self.context()) if session else None

    async def summary(self, user_id: int) -> list[Outgoing]:
        outcome = await self.latest_outcome(user_id)
        if outcome is None:
            return self._say("summary.none")
        return [Outgoing(t) for t in summary_texts(outcome, self.renderer)]

    async def my_data(self, user_id: int) -> list[Outgoing]:
        data = await self.storage.user_data(user_id)
        session = await self.storage.current_session(user_id)
        if data["client"] is None or session is None:
            return self._say("mydata.none")
        r = self.renderer
        lines = [r(msg("mydata.header", user_id=user_id)),
                 r(msg("mydata.consent", at=data["client"]["consent_at"] or "—"))]
        for item in engine.editable(self.flow, session.state, self.context()):
            lines.append(r(msg("mydata.item", question=item.question, value=item.value)))
        lines.append(r(msg("mydata.counts", sessions=len(data["sessions"]), results=len(data["results"]))))
        lines.append(r(msg("mydata.footer")))
        return [Outgoing(t) for t in pack(lines, 4096)]

    async def confirm_delete(self, user_id: int) -> list[Outgoing]:
        session = await self.storage.current_session(user_id)
        if session is None:
            return self._say("mydata.none")
        r = self.renderer
        # The buttons name the session and the state's turn they were shown
        # for: a press on an old confirmation (after /restart, which keeps the
        # session row, or once any question has been sent since) deletes nothing.
        turn = session.state.turn
        buttons = [[Button(r.text("delete.yes"), DeleteChoice(True, session.id, turn)),
                    Button(r.text("delete.no"), DeleteChoice(False, session.id, turn))]]
        return [Outgoing(r.text("delete.confirm"), buttons)]

    async def delete(self, user_id: int, session_id: int, turn: int, confirmed: bool = True) -> list[Outgoing]:
        """A press on a delete confirmation: acts only while the session and
        its turn are still those it was shown for. An expired one (either
        button) changes nothing and returns no message: the channel says the
        button has expired ("button.stale")."""
        session = await self.storage.current_session(user_id)
        if session is None or session.id != session_id or session.state.turn != turn:
            return []
        if not confirmed:
            return self._say("delete.cancelled")
        await self.storage.delete_user(user_id)
        return self._say("delete.done")

    async def text(self, user_id: int, text: str, update_id: int | None = None) -> list[Outgoing]:
        """A typed message: the words for skip and back work like the buttons."""
        word = text.strip().lower()
        if word in SKIP_WORDS:
            return await self.handle(user_id, Skip(), update_id)
        if word in BACK_WORDS:
            return await self.handle(user_id, Back(), update_id)
        return await self.handle(user_id, engine.Answer(text), update_id)

    # --- callback buttons ----------------------------------------------------

    async def button(self, user_id: int, data: str, update_id: int | None = None) -> list[Outgoing]:
        """Run a button's callback data (see ``bot.callbacks``); data that does
        not decode (an old format, a forged press) does nothing."""
        press = decode(data)
        if isinstance(press, Choose):
            return await self.handle(user_id, engine.Answer(press.option, step=press.step, turn=press.turn), update_id)
        if isinstance(press, SkipStep):
            return await self.handle(user_id, Skip(step=press.step, turn=press.turn), update_id)
        if isinstance(press, GoBack):
            return await self.handle(user_id, Back(step=press.step, turn=press.turn), update_id)
        if isinstance(press, EditAnswer):
            return await self.handle(user_id, Edit(press.key), update_id)
        if isinstance(press, DeleteChoice):
            return await self.delete(user_id, press.session, press.turn, press.confirmed)
        return []

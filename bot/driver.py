"""The one generic driver: load a user's interview, run the engine, store the
answers, present the reply. Telegram, the console and the tests all go
through it; there is no per-question code anywhere in the shell."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from flows import engine
from flows.assumptions import DEFAULT_ASSUMPTIONS, Assumptions
from flows.engine import Back, Deepen, Edit, Event, Resume, Skip, State
from flows.flow import Context, Flow, Report
from flows.messages import Msg, msg
from flows.registry import FLOWS, START

from . import callbacks  # the result card's buttons: callbacks.ShowDetail, callbacks.CardAction
from .callbacks import (
    ALL_SECTIONS,
    Aside,
    Choose,
    DeleteChoice,
    EditAnswer,
    EditSection,
    GoBack,
    RestartChoice,
    SkipStep,
    TakeDefault,
    decode,
)
from .i18n import Renderer
from .presenter import (
    TELEGRAM_TEXT_LIMIT,
    Button,
    Outgoing,
    detail_messages,
    edit_menu,
    edit_section,
    figures_mark,
    pack,
    present,
    result_card,
    section_of,
)
from .routing import ADMIN, ADVISOR, CLIENT, TABLE, Refused, Role, Table
from .storage import Storage
from .storage_leads import Focus, LeadStore
from .storage_outbox import NewMessage, Outbox

CONSENT_SHOWN_MAX = 10_000
# /restart asks first once the client has answered more than this many
# questions (consent not counted), and always after a result.
RESTART_CONFIRM_AFTER = 2


def figures_json(report: Report | None, outcome) -> dict | None:
    """The outcome's figures as JSON-ready data, as its flow's report gives
    them (None: no outcome, or a flow without a report)."""
    return report.figures(outcome) if report is not None and outcome is not None else None


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


def _with_stash(state: State) -> State:
    """A copy of the state with the answers being changed (by /edit, back or
    a re-check; the stash holds them) put back: what is stored."""
    copy = state.copy_for_update()
    copy.answers = {**state.stash, **state.answers}
    copy.stash = {}
    return copy


def _as_before_the_edit(flow: Flow, state: State) -> State:
    """The state with the stash put back, so a finished interview in the
    middle of an /edit still has its result; an interview step the edit left
    empty (one that was skipped before, a question the change added) takes
    its default."""
    copy = _with_stash(state)
    for step in engine.applicable(flow, copy.answers):
        if (step.phase == "interview" and step.has_default and step.key not in copy.answers
                and step.key not in copy.skipped):
            copy.skipped.append(step.key)
    return copy


FeatureHandler = Callable[[int, str, int | None], Awaitable[list[Outgoing]]]
PressHandler = Callable[[int, object, int | None], Awaitable[list[Outgoing]]]


class Room:
    """A capability's shell part (aiogram's Router): the feature commands and
    the buttons it serves, and what it does when an interview is stored or a
    side conversation ends. The driver runs the flows; rooms act on them."""

    driver: Driver

    def bind(self, driver: Driver) -> None:
        self.driver = driver

    def features(self) -> dict[str, FeatureHandler]:
        return {}

    def presses(self) -> dict[type, PressHandler]:
        return {}

    async def stored(self, user_id: int, before: State | None, after: State) -> list[Outgoing]:
        """An interview of the user (not a side conversation) was stored."""
        return []

    async def shown(self, user_id: int, state: State | None, outs: list[Outgoing]) -> list[Outgoing]:
        """The replies about to go to a user about their own interview (a
        room may add a line to a question: the advisor it names)."""
        return outs

    async def side_done(self, chat_id: int, focus: Focus, state: State | None, outcome) -> list[Outgoing]:
        """A side conversation of this room's flow reached its end."""
        return []

    async def side_left(self, chat_id: int, focus: Focus) -> list[Outgoing] | None:
        """A side conversation of this room's flow was left before its end;
        what to say about it (None: the driver's 已退出,没有保存)."""
        return None

    def side_flows(self) -> frozenset[str]:
        """The flows this room runs as side conversations."""
        return frozenset()

    async def recover(self) -> int:
        """At start: finish what a crash interrupted (the effects of a stored
        answer); how many were finished."""
        return 0


def default_rooms() -> list[Room]:
    from .advisors import AdvisorsRoom
    from .greetings_room import GreetingsRoom
    from .leadbook import LeadBookRoom

    return [AdvisorsRoom(), LeadBookRoom(), GreetingsRoom()]


QUESTION_PRESSES = (Choose, SkipStep, TakeDefault, GoBack)


def _question_event(press) -> Event:
    """A question's button as the engine's event."""
    if isinstance(press, Choose):
        return engine.Answer(press.option, step=press.step, turn=press.turn)
    if isinstance(press, SkipStep):
        return Skip(step=press.step, turn=press.turn)
    if isinstance(press, TakeDefault):
        return Skip(step=press.step, turn=press.turn, keep=False)
    return Back(step=press.step, turn=press.turn)


class Driver:
    def __init__(self, storage: Storage, *, flow: Flow | None = None, flows: Mapping[str, Flow] = FLOWS,
                 assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
                 timezone: str = "Asia/Shanghai", language: str = "zh_CN",
                 today: Callable[[], date] | None = None, routes: Table = TABLE,
                 admin_ids: Iterable[int] = (), bot_username: str | None = None,
                 rooms: Iterable[Room] | None = None) -> None:
        self.storage = storage
        self.leads = LeadStore(storage)
        self.outbox = Outbox(storage)
        # Called after messages were put in the outbox (the channel drains it
        # now rather than at its next tick); nothing in the console and tests.
        self.nudge: Callable[[], None] = lambda: None
        self.routes = routes
        self.admin_ids = frozenset(admin_ids)
        self.bot_username = bot_username
        self.rooms = list(default_rooms() if rooms is None else rooms)
        for room in self.rooms:
            room.bind(self)
        self._presses: dict[type, PressHandler] = {}
        self._features = self._feature_handlers()
        claimed: set[str] = set()
        for room in self.rooms:
            features = room.features()
            twice = claimed & features.keys()
            if twice:  # the room order would decide silently which one runs
                raise ValueError(f"two rooms serve {sorted(twice)}")
            claimed |= features.keys()
            self._features.update(features)
            self._presses.update(room.presses())
        missing = routes.features() - self._features.keys()
        if missing:
            raise ValueError(f"no handler for the feature commands {sorted(missing)}")
        # The flow a newcomer starts (the registry's START unless given); an
        # interview under way runs the flow its state names (``_flow_of``).
        # A flow object of a registered name is the registered one (which the
        # registry completes, e.g. with its Report): never a flow without its
        # result card because an incomplete object of the same name was given.
        self.flow = flows.get(flow.name, flow) if flow is not None else flows[START]
        self.flows = {**flows, self.flow.name: self.flow}
        self.assumptions = assumptions
        self.tz = ZoneInfo(timezone)
        self.renderer = Renderer(language)
        self._today = today or (lambda: datetime.now(self.tz).date())
        # Steps answered with a phone number (Telegram: a reply keyboard), per flow.
        self._phone_steps_by_flow = {name: frozenset(s.key for s in f.expand({}) if s.kind == "phone")
                                     for name, f in self.flows.items()}
        # Users shown the consent text who have not answered it yet. Nothing
        # is stored before consent, so this lives in memory; losing it (a
        # restart) only shows the consent text once more. Bounded.
        self._consent_shown: OrderedDict[int, None] = OrderedDict()
        # The name each recent chat shows on Telegram (its first and last
        # name), as the channel saw it with the update being handled: the
        # 称呼 a new lead's card falls back on when the client gave none.
        # Kept only while in use (bounded); stored only with a lead.
        self._chat_names: OrderedDict[int, str] = OrderedDict()

    async def roles_of(self, user_id: int) -> frozenset[Role]:
        """Everyone is a client; an active advisor and an admin (ADMIN_USER_IDS)
        besides. Read from the database each time: an advisor added or removed
        from the command line counts at once."""
        roles: set[Role] = {CLIENT}
        if user_id in self.admin_ids:
            roles.add(ADMIN)
        advisor = await self.storage.advisor(user_id)
        if advisor is not None and advisor.active:
            roles.add(ADVISOR)
        return frozenset(roles)

    def _flow_of(self, state: State) -> Flow:
        """The registered flow an interview runs (the one its state names)."""
        return self.flows.get(state.flow, self.flow)

    def _phone_steps(self, state: State) -> frozenset[str]:
        return self._phone_steps_by_flow.get(state.flow, frozenset())

    def saw_name(self, user_id: int, name: str | None) -> None:
        """The channel: the name this user shows on Telegram."""
        name = " ".join((name or "").split())[:30]
        if not name:
            self._chat_names.pop(user_id, None)
            return
        self._chat_names[user_id] = name
        self._chat_names.move_to_end(user_id)
        if len(self._chat_names) > CONSENT_SHOWN_MAX:
            self._chat_names.popitem(last=False)

    def chat_name(self, user_id: int) -> str | None:
        return self._chat_names.get(user_id)

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
        already stored (Telegram redelivering after a crash) changes nothing.
        While the chat has a side conversation (an advisor's sign-up, a note,
        an offline pre-qualification), the event goes to it instead."""
        focus = await self.leads.focus(user_id) if user_id > 0 else None
        if focus is not None:
            return await self._side(focus, event, update_id)
        return (await self._handle(user_id, event, update_id))[0]

    async def _handle(self, user_id: int, event: Event, update_id: int | None = None,
                      flow_name: str | None = None) -> tuple[list[Outgoing], State | None]:
        """The replies, and the state after the event (None: nothing changed
        that is kept). ``flow_name``: the flow a user with no interview
        starts (the newcomer's by default)."""
        session = await self.storage.current_session(user_id)
        if session is not None and session.has_seen(update_id):
            return [], None
        ctx = self.context()
        resent = False
        if session is not None and session.undelivered and _typed(event):
            # The client never received the current question (its send failed,
            # or they had blocked the bot), so what they typed now answers
            # something else: it is not taken, and the question is sent again.
            event, resent = Resume(), True
        if session is None:
            # Nothing is stored before consent, so the copies of the consent
            # question shown so far are not counted: a button under any of
            # them (the newest, after the text was shown again) answers it.
            pressed = getattr(event, "turn", None)
            first = self.flows[flow_name] if flow_name else self.flow
            state, reply = engine.start(first, ctx, turn=max(0, pressed - 1) if pressed else 0)
            seen = getattr(event, "step", None) is not None or user_id in self._consent_shown
            if isinstance(event, engine.Answer) and seen:
                # A consent button, or text typed after the consent text was
                # shown, answers it. Consent is given after reading what is
                # collected: a first "好" (or even "同意") only opens with it.
                state, reply = engine.handle(self._flow_of(state), state, event, ctx)
        else:
            state, reply = engine.handle(self._flow_of(session.state), session.state, event, ctx)
        if reply.ignored:
            return [], None
        if session is None:  # the consent text is shown now (an ignored press showed nothing)
            self._shown_consent(user_id, state.status == "active" and not state.answers)
        if resent:
            reply.notes.insert(0, msg("delivery.resent"))
        kept_earlier = await self._store(user_id, session, state, reply, update_id)
        outs = present(reply, self._flow_of(state).report, self.renderer)
        if kept_earlier:
            outs = self._say("restart.declined_kept")
            state = (await self.storage.current_session(user_id)).state
        _mark_superseded(session, event, outs)
        self._reply_keyboard(session, state, outs)
        if user_id > 0:
            if state.status != "declined" and (session is None or state != session.state):
                for room in self.rooms:
                    outs += await room.stored(user_id, session.state if session else None, state)
            for room in self.rooms:
                outs = await room.shown(user_id, state, outs)
        return outs, state

    async def post(self, messages: list[NewMessage]) -> None:
        """Messages to other chats (a lead card to its advisor, a notice):
        through the outbox, so each goes once, even across a crash."""
        if await self.outbox.add(messages):
            self.nudge()

    # --- side conversations --------------------------------------------------

    async def begin_side(self, chat_id: int, flow_name: str, purpose: dict, kind: str) -> list[Outgoing]:
        """Start a side conversation in this chat: a flow stored under a new
        subject id of its own; the chat's messages go to it until it ends."""
        subject = await self.leads.new_subject(chat_id, kind)
        await self.leads.set_focus(chat_id, subject, flow_name, purpose)
        flow = self.flows[flow_name]
        state, reply = engine.start(flow, self.context())
        self._shown_consent(subject, True)  # a typed answer to its first question is taken
        if flow.consent_key is None:
            # No consent to wait for: stored at once, so a skip (跳过) of its
            # first question is taken like an answer (``_handle`` reads the first
            # event of an unstored interview as the consent's answer).
            await self.storage.save_session(subject, None, state, {}, [])
        return self._owned(subject, present(reply, flow.report, self.renderer))

    async def _side(self, focus: Focus, event: Event, update_id: int | None) -> list[Outgoing]:
        outs, state = await self._handle(focus.subject_id, event, update_id, focus.flow)
        outs = self._owned(focus.subject_id, outs)
        if state is not None and state.status in ("done", "declined"):
            outcome = engine.conclusion(self._flow_of(state), state, self.context())
            ending: list[Outgoing] = []
            for room in self.rooms:
                if focus.flow in room.side_flows():
                    ending += await room.side_done(focus.chat_id, focus, state, outcome)
            # After the room's effects: a crash before this leaves the focus,
            # and the next message ends the conversation again (effects are idempotent).
            await self.leads.clear_focus(focus.chat_id)
            ending += await self._own_question(focus.chat_id)
            if ending:
                # The end is the room's to say: the engine's closing words
                # (诊断已完成… /summary /edit /deepen) and a result card (its
                # buttons act on the chat's own interview) are a client's. A
                # message that takes a reply keyboard away is kept for that.
                outs = [o for o in outs if o.remove_reply_keyboard] + ending
        return outs

    async def end_side(self, chat_id: int) -> list[Outgoing]:
        """Leave the chat's side conversation (/cancel, a command that starts
        or erases something): its subject's rows go unless a room keeps
        them; what the room says about it (nothing: no conversation)."""
        focus = await self.leads.focus(chat_id)
        if focus is None:
            return []
        await self.leads.clear_focus(chat_id)
        said: list[Outgoing] = []
        for room in self.rooms:
            if focus.flow in room.side_flows():
                said += await room.side_left(chat_id, focus) or []
        return said or self._say("side.cancelled")

    @staticmethod
    def _owned(subject: int, outs: list[Outgoing]) -> list[Outgoing]:
        """A side conversation's questions are recorded under its subject,
        and their buttons carry it (``Aside``)."""
        for out in outs:
            if out.question_step is not None:
                out.owner = subject
            out.buttons = [[Button(b.label, Aside(-subject, b.data)) if isinstance(b.press, QUESTION_PRESSES) else b
                            for b in row] for row in out.buttons]
        return outs

    def _reply_keyboard(self, session, state: State | None, outs: list[Outgoing]) -> None:
        """After the phone question: a line saying what was kept. On Telegram
        the question showed a reply keyboard (share contact, 不留电话), which
        stays under the typing field until a message takes it away: the first
        message after the question was left does (that line, when there is
        one). ``state``: the state after the update, None after a deletion."""
        if session is None:
            return
        phone_steps = self._phone_steps(session.state)
        answered = next((k for k in phone_steps if state is not None and k in state.answers
                         and k not in session.state.answers), None)
        if answered is not None:
            said = "closing.phone_saved" if state.answers[answered] else "closing.phone_skipped"
            outs.insert(0, Outgoing(self.renderer.text(said), remove_reply_keyboard=True))
        if session.question_step not in phone_steps:
            return  # no reply keyboard showing (or the console, which records no question)
        for out in outs:  # a reply keyboard is not an inline one: nothing to edit away
            if out.replaces == session.question_message_id:
                out.replaces = None
        now = engine.current_step(self._flow_of(state), state) if state is not None else None
        if answered is not None or (now is not None and now.key == session.question_step):
            return  # taken away by the line above, or still asked: its keyboard stays
        plain = next((out for out in outs if not out.buttons), None)
        if plain is None:
            plain = Outgoing(self.renderer.text("closing.phone_left"))
            outs.insert(0, plain)
        plain.remove_reply_keyboard = True

    def _consented(self, state: State) -> bool:
        """Whether the state's flow has its consent step answered yes (stamps
        the consent time in storage, which names no step)."""
        key = self._flow_of(state).consent_key
        return key is not None and state.answers.get(key) is True

    async def _store(self, user_id: int, session, state: State, reply: engine.Reply,
                     update_id: int | None) -> bool:
        """Store the state; True when declining consent dropped only this
        interview (a /restart's), the earlier result being kept."""
        if state.status == "declined":
            earlier = [sid for sid, _ in await self.storage.finished_sessions(user_id)
                       if session is None or sid != session.id]
            if session is not None and earlier:
                # A /restart's new interview declined: the result it kept stays
                # (the restart said so), and so does everything tied to it.
                await self.storage.delete_session(user_id, session.id)
                return True
            # Declining consent keeps nothing, not even the fact of asking.
            await self.storage.delete_user(user_id)
            return False
        before = session.state.answers if session else {}
        if session is None and not state.answers:
            return  # nothing personal yet: don't create rows before consent
        if session is not None and state == session.state:
            return  # a bad answer, a repeated question: nothing to write
        changed = {k: v for k, v in state.answers.items() if before.get(k, object()) != v}
        removed = [k for k in before if k not in state.answers]
        figures = figures_json(self._flow_of(state).report, reply.outcome)
        await self.storage.save_session(user_id, session.id if session else None, state, changed, removed, figures,
                                        update_id, consented=self._consented(state))

    # --- commands ------------------------------------------------------------

    async def command(self, user_id: int, name: str, arg: str = "", update_id: int | None = None,
                      role: Role | Iterable[Role] | None = None) -> list[Outgoing]:
        """A command, routed by the table (``bot.routing``): a flow event goes
        to the engine, a feature command to its handler; a command the
        user's roles may not use is refused politely; an unknown one shows
        the help. ``role``: the user's roles (read from the database when
        not given). In a side conversation a flow event goes to it, and a
        feature command (but /help) leaves it first."""
        # A command every client may use needs no roles read (most of them).
        routed = self.routes.route(role if role is not None else CLIENT, name)
        if isinstance(routed, Refused) and role is None:
            routed = self.routes.route(await self.roles_of(user_id), name)
        if routed is None:
            return self._say("help.text")
        if isinstance(routed, Refused):
            return self._say(routed.refusal)
        if routed.event is not None:
            return await self.handle(user_id, routed.event(arg if routed.takes_arg else ""), update_id)
        focus = await self.leads.focus(user_id) if user_id > 0 else None
        left: list[Outgoing] = []
        if focus is not None and routed.feature == "start":
            return await self._side(focus, Resume(), update_id)  # /start resumes what is under way
        if focus is not None and routed.leaves_side:
            left = await self.end_side(user_id)
            if routed.feature == "cancel":
                return left + await self._own_question(user_id)
        return left + await self._features[routed.feature](user_id, arg if routed.takes_arg else "", update_id)

    async def _own_question(self, user_id: int) -> list[Outgoing]:
        """After a side conversation: the chat's own interview's question
        again, when one is waiting (what is typed next answers it)."""
        session = await self.storage.current_session(user_id)
        if session is None or session.state.status != "active" or not session.state.answers:
            return []
        return self._say("side.back_to_own") + await self.handle(user_id, Resume())

    def _feature_handlers(self) -> dict[str, Callable[[int, str, int | None], Awaitable[list[Outgoing]]]]:
        """The feature commands this driver runs, by the name their rows give."""
        return {
            "start": lambda user_id, arg, update_id: self._start(user_id, update_id),
            "restart": lambda user_id, arg, update_id: self.restart(user_id, update_id),
            "summary": lambda user_id, arg, update_id: self._summary_with_note(user_id),
            "mydata": lambda user_id, arg, update_id: self.my_data(user_id),
            "delete": lambda user_id, arg, update_id: self.confirm_delete(user_id),
            "cancel": lambda user_id, arg, update_id: self._cancel(user_id),
            "help": lambda user_id, arg, update_id: self._help(user_id),
        }

    async def _start(self, user_id: int, update_id: int | None) -> list[Outgoing]:
        session = await self.storage.current_session(user_id)
        if session is None or session.state.status == "declined":
            return await self.handle(user_id, engine.Restart(), update_id)
        if session.state.status == "done":
            return self._say("done.hint")
        if not session.state.answers:  # emptied by /restart: no answers to welcome back to
            return await self.handle(user_id, Resume(), update_id)
        return self._say("start.welcome_back") + await self.handle(user_id, Resume(), update_id)

    async def _cancel(self, user_id: int) -> list[Outgoing]:
        # Before consent (or after /delete) nothing is saved: don't say it is.
        saved = await self.storage.current_session(user_id) is not None
        return self._say("cancel.paused" if saved else "start.paused_nothing_saved")

    async def _help(self, user_id: int | None = None) -> list[Outgoing]:
        """The client's help; an advisor's and an admin's add their commands
        (from the dispatch table, so a new row shows up here by itself)."""
        roles = await self.roles_of(user_id) if user_id is not None else frozenset({CLIENT})
        blocks = [self.renderer.text("help.text")]
        for role, title in ((ADVISOR, "help.advisor"), (ADMIN, "help.admin")):
            if role in roles:
                rows = [c for c in self.routes.menu(roles) if role in c.roles and CLIENT not in c.roles]
                blocks.append(self.renderer.lines([msg(title)] + [
                    msg("help.command", name=c.name, description=msg(c.description)) for c in rows]))
        return [Outgoing("\n\n".join(blocks))]

    async def latest_outcome(self, user_id: int):
        """The client's newest result (the flow's outcome), or None: the
        current interview's; in the middle of an /edit, the result as it was
        before the change; after a confirmed /restart, the newest finished
        interview's, until the new one has its own."""
        return (await self._find_outcome(user_id))[0]

    async def _find_outcome(self, user_id: int) -> tuple[object | None, str, Report | None]:
        """The result, where it comes from and how its flow shows it (the
        flow's report). Where: "current", "before_edit" (the
        current interview, an answer being changed), "updating" (the current
        interview, a question it had taken by default being asked), "previous" (an earlier
        interview), "editing" (none: the current one had a result but the
        change in progress leaves none to show) or "none"."""
        session = await self.storage.current_session(user_id)
        if session is None:
            return None, "none", None
        ctx = self.context()
        flow = self._flow_of(session.state)
        outcome = engine.conclusion(flow, session.state, ctx)
        if outcome is not None:
            return outcome, "current", flow.report
        # Rare (a command while no result is current): the database says
        # which interviews reached a result.
        finished = await self.storage.finished_sessions(user_id)
        for session_id, state in finished:
            if session_id == session.id:
                state = session.state  # the cached copy is the stored one
            flow = self._flow_of(state)
            outcome = (engine.conclusion(flow, state, ctx)
                       or engine.conclusion(flow, _as_before_the_edit(flow, state), ctx))
            if outcome is not None:
                if session_id != session.id:
                    return outcome, "previous", flow.report
                # An answer taken back waits in the stash: an edit. Otherwise
                # a question is being asked that the result took by default
                # (a full diagnosis after the quick one, a skipped answer edited).
                return outcome, "before_edit" if state.stash else "updating", flow.report
        return None, "editing" if any(sid == session.id for sid, _ in finished) else "none", None

    async def _summary_with_note(self, user_id: int) -> list[Outgoing]:
        """/summary, with one line first when the result shown is not the
        current interview's (an answer is being changed; an earlier interview's)."""
        _, source, _ = await self._find_outcome(user_id)
        if source == "editing":
            return self._say("edit.summary_unavailable")
        note = {"before_edit": "edit.summary_before_edit", "updating": "summary.updating",
                "previous": "restart.summary_previous"}.get(source)
        return (self._say(note) if note else []) + await self.summary(user_id)

    async def _no_result(self, user_id: int) -> list[Outgoing]:
        """A card's button with no result to show: an interview under way
        (answer it first), or nothing stored at all (deleted)."""
        session = await self.storage.current_session(user_id)
        return self._say("detail.gone" if session is not None else "summary.nothing_stored")

    async def summary(self, user_id: int) -> list[Outgoing]:
        """The result card (the same as after the last answer)."""
        outcome, _, report = await self._find_outcome(user_id)
        if outcome is None or report is None:
            # An interview under way: go on with it; nothing stored: start one.
            started = await self.storage.current_session(user_id) is not None
            return self._say("summary.none" if started else "summary.none_start")
        return [result_card(report, outcome, self.renderer)]

    async def detail(self, user_id: int, section: str, figures: str) -> list[Outgoing]:
        """A press of 查看计算明细 or one of its sections: always the client's
        *current* result, said to be updated when the card showed older figures."""
        outcome, _, report = await self._find_outcome(user_id)
        if outcome is None or report is None:
            return await self._no_result(user_id)
        outs = detail_messages(report, outcome, section, self.renderer)
        if figures != figures_mark(report, outcome):
            outs[0].text = f"{self.renderer.text('detail.updated')}\n\n{outs[0].text}"
        return outs

    async def card_action(self, user_id: int, action: str, update_id: int | None = None) -> list[Outgoing]:
        """A card's 修改答案 / 完整诊断: /edit, /deepen — while there is a result to change."""
        outcome, source, _ = await self._find_outcome(user_id)
        if outcome is None:
            return await self._no_result(user_id)
        if source == "previous":
            # A card of the interview a /restart kept: its edit and deepen
            # would act on the new interview, which is not what it shows.
            return self._say("card.old")
        if action == "deepen":
            return await self.handle(user_id, Deepen(), update_id)
        return await self.handle(user_id, Edit(None), update_id)

    async def my_data(self, user_id: int) -> list[Outgoing]:
        """Everything stored about the client, for a phone screen: the consent
        time in local time, every interview's answers by section (the one in
        progress first), the results kept, what is kept and how to delete it;
        no internal ids. More than one message only past Telegram's limit,
        split between sections."""
        data = await self.storage.user_data(user_id)
        if data["client"] is None or not data["sessions"]:
            return self._say("mydata.none")
        r = self.renderer
        consent_at = self._local_time(data["client"]["consent_at"])
        blocks = [r.lines([msg("mydata.header"), msg("mydata.consent", at=consent_at)])]
        sessions = list(reversed(data["sessions"]))  # the newest (current) first
        for n, stored in enumerate(sessions):
            items = engine.editable(self._flow_of(stored["state"]), _with_stash(stored["state"]), self.context())
            if len(sessions) > 1 and items:
                blocks.append(r.text("mydata.session_current" if n == 0 else "mydata.session_previous"))
            blocks += self._by_section(items)
        blocks.append(r.lines([msg("mydata.counts", results=len(data["results"])), msg("mydata.kept"),
                               msg("mydata.footer")]))
        return [Outgoing(t) for t in pack(blocks, TELEGRAM_TEXT_LIMIT)]

    def _by_section(self, items: list[engine.EditItem]) -> list[str]:
        """One block per section: its title, then its items, one a line."""
        r = self.renderer
        sections: dict[str, list[engine.EditItem]] = {}
        for item in items:
            sections.setdefault(section_of(item), []).append(item)
        return ["\n".join([r(msg("mydata.section", section=group[0].section or msg("edit.other")))]
                          + [r(msg("mydata.item", question=i.question, value=i.value)) for i in group])
                for group in sections.values()]

    def _local_time(self, stored: str | None) -> str:
        """A stored UTC time in the TZ setting, written the catalog's way
        (2026年11月25日 14:05)."""
        if not stored:
            return "—"
        moment = datetime.fromisoformat(stored)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_datetime(moment.astimezone(self.tz), self.renderer.text("mydata.time_format"),
                               locale=self.renderer.locale)

    async def confirm_delete(self, user_id: int) -> list[Outgoing]:
        session = await self.storage.current_session(user_id)
        if session is None and await self.leads.referred_by(user_id) is None:
            return self._say("mydata.none")
        r = self.renderer
        if session is None:  # only the advisor link they opened is kept: session 0 names that
            buttons = [[Button(r.text("delete.yes"), DeleteChoice(True, 0, 0)),
                        Button(r.text("delete.no"), DeleteChoice(False, 0, 0))]]
            return [Outgoing(r.text("delete.confirm"), buttons)]
        # The buttons name the session and the state's turn they were shown
        # for: a press on an old confirmation (after /restart, which may keep
        # the session row, or once any question or prompt has been sent since)
        # deletes nothing.
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
        if session is None and session_id == 0 and await self.leads.referred_by(user_id) is not None:
            pass  # before consent: the advisor link they opened is all there is
        elif session is None or session.id != session_id or session.state.turn != turn:
            return []
        if not confirmed:
            return self._say("delete.cancelled")
        await self.end_side(user_id)  # a side conversation under way goes first (its rows with it)
        await self.storage.delete_user(user_id)
        outs = self._say("delete.done")
        if ADVISOR in await self.roles_of(user_id):  # their advisor profile and leads are work, not theirs to erase here
            outs = self._say("delete.done", "delete.advisor_kept")
        self._reply_keyboard(session, None, outs)
        return outs

    async def text(self, user_id: int, text: str, update_id: int | None = None) -> list[Outgoing]:
        """A typed message: the words for keep, skip and back (the catalog's
        ``words.keep``, ``words.skip``, ``words.back``) work like the buttons
        保持, 跳过 and 上一步."""
        word = text.strip().lower()
        if word in self.renderer.words("words.keep"):
            return await self.handle(user_id, Skip(), update_id)
        if word in self.renderer.words("words.skip"):
            return await self.handle(user_id, Skip(keep=False), update_id)
        if word in self.renderer.words("words.back") or text.strip() == self.renderer.text("ui.back"):
            # ⬅️ 上一步 as text: the phone question's reply keyboard sends its label
            return await self.handle(user_id, Back(), update_id)
        return await self.handle(user_id, engine.Answer(text), update_id)

    async def contact(self, user_id: int, phone: str | None, update_id: int | None = None) -> list[Outgoing]:
        """A contact shared in the chat (Telegram's share-contact button):
        ``phone`` is its number when it is the sender's own, else None. It
        answers the phone question only while that question is asked; it is
        never stored otherwise."""
        focus = await self.leads.focus(user_id) if user_id > 0 else None
        owner = focus.subject_id if focus is not None else user_id
        session = await self.storage.current_session(owner)
        step = engine.current_step(self._flow_of(session.state), session.state) if session is not None else None
        if step is None or step.key not in self._phone_steps(session.state):
            return self._say("closing.contact_unexpected")
        if phone is None:
            return self._say("closing.contact_not_own")
        # Telegram gives the number with its country code, often without the +.
        number = phone if phone.startswith("+") else f"+{phone}"
        return await self.handle(user_id, engine.Answer(number, step=step.key), update_id)

    # --- /restart --------------------------------------------------------------

    async def restart(self, user_id: int, update_id: int | None = None) -> list[Outgoing]:
        """/restart: at once early in an interview; asked first once there is
        a result or more than a couple of answers to lose."""
        session = await self.storage.current_session(user_id)
        if session is None or session.has_seen(update_id):
            return await self.handle(user_id, engine.Restart(), update_id)
        finished = await self._has_result(user_id, session)
        flow = self._flow_of(session.state)
        answered = sum(1 for k in session.state.history if k not in (flow.consent_key, flow.depth_key))
        if not finished and answered <= RESTART_CONFIRM_AFTER:
            return await self.handle(user_id, engine.Restart(), update_id)
        # The confirmation is a prompt of its own: a new turn, so every older
        # button (the question's, an earlier /delete or /restart prompt) has
        # expired; 取消 asks the question again.
        state = session.state.model_copy(update={"turn": session.state.turn + 1})
        await self.storage.save_session(user_id, session.id, state, {}, [], None, update_id,
                                        consented=self._consented(state))
        r = self.renderer
        buttons = [[Button(r.text("restart.yes"), RestartChoice(True, session.id, state.turn)),
                    Button(r.text("restart.no"), RestartChoice(False, session.id, state.turn))]]
        text = r.text("restart.confirm_done") if finished else r(msg("restart.confirm_progress", n=answered))
        return [Outgoing(text, buttons)]

    async def restart_choice(self, user_id: int, session_id: int, turn: int, confirmed: bool,
                             update_id: int | None = None) -> list[Outgoing]:
        """A press on a restart confirmation: acts only while the session and
        its turn are those it was shown for (else nothing: "button.stale")."""
        session = await self.storage.current_session(user_id)
        if session is None or session.id != session_id or session.state.turn != turn or session.has_seen(update_id):
            return []
        if not confirmed:
            cancelled = self._say("restart.cancelled")
            if session.state.status == "done":
                return cancelled
            return cancelled + await self.handle(user_id, Resume(), update_id)
        if not await self._has_result(user_id, session):
            return await self.handle(user_id, engine.Restart(), update_id)
        # A result is kept: the new interview is a new session row, the
        # finished one stays as it was (/summary shows it until the new one
        # has a result, which replaces it; see Storage.save_session).
        state, reply = engine.handle(self._flow_of(session.state), session.state, engine.Restart(), self.context())
        await self.storage.save_session(user_id, None, state, {}, [], None, update_id,
                                        consented=self._consented(state))
        outs = self._say("restart.started_keeping") + present(reply, self._flow_of(state).report, self.renderer)
        _mark_superseded(session, engine.Restart(), outs)
        self._reply_keyboard(session, state, outs)
        return outs

    async def _has_result(self, user_id: int, session) -> bool:
        """Whether this interview reached a result (one is stored for it)."""
        if engine.conclusion(self._flow_of(session.state), session.state, self.context()) is not None:
            return True
        return any(sid == session.id for sid, _ in await self.storage.finished_sessions(user_id))

    # --- the edit menu, by section ------------------------------------------------

    async def edit_items(self, user_id: int) -> list[engine.EditItem]:
        session = await self.storage.current_session(user_id)
        if session is None:
            return []
        return engine.editable(self._flow_of(session.state), session.state, self.context())

    async def edit_menu_section(self, user_id: int, section: str) -> list[Outgoing]:
        """A press on the edit menu: one section's items, or the sections again."""
        items = await self.edit_items(user_id)
        if not items:
            return self._say("edit.nothing")
        if section == ALL_SECTIONS:
            return [edit_menu(items, self.renderer)]
        chosen = [i for i in items if section_of(i) == section]
        return [edit_section(chosen, self.renderer)] if chosen else [edit_menu(items, self.renderer)]

    # --- callback buttons ----------------------------------------------------

    async def button(self, user_id: int, data: str, update_id: int | None = None) -> list[Outgoing]:
        """Run a button's callback data (see ``bot.callbacks``); data that does
        not decode (an old format, a forged press) does nothing."""
        press = decode(data)
        focus = await self.leads.focus(user_id) if user_id > 0 else None
        if isinstance(press, Aside):
            # A side conversation's button: only while it is the chat's own.
            inner = decode(press.press)
            if focus is None or focus.subject_id != -press.subject or not isinstance(inner, QUESTION_PRESSES):
                return []
            return await self._side(focus, _question_event(inner), update_id)
        if focus is not None and isinstance(press, (*QUESTION_PRESSES, EditAnswer, callbacks.CardAction)):
            # The chat's own interview's button while a side conversation is
            # under way: the typed answers go to the side conversation, so this
            # would act behind it. It has expired (the toast says so).
            return []
        if isinstance(press, QUESTION_PRESSES):
            return await self.handle(user_id, _question_event(press), update_id)
        if isinstance(press, EditAnswer):
            return await self.handle(user_id, Edit(press.key), update_id)
        if isinstance(press, callbacks.ShowDetail):
            return await self.detail(user_id, press.section, press.figures)
        if isinstance(press, callbacks.CardAction):
            return await self.card_action(user_id, press.action, update_id)
        if isinstance(press, DeleteChoice):
            return await self.delete(user_id, press.session, press.turn, press.confirmed)
        if isinstance(press, RestartChoice):
            return await self.restart_choice(user_id, press.session, press.turn, press.confirmed, update_id)
        if isinstance(press, EditSection):
            return await self.edit_menu_section(user_id, press.section)
        handler = self._presses.get(type(press))
        if handler is not None:
            return await handler(user_id, press, update_id)
        return []

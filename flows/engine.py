"""The state machine that runs a flow.

``handle(flow, state, event, ctx)`` returns the new state and a ``Reply``
(notes, the next question with its choices and progress, the outcome when the
interview is complete). It never mutates its input and does no I/O, so every
channel (Telegram, console, tests) drives it the same way.

Back. In the ordinary course (no answered or skipped step comes after the
current one in flow order) back takes back the newest answer and asks it
again, its earlier answer offered as 保持. While a step is being re-asked by
an edit (answered or skipped steps come after it in flow order: /edit, a
deepen, an answer taken back by a re-check), back never takes back one of
those later answers: it keeps the step's earlier answer if one is stashed and
still passes its rules (the same as the 保持 button), otherwise it goes to
the newest answer before the step in flow order (the change just made,
typically), asked with 保持.

Re-checks. After any change every answer is checked again against its rules;
one that now fails is taken back to the stash and asked again. A stashed
answer is offered as 保持 only while it passes, so reverting the change
offers it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from . import parsing
from .flow import Answers, Context, Flow, Step
from .messages import Money, Msg, msg

# --- state -------------------------------------------------------------------


class State(BaseModel):
    """Everything about one interview; JSON-serializable for storage."""

    flow: str
    answers: dict[str, Any] = Field(default_factory=dict)
    # Skipped steps take their default when the outcome is computed, so a
    # default that follows other answers (family income = own + spouse's)
    # stays right when those answers are edited; the summary lists them.
    skipped: list[str] = Field(default_factory=list)
    history: list[str] = Field(default_factory=list)  # keys in the order answered or skipped, for "back"
    # Answers taken back by "back", "edit" or a re-check, offered again as a
    # one-tap "keep" whenever they pass their step's rules (``_keepable``).
    stash: dict[str, Any] = Field(default_factory=dict)
    status: Literal["active", "declined", "done"] = "active"
    summary_due: bool = True
    # Counts the questions sent (a re-sent copy included). A button carries
    # the turn of the copy it sits under, so only the newest copy acts.
    turn: int = 0

    def copy_for_update(self) -> State:
        """A copy the engine may change: its containers are new, the values in
        them are shared (they are never changed in place, only replaced).
        Several times cheaper than a deep copy, on every update."""
        return self.model_copy(update={"answers": dict(self.answers), "skipped": list(self.skipped),
                                       "history": list(self.history), "stash": dict(self.stash)})


# --- events ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    text: str
    # Set by buttons: the step and the turn (copy of the question) the button
    # belonged to. A press on an old copy, or a double tap, is ignored.
    step: str | None = None
    turn: int | None = None


@dataclass(frozen=True)
class Back:
    step: str | None = None  # set by the button: a second tap must not go back twice
    turn: int | None = None


@dataclass(frozen=True)
class Skip:
    step: str | None = None
    turn: int | None = None


@dataclass(frozen=True)
class Edit:
    key: str | None = None  # None: list what can be edited


@dataclass(frozen=True)
class Restart:
    pass


@dataclass(frozen=True)
class Deepen:
    pass


@dataclass(frozen=True)
class Resume:
    pass


Event = Answer | Back | Skip | Edit | Restart | Deepen | Resume

# --- replies -----------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    id: str
    label: Msg


@dataclass(frozen=True)
class Question:
    step: str
    text: Msg
    kind: str
    section: Msg | None
    progress: tuple[int, int]
    options: tuple[Option, ...] = ()
    default: Msg | None = None  # what "skip" takes, shown on its button
    keeps_previous: bool = False  # the default is the client's earlier answer
    hint: Msg | None = None
    can_back: bool = True
    turn: int = 0  # which copy of the question this is (State.turn when asked)


@dataclass(frozen=True)
class EditItem:
    key: str
    question: Msg
    value: Msg


@dataclass
class Reply:
    notes: list[Msg] = field(default_factory=list)
    question: Question | None = None
    outcome: Any = None  # the flow's conclusion, when the interview has just completed
    edit_menu: list[EditItem] | None = None
    ignored: bool = False  # a stale button press: nothing changed, nothing to say
    rejected: bool = False  # the answer could not be read; the question is asked again


# --- the steps in play -------------------------------------------------------


def applicable(flow: Flow, answers: Answers, *, all_depths: bool = False) -> list[Step]:
    """The steps that apply to these answers, in order. At quick depth a step
    is asked when it is quick *or has no default*: every step a result
    depends on then has an answer or a stated default at every depth (a
    parent counted in a full interview keeps its age question after a switch
    to quick depth)."""
    deep = all_depths or flow.depth_key is None or answers.get(flow.depth_key) == flow.full_depth
    return [s for s in flow.expand(answers)
            if (s.when is None or s.when(answers)) and (deep or s.quick or not s.has_default)]


def current_step(flow: Flow, state: State) -> Step | None:
    for step in applicable(flow, state.answers):
        if step.key not in state.answers and step.key not in state.skipped:
            return step
    return None


def _prune(flow: Flow, state: State) -> None:
    """Drop answers that no longer apply (a fourth child after the count went
    down to two, spouse details after 'single'). An answer being changed (in
    the stash) still counts, as in rule 2 of ``invariant_violations``: the
    children's ages wait while their count is re-asked, whatever else is
    answered (or kept by back) meanwhile."""
    keep = {s.key for s in applicable(flow, {**state.stash, **state.answers}, all_depths=True)}
    for key in [k for k in state.answers if k not in keep]:
        del state.answers[key]
    state.skipped = [k for k in state.skipped if k in keep]
    state.history = [k for k in state.history if k in state.answers or k in state.skipped]
    state.stash = {k: v for k, v in state.stash.items() if k in keep}


def resolved_answers(flow: Flow, state: State, ctx: Context) -> tuple[dict[str, Any], list[str]]:
    """Every applicable step of the full flow with its answer or its default,
    and the keys that took a default (the summary lists them as assumptions)."""
    values = dict(state.answers)
    assumed = []
    for step in applicable(flow, values, all_depths=True):
        if step.key not in values and step.phase == "interview":
            values[step.key] = step.default_value(values, ctx)
            assumed.append(step.key)
    return values, assumed


def unresolved(flow: Flow, values: Answers) -> list[Step]:
    """Interview steps of resolved ``values`` with neither an answer nor a
    usable default (None): nothing can be computed from them, so the outcome
    is not computed and the client is told which answers are missing."""
    return [s for s in applicable(flow, values, all_depths=True)
            if s.phase == "interview" and values.get(s.key) is None]


# --- describing values -------------------------------------------------------


def option_label(step: Step, option: str) -> Msg:
    return msg(step.labels.get(option, f"choice.{option}"))


def options(step: Step) -> tuple[Option, ...]:
    ids = ("yes", "no") if step.kind == "yes_no" else step.choices
    return tuple(Option(i, option_label(step, i)) for i in ids)


def describe(step: Step, value: Any) -> Msg:
    if value is None or value == "":
        return msg("value.none")
    if step.kind == "money":
        return msg("value.money", amount=Money(value, per=step.period or ""))
    if step.kind == "choice":
        return option_label(step, value)
    if step.kind == "yes_no":
        return option_label(step, "yes" if value else "no")
    if step.kind == "ranking":
        return msg("value.ranking", items=[option_label(step, v) for v in value])
    return msg("value.text", text=str(value))


def _question(flow: Flow, state: State, step: Step, ctx: Context) -> Question:
    """A new copy of the step's question: the turn moves on, so the buttons of
    every earlier copy stop acting."""
    state.turn += 1
    steps = applicable(flow, state.answers)
    keys = [s.key for s in steps]
    default = None
    keeps = _keepable(flow, state, step, ctx)
    if keeps:
        default = describe(step, state.stash[step.key])
    elif step.has_default and (value := step.default_value(state.answers, ctx)) is not None:
        default = describe(step, value)  # no skip button for a default that cannot be worked out
    return Question(
        step=step.key,
        text=msg(step.prompt, **step.params),
        kind=step.kind,
        section=msg(step.section) if step.section else None,
        progress=(keys.index(step.key) + 1, len(keys)),
        options=options(step),
        default=default,
        keeps_previous=keeps,
        hint=msg(step.hint) if step.hint else None,
        can_back=bool(state.history) or keeps,
        turn=state.turn,
    )


# --- reading an answer -------------------------------------------------------

TINY_AMOUNT = 1000  # yuan; a bare total below this needs its unit written out
TINY_YEARLY = 10_000  # yuan; a bare yearly amount below this needs 元 or /月


def read_answer(step: Step, text: str, answers: Answers, ctx: Context) -> parsing.Parsed:
    """Parse and validate; raises ParseError with the message to show."""
    try:
        parsed = _parse(step, text, ctx)
    except parsing.ParseError as err:
        raise parsing.ParseError(_explain_non_answer(step, err.message, answers, ctx)) from None
    _check_bounds(step, parsed.value)
    if step.kind == "money" and not parsed.unit_given and 0 < parsed.value:
        # A bare "60" for a debt is nearly always 60万; a bare "8000" for a
        # yearly amount is nearly always per month. Ask rather than guess,
        # whatever the script: 六十, 八千, 8千 and 8k are bare numbers too
        # (only 元/¥…, a period or 万/亿/w count as a unit; see parsing).
        if step.period == "year" and parsed.value < TINY_YEARLY:
            raise parsing.ParseError(msg("error.tiny_yearly", n=parsed.value))
        if step.period is None and parsed.value < TINY_AMOUNT:
            raise parsing.ParseError(msg("error.tiny_amount", n=parsed.value))
    if step.check:
        problem = step.check(parsed.value, answers, ctx)
        if problem:
            raise parsing.ParseError(problem)
    if isinstance(parsed.value, date):  # stored as JSON
        parsed = parsing.Parsed(parsed.value.isoformat(), parsed.note)
    return parsed


def _parse(step: Step, text: str, ctx: Context) -> parsing.Parsed:
    labelled = [(o.id, ctx.label(o.label)) for o in options(step)]
    if step.kind == "money":
        return parsing.parse_money(text, step.period, words=step.words, about=step.about)
    if step.kind == "whole":
        # 6个月 / 半岁 / 刚出生 are ages (0), not counts; a year of birth at an
        # age is turned into an age on today (the bounds pick 18年 = 1918 or 2018).
        return parsing.parse_whole(text, age=step.age, today=ctx.today, bounds=(step.min, step.max),
                                   words=step.words, about=step.about)
    if step.kind == "date":
        return parsing.parse_date(text, today=ctx.today)
    if step.kind == "yes_no":
        # Buttons (ids), positions and labels first, then how people say yes
        # or no; a strict step (consent) takes only an unambiguous yes.
        return parsing.parse_yes_no(text, labelled, strict=step.strict)
    if step.kind == "choice":
        return parsing.parse_choice(text, labelled)
    if step.kind == "ranking":
        return parsing.parse_ranking(text, labelled)
    return parsing.parse_text(text)


def _explain_non_answer(step: Step, problem: Msg, answers: Answers, ctx: Context) -> Msg:
    """"Don't know" and questions back, said for this step: what 跳过 takes
    (the step's default), or that an estimate (or 0) is fine; for a question,
    answer with an option or as the example shows."""
    if problem.key == "error.dont_know":
        if step.has_default and (value := step.default_value(answers, ctx)) is not None:
            return msg("error.dont_know_default", default=describe(step, value))
        if step.kind == "money" and not step.min:
            return msg("error.dont_know_estimate")
        return msg("error.dont_know_required")
    if problem.key == "error.question":
        if step.kind in ("choice", "yes_no"):
            return msg("error.question_options")
        if step.hint:
            return msg("error.question_hint", hint=msg(step.hint))
        return msg("error.question")
    return problem


def _check_bounds(step: Step, value: Any) -> None:
    if step.kind not in ("money", "whole"):
        return
    shown = (lambda v: Money(v, per=step.period or "")) if step.kind == "money" else (lambda v: v)
    if step.min is not None and value < step.min:
        raise parsing.ParseError(msg("error.too_small", min=shown(step.min)))
    if step.max is not None and value > step.max:
        raise parsing.ParseError(msg("error.too_large", max=shown(step.max)))


# --- transitions -------------------------------------------------------------


def start(flow: Flow, ctx: Context, turn: int = 0) -> tuple[State, Reply]:
    """A new interview; ``turn`` carries on from a restarted one, so the old
    interview's buttons stay stale."""
    state = State(flow=flow.name, turn=turn)
    return state, _advance(flow, state, ctx, Reply())


def handle(flow: Flow, state: State, event: Event, ctx: Context) -> tuple[State, Reply]:
    state = state.copy_for_update()
    if isinstance(event, Restart):
        return start(flow, ctx, turn=state.turn)
    if state.status == "declined":
        return state, Reply(notes=[msg("consent.declined_again")])
    if _stale(event, state):
        return state, Reply(ignored=True)
    if isinstance(event, Back):
        if event.step is not None and event.step != getattr(current_step(flow, state), "key", None):
            return state, Reply(ignored=True)
        return _back(flow, state, ctx)
    if isinstance(event, Edit):
        return _edit(flow, state, event.key, ctx)
    if isinstance(event, Deepen):
        return _deepen(flow, state, ctx)
    if isinstance(event, Resume):
        return state, _advance(flow, state, ctx, Reply())

    step = current_step(flow, state)
    if step is None:
        if getattr(event, "step", None):  # a button from an earlier question
            return state, Reply(ignored=True)
        return state, Reply(notes=[msg("done.hint")])
    if getattr(event, "step", None) not in (None, step.key):
        return state, Reply(ignored=True)

    if isinstance(event, Skip):
        if _keepable(flow, state, step, ctx):  # "keep": the earlier answer stands
            return _record(flow, state, step, state.stash[step.key], ctx, Reply())
        if not step.has_default or step.default_value(state.answers, ctx) is None:
            # No default, or one that cannot be worked out from the answers so far.
            return state, Reply(notes=[msg("error.no_default")], question=_question(flow, state, step, ctx))
        return _record(flow, state, step, None, ctx, Reply(), skipped=True)

    try:
        parsed = read_answer(step, event.text, state.answers, ctx)
    except parsing.ParseError as err:
        # The question is asked again with its example, so the note stays short.
        return state, Reply(notes=[err.message], question=_question(flow, state, step, ctx), rejected=True)
    reply = Reply(notes=[parsed.note] if parsed.note else [])
    return _record(flow, state, step, parsed.value, ctx, reply)


def _stale(event: Event, state: State) -> bool:
    """A button from an earlier copy of a question (its turn is past)."""
    turn = getattr(event, "turn", None)
    return turn is not None and turn != state.turn


def _record(flow: Flow, state: State, step: Step, value: Any, ctx: Context, reply: Reply,
            skipped: bool = False) -> tuple[State, Reply]:
    if flow.consent_key and step.key == flow.consent_key and value is False:
        # Declining ends politely and keeps nothing.
        return State(flow=flow.name, status="declined"), Reply(notes=[msg("consent.declined")])
    if skipped:
        state.answers.pop(step.key, None)
        state.skipped.append(step.key)
    else:
        state.answers[step.key] = value
    state.stash.pop(step.key, None)
    state.history = [k for k in state.history if k != step.key] + [step.key]
    if step.phase == "interview":
        state.summary_due = True
    _prune(flow, state)
    _recheck(flow, state, ctx, reply, step.key)
    return state, _advance(flow, state, ctx, reply)


def _problem(step: Step, value: Any, answers: Answers, ctx: Context) -> Msg | None:
    """Why a stored value breaks its step's rules (bounds, then its check
    against the other answers), or None."""
    try:
        _check_bounds(step, value)
    except parsing.ParseError as err:
        return err.message
    if step.check is None:
        return None
    if step.kind == "date" and isinstance(value, str):  # stored as JSON; checks see what the parser gave
        value = date.fromisoformat(value)
    return step.check(value, {k: v for k, v in answers.items() if k != step.key}, ctx)


def _recheck(flow: Flow, state: State, ctx: Context, reply: Reply, cause: str | None) -> None:
    """Checks may depend on other answers, so after any change every answer
    is checked again: one that now fails is taken back and asked again, with
    a note naming the change and the rule. What is taken back goes to the
    stash: it is not offered as "keep" while it fails, but is again once it
    passes (the change that broke it reverted, say). A stashed answer is
    offered only while it passes its rules (``_keepable``)."""
    causes = {s.key: s for s in flow.expand(state.answers)}
    changed = causes.get(cause) if cause else None
    again = True
    while again:  # taking an answer back can change what applies: look again
        again = False
        for step in applicable(flow, state.answers, all_depths=True):
            if step.key not in state.answers:
                continue
            problem = _problem(step, state.answers[step.key], state.answers, ctx)
            if problem is None:
                continue
            state.stash[step.key] = state.answers.pop(step.key)
            state.history = [k for k in state.history if k != step.key]
            if step.phase == "interview":
                state.summary_due = True
            question = msg(step.label_key, **step.params)
            if changed is not None and changed.key != step.key:
                reply.notes.append(msg("recheck.changed", changed=msg(changed.label_key, **changed.params),
                                       question=question, reason=problem))
            else:
                reply.notes.append(msg("recheck.again", question=question, reason=problem))
            _prune(flow, state)
            again = True
            break
    # A stashed answer of a step that no longer applies (an answer being
    # changed counting, as in rule 2 of ``invariant_violations``) is dropped.
    steps = {s.key for s in applicable(flow, {**state.stash, **state.answers}, all_depths=True)}
    state.stash = {k: v for k, v in state.stash.items() if k in steps}


def _keepable(flow: Flow, state: State, step: Step, ctx: Context) -> bool:
    """Whether ``step``'s stashed answer may be kept (offered as 保持, taken
    by skip or by back during an edit): there is one and it passes its
    step's rules against the answers as they are now."""
    return step.key in state.stash and _problem(step, state.stash[step.key], state.answers, ctx) is None


def _advance(flow: Flow, state: State, ctx: Context, reply: Reply) -> Reply:
    """Ask the next question; attach the outcome when the interview part has
    just been completed; finish when nothing is left."""
    step = current_step(flow, state)
    if state.summary_due and _interview_complete(step):
        reply.outcome, missing = _conclude(flow, state, ctx)
        state.summary_due = reply.outcome is None
        if missing:
            # Unreachable while every default is total and every step without
            # one is asked (tests/test_engine_properties.py); should it happen,
            # the client reads which answer is missing, never a crash.
            first = missing[0]
            reply.notes.append(msg("error.missing_value", question=msg(first.label_key, **first.params)))
    if step is None:
        state.status = "done"
        reply.notes.append(msg("done.thanks"))
        if flow.depth_key and state.answers.get(flow.depth_key) != flow.full_depth:
            reply.notes.append(msg("done.deepen_hint"))
        return reply
    state.status = "active"
    reply.question = _question(flow, state, step, ctx)
    return reply


def _interview_complete(step: Step | None) -> bool:
    return step is None or step.phase != "interview"


def conclusion(flow: Flow, state: State, ctx: Context) -> Any:
    """The flow's outcome once the interview part is complete (closing
    questions may still be open), else None."""
    return _conclude(flow, state, ctx)[0]


def _conclude(flow: Flow, state: State, ctx: Context) -> tuple[Any, list[Step]]:
    """The outcome, or None and the steps whose values are missing."""
    if state.status == "declined" or not flow.conclude or not _interview_complete(current_step(flow, state)):
        return None, []
    values, assumed = resolved_answers(flow, state, ctx)
    missing = unresolved(flow, values)
    if missing:
        return None, missing
    return flow.conclude(values, assumed, ctx), []


def _back(flow: Flow, state: State, ctx: Context) -> tuple[State, Reply]:
    """The previous question (see the module docstring). While the current
    step is being re-asked by an edit (answered or skipped steps come after
    it in flow order), back keeps its earlier answer when that may be kept
    (as 保持 does), else goes to the newest answer *before* it in flow order;
    it never takes back an answer that comes after it."""
    step = current_step(flow, state)
    if step is not None and _answered_after(flow, state, step):
        if _keepable(flow, state, step, ctx):
            return _record(flow, state, step, state.stash[step.key], ctx, Reply())
        key = _previous(flow, state, step)
    else:
        key = state.history[-1] if state.history else None
    if key is None:
        return state, _advance(flow, state, ctx, Reply(notes=[msg("back.at_start")]))
    _take_back(flow, state, key)
    reply = Reply()
    _recheck(flow, state, ctx, reply, key)
    return state, _advance(flow, state, ctx, reply)


def _flow_order(flow: Flow, state: State) -> list[str]:
    """Every step's key in flow order, an answer being changed counting (the
    children's ages stay in place while their count is re-asked)."""
    return [s.key for s in flow.expand({**state.stash, **state.answers})]


def _answered_after(flow: Flow, state: State, step: Step) -> bool:
    """Whether an answered or skipped step comes after ``step`` in flow order:
    ``step`` is then being asked again by an edit (or after a deepen, or a
    re-check), not for the first time."""
    keys = _flow_order(flow, state)
    later = keys[keys.index(step.key) + 1:] if step.key in keys else []
    return any(k in state.answers or k in state.skipped for k in later)


def _previous(flow: Flow, state: State, step: Step) -> str | None:
    """Where back goes from ``step`` during an edit: the newest answer (or
    skip) of a step asked at this depth that comes before ``step`` in flow
    order (the change just made, typically); failing that, the nearest such
    step in flow order; None at the start."""
    asked = [s.key for s in applicable(flow, state.answers)]
    before = asked[:asked.index(step.key)] if step.key in asked else []
    done = [k for k in before if k in state.answers or k in state.skipped]
    newest = [k for k in reversed(state.history) if k in done]
    if newest:
        return newest[0]
    return done[-1] if done else None


def _take_back(flow: Flow, state: State, key: str) -> None:
    if key in state.skipped:
        state.skipped.remove(key)
    else:
        state.stash[key] = state.answers.pop(key)
    state.history = [k for k in state.history if k != key]
    step = next((s for s in applicable(flow, state.answers, all_depths=True) if s.key == key), None)
    if step is not None and step.phase == "interview":
        state.summary_due = True


def editable(flow: Flow, state: State, ctx: Context) -> list[EditItem]:
    """Answered and skipped steps, in flow order, with their current values."""
    items = []
    for step in applicable(flow, state.answers):
        if step.key == flow.consent_key:
            continue
        if step.key in state.answers:
            value = describe(step, state.answers[step.key])
        elif step.key in state.skipped:
            value = msg("value.default", value=describe(step, step.default_value(state.answers, ctx)))
        else:
            continue
        items.append(EditItem(step.key, msg(step.label_key, **step.params), value))
    return items


def _edit(flow: Flow, state: State, key: str | None, ctx: Context) -> tuple[State, Reply]:
    items = editable(flow, state, ctx)
    if key is None:
        if not items:
            return state, _advance(flow, state, ctx, Reply(notes=[msg("edit.nothing")]))
        return state, Reply(edit_menu=items)
    if key not in {i.key for i in items}:
        return state, _advance(flow, state, ctx, Reply(notes=[msg("edit.unknown")]))
    _take_back(flow, state, key)
    reply = Reply()
    _recheck(flow, state, ctx, reply, key)
    # The edited step is now the first empty slot (everything before it is
    # answered), so it is asked next; afterwards only what the change made
    # necessary (new children's ages, an answer its rule now refuses…) is
    # asked before the summary returns.
    return state, _advance(flow, state, ctx, reply)


def _deepen(flow: Flow, state: State, ctx: Context) -> tuple[State, Reply]:
    if not flow.depth_key or state.answers.get(flow.depth_key) == flow.full_depth:
        return state, _advance(flow, state, ctx, Reply(notes=[msg("deepen.already")]))
    if flow.consent_key and state.answers.get(flow.consent_key) is not True:
        return state, _advance(flow, state, ctx, Reply())
    state.answers[flow.depth_key] = flow.full_depth
    state.stash.pop(flow.depth_key, None)
    state.summary_due = True
    reply = Reply(notes=[msg("deepen.started")])
    _recheck(flow, state, ctx, reply, flow.depth_key)
    return state, _advance(flow, state, ctx, reply)


# --- the rules every reachable state keeps -------------------------------------


def invariant_violations(flow: Flow, state: State, ctx: Context) -> list[str]:
    """Which of the rules below this state breaks (developer-facing text, one
    line per broken rule; empty when all hold). They hold after every event,
    whatever the sequence; tests/test_engine_properties.py checks them after
    random walks of answer / back / skip / edit / restart / deepen / depth
    change.

    1. Declining keeps nothing.
    2. No answer for a step that does not apply: a condition no longer met, a
       repeat beyond its count (counts match their repeat groups). An answer
       taken back by edit or back (offered as "keep") still counts here until
       it is answered again: the children's ages wait while their count is
       being changed, and what the new count leaves out is then dropped.
    3. skipped ⊆ applicable steps; nothing both answered and skipped; no key twice.
    4. history ⊆ answered ∪ skipped, each key once.
    5. Every answer is within its step's bounds and passes its check against
       the other answers. A flow's cross-answer rules are its checks (the
       diagnosis: family income ≥ own income + the spouse's income when
       married; each child at most the client's age − 14, each parent at
       least the client's age + 14).
    6. A skipped step has a default that can be worked out from the answers
       (an answer being changed counting, as in 2).
    7. A stashed answer belongs to an applicable step (as in 2); it is offered
       as "keep" (and kept by skip, or by back during an edit) only while it
       passes 5 (``_keepable``): one taken back by a re-check waits there
       until the change that broke it is reverted.
    8. "done" exactly when no question is left.
    9. Once the interview part is complete, every interview step has an answer
       or a default (never None) and the defaults taken pass the checks too.
    """
    if state.status == "declined":
        return [] if not (state.answers or state.skipped or state.history or state.stash) else ["declined keeps data"]
    out = []
    pending = {**state.stash, **state.answers}
    steps = {s.key: s for s in applicable(flow, pending, all_depths=True)}
    out += [f"answer for a step that does not apply: {k}" for k in state.answers if k not in steps]
    out += [f"skipped step that does not apply: {k}" for k in state.skipped if k not in steps]
    out += [f"both answered and skipped: {k}" for k in state.skipped if k in state.answers]
    if len(set(state.skipped)) != len(state.skipped):
        out.append(f"skipped twice: {state.skipped}")
    out += [f"history not answered nor skipped: {k}" for k in state.history
            if k not in state.answers and k not in state.skipped]
    if len(set(state.history)) != len(state.history):
        out.append(f"history twice: {state.history}")
    for key, value in state.answers.items():
        if key in steps and (problem := _problem(steps[key], value, state.answers, ctx)) is not None:
            out.append(f"answer breaks its rule: {key}={value!r}: {problem.key}")
    for key in state.skipped:
        if key in steps and steps[key].default_value(pending, ctx) is None:
            out.append(f"skipped without a usable default: {key}")
    out += [f"stash for a step that does not apply: {k}" for k in state.stash if k not in steps]
    step = current_step(flow, state)
    if (state.status == "done") != (step is None):
        out.append(f"status {state.status} with question {getattr(step, 'key', None)}")
    if flow.conclude and _interview_complete(step):
        values, assumed = resolved_answers(flow, state, ctx)
        out += [f"no value nor default: {s.key}" for s in unresolved(flow, values)]
        for key in assumed:
            s = steps.get(key)
            if s is None or s.check is None or values[key] is None:
                continue
            if (problem := s.check(values[key], values, ctx)) is not None:
                out.append(f"default breaks its rule: {key}={values[key]!r}: {problem.key}")
    return out

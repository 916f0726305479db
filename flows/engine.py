"""The state machine that runs a flow.

``handle(flow, state, event, ctx)`` returns the new state and a ``Reply``
(notes, the next question with its choices and progress, the outcome when the
interview is complete). It never mutates its input and does no I/O, so every
channel (Telegram, console, tests) drives it the same way.
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
    # Answers taken back by "back" or "edit", offered again as a one-tap "keep".
    stash: dict[str, Any] = Field(default_factory=dict)
    status: Literal["active", "declined", "done"] = "active"
    summary_due: bool = True
    # Counts the questions sent (a re-sent copy included). A button carries
    # the turn of the copy it sits under, so only the newest copy acts.
    turn: int = 0


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
    deep = all_depths or flow.depth_key is None or answers.get(flow.depth_key) == flow.full_depth
    return [s for s in flow.expand(answers) if (s.when is None or s.when(answers)) and (deep or s.quick)]


def current_step(flow: Flow, state: State) -> Step | None:
    for step in applicable(flow, state.answers):
        if step.key not in state.answers and step.key not in state.skipped:
            return step
    return None


def _prune(flow: Flow, state: State) -> None:
    """Drop answers that no longer apply (a fourth child after the count went
    down to two, spouse details after 'single')."""
    keep = {s.key for s in applicable(flow, state.answers, all_depths=True)}
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
    keeps = step.key in state.stash
    if keeps:
        default = describe(step, state.stash[step.key])
    elif step.has_default:
        default = describe(step, step.default_value(state.answers, ctx))
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
        can_back=bool(state.history),
        turn=state.turn,
    )


# --- reading an answer -------------------------------------------------------

TINY_AMOUNT = 1000  # yuan; a bare total below this needs its unit written out
TINY_YEARLY = 10_000  # yuan; a bare yearly amount below this needs 元 or /月


def read_answer(step: Step, text: str, answers: Answers, ctx: Context) -> parsing.Parsed:
    """Parse and validate; raises ParseError with the message to show."""
    labelled = [(o.id, ctx.label(o.label)) for o in options(step)]
    if step.kind == "money":
        parsed = parsing.parse_money(text, step.period)
    elif step.kind == "whole":
        parsed = parsing.parse_whole(text)
    elif step.kind == "date":
        parsed = parsing.parse_date(text)
    elif step.kind == "yes_no":
        try:
            parsed = parsing.parse_choice(text, labelled)
            parsed = parsing.Parsed(parsed.value == "yes")
        except parsing.ParseError:
            parsed = parsing.parse_yes_no(text)
    elif step.kind == "choice":
        parsed = parsing.parse_choice(text, labelled)
    elif step.kind == "ranking":
        parsed = parsing.parse_ranking(text, labelled)
    else:
        parsed = parsing.parse_text(text)
    _check_bounds(step, parsed.value)
    if step.kind == "money" and not parsed.unit_given and 0 < parsed.value:
        # A bare "60" for a debt is nearly always 60万; a bare "8000" for a
        # yearly amount is nearly always per month. Ask rather than guess.
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
    state = state.model_copy(deep=True)
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
        if step.key in state.stash:  # "keep": the earlier answer stands
            return _record(flow, state, step, state.stash[step.key], ctx, Reply())
        if not step.has_default:
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
    return state, _advance(flow, state, ctx, reply)


def _advance(flow: Flow, state: State, ctx: Context, reply: Reply) -> Reply:
    """Ask the next question; attach the outcome when the interview part has
    just been completed; finish when nothing is left."""
    step = current_step(flow, state)
    if state.summary_due and _interview_complete(step):
        reply.outcome = conclusion(flow, state, ctx)
        state.summary_due = reply.outcome is None
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
    if state.status == "declined" or not flow.conclude or not _interview_complete(current_step(flow, state)):
        return None
    values, assumed = resolved_answers(flow, state, ctx)
    return flow.conclude(values, assumed, ctx)


def _back(flow: Flow, state: State, ctx: Context) -> tuple[State, Reply]:
    if not state.history:
        return state, _advance(flow, state, ctx, Reply(notes=[msg("back.at_start")]))
    key = state.history.pop()
    _take_back(flow, state, key)
    return state, _advance(flow, state, ctx, Reply())


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
    # The edited step is now the first empty slot (everything before it is
    # answered), so it is asked next; afterwards only what the change made
    # necessary (new children's ages…) is asked before the summary returns.
    return state, _advance(flow, state, ctx, Reply())


def _deepen(flow: Flow, state: State, ctx: Context) -> tuple[State, Reply]:
    if not flow.depth_key or state.answers.get(flow.depth_key) == flow.full_depth:
        return state, _advance(flow, state, ctx, Reply(notes=[msg("deepen.already")]))
    if flow.consent_key and state.answers.get(flow.consent_key) is not True:
        return state, _advance(flow, state, ctx, Reply())
    state.answers[flow.depth_key] = flow.full_depth
    state.summary_due = True
    return state, _advance(flow, state, ctx, Reply(notes=[msg("deepen.started")]))

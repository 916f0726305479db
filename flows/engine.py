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

Monthly or yearly. A yearly amount that may well be a monthly one (a bare
8000, or 1.5万 of living costs on a 60万 income) is asked back; the amount is
kept in the state until the next event, so a reply of just 每月 / 每年 takes
it (and a restart in between loses nothing).

Compound answers in part. An answer of several parts read in part (存款60万
where three amounts are asked; 两个孩子 without their ages) is refused with
what is missing, and what was read is kept in the state (``State.partial``)
until another event acts: the next reply is read as the missing parts (0 or
没有 then means the missing ones) merged with it, else as a whole answer,
which replaces it; a count said before must be matched by the ages that
follow, unless the reply says a count itself. A note says what was taken.

Re-checks. After any change every answer is checked again against its rules;
one that now fails is taken back to the stash and asked again. A stashed
answer is offered as 保持 only while it passes, so reverting the change
offers it again. An answer given together with others (``Step.confirm_after``:
family income with the marital status and the incomes) is taken back when
one of them changes and asked again with 保持 even though it still passes,
with a note saying why; its default, when it differs and passes, is offered
too (``Question.also_default``, taken by ``Skip(keep=False)``).

Repeats follow their items. When a list that counts a repeat changes (the
children's ages), each copy's answers go with their item (matched by equal
value, the first unused, in order), not with their position: a child who is
gone takes their answers along, a new child is asked theirs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from . import contact, parsing
from .flow import Answers, Context, Flow, Repeat, Step
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
    # A yearly amount just asked back as 每月还是每年 (step key → the amount
    # as typed), so that a reply of just 每月 / 每年 takes it. Dropped by the
    # next event that acts (an answer, back, edit…); kept by a re-send.
    period_unclear: dict[str, int] = Field(default_factory=dict)
    # A compound answer read in part at the step being asked (step key → what
    # was read: the amounts named, {"savings": 600000}; the number of children
    # said without their ages, 2), so that the next reply may complete it.
    # Dropped by the next event that acts (an accepted answer, back, skip,
    # edit…); kept by a re-send and by a reply that is refused.
    partial: dict[str, Any] = Field(default_factory=dict)

    def copy_for_update(self) -> State:
        """A copy the engine may change: its containers are new, the values in
        them are shared (they are never changed in place, only replaced).
        Several times cheaper than a deep copy, on every update."""
        return self.model_copy(update={"answers": dict(self.answers), "skipped": list(self.skipped),
                                       "history": list(self.history), "stash": dict(self.stash),
                                       "period_unclear": dict(self.period_unclear), "partial": dict(self.partial)})


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
    # True: the earlier answer when it may be kept (保持), else the default;
    # False: the default (跳过), though 保持 is offered (``Question.also_default``).
    keep: bool = True


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
    # Interview questions still to ask after this one at the current depth,
    # as far as the answers so far tell (an answer may add some: a child's
    # questions, the spouse's); None for a closing question (after the result).
    remaining: int | None
    options: tuple[Option, ...] = ()
    default: Msg | None = None  # what "skip" takes, shown on its button
    keeps_previous: bool = False  # the default is the client's earlier answer
    # With 保持 offered (keeps_previous): the step's default as well, when it
    # differs and passes the step's rules; Skip(keep=False) takes it (跳过).
    also_default: Msg | None = None
    hint: Msg | None = None
    can_back: bool = True
    turn: int = 0  # which copy of the question this is (State.turn when asked)


@dataclass(frozen=True)
class EditItem:
    key: str
    question: Msg
    value: Msg
    # The step's section (个人信息, 抚养赡养…): the edit menu and /mydata group by it.
    section: Msg | None = None


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
    if flow.depth_key in state.stash and flow.depth_key not in state.answers:
        # The depth being changed (from the full interview's edit menu) is
        # asked, though without an answer the depth is quick, where it is not.
        return next(s for s in flow.expand(state.answers) if s.key == flow.depth_key)
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
    if step.kind == "ages":
        return _listed([msg("value.age", n=age) for age in value]) or option_label(step, "none")
    if step.kind == "amounts":
        if not any(value.values()):
            return option_label(step, "none")
        return _listed([msg(f"value.part.{part}", amount=Money(value.get(part, 0))) for part in step.parts])
    if step.kind == "money":
        return msg("value.money", amount=Money(value, per=step.period or ""))
    if step.kind == "whole" and step.age:
        return msg("value.age", n=value)
    if step.kind == "choice":
        return option_label(step, value)
    if step.kind == "yes_no":
        return option_label(step, "yes" if value else "no")
    if step.kind == "ranking":
        return msg("value.ranking", items=[option_label(step, v) for v in value])
    return msg("value.text", text=str(value))


def _listed(items: list[Msg]) -> Msg | None:
    """Items as one message, "5岁、3岁" (None for none): each joined to the
    rest by the catalog's separator, so the core builds no text itself."""
    if not items:
        return None
    joined = items[-1]
    for item in reversed(items[:-1]):
        joined = msg("list.join", first=item, rest=joined)
    return joined


def remaining(flow: Flow, state: State, step: Step) -> int | None:
    """Interview steps still to ask after ``step`` at the current depth (None
    for a closing step: the result comes before it). Counted from what is
    known, so it moves down by one per answer unless an answer brings new
    questions (a child's, the spouse's)."""
    if step.phase != "interview":
        return None
    done = state.answers.keys() | set(state.skipped) | {step.key}
    return sum(1 for s in applicable(flow, state.answers) if s.phase == "interview" and s.key not in done)


def _question(flow: Flow, state: State, step: Step, ctx: Context) -> Question:
    """A new copy of the step's question: the turn moves on, so the buttons of
    every earlier copy stop acting."""
    state.turn += 1
    default = also = None
    keeps = _keepable(flow, state, step, ctx)
    value = step.default_value(state.answers, ctx) if step.has_default else None
    if keeps:
        default = describe(step, state.stash[step.key])
        if value is not None and value != state.stash[step.key] and _problem(step, value, state.answers, ctx) is None:
            also = describe(step, value)  # 保持 the earlier answer, or 跳过 to the default
    elif value is not None:
        default = describe(step, value)  # no skip button for a default that cannot be worked out
    return Question(
        step=step.key,
        text=msg(step.prompt_for(state.answers), **step.params),
        kind=step.kind,
        section=msg(step.section) if step.section else None,
        remaining=remaining(flow, state, step),
        options=options(step),
        default=default,
        keeps_previous=keeps,
        also_default=also,
        hint=msg(step.hint) if step.hint else None,
        can_back=bool(state.history) or keeps,
        turn=state.turn,
    )


# --- reading an answer -------------------------------------------------------

TINY_AMOUNT = 1000  # yuan; a bare total below this needs its unit written out
TINY_YEARLY = 10_000  # yuan; a bare yearly amount below this needs 元 or /月


class PeriodUnclear(parsing.ParseError):
    """A yearly amount that may well be monthly: asked back, and remembered
    (``State.period_unclear``) so that a reply of just 每月 / 每年 takes it."""

    def __init__(self, message: Msg, amount: int) -> None:
        super().__init__(message)
        self.amount = amount


class Incomplete(parsing.ParseError):
    """A compound answer read in part (some of the amounts, a number of
    children without their ages): the rest is asked, and what was read
    (``partial``) is remembered (``State.partial``) so that the next reply
    may complete it; ``so_far`` says what was taken (a note), if anything."""

    def __init__(self, message: Msg, partial: Any, so_far: Msg | None = None) -> None:
        super().__init__(message)
        self.partial = partial
        self.so_far = so_far


def read_answer(step: Step, text: str, answers: Answers, ctx: Context,
                unclear: int | None = None, partial: Any = None) -> parsing.Parsed:
    """Parse and validate; raises ParseError with the message to show.
    ``unclear``: the amount this step just asked back as monthly or yearly;
    ``partial``: what this step's previous reply gave of a compound answer."""
    parsed = _period_reply(step, text, unclear) if unclear is not None else None
    period_said = parsed is not None
    if parsed is None:
        try:
            parsed = _parse(step, text, ctx, partial)
        except Incomplete:
            raise
        except parsing.ParseError as err:
            raise parsing.ParseError(_explain_non_answer(step, err.message, answers, ctx)) from None
    _check_bounds(step, parsed.value)
    if step.kind == "money" and not parsed.unit_given and 0 < parsed.value:
        # A bare "60" for a debt is nearly always 60万; a bare "8000" for a
        # yearly amount is nearly always per month. Ask rather than guess,
        # whatever the script: 六十, 八千, 8千 and 8k are bare numbers too
        # (only 元/¥…, a period or 万/亿/w count as a unit; see parsing).
        if step.period == "year" and parsed.value < TINY_YEARLY:
            raise PeriodUnclear(msg("error.tiny_yearly", n=parsed.value), parsed.value)
        if step.period is None and parsed.value < TINY_AMOUNT:
            raise parsing.ParseError(msg("error.tiny_amount", n=parsed.value))
    if (step.kind == "money" and step.period == "year" and step.maybe_monthly and 0 < parsed.value
            and step.maybe_monthly(parsed.value, answers) and not (period_said or _period_written(step, text))):
        # 1.5万 for a family's living costs on a 60万 income reads as monthly
        # as well as yearly: a twelvefold difference is worth one question.
        raise PeriodUnclear(msg("error.monthly_or_yearly", amount=Money(parsed.value)), parsed.value)
    if step.check:
        problem = step.check(parsed.value, answers, ctx)
        if problem:
            raise parsing.ParseError(problem)
    if isinstance(parsed.value, date):  # stored as JSON
        parsed = parsing.Parsed(parsed.value.isoformat(), parsed.note)
    return parsed


def _period_written(step: Step, text: str) -> bool:
    """Whether a money answer says its period (每月, 年薪, /年…). The parser
    refuses a period where a total is asked, so asking it for a total tells."""
    try:
        parsing.parse_money(text, None, words=step.words, about=step.about)
    except parsing.ParseError as err:
        return err.message.key == "error.not_periodic"
    return False


def _period_reply(step: Step, text: str, amount: int) -> parsing.Parsed | None:
    """A reply of just a period (每月, 一年, 是每月的…) to "每月还是每年?": the
    amount asked about, read with it. None for anything else (a new amount)."""
    said = f"{amount}元{text}"  # the parser's own period words, not a list of ours
    if not _period_written(step, said):
        return None
    try:
        return parsing.parse_money(said, step.period, words=step.words, about=step.about)
    except parsing.ParseError:
        return None


def _parse(step: Step, text: str, ctx: Context, partial: Any = None) -> parsing.Parsed:
    labelled = [(o.id, ctx.label(o.label)) for o in options(step)]
    if step.kind == "ages":
        return _read_ages(text, ctx.today, partial)
    if step.kind == "amounts":
        return _read_amounts(step, text, partial or {})
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
    if step.kind == "phone":
        return contact.parse_phone(text, labelled)
    if step.kind == "note":
        return parsing.parse_note(text, max_chars=step.max or parsing.MAX_NOTE_CHARS)
    return parsing.parse_text(text, max_chars=step.max or parsing.MAX_NAME_CHARS)


# --- compound answers in part -----------------------------------------------------

AGES_NEEDED = "error.ages_needed"  # parsing: a count of children without their ages (params: n)
AGES_MISMATCH = "error.ages_count_mismatch"
AMOUNTS_MISSING = "error.amounts_missing"  # parsing: some parts not given (params: got, the parts read)


def _read_ages(text: str, today: date, count: int | None) -> parsing.Parsed:
    """Every child's age. ``count``: how many children the previous reply
    said without their ages (两个孩子); the ages now must match it, as they
    must in one message (两个孩子,5岁), unless this reply says a count itself
    (一个孩子,5岁 / 三个孩子), which replaces it. A count without ages raises
    ``Incomplete`` with the count."""
    try:
        alone = parsing.parse_ages(text, today)
    except parsing.ParseError as err:
        if err.message.key == AGES_NEEDED:
            raise Incomplete(err.message, err.message.params["n"]) from None
        if count is None and err.message.key == AGES_MISMATCH:
            # 两个孩子,5岁: the count stays said, so the next reply (7岁) is
            # read against it too, never taken as the only child.
            raise Incomplete(err.message, err.message.params["count"]) from None
        if count is None:
            raise
        if err.message.key == "error.ages_needed_any":  # 有孩子: still the count said
            raise Incomplete(msg(AGES_NEEDED, n=count), count) from None
        try:  # 都5岁: read after the count (两个孩子,都5岁)
            return parsing.parse_ages(_after_count(count, text), today)
        except parsing.ParseError:
            raise err from None
    if count is not None and not alone.value:
        # 没有 / 0 right after 两个孩子 contradicts it: asked again, never
        # taken as no children (back forgets the count).
        raise Incomplete(msg(AGES_MISMATCH, count=count, ages=0), count)
    if count is None or len(alone.value) == count or _says_count(text, today):
        return alone
    try:
        return parsing.parse_ages(_after_count(count, text), today)
    except parsing.ParseError as err:
        if err.message.key == AGES_MISMATCH:
            raise
        return alone  # it reads alone, not after the count: it says its own (两个孩子都5岁)


def _after_count(count: int, text: str) -> str:
    """The reply as if written after the count, in one message."""
    return f"{count}个孩子,{text}"


def _says_count(text: str, today: date) -> bool:
    """Whether ages as written say how many children too (一个孩子,5岁):
    one more age then disagrees with the count."""
    try:
        parsing.parse_ages(f"{text}、0岁", today)
    except parsing.ParseError as err:
        return err.message.key == AGES_MISMATCH
    return False


def _read_amounts(step: Step, text: str, got: dict[str, int]) -> parsing.Parsed:
    """Several amounts (``step.parts``). ``got``: the amounts the previous
    reply gave of them; this reply is read first as the parts still missing
    (so 0 / 没有 means those), else as all of them (replacing ``got``). Some
    still missing raises ``Incomplete`` with everything read so far."""
    rest = tuple(p for p in step.parts if p not in got)
    if not got or not rest:
        try:
            return parsing.parse_amounts(text, step.parts)
        except parsing.ParseError as err:
            if err.message.key == AMOUNTS_MISSING:
                return _amounts_so_far(step, err.message.params.get("got") or {})
            raise
    try:
        parsed = parsing.parse_amounts(text, rest)
    except parsing.ParseError as as_rest:
        try:
            return parsing.parse_amounts(text, step.parts)
        except parsing.ParseError as as_whole:
            for err in (as_rest, as_whole):
                if err.message.key == AMOUNTS_MISSING:
                    return _amounts_so_far(step, {**got, **(err.message.params.get("got") or {})})
            # Naming a part already given is no answer of the rest: say what the whole reading says.
            raise (as_whole if as_rest.message.key == "error.amounts_other" else as_rest) from None
    return _amounts_so_far(step, {**got, **parsed.value})


def _amounts_so_far(step: Step, got: dict[str, int]) -> parsing.Parsed:
    """All the parts (with a note saying what was taken), or ``Incomplete``
    naming the parts still missing and what was taken so far."""
    missing = [p for p in step.parts if p not in got]
    taken = _listed([msg(f"value.part.{p}", amount=Money(got[p])) for p in step.parts if p in got])
    if not missing:
        return parsing.Parsed({p: got[p] for p in step.parts}, msg("note.amounts_taken", values=taken))
    names = [msg(f"part.{p}") for p in missing]
    problem = msg(AMOUNTS_MISSING, missing=names, names=_listed(names), got=dict(got),
                  parts=_listed([msg(f"part.{p}") for p in step.parts]),
                  example=_listed([msg(f"part.{p}.example") for p in missing]))
    raise Incomplete(problem, dict(got) if got else None,
                     msg("note.amounts_taken", values=taken) if taken is not None else None)


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
    """The step's bounds; for several ages or amounts, each one's."""
    if step.kind == "ages":
        values = list(value)
    elif step.kind == "amounts":
        if set(value) != set(step.parts):
            raise parsing.ParseError(msg("error.not_money"))
        values = list(value.values())
    elif step.kind in ("money", "whole"):
        values = [value]
    else:
        return
    shown = (lambda v: Money(v, per=step.period or "")) if step.kind in ("money", "amounts") else (lambda v: v)
    for v in values:
        if step.min is not None and v < step.min:
            raise parsing.ParseError(msg("error.too_small", min=shown(step.min)))
        if step.max is not None and v > step.max:
            raise parsing.ParseError(msg("error.too_large", max=shown(step.max)))


# --- transitions -------------------------------------------------------------


def start(flow: Flow, ctx: Context, turn: int = 0) -> tuple[State, Reply]:
    """A new interview; ``turn`` carries on from a restarted one, so the old
    interview's buttons stay stale."""
    state = State(flow=flow.name, turn=turn)
    return state, _advance(flow, state, ctx, Reply())


def upgraded(flow: Flow, state: State) -> State:
    """The state with answers saved by an earlier version of the flow mapped
    to today's steps (``Flow.upgrade``); what maps to nothing is dropped, and
    asked again. The same state when there is nothing to upgrade."""
    if flow.upgrade is None:
        return state
    answers, stash = flow.upgrade(dict(state.answers)), flow.upgrade(dict(state.stash))
    if answers == state.answers and stash == state.stash:
        return state
    known = {s.key for s in flow.expand({**stash, **answers})}
    copy = state.copy_for_update()
    copy.answers = {k: v for k, v in answers.items() if k in known}
    copy.stash = {k: v for k, v in stash.items() if k in known and k not in copy.answers}
    copy.skipped = [k for k in copy.skipped if k in known and k not in copy.answers]
    copy.history = [k for k in copy.history if k in copy.answers or k in copy.skipped]
    return copy


def handle(flow: Flow, state: State, event: Event, ctx: Context) -> tuple[State, Reply]:
    state = upgraded(flow, state).copy_for_update()
    if isinstance(event, Restart):
        return start(flow, ctx, turn=state.turn)
    if state.status == "declined":
        return state, Reply(notes=[msg("consent.declined_again")])
    if _ignored(flow, state, event):
        return state, Reply(ignored=True)
    if isinstance(event, Resume):  # the question again: an amount asked back stays asked
        return state, _advance(flow, state, ctx, Reply())
    unclear, state.period_unclear = state.period_unclear, {}
    partial, state.partial = state.partial, {}
    if isinstance(event, Back):
        return _back(flow, state, ctx)
    if isinstance(event, Edit):
        return _edit(flow, state, event.key, ctx)
    if isinstance(event, Deepen):
        return _deepen(flow, state, ctx)

    step = current_step(flow, state)
    if step is None:
        return state, Reply(notes=[msg("done.hint")])

    if isinstance(event, Skip):
        default = step.default_value(state.answers, ctx) if step.has_default else None
        keepable = _keepable(flow, state, step, ctx)
        if keepable and (event.keep or default is None or _problem(step, default, state.answers, ctx) is not None):
            # 保持: the earlier answer stands; so it does for 跳过 when the
            # default cannot be taken (none, or one its rules refuse).
            return _record(flow, state, step, state.stash[step.key], ctx, Reply())
        if default is None:
            # No default, or one that cannot be worked out from the answers so
            # far: refused, and nothing remembered is forgotten.
            state.period_unclear = {k: v for k, v in unclear.items() if k == step.key}
            state.partial = {k: v for k, v in partial.items() if k == step.key}
            return state, Reply(notes=[msg("error.no_default")], question=_question(flow, state, step, ctx))
        given = partial.get(step.key)
        if isinstance(given, dict) and isinstance(default, dict):
            # Part of a compound answer was given (存款60万): skipping takes the
            # default for the rest only, never throws away what was said.
            return _record(flow, state, step, {**default, **given}, ctx, Reply())
        return _record(flow, state, step, None, ctx, Reply(), skipped=True)

    try:
        parsed = read_answer(step, event.text, state.answers, ctx, unclear.get(step.key), partial.get(step.key))
    except parsing.ParseError as err:
        notes = [err.message]
        if isinstance(err, PeriodUnclear):
            state.period_unclear = {step.key: err.amount}
        if isinstance(err, Incomplete):
            if err.partial:
                state.partial = {step.key: err.partial}
            if err.so_far is not None:
                notes.insert(0, err.so_far)
        elif step.key in partial:  # refused for another reason: what was read stays read
            state.partial = {step.key: partial[step.key]}
        # The question is asked again with its example, so the note stays short.
        return state, Reply(notes=notes, question=_question(flow, state, step, ctx), rejected=True)
    reply = Reply(notes=[parsed.note] if parsed.note else [])
    return _record(flow, state, step, parsed.value, ctx, reply)


def _stale(event: Event, state: State) -> bool:
    """A button from an earlier copy of a question (its turn is past)."""
    turn = getattr(event, "turn", None)
    return turn is not None and turn != state.turn


def _ignored(flow: Flow, state: State, event: Event) -> bool:
    """A button that no longer acts: from an earlier copy of a question, or
    naming a step that is not the one asked now (a second tap)."""
    if _stale(event, state):
        return True
    pressed = getattr(event, "step", None)
    if pressed is None or not isinstance(event, Back | Answer | Skip):
        return False
    return pressed != getattr(current_step(flow, state), "key", None)


def _record(flow: Flow, state: State, step: Step, value: Any, ctx: Context, reply: Reply,
            skipped: bool = False) -> tuple[State, Reply]:
    if flow.consent_key and step.key == flow.consent_key and value is False:
        # Declining ends politely and keeps nothing.
        return State(flow=flow.name, status="declined"), Reply(notes=[msg("consent.declined")])
    earlier = state.stash.get(step.key, state.answers.get(step.key))
    changed = _confirming(flow, step) and _changes(step, state, value, skipped, ctx)
    if skipped:
        state.answers.pop(step.key, None)
        state.skipped.append(step.key)
    else:
        state.answers[step.key] = value
    state.stash.pop(step.key, None)
    state.history = [k for k in state.history if k != step.key] + [step.key]
    if step.phase == "interview":
        state.summary_due = True
    if isinstance(earlier, list) and isinstance(value, list):
        _follow_items(flow, state, step.key, earlier, value)
    _prune(flow, state)
    if changed:
        _confirm(flow, state, ctx, reply, step)
    _recheck(flow, state, ctx, reply, step.key)
    return state, _advance(flow, state, ctx, reply)


def _follow_items(flow: Flow, state: State, key: str, old: list[Any], new: list[Any]) -> None:
    """The list answer ``key`` changed from ``old`` to ``new``: the answers,
    skips and stashed answers of the repeats it counts go with their item
    (each new item matched to the first unused old one of equal value, in
    order), not with their position. Those of an old item without a match
    are dropped; a new item without a match has none (asked, or its
    default taken at a depth where it is not asked)."""
    heads = tuple(f"{r.prefix}." for r in flow.repeats_counted_by(key))
    if not heads or old == new:
        return
    unused = list(range(len(old)))
    moves: dict[int, int] = {}  # old position → new position, from 1
    for j, item in enumerate(new, 1):
        i = next((i for i in unused if old[i] == item), None)
        if i is not None:
            unused.remove(i)
            moves[i + 1] = j

    def moved(k: str) -> str | None:
        for head in heads:
            n, dot, rest = k[len(head):].partition(".") if k.startswith(head) else ("", "", "")
            if n.isdigit() and dot:
                to = moves.get(int(n))
                return None if to is None else f"{head}{to}.{rest}"
        return k

    state.answers = {m: v for k, v in state.answers.items() if (m := moved(k)) is not None}
    state.stash = {m: v for k, v in state.stash.items() if (m := moved(k)) is not None}
    state.skipped = [m for k in state.skipped if (m := moved(k)) is not None]
    state.history = [m for k in state.history if (m := moved(k)) is not None]


def _confirming(flow: Flow, step: Step) -> bool:
    """Whether some step was given together with ``step`` (names it in its ``confirm_after``)."""
    return any(step.key in s.confirm_after for item in flow.items
               for s in (item.steps if isinstance(item, Repeat) else (item,)))


def _changes(step: Step, state: State, value: Any, skipped: bool, ctx: Context) -> bool:
    """Whether recording ``value`` (or the default, when skipped) changes
    what the step stood for: its earlier answer (being changed, in the
    stash) or, without one, its default."""
    new = step.default_value(state.answers, ctx) if skipped else value
    if step.key in state.stash:
        return state.stash[step.key] != new
    return not step.has_default or step.default_value(state.answers, ctx) != new


def _confirm(flow: Flow, state: State, ctx: Context, reply: Reply, changed: Step) -> None:
    """``changed`` changed: the answers given together with it (their step
    names it in ``confirm_after``) are taken back to the stash and asked
    again, offered as 保持, with a note saying why. One that breaks its rules
    now is left to the re-check, which says why; one not asked at this depth
    gives way to its default meanwhile (offered again when asked)."""
    asked = {s.key for s in applicable(flow, state.answers)}
    for step in applicable(flow, {**state.stash, **state.answers}, all_depths=True):
        if changed.key not in step.confirm_after or step.key == changed.key or step.key not in state.answers:
            continue
        if _problem(step, state.answers[step.key], state.answers, ctx) is not None:
            continue
        state.stash[step.key] = state.answers.pop(step.key)
        state.history = [k for k in state.history if k != step.key]
        if step.phase == "interview":
            state.summary_due = True
        if step.key in asked:
            reply.notes.append(msg("recheck.confirm", changed=msg(changed.label_key, **changed.params),
                                   question=msg(step.label_key, **step.params)))


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
        # An answer being changed counts, as in _prune: a parent's age stays
        # (and is checked) while their count is re-asked.
        for step in applicable(flow, {**state.stash, **state.answers}, all_depths=True):
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
    return _conclude(flow, upgraded(flow, state), ctx)[0]


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
    state = upgraded(flow, state)
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
        items.append(EditItem(step.key, msg(step.label_key, **step.params), value,
                              msg(step.section) if step.section else None))
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
    if flow.depth_key in state.skipped:  # quick by 跳过 (its default) while being changed
        state.skipped.remove(flow.depth_key)
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
    10. An amount asked back as monthly or yearly, and a compound answer
       read in part, are remembered only for the step being asked.
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
    if set(state.period_unclear) - {getattr(step, "key", None)}:
        out.append(f"an amount asked back for another step: {state.period_unclear}")
    if set(state.partial) - {getattr(step, "key", None)}:
        out.append(f"an answer read in part for another step: {state.partial}")
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

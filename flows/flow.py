"""Flows declared as data.

A flow is an ordered tuple of ``Step`` and ``Repeat`` items. A ``Repeat``
stands for one group of steps per child, per parent, …: it is expanded into
concrete steps (``child.2.education``) from the answer to its count step (a
whole number, or a list whose length counts; a list's items may be named in
the copies' wording: 「5岁的孩子」). Like a Rasa form, a step is a
required slot with one validator; the engine asks the first applicable slot
that is still empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from .assumptions import Assumptions
from .messages import Msg

# "ages": several ages in one answer (list[int]); "amounts": one amount of
# money per name in ``Step.parts`` in one answer (dict[str, int]).
Kind = Literal["whole", "money", "choice", "ranking", "date", "yes_no", "text", "phone", "ages", "amounts", "note"]
Phase = Literal["interview", "closing"]
Answers = Mapping[str, Any]


@dataclass(frozen=True)
class Context:
    """What the core needs from the outside, handed in so it stays pure."""

    today: date
    assumptions: Assumptions
    # Translates a choice label so typed answers ("已婚") can match options.
    label: Callable[[Msg], str] = lambda m: m.key


Condition = Callable[[Answers], bool]
# In a repeat the function also gets the unit's params (n=2 for the second child).
DefaultFn = Callable[..., Any]
Check = Callable[[Any, Answers, Context], Msg | None]
# Whether a yearly amount typed without 每月/每年 may well be a monthly one,
# given the other answers (it is then asked back).
Plausibility = Callable[[int, Answers], bool]


@dataclass(frozen=True)
class Step:
    key: str
    prompt: str  # gettext message id; see ``prompts`` for wording that follows the answers
    kind: Kind
    section: str = ""
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()  # option ids; labels are "choice.<id>"
    labels: dict[str, str] = field(default_factory=dict)  # option id -> message id, where not "choice.<id>"
    # A constant, or a function of earlier answers (and of the unit's params, n,
    # in a repeat); None: the step is required
    # (and asked at every depth). A function gives a value, never None, once
    # the required steps before it are answered (tests/test_engine_properties.py).
    default: Any | DefaultFn = None
    when: Condition | None = None
    quick: bool = False  # asked in the quick diagnosis too
    phase: Phase = "interview"
    period: Literal["year", "month"] | None = None  # for money
    hint: str | None = None  # gettext id of an example answer
    check: Check | None = None
    age: bool = False  # whole: an age, so 6个月 / 半岁 / 刚出生 read as 0
    strict: bool = False  # yes_no: only an unambiguous yes counts (consent)
    # money/whole: the name of a list of answers in words that only make sense
    # here (parsing.STEP_WORDS: "home_loan" 租房 → 0, "school_end" 大学毕业 → 22).
    words: str | None = None
    # money/whole: who or what the number is about (parsing.ABOUT_WORDS: "self",
    # "spouse", "family", "life_cover", "ci_cover"); an answer naming another is asked back.
    about: str | None = None
    params: dict[str, Any] = field(default_factory=dict)  # e.g. {"n": 2} in a repeat
    label: str = ""  # short name for menus and the summary; default "label.<key>"
    # Wordings that fit the answers: the first (condition, message id) whose
    # condition holds replaces ``prompt`` (no children's wording to a childless client).
    prompts: tuple[tuple[Condition, str], ...] = ()
    parts: tuple[str, ...] = ()  # amounts: the names of the amounts asked together
    # money, yearly: an amount typed without a period for which this holds is
    # asked back (每月还是每年?) rather than taken as yearly.
    maybe_monthly: Plausibility | None = None
    # The answers this one was given together with (family income with the
    # marital status and the incomes): when one of them changes, this answer,
    # if it still passes its check, is taken back and asked again with 保持
    # (one that fails is taken back by the re-check, which says why).
    confirm_after: tuple[str, ...] = ()

    @property
    def label_key(self) -> str:
        return self.label or f"label.{self.key}"

    def prompt_for(self, answers: Answers) -> str:
        return next((key for holds, key in self.prompts if holds(answers)), self.prompt)

    def default_value(self, answers: Answers, ctx: Context) -> Any:
        return self.default(answers, ctx, **self.params) if callable(self.default) else self.default

    @property
    def has_default(self) -> bool:
        return self.default is not None


@dataclass(frozen=True)
class Repeat:
    """One copy of ``steps`` per unit counted by the answer to ``count_key``
    (a whole number, or a list: one unit per item)."""

    prefix: str
    count_key: str
    steps: tuple[Step, ...]
    # Appended to the prompt and label ids of the copies when there is exactly
    # one unit: "孩子的教育金", not "第1个孩子的教育金".
    single_suffix: str = ""
    # A list count: the name under which each copy's params carry its item
    # (the child's age: 「5岁孩子的教育金」; items must be hashable); "" for
    # none. Whatever the list, the copies' answers follow their item when it
    # is changed (engine), not their position.
    item_param: str = ""
    # Appended to the prompt and label ids of a copy whose item equals another
    # one's (twins: both 4): its params carry ``k``, which of the equal items
    # it is ("第2个4岁的孩子").
    same_suffix: str = ""


def unit_count(value: Any) -> int:
    """How many units a count answer counts: a list's length, or the number."""
    return len(value) if isinstance(value, list | tuple) else int(value or 0)


Item = Step | Repeat


@dataclass(frozen=True)
class Report:
    """How a flow's outcome is shown and kept. The shell (presenter, driver,
    storage) asks these and never reads an outcome itself; ``outcome`` is
    whatever the flow's ``conclude`` returns."""

    # The result on one screen.
    card: Callable[[Any], list[Msg]]
    # The breakdown's section ids, in the rows of the section picker (a
    # button's label is the message "detail.section.<id>").
    sections: tuple[tuple[str, ...], ...]
    # One section's breakdown as blocks (a block is never split between two messages).
    detail: Callable[[Any, str], list[list[Msg]]]
    # The whole breakdown, as blocks.
    full: Callable[[Any], list[list[Msg]]]
    # Whether the card offers the fuller interview (a deepen).
    offers_deepen: Callable[[Any], bool]
    # The outcome's figures as JSON-ready data, kept with the interview.
    figures: Callable[[Any], dict[str, Any]]
    # A short fingerprint of the figures, carried by the card's detail
    # buttons: a press on an old card can tell that the result has changed.
    fingerprint: Callable[[Any], str]
    # The whole breakdown as someone else reads it (an advisor, about their
    # lead): without the lines that speak to the client. None: ``full``.
    shared: Callable[[Any], list[list[Msg]]] | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    items: tuple[Item, ...]
    # The step whose "no" ends the flow and keeps nothing.
    consent_key: str | None = None
    # The step choosing quick or full depth; at quick depth only quick steps,
    # and steps with no default, are asked (every other step takes its default).
    # Until it is answered full (a deepen), the depth is quick.
    depth_key: str | None = None
    full_depth: str = "full"
    # Turns the resolved answers (and the keys that took defaults) into the
    # flow's outcome once the interview part is complete.
    conclude: Callable[[dict[str, Any], list[str], Context], Any] | None = None
    # Maps answers saved by an earlier version of the flow to today's steps
    # (the engine applies it to every state it is given), so an interview in
    # progress, or a finished one's result, survives a new version.
    upgrade: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # How the outcome is shown (the card, the detail) and kept; None: the
    # flow's outcome has no card (its notes are still said).
    report: Report | None = None
    # The steps the shell's features may read, by the fact they hold (e.g.
    # "contact_ok": the client agreed to be contacted; "phone", "name",
    # "birth_date", "greetings", "birthday_calendar"): the shell names facts,
    # never a flow's step keys.
    facts: Mapping[str, str] = field(default_factory=dict)

    def fact(self, answers: Mapping[str, Any], name: str, default: Any = None) -> Any:
        """The answer holding this fact (``default`` when the flow has no
        such step or it is not answered)."""
        key = self.facts.get(name)
        return answers.get(key, default) if key is not None else default

    @property
    def repeats(self) -> tuple[Repeat, ...]:
        found = self.__dict__.get("_repeats")
        if found is None:  # computed once per flow (the dataclass is frozen)
            found = self.__dict__["_repeats"] = tuple(i for i in self.items if isinstance(i, Repeat))
        return found

    def repeats_counted_by(self, key: str) -> tuple[Repeat, ...]:
        return tuple(r for r in self.repeats if r.count_key == key)

    def expand(self, answers: Answers) -> tuple[Step, ...]:
        """The concrete steps for these answers, in order, conditions not yet applied."""
        units = tuple([_units(r, answers.get(r.count_key)) for r in self.repeats])
        # Per flow, by repeat counts (by the items where the copies' params
        # name them): a hot path. Bounded, since items make many keys.
        cache = self.__dict__.setdefault("_expanded", {})
        if units not in cache:
            if len(cache) >= EXPAND_CACHE_SIZE:
                cache.clear()
            cache[units] = self._expand(units)
        return cache[units]

    def _expand(self, units: tuple[int | tuple[Any, ...], ...]) -> tuple[Step, ...]:
        out: list[Step] = []
        repeat_units = iter(units)
        for item in self.items:
            if isinstance(item, Step):
                out.append(item)
                continue
            these = next(repeat_units)
            items = these if isinstance(these, tuple) else None
            count = len(these) if isinstance(these, tuple) else these
            for n in range(1, count + 1):
                suffix, params = item.single_suffix if count == 1 else "", {"n": n}
                if items is not None:
                    params[item.item_param] = items[n - 1]
                    if items.count(items[n - 1]) > 1:
                        suffix, params["k"] = item.same_suffix, items[:n].count(items[n - 1])
                for step in item.steps:
                    out.append(replace(step, key=f"{item.prefix}.{n}.{step.key}", params={**step.params, **params},
                                       prompt=step.prompt + suffix,
                                       label=(step.label or f"label.{item.prefix}.{step.key}") + suffix))
        return tuple(out)


EXPAND_CACHE_SIZE = 1024


def _units(repeat: Repeat, value: Any) -> int | tuple[Any, ...]:
    """What a repeat's copies depend on: their count, or the items of a list
    count when the copies' params name them."""
    if repeat.item_param and isinstance(value, list | tuple):
        return tuple(value)
    return unit_count(value)

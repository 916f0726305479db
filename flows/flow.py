"""Flows declared as data.

A flow is an ordered tuple of ``Step`` and ``Repeat`` items. A ``Repeat``
stands for one group of steps per child, per parent, …: it is expanded into
concrete steps (``child.2.age``) from the answer to its count step. Like a
Rasa form, a step is a required slot with one validator; the engine asks the
first applicable slot that is still empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from .assumptions import Assumptions
from .messages import Msg

Kind = Literal["whole", "money", "choice", "ranking", "date", "yes_no", "text"]
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
DefaultFn = Callable[[Answers, Context], Any]
Check = Callable[[Any, Answers, Context], Msg | None]


@dataclass(frozen=True)
class Step:
    key: str
    prompt: str  # gettext message id
    kind: Kind
    section: str = ""
    min: int | None = None
    max: int | None = None
    choices: tuple[str, ...] = ()  # option ids; labels are "choice.<id>"
    labels: dict[str, str] = field(default_factory=dict)  # option id -> message id, where not "choice.<id>"
    # A constant, or a function of earlier answers; None: the step is required
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

    @property
    def label_key(self) -> str:
        return self.label or f"label.{self.key}"

    def default_value(self, answers: Answers, ctx: Context) -> Any:
        return self.default(answers, ctx) if callable(self.default) else self.default

    @property
    def has_default(self) -> bool:
        return self.default is not None


@dataclass(frozen=True)
class Repeat:
    """One copy of ``steps`` per unit counted by the answer to ``count_key``."""

    prefix: str
    count_key: str
    steps: tuple[Step, ...]


Item = Step | Repeat


@dataclass(frozen=True)
class Flow:
    name: str
    items: tuple[Item, ...]
    # The step whose "no" ends the flow and keeps nothing.
    consent_key: str | None = None
    # The step choosing quick or full depth; at quick depth only quick steps,
    # and steps with no default, are asked (every other step takes its default).
    depth_key: str | None = None
    full_depth: str = "full"
    # Turns the resolved answers (and the keys that took defaults) into the
    # flow's outcome once the interview part is complete.
    conclude: Callable[[dict[str, Any], list[str], Context], Any] | None = None

    def expand(self, answers: Answers) -> tuple[Step, ...]:
        """The concrete steps for these answers, in order, conditions not yet applied."""
        keys = self.__dict__.get("_count_keys")
        if keys is None:  # computed once per flow (the dataclass is frozen)
            keys = self.__dict__["_count_keys"] = tuple(i.count_key for i in self.items if isinstance(i, Repeat))
        counts = tuple([int(answers.get(k) or 0) for k in keys])
        cache = self.__dict__.setdefault("_expanded", {})  # per flow, by repeat counts: a hot path
        if counts not in cache:
            cache[counts] = self._expand(counts)
        return cache[counts]

    def _expand(self, counts: tuple[int, ...]) -> tuple[Step, ...]:
        out: list[Step] = []
        repeat_counts = iter(counts)
        for item in self.items:
            if isinstance(item, Step):
                out.append(item)
                continue
            count = next(repeat_counts)
            for n in range(1, count + 1):
                for step in item.steps:
                    out.append(replace(step, key=f"{item.prefix}.{n}.{step.key}", params={**step.params, "n": n},
                                       label=step.label or f"label.{item.prefix}.{step.key}"))
        return tuple(out)

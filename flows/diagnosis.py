"""The diagnosis interview (domain.md steps 0 and 5.1–5.8) declared as data,
and how its answers become a ``Profile`` and a ``Diagnosis``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import calc
from .engine import State, applicable, describe
from .engine import invariant_violations as _engine_invariants
from .flow import Answers, Context, Flow, Repeat, Step
from .messages import Money, Msg, msg

YI = 100_000_000
MAX_YEARLY = 10 * YI  # a yearly income or expense above 10亿 is a typo
MAX_ASSET = 1000 * YI
MAX_MONTHLY = YI // 10


def _age(answers: Answers, ctx: Context) -> int | None:
    birth = answers.get("birth_date")
    return calc.age_on(date.fromisoformat(birth), ctx.today) if birth else None


def _married(answers: Answers) -> bool:
    return answers.get("marital") == "married"


def _has_children(answers: Answers) -> bool:
    return (answers.get("children_count") or 0) > 0


def _wants_greetings(answers: Answers) -> bool:
    return answers.get("greetings_ok") is True


# --- checks across answers ---------------------------------------------------


def _check_birth(value: date, answers: Answers, ctx: Context) -> Msg | None:
    if value > ctx.today:
        return msg("error.birth_future")
    age = calc.age_on(value, ctx.today)
    if not 18 <= age <= 100:
        return msg("error.client_age", age=age)
    return None


def _check_family_income(value: int, answers: Answers, ctx: Context) -> Msg | None:
    """The family's income includes the client's and (when married) the
    spouse's: at least their sum. The spouse's income counts when answered
    or defaulted (its default is 0); after "single" it no longer applies."""
    own = answers.get("income") or 0
    spouse = (answers.get("spouse_income") or 0) if _married(answers) else 0
    if value < own + spouse:
        if spouse:
            return msg("error.family_below_both", min=Money(own + spouse, per="year"))
        return msg("error.family_below_own")
    return None


GENERATION_GAP = 14  # years at least between a parent and their child


def _check_child_age(value: int, answers: Answers, ctx: Context) -> Msg | None:
    age = _age(answers, ctx)
    if age is not None and value > age - GENERATION_GAP:
        return msg("error.child_age", age=age, max=age - GENERATION_GAP)
    return None


def _check_parent_age(value: int, answers: Answers, ctx: Context) -> Msg | None:
    age = _age(answers, ctx)
    if age is not None and value < age + GENERATION_GAP:
        return msg("error.parent_age", age=age, min=age + GENERATION_GAP)
    return None


# --- defaults that follow from earlier answers --------------------------------


def _default_spouse_age(answers: Answers, ctx: Context) -> int | None:
    return _age(answers, ctx)


def _default_family_income(answers: Answers, ctx: Context) -> int:
    return (answers.get("income") or 0) + (answers.get("spouse_income") or 0)


def _default_support_years(answers: Answers, ctx: Context) -> int:
    end_age = answers.get("support_end_age") or ctx.assumptions.child_support_end_age
    a = ctx.assumptions.model_copy(update={"child_support_end_age": end_age})
    children = tuple(calc.Child(age=answers.get(f"child.{n}.age", 0)) for n in range(1, (answers.get("children_count") or 0) + 1))
    parents = tuple(calc.Parent(age=0) for _ in range(answers.get("parents_count") or 0))
    profile = calc.Profile(age=0, married=_married(answers), income=calc.ZERO, family_income=calc.ZERO,
                           living_expenses=calc.ZERO, children=children, parents=parents)
    return calc.support_years(profile, a)[0]


def _default_retirement_spending(answers: Answers, ctx: Context) -> int:
    monthly = Decimal(answers.get("living_expenses") or 0) / 12 * ctx.assumptions.retirement_spending_ratio
    return int((monthly / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100  # to the hundred: an estimate


# --- the steps ---------------------------------------------------------------

S_START, S_PERSON, S_FAMILY, S_NEEDS, S_HAVE, S_RANK, S_BUDGET, S_NEXT = (
    "section.start", "section.person", "section.family", "section.needs",
    "section.have", "section.rank", "section.budget", "section.next",
)
PRIORITY_CHOICES = calc.PRIORITIES

# --- from answers to the diagnosis -------------------------------------------


# Answers whose default changes no figure: left out of the summary's list of
# assumptions (a ratio that needs one of them is simply not shown).
NOT_IN_FIGURES = frozenset({"name", "gender", "spouse_age", "social_medical", "million_medical", "debt_payment", "other_assets"})


@dataclass(frozen=True)
class Outcome:
    profile: calc.Profile
    diagnosis: calc.Diagnosis
    assumptions: Any  # the Assumptions actually used (the client's support end age included)
    assumed: tuple[tuple[str, Msg, Msg], ...]  # (step key, question, value taken) for defaults
    name: str
    quick: bool


def _money(values: dict[str, Any], key: str) -> Decimal:
    return Decimal(values.get(key) or 0)


def build_profile(values: dict[str, Any], assumed: list[str], ctx: Context) -> calc.Profile:
    children = tuple(
        calc.Child(age=values[f"child.{n}.age"], education=_money(values, f"child.{n}.education"))
        for n in range(1, (values.get("children_count") or 0) + 1)
    )
    parents = tuple(
        calc.Parent(age=values[f"parent.{n}.age"], yearly_support=_money(values, f"parent.{n}.support"))
        for n in range(1, (values.get("parents_count") or 0) + 1)
    )
    return calc.Profile(
        age=_age(values, ctx) or 0,
        married=_married(values),
        income=_money(values, "income"),
        family_income=_money(values, "family_income"),
        living_expenses=_money(values, "living_expenses"),
        mortgage=_money(values, "mortgage"),
        other_debts=_money(values, "other_debts"),
        monthly_debt_payment=None if "debt_payment" in assumed else _money(values, "debt_payment"),
        children=children,
        parents=parents,
        support_years=None if "support_years" in assumed else values["support_years"],
        retirement_age=values["retirement_age"],
        retirement_monthly_spending=_money(values, "retirement_spending"),
        monthly_pension=_money(values, "pension"),
        savings=_money(values, "savings"),
        other_assets=None if "other_assets" in assumed else _money(values, "other_assets"),
        life_cover=_money(values, "life_cover"),
        ci_cover=_money(values, "ci_cover"),
        social_medical=None if "social_medical" in assumed else values.get("social_medical"),
        million_medical=None if "million_medical" in assumed else values.get("million_medical"),
        retirement_savings=_money(values, "retirement_savings"),
        priorities=tuple(values.get("priorities") or PRIORITY_CHOICES),
        budget=None if values.get("budget") is None else Decimal(values["budget"]),
    )


def conclude(values: dict[str, Any], assumed: list[str], ctx: Context) -> Outcome:
    a = ctx.assumptions
    if values.get("support_end_age") is not None:
        a = a.model_copy(update={"child_support_end_age": values["support_end_age"]})
    profile = build_profile(values, assumed, ctx)
    steps = {s.key: s for s in applicable(DIAGNOSIS, values, all_depths=True)}
    shown = tuple(
        (key, msg(steps[key].label_key, **steps[key].params), describe(steps[key], values[key]))
        for key in assumed
        if key in steps and key not in NOT_IN_FIGURES
    )
    return Outcome(
        profile=profile,
        diagnosis=calc.diagnose(profile, a),
        assumptions=a,
        assumed=shown,
        name=values.get("name") or "",
        quick=values.get("depth") != "full",
    )


DIAGNOSIS = Flow(
    name="diagnosis",
    consent_key="consent",
    depth_key="depth",
    conclude=conclude,
    items=(
        # 0 同意
        Step("consent", "ask.consent", "yes_no", S_START, quick=True, strict=True,
             labels={"yes": "consent.yes", "no": "consent.no"}),
        Step("depth", "ask.depth", "choice", S_START, choices=("quick", "full"), quick=True),
        # 5.1 个人信息
        Step("name", "ask.name", "text", S_PERSON, default=""),
        Step("birth_date", "ask.birth_date", "date", S_PERSON, quick=True, hint="hint.date", check=_check_birth),
        Step("gender", "ask.gender", "choice", S_PERSON, choices=("male", "female", "unspecified"), default="unspecified"),
        Step("marital", "ask.marital", "choice", S_PERSON, choices=("single", "married", "divorced", "widowed"), quick=True),
        Step("spouse_age", "ask.spouse_age", "whole", S_PERSON, min=16, max=110, age=True, when=_married,
             default=_default_spouse_age, hint="hint.age", about="spouse"),
        Step("spouse_income", "ask.spouse_income", "money", S_PERSON, min=0, max=MAX_YEARLY, when=_married,
             default=0, quick=True, period="year", hint="hint.money_year", words="no_job", about="spouse"),
        # 5.2 抚养/赡养关系
        Step("children_count", "ask.children_count", "whole", S_FAMILY, min=0, max=10, default=0, quick=True,
             words="children"),
        Repeat("child", "children_count", (
            Step("age", "ask.child_age", "whole", S_FAMILY, min=0, max=50, quick=True, age=True, check=_check_child_age),
        )),
        Step("support_end_age", "ask.support_end_age", "whole", S_FAMILY, min=14, max=30, when=_has_children,
             default=lambda a, ctx: ctx.assumptions.child_support_end_age, words="school_end"),
        Step("parents_count", "ask.parents_count", "whole", S_FAMILY, min=0, max=4, default=0),
        Repeat("parent", "parents_count", (
            # No default: asked at quick depth too when a parent was counted.
            Step("age", "ask.parent_age", "whole", S_FAMILY, min=30, max=115, age=True, check=_check_parent_age),
            Step("support", "ask.parent_support", "money", S_FAMILY, min=0, max=MAX_YEARLY, default=0,
                 period="year", hint="hint.money_year"),
        )),
        # 5.3 保险需求分析
        Step("income", "ask.income", "money", S_NEEDS, min=0, max=MAX_YEARLY, quick=True, period="year",
             hint="hint.money_year", words="no_job", about="self"),
        Step("family_income", "ask.family_income", "money", S_NEEDS, min=0, max=MAX_YEARLY, period="year",
             default=_default_family_income, check=_check_family_income, hint="hint.money_year", about="family"),
        Step("living_expenses", "ask.living_expenses", "money", S_NEEDS, min=1000, max=MAX_YEARLY, quick=True,
             period="year", hint="hint.money_year"),
        Step("mortgage", "ask.mortgage", "money", S_NEEDS, min=0, max=MAX_ASSET, default=0, quick=True,
             hint="hint.money", words="home_loan"),
        Step("other_debts", "ask.other_debts", "money", S_NEEDS, min=0, max=MAX_ASSET, default=0, hint="hint.money"),
        Step("debt_payment", "ask.debt_payment", "money", S_NEEDS, min=0, max=MAX_MONTHLY, default=0,
             period="month", hint="hint.money_month"),
        Repeat("child", "children_count", (
            Step("education", "ask.child_education", "money", S_NEEDS, min=0, max=MAX_ASSET, default=0,
                 hint="hint.money"),
        )),
        Step("support_years", "ask.support_years", "whole", S_NEEDS, min=0, max=60, default=_default_support_years),
        Step("retirement_age", "ask.retirement_age", "whole", S_NEEDS, min=40, max=80,
             default=lambda a, ctx: ctx.assumptions.retirement_age, words="retired", about="self"),
        Step("retirement_spending", "ask.retirement_spending", "money", S_NEEDS, min=0, max=MAX_MONTHLY,
             period="month", default=_default_retirement_spending, hint="hint.money_month"),
        Step("pension", "ask.pension", "money", S_NEEDS, min=0, max=MAX_MONTHLY, period="month", default=0,
             hint="hint.money_month"),
        # 5.4 已备费用的扣减
        Step("savings", "ask.savings", "money", S_HAVE, min=0, max=MAX_ASSET, default=0, quick=True, hint="hint.money"),
        Step("other_assets", "ask.other_assets", "money", S_HAVE, min=0, max=MAX_ASSET, default=0, hint="hint.money"),
        Step("life_cover", "ask.life_cover", "money", S_HAVE, min=0, max=MAX_ASSET, default=0, quick=True,
             hint="hint.money", about="life_cover"),
        Step("ci_cover", "ask.ci_cover", "money", S_HAVE, min=0, max=MAX_ASSET, default=0, quick=True, hint="hint.money",
             about="ci_cover"),
        Step("social_medical", "ask.social_medical", "yes_no", S_HAVE, default=False),
        Step("million_medical", "ask.million_medical", "yes_no", S_HAVE, default=False),
        Step("retirement_savings", "ask.retirement_savings", "money", S_HAVE, min=0, max=MAX_ASSET, default=0,
             hint="hint.money"),
        # 5.6 重要性排序
        Step("priorities", "ask.priorities", "ranking", S_RANK, choices=PRIORITY_CHOICES, default=list(PRIORITY_CHOICES),
             hint="hint.ranking"),
        # 5.7 了解客户预算
        Step("budget", "ask.budget", "money", S_BUDGET, min=0, max=MAX_YEARLY, quick=True, period="year",
             hint="hint.money_year"),
        # 5.5 / 5.8 行动建议 / 结束语: after the summary
        Step("contact_ok", "ask.contact_ok", "yes_no", S_NEXT, quick=True, phase="closing", default=False),
        Step("greetings_ok", "ask.greetings_ok", "yes_no", S_NEXT, quick=True, phase="closing", default=False),
        Step("birthday_calendar", "ask.birthday_calendar", "choice", S_NEXT, choices=("solar", "lunar"), quick=True,
             phase="closing", when=_wants_greetings, default="solar"),
    ),
)


def invariant_violations(state: State, ctx: Context) -> list[str]:
    """The rules every reachable state of the diagnosis keeps (see
    ``engine.invariant_violations``). Its cross-answer rules are the checks
    declared on its steps, written once there: family income ≥ own income +
    the spouse's income when married, answered or by default
    (``_check_family_income``; an edit of either asks it again); each child at most the client's age − 14
    (``_check_child_age``) and each parent at least the client's age + 14
    (``_check_parent_age``); the client 18–100 (``_check_birth``); the
    spouse's age plausible (its bounds, 16–110). Counts match their repeat
    groups, no answer for a step that does not apply, skipped ⊆ applicable,
    history ⊆ answered ∪ skipped, and every value a result needs is an answer
    or a default."""
    return _engine_invariants(DIAGNOSIS, state, ctx)

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
    return bool(answers.get("children"))


def _parents_counted(answers: Answers) -> bool:
    return (answers.get("parents_count") or 0) > 0


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


def _check_children_ages(ages: list[int], answers: Answers, ctx: Context) -> Msg | None:
    age = _age(answers, ctx)
    if age is not None and any(child > age - GENERATION_GAP for child in ages):
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


def _support_end_age(answers: Answers, ctx: Context) -> int:
    return answers.get("support_end_age") or ctx.assumptions.child_support_end_age


def _default_support_years(answers: Answers, ctx: Context) -> int:
    a = ctx.assumptions.model_copy(update={"child_support_end_age": _support_end_age(answers, ctx)})
    children = tuple(calc.Child(age=age) for age in answers.get("children") or ())
    parents = tuple(calc.Parent(age=0) for _ in range(answers.get("parents_count") or 0))
    profile = calc.Profile(age=0, married=_married(answers), income=calc.ZERO, family_income=calc.ZERO,
                           living_expenses=calc.ZERO, children=children, parents=parents)
    return calc.support_years(profile, a)[0]


def _default_education(answers: Answers, ctx: Context, n: int, **_: Any) -> int:
    """The assumed education fund of the n-th child: the setting for a child
    still under the support-end age, nothing for one already past it."""
    ages = answers.get("children") or ()
    young = n <= len(ages) and ages[n - 1] < _support_end_age(answers, ctx)
    return int(ctx.assumptions.education_per_child) if young else 0


def _default_resources(answers: Answers, ctx: Context) -> dict[str, int]:
    return dict.fromkeys(RESOURCES, 0)


# --- amounts that may be monthly though a yearly one is asked -------------------

MONTHLY_LOOKING_INCOME = 30_000  # a yearly income below 3万 is more likely a month's pay
MONTHLY_LOOKING_SHARE = Decimal("0.2")  # yearly living costs below 20% of the income: likely a month's


def _may_be_monthly_income(value: int, answers: Answers) -> bool:
    return value < MONTHLY_LOOKING_INCOME


def _may_be_monthly_expenses(value: int, answers: Answers) -> bool:
    """A family's yearly living costs that would also fit as monthly ones:
    twelve times them is within the family income (own + spouse's while it
    is not yet known), and they are a small share of it (1.5万 on 60万)."""
    income = answers.get("family_income")
    if income is None:
        income = (answers.get("income") or 0) + ((answers.get("spouse_income") or 0) if _married(answers) else 0)
    return value * 12 <= income and value < income * MONTHLY_LOOKING_SHARE


def _default_retirement_spending(answers: Answers, ctx: Context) -> int:
    monthly = Decimal(answers.get("living_expenses") or 0) / 12 * ctx.assumptions.retirement_spending_ratio
    return int((monthly / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100  # to the hundred: an estimate


# --- the steps ---------------------------------------------------------------

S_START, S_PERSON, S_FAMILY, S_NEEDS, S_HAVE, S_RANK, S_BUDGET, S_NEXT = (
    "section.start", "section.person", "section.family", "section.needs",
    "section.have", "section.rank", "section.budget", "section.next",
)
PRIORITY_CHOICES = calc.PRIORITIES
RESOURCES = ("savings", "life_cover", "ci_cover")  # what the client already has, asked in one answer

# --- from answers to the diagnosis -------------------------------------------


# Answers whose default changes no figure: left out of the summary's list of
# assumptions (a ratio that needs one of them is simply not shown).
NOT_IN_FIGURES = frozenset({"depth", "name", "gender", "spouse_age", "social_medical", "million_medical", "debt_payment",
                            "other_assets"})


@dataclass(frozen=True)
class Outcome:
    profile: calc.Profile
    diagnosis: calc.Diagnosis
    assumptions: Any  # the Assumptions actually used (the client's support end age included)
    assumed: tuple[tuple[str, Msg, Msg], ...]  # (step key, question, value taken) for defaults
    name: str
    quick: bool


def _money(values: Answers, key: str) -> Decimal:
    return Decimal(values.get(key) or 0)


def build_profile(values: dict[str, Any], assumed: list[str], ctx: Context) -> calc.Profile:
    children = tuple(
        calc.Child(age=age, education=_money(values, f"child.{n}.education"))
        for n, age in enumerate(values.get("children") or (), 1)
    )
    resources = values.get("resources") or {}
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
        savings=_money(resources, "savings"),
        other_assets=None if "other_assets" in assumed else _money(values, "other_assets"),
        life_cover=_money(resources, "life_cover"),
        ci_cover=_money(resources, "ci_cover"),
        social_medical=None if "social_medical" in assumed else values.get("social_medical"),
        million_medical=None if "million_medical" in assumed else values.get("million_medical"),
        retirement_savings=_money(values, "retirement_savings"),
        priorities=tuple(values.get("priorities") or PRIORITY_CHOICES),
        ranked="priorities" not in assumed,
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


def upgrade_answers(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers saved before the children's ages and the existing resources
    were asked in one answer each, and before medical cover was two facts
    (2026-11): ``children_count`` + ``child.N.age`` → ``children``;
    ``savings`` + ``life_cover`` + ``ci_cover`` → ``resources`` (when all
    three were answered; otherwise it is asked again); ``has_medical`` (社保
    *or* 百万医疗) says neither fact for sure, so both are asked again."""
    if not {"children_count", "savings", "life_cover", "ci_cover", "has_medical"} & answers.keys():
        return answers
    out = dict(answers)
    if "children_count" in out:
        count = out.pop("children_count") or 0
        ages = [out.pop(f"child.{n}.age") for n in range(1, count + 1) if f"child.{n}.age" in out]
        if len(ages) == count and "children" not in out:
            out["children"] = ages
    for key in [k for k in out if k.startswith("child.") and k.endswith(".age")]:
        del out[key]
    old = {k: out.pop(k) for k in RESOURCES if k in out}
    if len(old) == len(RESOURCES) and "resources" not in out:
        out["resources"] = old
    out.pop("has_medical", None)
    return out


DIAGNOSIS = Flow(
    name="diagnosis",
    consent_key="consent",
    depth_key="depth",
    conclude=conclude,
    upgrade=upgrade_answers,
    # What the shell's features read (advisors' leads, greetings).
    facts={"contact_ok": "contact_ok", "contact_time": "contact_time", "phone": "contact_phone", "name": "name",
           "birth_date": "birth_date", "greetings": "greetings_ok", "birthday_calendar": "birthday_calendar"},
    items=(
        # 0 同意
        Step("consent", "ask.consent", "yes_no", S_START, quick=True, strict=True,
             labels={"yes": "consent.yes", "no": "consent.no"}),
        # Never asked at quick depth (its default); /deepen answers it "full".
        Step("depth", "ask.depth", "choice", S_START, choices=("quick", "full"), default="quick"),
        # 5.1 个人信息
        Step("name", "ask.name", "text", S_PERSON, default=""),
        Step("birth_date", "ask.birth_date", "date", S_PERSON, quick=True, hint="hint.date", check=_check_birth),
        Step("gender", "ask.gender", "choice", S_PERSON, choices=("male", "female", "unspecified"), default="unspecified"),
        Step("marital", "ask.marital", "choice", S_PERSON, choices=("single", "married", "divorced", "widowed"), quick=True),
        Step("spouse_age", "ask.spouse_age", "whole", S_PERSON, min=16, max=110, age=True, when=_married,
             default=_default_spouse_age, hint="hint.spouse_age", about="spouse"),
        Step("spouse_income", "ask.spouse_income", "money", S_PERSON, min=0, max=MAX_YEARLY, when=_married,
             default=0, quick=True, period="year", hint="hint.spouse_income", words="no_job", about="spouse",
             maybe_monthly=_may_be_monthly_income),
        # 5.2 抚养/赡养关系: every child's age in one answer
        Step("children", "ask.children", "ages", S_FAMILY, min=0, max=50, quick=True, check=_check_children_ages,
             hint="hint.children", labels={"none": "choice.no_children"}),
        Step("support_end_age", "ask.support_end_age", "whole", S_FAMILY, min=14, max=30, when=_has_children,
             default=lambda a, ctx: ctx.assumptions.child_support_end_age, words="school_end"),
        Step("parents_count", "ask.parents_count", "whole", S_FAMILY, min=0, max=4, default=0,
             prompts=((_married, "ask.parents_count.married"),)),
        Repeat("parent", "parents_count", (
            # No default: asked at quick depth too when a parent was counted.
            Step("age", "ask.parent_age", "whole", S_FAMILY, min=30, max=115, age=True, check=_check_parent_age,
                 hint="hint.parent_age"),
            Step("support", "ask.parent_support", "money", S_FAMILY, min=0, max=MAX_YEARLY, default=0,
                 period="year", hint="hint.parent_support", about="parent_support"),
        ), single_suffix=".one"),
        # 5.3 保险需求分析
        Step("income", "ask.income", "money", S_NEEDS, min=0, max=MAX_YEARLY, quick=True, period="year",
             hint="hint.income", words="no_job", about="self", maybe_monthly=_may_be_monthly_income),
        Step("family_income", "ask.family_income", "money", S_NEEDS, min=0, max=MAX_YEARLY, period="year",
             default=_default_family_income, check=_check_family_income, hint="hint.family_income", about="family",
             maybe_monthly=_may_be_monthly_income,
             # Given with them: a changed marital status or income asks it again (保持 offered);
             # an amount that now breaks its check is taken back by the re-check instead.
             confirm_after=("marital", "income", "spouse_income")),
        Step("living_expenses", "ask.living_expenses", "money", S_NEEDS, min=1000, max=MAX_YEARLY, quick=True,
             period="year", hint="hint.living_expenses", maybe_monthly=_may_be_monthly_expenses,
             about="living_expenses"),
        Step("mortgage", "ask.mortgage", "money", S_NEEDS, min=0, max=MAX_ASSET, default=0, quick=True,
             hint="hint.mortgage", words="home_loan"),
        Step("other_debts", "ask.other_debts", "money", S_NEEDS, min=0, max=MAX_ASSET, default=0,
             hint="hint.other_debts", about="other_debts"),
        Step("debt_payment", "ask.debt_payment", "money", S_NEEDS, min=0, max=MAX_MONTHLY, default=0,
             period="month", hint="hint.debt_payment", about="debt_payment"),
        Repeat("child", "children", (
            # Quick depth takes the assumed amount per young child (listed in the summary).
            Step("education", "ask.child_education", "money", S_NEEDS, min=0, max=MAX_ASSET,
                 default=_default_education, hint="hint.child_education", about="education"),
            # Each child named by their age (5岁的孩子); twins of one age by which of them.
        ), single_suffix=".one", item_param="age", same_suffix=".same"),
        Step("support_years", "ask.support_years", "whole", S_NEEDS, min=0, max=60, default=_default_support_years,
             prompts=((_has_children, "ask.support_years.children"),
                      (lambda a: _married(a) or _parents_counted(a), "ask.support_years.dependants")),
             hint="hint.support_years",
             # Answered for the family as it was: a change of who depends on
             # the client asks it again (保持 offered).
             confirm_after=("children", "marital", "parents_count", "support_end_age")),
        Step("retirement_age", "ask.retirement_age", "whole", S_NEEDS, min=40, max=80,
             default=lambda a, ctx: ctx.assumptions.retirement_age, words="retired", about="self",
             hint="hint.retirement_age"),
        Step("retirement_spending", "ask.retirement_spending", "money", S_NEEDS, min=0, max=MAX_MONTHLY,
             period="month", default=_default_retirement_spending, hint="hint.retirement_spending",
             about="retirement_spending"),
        Step("pension", "ask.pension", "money", S_NEEDS, min=0, max=MAX_MONTHLY, period="month", default=0,
             hint="hint.pension", about="pension"),
        # 5.4 已备费用的扣减: savings, life and critical-illness cover in one answer
        Step("resources", "ask.resources", "amounts", S_HAVE, min=0, max=MAX_ASSET, parts=RESOURCES, quick=True,
             default=_default_resources, hint="hint.resources", labels={"none": "choice.no_resources"}),
        Step("other_assets", "ask.other_assets", "money", S_HAVE, min=0, max=MAX_ASSET, default=0,
             hint="hint.other_assets", about="other_assets"),
        # Full depth only: unknown at quick depth, where the result recommends 百万医疗.
        Step("social_medical", "ask.social_medical", "yes_no", S_HAVE, default=False),
        Step("million_medical", "ask.million_medical", "yes_no", S_HAVE, default=False),
        Step("retirement_savings", "ask.retirement_savings", "money", S_HAVE, min=0, max=MAX_ASSET, default=0,
             hint="hint.retirement_savings", about="retirement_savings"),
        # 5.6 重要性排序
        Step("priorities", "ask.priorities", "ranking", S_RANK, choices=PRIORITY_CHOICES, default=list(PRIORITY_CHOICES),
             hint="hint.ranking"),
        # 5.7 了解客户预算 (0 is an answer: no budget yet)
        Step("budget", "ask.budget", "money", S_BUDGET, min=0, max=MAX_YEARLY, quick=True, period="year",
             hint="hint.budget", about="budget", words="no_budget"),
        # 5.5 / 5.8 行动建议 / 结束语: after the summary
        Step("contact_ok", "ask.contact_ok", "yes_no", S_NEXT, quick=True, phase="closing", default=False),
        # When the advisor may call, and a number to call (optional: 不留电话, the
        # default, keeps none; Telegram offers its share-contact button).
        Step("contact_time", "ask.contact_time", "choice", S_NEXT, choices=("weekday_day", "weekday_evening", "weekend"),
             quick=True, phase="closing", when=lambda a: a.get("contact_ok") is True),
        Step("contact_phone", "ask.contact_phone", "phone", S_NEXT, choices=("none",),
             labels={"none": "label.contact_phone_none"}, quick=True, phase="closing",
             when=lambda a: a.get("contact_ok") is True, default=""),
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
    (``_check_family_income``; a change of the marital status or of either
    income asks it again, ``Step.confirm_after``); each child at most the client's age − 14
    (``_check_children_ages``) and each parent at least the client's age + 14
    (``_check_parent_age``); the client 18–100 (``_check_birth``); the
    spouse's age plausible (its bounds, 16–110). Counts match their repeat
    groups, no answer for a step that does not apply, skipped ⊆ applicable,
    history ⊆ answered ∪ skipped, and every value a result needs is an answer
    or a default."""
    return _engine_invariants(DIAGNOSIS, state, ctx)

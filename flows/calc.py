"""The diagnosis calculations: C = A − B per risk, the four accounts, the
household ratios and the asset tier. Pure functions on plain data; money is
Decimal yuan, never float."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .assumptions import Assumptions

ZERO = Decimal(0)
PRIORITIES = ("income", "health", "education", "retirement", "legacy")


@dataclass(frozen=True)
class Child:
    age: int
    education: Decimal = ZERO


@dataclass(frozen=True)
class Parent:
    age: int
    yearly_support: Decimal = ZERO


@dataclass(frozen=True)
class Profile:
    """Everything the calculation needs, every field already resolved
    (answered or defaulted)."""

    age: int
    married: bool
    income: Decimal  # the client's own yearly after-tax income
    family_income: Decimal
    living_expenses: Decimal  # family, yearly
    mortgage: Decimal = ZERO
    other_debts: Decimal = ZERO
    monthly_debt_payment: Decimal | None = None  # None: not asked
    children: tuple[Child, ...] = ()
    parents: tuple[Parent, ...] = ()
    support_years: int | None = None  # None: derive from dependants
    retirement_age: int = 60
    retirement_monthly_spending: Decimal = ZERO
    monthly_pension: Decimal = ZERO
    savings: Decimal = ZERO  # cashable savings and investments
    other_assets: Decimal | None = None  # property etc.; None: not asked, so no solvency ratio
    life_cover: Decimal = ZERO
    ci_cover: Decimal = ZERO
    # Two facts (domain.md): social medical insurance (社保医疗) and a
    # 百万医疗 policy. None: not asked (quick depth).
    social_medical: bool | None = None
    million_medical: bool | None = None
    retirement_savings: Decimal = ZERO
    priorities: tuple[str, ...] = PRIORITIES
    ranked: bool = True  # the client ranked the concerns (False: the default order was taken)
    budget: Decimal | None = None


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: a label id, an amount, and the parameters
    that show how it was computed."""

    key: str
    amount: Decimal
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Gap:
    need: tuple[Line, ...]
    have: tuple[Line, ...]

    @property
    def a(self) -> Decimal:
        return sum((line.amount for line in self.need), ZERO)

    @property
    def b(self) -> Decimal:
        return sum((line.amount for line in self.have), ZERO)

    @property
    def c(self) -> Decimal:
        return max(ZERO, self.a - self.b)


@dataclass(frozen=True)
class Account:
    key: str  # income / health / annuity / wealth
    low: Decimal
    high: Decimal
    rate_low: Decimal | None = None
    rate_high: Decimal | None = None


@dataclass(frozen=True)
class Allotment:
    key: str
    recommended: Decimal  # the seed's amount for the account (its lower bound)
    allotted: Decimal
    needed: bool = True  # False: the account's risk has no gap, so it gets nothing


@dataclass(frozen=True)
class Ratio:
    key: str
    value: Decimal | None  # None: not computable (a zero denominator)
    reading: str  # low / ok / high / strong / weak ...


@dataclass(frozen=True)
class Diagnosis:
    support_years: int
    support_years_basis: str  # child / dependants / nobody / override
    life: Gap
    critical_illness: Gap
    medical_missing: bool  # no 百万医疗 confirmed: recommended first
    retirement: Gap
    retirement_years: int
    accounts: tuple[Account, ...]
    income_cover_low: Decimal
    income_cover_high: Decimal
    insurance_accounts_min: Decimal  # the seed's three insurance accounts together (lower bounds)
    budget: Decimal | None
    budget_fit: tuple[Allotment, ...]  # empty when the budget covers the three insurance accounts
    fit_order: tuple[str, ...]  # the order a short budget funds the insurance accounts in
    ratios: tuple[Ratio, ...]
    financial_assets: Decimal
    tier: int  # 1: <20万, 2: 20–100万, 3: 100–500万, 4: 500万+
    # The insurance accounts whose risk has a gap (see ``needed_accounts``),
    # and what they recommend together: the budget the gaps call for.
    needed_accounts: tuple[str, ...] = ("income", "health", "annuity")
    needed_accounts_min: Decimal = ZERO


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def yuan(value: Decimal) -> Decimal:
    """Round to whole yuan for display and storage of results."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def support_years(p: Profile, a: Assumptions) -> tuple[int, str]:
    if p.support_years is not None:
        return p.support_years, "override"
    young = [c.age for c in p.children if c.age < a.child_support_end_age]
    if young:
        return a.child_support_end_age - min(young), "child"
    if p.married or p.parents:
        return a.support_years_if_dependants, "dependants"
    return 0, "nobody"


def life_gap(p: Profile, a: Assumptions) -> tuple[Gap, int, str]:
    years, basis = support_years(p, a)
    need = [Line("life.living", p.living_expenses * years, {"yearly": p.living_expenses, "years": years})]
    need.append(Line("life.education", sum((c.education for c in p.children), ZERO), {"children": len(p.children)}))
    parents_total = ZERO
    parent_years = []
    for parent in p.parents:
        yrs = max(0, a.parent_support_until_age - parent.age)
        parent_years.append(yrs)
        parents_total += parent.yearly_support * yrs
    need.append(Line("life.parents", parents_total, {"years": parent_years, "count": len(p.parents)}))
    need.append(Line("life.mortgage", p.mortgage))
    need.append(Line("life.other_debts", p.other_debts))
    need.append(Line("life.final_expenses", a.final_expenses))
    have = (Line("have.savings", p.savings), Line("have.life_cover", p.life_cover))
    return Gap(tuple(need), have), years, basis


def critical_illness_gap(p: Profile, a: Assumptions) -> Gap:
    need = (
        Line("ci.treatment", a.ci_treatment),
        Line("ci.income_loss", p.income * a.ci_income_years, {"income": p.income, "years": a.ci_income_years}),
    )
    return Gap(need, (Line("have.ci_cover", p.ci_cover),))


def retirement_gap(p: Profile, a: Assumptions) -> tuple[Gap, int]:
    # Someone already past their retirement age needs the remaining years only.
    years = max(0, a.life_expectancy - max(p.retirement_age, p.age))
    monthly_gap = max(ZERO, p.retirement_monthly_spending - p.monthly_pension)
    need = (
        Line(
            "retire.need",
            monthly_gap * 12 * years,
            {"spending": p.retirement_monthly_spending, "pension": p.monthly_pension, "years": years},
        ),
    )
    return Gap(need, (Line("have.retirement_savings", p.retirement_savings),)), years


def four_accounts(p: Profile, a: Assumptions) -> tuple[Account, ...]:
    f = p.family_income
    annuity_rate = a.annuity_rate_young if p.age < a.annuity_age_threshold else a.annuity_rate_older
    income = Account("income", f * a.income_account_rate, f * a.income_account_rate, a.income_account_rate, a.income_account_rate)
    health = Account("health", f * a.health_account_rate_low, f * a.health_account_rate_high,
                     a.health_account_rate_low, a.health_account_rate_high)
    annuity = Account("annuity", f * annuity_rate, f * annuity_rate, annuity_rate, annuity_rate)
    wealth_amount = max(ZERO, f - p.living_expenses - (income.high + health.high + annuity.high))
    wealth = Account("wealth", wealth_amount, wealth_amount)
    return income, health, annuity, wealth


# Which account serves each concern the client ranks (5.6).
PRIORITY_ACCOUNT = {"income": "income", "legacy": "income", "health": "health",
                    "education": "annuity", "retirement": "annuity"}
INSURANCE_ACCOUNTS = ("income", "health", "annuity")


def fit_order(priorities: tuple[str, ...], medical_missing: bool = False) -> tuple[str, ...]:
    """The three insurance accounts in the order of the client's ranking; an
    account no ranked concern names comes after, in the seed's order. When
    百万医疗 is missing the health account comes first whatever the ranking,
    as it does in 先补什么 (domain.md: medical missing first)."""
    order: list[str] = ["health"] if medical_missing else []
    for concern in priorities:
        key = PRIORITY_ACCOUNT.get(concern)
        if key and key not in order:
            order.append(key)
    order += [key for key in INSURANCE_ACCOUNTS if key not in order]
    return tuple(order)


def needed_accounts(p: Profile, life: Gap, critical_illness: Gap, retirement: Gap,
                    medical_missing: bool) -> tuple[str, ...]:
    """The insurance accounts whose risk has a gap (domain.md, "From gaps to
    advice"): money in an account with nothing to cover buys nothing."""
    needed = []
    if life.c > 0:
        needed.append("income")
    if critical_illness.c > 0 or medical_missing:
        needed.append("health")
    if retirement.c > 0 or any(child.education > 0 for child in p.children):
        needed.append("annuity")  # the annuity account also holds the children's education annuity
    return tuple(needed)


def gap_order(life: Gap, critical_illness: Gap, retirement: Gap, medical_missing: bool) -> tuple[str, ...]:
    """The insurance accounts in the order of what to fill first when the
    client did not rank (the same order as the advice, 先补什么): the health
    account first when 百万医疗 is missing (cheap, and the base of health
    cover); then by the size of the gap each account covers; ties in the
    seed's order."""
    size = {"income": life.c, "health": critical_illness.c, "annuity": retirement.c}
    order = sorted(INSURANCE_ACCOUNTS, key=lambda key: (-size[key], INSURANCE_ACCOUNTS.index(key)))
    if medical_missing:
        order.remove("health")
        order.insert(0, "health")
    return tuple(order)


def fit_budget(budget: Decimal, accounts: tuple[Account, ...], order: tuple[str, ...],
               needed: tuple[str, ...] = INSURANCE_ACCOUNTS) -> tuple[Allotment, ...]:
    """Fund the three insurance accounts (at their lower amounts) in ``order``
    (the client's own ranking, or what to fill first) until the budget runs
    out. An account whose risk has no gap gets nothing; its share goes on to
    the next account."""
    by_key = {acc.key: acc for acc in accounts}
    left = budget
    fitted = []
    for key in order:
        want = by_key[key].low
        if key not in needed:
            fitted.append(Allotment(key, want, ZERO, needed=False))
            continue
        got = min(want, left)
        left -= got
        fitted.append(Allotment(key, want, got))
    return tuple(fitted)


def _ratio(num: Decimal, den: Decimal) -> Decimal | None:
    return None if den <= 0 else num / den


def household_ratios(p: Profile, a: Assumptions) -> tuple[Ratio, ...]:
    ratios = []
    liquidity = _ratio(p.savings * 12, p.living_expenses)  # months of spending; ×12 first keeps it exact
    ratios.append(Ratio("liquidity", liquidity, _band(liquidity, a.emergency_months_low, a.emergency_months_high)))
    yearly_debt = (p.monthly_debt_payment or ZERO) * 12
    saving = _ratio(p.family_income - p.living_expenses - yearly_debt, p.family_income)
    ratios.append(Ratio("saving", saving, "unknown" if saving is None else ("ok" if saving >= a.saving_ratio_target else "low")))
    if p.other_assets is not None:
        total_assets = p.savings + p.retirement_savings + p.other_assets
        solvency = _ratio(total_assets - p.mortgage - p.other_debts, total_assets)
        ratios.append(Ratio("solvency", solvency,
                            "unknown" if solvency is None else ("strong" if solvency > a.solvency_ratio_strong else "weak")))
    if p.monthly_debt_payment is not None:
        service = _ratio(p.monthly_debt_payment, p.family_income / 12)
        ratios.append(Ratio("debt_service", service,
                            "unknown" if service is None else ("ok" if service < a.debt_service_ratio_max else "high")))
    return tuple(ratios)


def _band(value: Decimal | None, low: int, high: int) -> str:
    if value is None:
        return "unknown"
    if value < low:
        return "low"
    return "ok" if value <= high else "high"


def asset_tier(financial_assets: Decimal, a: Assumptions) -> int:
    return 1 + sum(1 for bound in a.tier_bounds if financial_assets >= bound)


def diagnose(p: Profile, a: Assumptions) -> Diagnosis:
    life, years, basis = life_gap(p, a)
    critical_illness = critical_illness_gap(p, a)
    retirement, retirement_years = retirement_gap(p, a)
    medical_missing = p.million_medical is not True
    accounts = four_accounts(p, a)
    insurance_min = sum((acc.low for acc in accounts[:3]), ZERO)
    needed = needed_accounts(p, life, critical_illness, retirement, medical_missing)
    needed_min = sum((acc.low for acc in accounts[:3] if acc.key in needed), ZERO)
    order = (fit_order(p.priorities, medical_missing) if p.ranked
             else gap_order(life, critical_illness, retirement, medical_missing))
    fit: tuple[Allotment, ...] = ()
    if p.budget is not None and p.budget < insurance_min:
        fit = fit_budget(p.budget, accounts, order, needed)
    financial = p.savings + p.retirement_savings
    return Diagnosis(
        support_years=years,
        support_years_basis=basis,
        life=life,
        critical_illness=critical_illness,
        medical_missing=medical_missing,
        retirement=retirement,
        retirement_years=retirement_years,
        accounts=accounts,
        income_cover_low=p.family_income * a.income_cover_multiple_low,
        income_cover_high=p.family_income * a.income_cover_multiple_high,
        insurance_accounts_min=insurance_min,
        budget=p.budget,
        budget_fit=fit,
        fit_order=order,
        ratios=household_ratios(p, a),
        financial_assets=financial,
        tier=asset_tier(financial, a),
        needed_accounts=needed,
        needed_accounts_min=needed_min,
    )

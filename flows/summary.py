"""The client's summary as blocks of ``Msg`` lines: the gap per risk with its
breakdown, the four accounts, the ratios with a reading each, the assumptions
used and the next steps. The shell translates and joins them; a block is never
split across two chat messages."""

from __future__ import annotations

from decimal import Decimal

from .calc import ZERO, Gap, Line
from .diagnosis import Outcome
from .messages import Money, Msg, Number, Percent, msg

Block = list[Msg]


def _line(line: Line) -> Msg:
    return msg(f"sum.{line.key}", amount=Money(line.amount), **{k: _wrap(v) for k, v in line.detail.items()})


def _wrap(value):
    return Money(value) if isinstance(value, Decimal) else value


def _gap_lines(gap: Gap, skip_zero_needs: bool = True) -> Block:
    lines = [msg("sum.need_total", amount=Money(gap.a))]
    lines += [_line(x) for x in gap.need if not (skip_zero_needs and x.amount == ZERO)]
    lines.append(msg("sum.have_total", amount=Money(gap.b)))
    lines += [_line(x) for x in gap.have]
    lines.append(msg("sum.gap", a=Money(gap.a), b=Money(gap.b), c=Money(gap.c)))
    return lines


def life_block(o: Outcome) -> Block:
    d, a = o.diagnosis, o.assumptions
    block = [msg("sum.life.title")]
    basis = d.support_years_basis
    youngest = min((c.age for c in o.profile.children if c.age < a.child_support_end_age), default=None)
    block.append(msg(f"sum.life.years.{basis}", years=d.support_years, end=a.child_support_end_age,
                     youngest=youngest, default=a.support_years_if_dependants))
    block += _gap_lines(d.life)
    parents_line = next(x for x in d.life.need if x.key == "life.parents")
    for n, (parent, years) in enumerate(zip(o.profile.parents, parents_line.detail["years"], strict=True), 1):
        if parent.yearly_support:
            block.append(msg("sum.life.parent", n=n, support=Money(parent.yearly_support, per="year"), years=years,
                             age=parent.age, until=a.parent_support_until_age))
    return block


def critical_illness_block(o: Outcome) -> Block:
    d = o.diagnosis
    block = [msg("sum.ci.title")] + _gap_lines(d.critical_illness, skip_zero_needs=False)
    has = o.profile.million_medical
    block.append(msg("sum.medical.yes" if has else ("sum.medical.no" if has is False else "sum.medical.unknown")))
    return block


def retirement_block(o: Outcome) -> Block:
    d, p, a = o.diagnosis, o.profile, o.assumptions
    block = [msg("sum.retire.title")]
    if p.age > p.retirement_age:
        block.append(msg("sum.retire.years_retired", years=d.retirement_years, life=a.life_expectancy, age=p.age))
    else:
        block.append(msg("sum.retire.years", years=d.retirement_years, life=a.life_expectancy, age=p.retirement_age))
    if p.retirement_monthly_spending <= p.monthly_pension:
        block.append(msg("sum.retire.pension_covers", spending=Money(p.retirement_monthly_spending, per="month"),
                         pension=Money(p.monthly_pension, per="month")))
    block += _gap_lines(d.retirement, skip_zero_needs=False)
    return block


def accounts_block(o: Outcome) -> Block:
    d, p, a = o.diagnosis, o.profile, o.assumptions
    income, health, annuity, wealth = d.accounts
    block = [msg("sum.acc.title", income=Money(p.family_income, per="year"))]
    block.append(msg("sum.acc.income", amount=Money(income.low, per="year"), rate=Percent(income.rate_low),
                     low=Money(d.income_cover_low), high=Money(d.income_cover_high)))
    block.append(msg("sum.acc.health", low=Money(health.low, per="year"), high=Money(health.high, per="year"),
                     rate_low=Percent(health.rate_low), rate_high=Percent(health.rate_high)))
    block.append(msg("sum.acc.annuity.young" if p.age < a.annuity_age_threshold else "sum.acc.annuity.older",
                     amount=Money(annuity.low, per="year"), rate=Percent(annuity.rate_low),
                     age=a.annuity_age_threshold))
    block.append(msg("sum.acc.wealth", amount=Money(wealth.low, per="year"), expenses=Money(p.living_expenses)))
    if d.budget is None:
        return block
    block.append(msg("sum.budget", budget=Money(d.budget, per="year"), minimum=Money(d.insurance_accounts_min)))
    if d.budget_fit:
        block.append(msg("sum.budget.below"))
        for n, allot in enumerate(d.budget_fit, 1):
            block.append(msg("sum.budget.item", n=n, account=msg(f"account.{allot.key}"),
                             allotted=Money(allot.allotted), recommended=Money(allot.recommended)))
    else:
        block.append(msg("sum.budget.enough"))
    return block


def ratios_block(o: Outcome) -> Block:
    a = o.assumptions
    block = [msg("sum.ratio.title")]
    for ratio in o.diagnosis.ratios:
        if ratio.value is None:
            block.append(msg(f"sum.ratio.{ratio.key}.unknown"))
            continue
        shown = Number(ratio.value, 1) if ratio.key == "liquidity" else Percent(ratio.value)
        block.append(msg(f"sum.ratio.{ratio.key}.{ratio.reading}", value=shown,
                         low=a.emergency_months_low, high=a.emergency_months_high,
                         target=Percent(a.saving_ratio_target), strong=Percent(a.solvency_ratio_strong),
                         max=Percent(a.debt_service_ratio_max)))
    return block


def assumptions_block(o: Outcome) -> Block:
    a = o.assumptions
    block = [msg("sum.assume.title"),
             msg("sum.assume.method", end=a.child_support_end_age, parents=a.parent_support_until_age,
                 final=Money(a.final_expenses), treatment=Money(a.ci_treatment), years=a.ci_income_years,
                 life=a.life_expectancy)]
    if o.assumed:
        block.append(msg("sum.assume.defaults"))
        block += [msg("sum.assume.default", question=q, value=v) for _, q, v in o.assumed]
    return block


def next_block(o: Outcome) -> Block:
    block = [msg("sum.next.title"), msg("sum.next.proposal"), msg("sum.next.edit")]
    if o.quick:
        block.append(msg("sum.next.deepen"))
    return block


def summary_blocks(o: Outcome) -> list[Block]:
    header = [msg("sum.header.named" if o.name else "sum.header", name=o.name)]
    if o.quick:
        header.append(msg("sum.header.quick"))
    return [header, life_block(o), critical_illness_block(o), retirement_block(o), accounts_block(o),
            ratios_block(o), assumptions_block(o), next_block(o)]

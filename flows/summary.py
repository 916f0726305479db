"""The client's result as ``Msg`` lines, in two forms:

- the **card** (``card_lines``): one phone screen, at most ``CARD_MAX_LINES``
  lines — the three gaps with their meaning, medical cover, 先补什么 (the
  advice, ``flows.advice``) and the budget;
- the **detail** (``detail_blocks``): the full breakdown, section by
  section (寿险 / 重疾 / 养老 / 四大账户 / 财务健康 / 假设), every figure of
  the card traceable to its lines; "all" is every section and the advice.

The shell translates and joins them; a block is never split across two chat
messages. Amounts keep one style per line: when a line shows an amount of 1万
or more, its smaller amounts are written in 万 too (0.8万, not ¥8,000); the
card, and the lines the card's figures come from, are in 万 throughout.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from .advice import Advice, advise, ranked
from .calc import ZERO, Account, Gap, Line, yuan
from .diagnosis import Outcome
from .messages import Money, Msg, Number, Percent, msg

Block = list[Msg]
WAN = Decimal(10_000)
CARD_MAX_LINES = 15
SECTIONS = ("life", "ci", "retire", "accounts", "ratios", "assume")  # the detail's sections, in order
ALL = "all"

# --- amounts: one style per line ----------------------------------------------


def wan(amount: Decimal, per: str = "") -> Money | Msg:
    """An amount in 万 form even below 1万 (0.8万): for a line that also
    shows 万 amounts, and for the card. 0 stays "0"."""
    amount = yuan(Decimal(amount))
    if amount == 0 or abs(amount) >= WAN:
        return Money(amount, per)  # the renderer writes 541万 / 1.5亿
    digits = 2 if abs(amount) >= 100 else 4  # ¥40 is 0.004万, not 0万
    value = (amount / WAN).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return msg(f"detail.wan.{per or 'total'}", n=Number(value, digits))


def one_style(**amounts: Money) -> dict[str, Money | Msg]:
    """The amounts of one line: all in 万 form when any is 1万 or more."""
    if any(abs(m.yuan) >= WAN for m in amounts.values()):
        return {k: wan(m.yuan, m.per) for k, m in amounts.items()}
    return dict(amounts)


def joined(parts: list[Msg]) -> Msg:
    """A Chinese list: 甲、乙和丙."""
    if len(parts) == 1:
        return parts[0]
    head = parts[0]
    for part in parts[1:-1]:
        head = msg("detail.join.comma", a=head, b=part)
    return msg("detail.join.and", a=head, b=parts[-1])


# --- the detail: breakdown lines ----------------------------------------------


def _line(line: Line) -> Msg:
    money = {k: Money(v) for k, v in line.detail.items() if isinstance(v, Decimal)}
    money["amount"] = Money(line.amount)
    others = {k: v for k, v in line.detail.items() if not isinstance(v, Decimal)}
    return msg(f"sum.{line.key}", **others, **one_style(**money))


def _gap_line(gap: Gap) -> Msg:
    if gap.a == 0:
        return msg("sum.gap.no_need")
    if gap.c == 0:  # B ≥ A: "A − B = 0" would read as wrong arithmetic
        return msg("sum.gap.none")
    # The gap is a card figure: in 万 form, as on the card.
    return msg("sum.gap", a=wan(gap.a), b=wan(gap.b), c=wan(gap.c))


def _gap_lines(gap: Gap, skip_zero_needs: bool = True, after: dict[str, Block] | None = None) -> Block:
    """A, its lines, B, its lines, C. ``after``: sub-lines printed right
    under the need line of that key (the parents under 父母赡养)."""
    lines = [msg("sum.need_total", amount=Money(gap.a))]
    for x in gap.need:
        if skip_zero_needs and x.amount == ZERO:
            continue
        lines.append(_line(x))
        lines += (after or {}).get(x.key, [])
    lines.append(msg("sum.have_total", amount=Money(gap.b)))
    lines += [_line(x) for x in gap.have]
    lines.append(_gap_line(gap))
    return lines


def parent_lines(o: Outcome) -> Block:
    d, a = o.diagnosis, o.assumptions
    parents_line = next(x for x in d.life.need if x.key == "life.parents")
    several = len(o.profile.parents) > 1
    lines = []
    for n, (parent, years) in enumerate(zip(o.profile.parents, parents_line.detail["years"], strict=True), 1):
        if parent.yearly_support:
            lines.append(msg("sum.life.parent" if several else "sum.life.parent.one", n=n,
                             support=Money(parent.yearly_support, per="year"), years=years,
                             age=parent.age, until=a.parent_support_until_age))
    return lines


def _advice_of(o: Outcome, risk: str) -> list[Advice]:
    return [item for item in advise(o) if item.risk == risk]


def dependants(o: Outcome) -> Msg:
    """Who depends on the client besides children: 配偶, 老人 or both (never
    a spouse for a client without one)."""
    p = o.profile
    return msg("who.both" if p.married and p.parents else "who.spouse" if p.married else "who.parents")


def life_block(o: Outcome) -> Block:
    d, a = o.diagnosis, o.assumptions
    block = [msg("sum.life.title")]
    basis = d.support_years_basis
    if basis == "dependants" and not o.profile.children:
        basis = "dependants.childless"
    youngest = min((c.age for c in o.profile.children if c.age < a.child_support_end_age), default=None)
    block.append(msg(f"sum.life.years.{basis}", years=d.support_years, end=a.child_support_end_age,
                     youngest=youngest, default=a.support_years_if_dependants, who=dependants(o)))
    block += _gap_lines(d.life, after={"life.parents": parent_lines(o)})
    block += [line for item in _advice_of(o, "life") for line in advice_detail(o, item)]
    return block


def medical_lines(o: Outcome) -> Block:
    """Two facts (domain.md): 百万医疗, and 社保医疗 when it was asked."""
    p = o.profile
    has = p.million_medical
    lines = [msg("sum.medical.yes" if has else ("sum.medical.no" if has is False else "sum.medical.unknown"))]
    if p.social_medical is not None:
        lines.append(msg("sum.medical.social.yes" if p.social_medical else "sum.medical.social.no"))
    return lines


def critical_illness_block(o: Outcome) -> Block:
    d = o.diagnosis
    block = [msg("sum.ci.title")] + _gap_lines(d.critical_illness, skip_zero_needs=False)
    block += [line for item in _advice_of(o, "ci") for line in advice_detail(o, item)]
    block += medical_lines(o)
    block += [line for item in _advice_of(o, "medical") for line in advice_detail(o, item)]
    return block


def retirement_block(o: Outcome) -> Block:
    d, p, a = o.diagnosis, o.profile, o.assumptions
    block = [msg("sum.retire.title")]
    if p.age > p.retirement_age:
        block.append(msg("sum.retire.years_retired", years=d.retirement_years, life=a.life_expectancy, age=p.age))
    else:
        block.append(msg("sum.retire.years", years=d.retirement_years, life=a.life_expectancy, age=p.retirement_age))
    if p.retirement_monthly_spending <= p.monthly_pension:
        block.append(msg("sum.retire.pension_covers", **one_style(
            spending=Money(p.retirement_monthly_spending, per="month"), pension=Money(p.monthly_pension, per="month"))))
    block += _gap_lines(d.retirement, skip_zero_needs=False)
    block += [line for item in _advice_of(o, "retirement") for line in advice_detail(o, item)]
    return block


def accounts_block(o: Outcome) -> Block:
    """The seed's split on family income (unchanged), then the budget."""
    d, p, a = o.diagnosis, o.profile, o.assumptions
    income, health, annuity, wealth = d.accounts
    block = [msg("sum.acc.title", income=Money(p.family_income, per="year"))]
    block.append(msg("sum.acc.income", rate=Percent(income.rate_low), **one_style(
        amount=Money(income.low, per="year"), low=Money(d.income_cover_low), high=Money(d.income_cover_high))))
    block.append(msg("sum.acc.health", rate_low=Percent(health.rate_low), rate_high=Percent(health.rate_high),
                     **one_style(low=Money(health.low), high=Money(health.high, per="year"))))
    block.append(msg("sum.acc.annuity.young" if p.age < a.annuity_age_threshold else "sum.acc.annuity.older",
                     amount=Money(annuity.low, per="year"), rate=Percent(annuity.rate_low),
                     age=a.annuity_age_threshold))
    block.append(msg("sum.acc.wealth", **one_style(amount=Money(wealth.low, per="year"),
                                                    expenses=Money(p.living_expenses))))
    return block + budget_lines(o)


def not_needed(o: Outcome, account: str, short: bool = False) -> Msg:
    """Why an account gets no budget: its risk has no gap (calc.needed_accounts)."""
    if short:
        return msg(f"card.skip.{account}")
    if account == "annuity" and o.profile.children:
        return msg("sum.budget.skip.annuity.children")
    return msg(f"sum.budget.skip.{account}")


ADVICE_ACCOUNT = {"medical": "health", "ci": "health", "life": "income", "retirement": "annuity"}


def first_needed(o: Outcome) -> Account | None:
    """The account of the first thing to fill (先补什么): its seed amount is
    the smallest budget that starts somewhere useful."""
    d = o.diagnosis
    by_key = {acc.key: acc for acc in d.accounts}
    first = [ADVICE_ACCOUNT[item.risk] for item in advise(o)]
    for key in first + list(d.fit_order):
        if key in d.needed_accounts and by_key[key].low > 0:
            return by_key[key]
    return None


def budget_lines(o: Outcome) -> Block:
    d = o.diagnosis
    if d.budget is None:
        return []
    if d.budget == 0:  # one line, never a list of zeros
        return [zero_budget_line(o, "sum.budget.zero")]
    lines = [msg("sum.budget", budget=wan(d.budget, "year"), minimum=wan(d.insurance_accounts_min))]
    if d.needed_accounts_min != d.insurance_accounts_min:
        skipped = [msg(f"account.{key}") for key in ("income", "health", "annuity") if key not in d.needed_accounts]
        lines.append(msg("sum.budget.needed", minimum=wan(d.needed_accounts_min), accounts=joined(skipped)))
    if not d.budget_fit:
        return lines + [msg("sum.budget.enough")]
    title = "sum.budget.below" if d.budget < d.needed_accounts_min else "sum.budget.fits"
    lines.append(msg(title if ranked(o) else f"{title}.default"))
    for n, allot in enumerate(d.budget_fit, 1):
        if allot.needed:
            lines.append(msg("sum.budget.item", n=n, account=msg(f"account.{allot.key}"),
                             allotted=wan(allot.allotted), recommended=wan(allot.recommended)))
        else:
            lines.append(msg("sum.budget.item.skip", n=n, account=msg(f"account.{allot.key}"),
                             why=not_needed(o, allot.key)))
    return lines


def zero_budget_line(o: Outcome, key: str) -> Msg:
    """A budget of 0: what the smallest useful budget would be, in one line."""
    d = o.diagnosis
    if not d.needed_accounts:
        return msg(f"{key}.nothing")
    start = first_needed(o)
    if start is None:  # the accounts are shares of a family income of 0
        return msg(f"{key}.no_income")
    return msg(key, start=wan(start.low), account=msg(f"account.{start.key}"),
               minimum=wan(d.needed_accounts_min, "year"))


RATIO_MEANING = {"liquidity": "sum.ratio.liquidity.means", "saving": "sum.ratio.saving.means",
                 "solvency": "sum.ratio.solvency.means", "debt_service": "sum.ratio.debt_service.means"}


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
        block.append(msg(RATIO_MEANING[ratio.key]))  # the ratio in plain words
    return block


def assumptions_block(o: Outcome) -> Block:
    a = o.assumptions
    method = "sum.assume.method.children" if o.profile.children else "sum.assume.method"
    block = [msg("sum.assume.title"),
             msg(method, end=a.child_support_end_age, parents=a.parent_support_until_age, years=a.ci_income_years,
                 life=a.life_expectancy, **one_style(final=Money(a.final_expenses), treatment=Money(a.ci_treatment)))]
    if o.assumed:
        block.append(msg("sum.assume.defaults"))
        block += [msg("sum.assume.default", question=q, value=v) for _, q, v in o.assumed]
    return block


# --- advice: the card's line and the detail's reason --------------------------


def advice_line(o: Outcome, item: Advice) -> Msg:
    """One item of 先补什么 as the card shows it (amounts in 万)."""
    p = o.profile
    if item.risk == "medical":
        return msg(f"advice.{item.why}")
    if item.risk == "life":
        if item.term_years is None:
            return msg("advice.life", amount=wan(item.amount or ZERO))
        return msg("advice.life.term", amount=wan(item.amount or ZERO), years=item.term_years)
    if item.risk == "ci":
        return msg("advice.ci", amount=wan(item.amount or ZERO))
    if item.monthly is None:
        return msg("advice.retirement.now", amount=wan(item.amount or ZERO))
    # The monthly figure stands alone on its line (the gap is on the card's
    # 养老缺口 line), so below 1万 it reads ¥4,334, not 0.43万.
    return msg("advice.retirement", monthly=Money(yuan(item.monthly)), age=p.retirement_age)


def advice_why(o: Outcome, item: Advice) -> Msg:
    """Why this item and how its figure follows from the breakdown."""
    d, a = o.diagnosis, o.assumptions
    youngest = min((c.age for c in o.profile.children if c.age < a.child_support_end_age), default=None)
    return msg(f"advice.why.{item.why}", amount=wan(item.amount or ZERO), years=item.term_years, who=dependants(o),
               end=a.child_support_end_age, youngest=youngest, months=item.months,
               monthly=wan(item.monthly or ZERO, "month"), age=o.profile.retirement_age,
               saving_years=(item.months or 0) // 12, ci_years=a.ci_income_years,
               retirement_years=d.retirement_years)


def advice_detail(o: Outcome, item: Advice) -> Block:
    """The advice under a risk's breakdown: what, and why."""
    return [msg("detail.advice", what=advice_line(o, item)), msg("detail.advice.why", why=advice_why(o, item))]


def advice_block(o: Outcome) -> Block:
    items = advise(o)
    block = [msg("sum.next.title")]
    if not items:
        block += [msg("card.all_clear"), msg("card.review")]
    for n, item in enumerate(items, 1):
        block.append(msg("detail.advice.item", n=n, what=advice_line(o, item)))
        block.append(msg("detail.advice.why", why=advice_why(o, item)))
    block.append(msg("sum.next.kinds"))
    block.append(msg("sum.next.edit"))
    if o.quick:
        block.append(msg("sum.next.deepen"))
    return block


# --- the detail: sections -----------------------------------------------------


def header_block(o: Outcome) -> Block:
    header = [msg("sum.header.named" if o.name else "sum.header", name=o.name)]
    if o.quick:
        header.append(msg("sum.header.quick"))
    return header


SECTION_BLOCKS = {"life": life_block, "ci": critical_illness_block, "retire": retirement_block,
                  "accounts": accounts_block, "ratios": ratios_block, "assume": assumptions_block}


def detail_blocks(o: Outcome, section: str = ALL) -> list[Block]:
    """One section's breakdown, or (``ALL``) the header, every section and the advice."""
    if section in SECTION_BLOCKS:
        return [SECTION_BLOCKS[section](o)]
    return [header_block(o)] + [SECTION_BLOCKS[s](o) for s in SECTIONS] + [advice_block(o)]


def summary_blocks(o: Outcome) -> list[Block]:
    """The full breakdown (the detail's "all")."""
    return detail_blocks(o, ALL)


# Lines that speak to the client about their own chat (commands, consent).
CLIENT_ONLY = frozenset({"sum.next.edit", "sum.next.deepen", "sum.next.kinds"})


def shared_blocks(o: Outcome) -> list[Block]:
    """The full breakdown as an advisor reads it about a client (their lead):
    every section and what to fill first, without the lines that speak to
    the client (the commands of their own chat, the consent to a proposal)."""
    advice = [m for m in advice_block(o) if m.key not in CLIENT_ONLY] + [msg("sum.next.kinds_shared")]
    return [SECTION_BLOCKS[s](o) for s in SECTIONS] + [advice]


# --- the card -----------------------------------------------------------------

GAP_TITLE = {"life": "card.risk.life", "ci": "card.risk.ci", "retire": "card.risk.retire"}


def life_meaning(o: Outcome) -> Msg:
    """What the life gap pays for, from the lines of its need that are not 0."""
    d = o.diagnosis
    amounts = {x.key: x.amount for x in d.life.need}
    parts = []
    if amounts["life.living"] > 0:
        parts.append(msg("card.part.living", years=d.support_years))
    if amounts["life.education"] > 0:
        parts.append(msg("card.part.education"))
    if amounts["life.mortgage"] > 0:  # the debts as one part: a card line stays short
        parts.append(msg("card.part.debts" if amounts["life.other_debts"] > 0 else "card.part.mortgage"))
    elif amounts["life.other_debts"] > 0:
        parts.append(msg("card.part.other_debts"))
    if amounts["life.parents"] > 0:
        parts.append(msg("card.part.parents"))
    if not parts:
        parts.append(msg("card.part.final_expenses"))
    return msg("card.means.life", parts=joined(parts))


def gap_card_line(o: Outcome, risk: str) -> Msg:
    d, p = o.diagnosis, o.profile
    gap = {"life": d.life, "ci": d.critical_illness, "retire": d.retirement}[risk]
    title = msg(GAP_TITLE[risk])
    if gap.c == 0:
        if risk == "retire" and p.retirement_monthly_spending <= p.monthly_pension:
            return msg("card.gap.pension_covers", risk=title)
        return msg("card.gap.none" if gap.a > 0 else "card.gap.no_need", risk=title)
    if risk == "life":
        means = life_meaning(o)
    elif risk == "ci":
        means = msg("card.means.ci" if p.income > 0 else "card.means.ci.no_income", years=o.assumptions.ci_income_years)
    else:
        means = msg("card.means.retire.later" if p.age > p.retirement_age else "card.means.retire",
                    years=d.retirement_years)
    return msg("card.gap", risk=title, amount=wan(gap.c), means=means)


def medical_card_line(o: Outcome) -> Msg:
    p = o.profile
    million = {True: "card.medical.has", False: "card.medical.missing", None: "card.medical.unknown"}[p.million_medical]
    if p.social_medical is None:
        return msg("card.medical", million=msg(million))
    social = "card.medical.has" if p.social_medical else "card.medical.missing"
    return msg("card.medical.both", million=msg(million), social=msg(social))


def budget_card_lines(o: Outcome) -> Block:
    """The budget against what the gaps call for; the fitted split in one line when short."""
    d = o.diagnosis
    if d.budget is None:
        return []
    if d.budget == 0:
        return [zero_budget_line(o, "card.budget.zero")]
    if not d.needed_accounts:
        return [msg("card.budget.nothing", budget=wan(d.budget, "year"))]
    if d.needed_accounts_min == 0:
        return [msg("card.budget.no_income", budget=wan(d.budget, "year"))]
    if d.budget >= d.needed_accounts_min:
        return [msg("card.budget.enough", budget=wan(d.budget, "year"), minimum=wan(d.needed_accounts_min, "year"))]
    return [msg("card.budget.short", budget=wan(d.budget, "year"), minimum=wan(d.needed_accounts_min, "year")),
            msg("card.budget.split", items=split_items(o))]


def split_items(o: Outcome) -> Msg:
    """The fitted split in one line: 收入保障 1万 · 健康保障 0 · 年金 0(无养老缺口)."""
    parts = [msg("card.split.item", account=msg(f"account.short.{a.key}"), amount=wan(a.allotted)) if a.needed
             else msg("card.split.skip", account=msg(f"account.short.{a.key}"), why=not_needed(o, a.key, short=True))
             for a in o.diagnosis.budget_fit]
    head = parts[0]
    for part in parts[1:]:
        head = msg("card.split.sep", a=head, b=part)
    return head


def card_lines(o: Outcome) -> Block:
    """The result on one phone screen (at most ``CARD_MAX_LINES`` lines, by
    construction: 1 header + 3 gaps + 1 medical + 1 title + at most 4 advice
    items + at most 2 budget lines = 12)."""
    header = "card.header.named" if o.name else "card.header"
    lines = [msg(f"{header}.quick" if o.quick else header, name=o.name)]
    lines += [gap_card_line(o, risk) for risk in ("life", "ci", "retire")]
    lines.append(medical_card_line(o))
    items = advise(o)
    if items:
        lines.append(msg("card.first"))
        lines += [msg("card.first.item", n=n, what=advice_line(o, item)) for n, item in enumerate(items, 1)]
    else:  # every gap 0 and 百万医疗 in place: say so warmly, suggest a review
        lines += [msg("card.all_clear"), msg("card.review")]
    lines += budget_card_lines(o)
    return lines

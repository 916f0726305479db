"""What to fill first (先补什么): advice that follows from the figures
(domain.md, "From gaps to advice"). Pure: an ``Outcome`` in, a list of
``Advice`` out, in the order the client should act. Kinds of cover only,
never a company's product (the seed's rule for a first meeting)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from .calc import PRIORITIES, ZERO
from .diagnosis import Outcome

# Which risk each concern of the ranking (5.6) speaks for. Education sits
# inside the life need (no gap of its own); its account is the annuity
# account, whose advice is the retirement item.
CONCERN_RISK = {"income": "life", "legacy": "life", "health": "ci", "retirement": "retirement",
                "education": "retirement"}
COVER = {"medical": "million_medical", "life": "term_life", "ci": "critical_illness", "retirement": "annuity"}


@dataclass(frozen=True)
class Advice:
    risk: str  # medical / life / ci / retirement
    cover: str  # the kind of cover: million_medical / term_life / critical_illness / annuity
    amount: Decimal | None  # the suggested cover (the gap); None for 百万医疗 (no amount)
    term_years: int | None = None  # term life: at least the support years (None: say nothing)
    monthly: Decimal | None = None  # retirement: the monthly saving that closes the gap
    months: int | None = None  # retirement: months left to the retirement age
    why: str = ""  # the reason's id (advice.why.<why>); the shell renders it with the figures


def ranked(o: Outcome) -> bool:
    """Whether the client ranked their concerns (the step was answered, not defaulted)."""
    return o.profile.ranked  # one source of truth: the calculation reads it too


def risk_rank(priorities: tuple[str, ...]) -> dict[str, int]:
    """Each risk's place in a ranking: the place of the first concern that speaks for it."""
    rank: dict[str, int] = {}
    for place, concern in enumerate(tuple(priorities) + PRIORITIES):
        risk = CONCERN_RISK.get(concern)
        if risk is not None:
            rank.setdefault(risk, place)
    return rank


def monthly_saving(gap: Decimal, months: int) -> Decimal:
    """The nominal monthly saving that reaches ``gap`` in ``months``: whole
    yuan, rounded up so that it does close the gap."""
    return (gap / months).quantize(Decimal(1), rounding=ROUND_CEILING)


def months_to_retirement(age: int, retirement_age: int) -> int:
    return max(0, retirement_age - age) * 12


def life_advice(o: Outcome) -> Advice:
    d = o.diagnosis
    # The term covers the years the family depends on the income; with none, no term is said.
    term = d.support_years if d.support_years > 0 else None
    # No term, whatever the basis (a 0 set by the client, or by the dependants default): the
    # reason without a term, so no "保障期至少  年" with an empty figure.
    why = f"life.{d.support_years_basis}" if term is not None else "life.nobody"
    return Advice("life", COVER["life"], d.life.c, term_years=term, why=why)


def retirement_advice(o: Outcome) -> Advice:
    gap, p = o.diagnosis.retirement.c, o.profile
    months = months_to_retirement(p.age, p.retirement_age)
    if months == 0:  # at or past the retirement age: the money is needed now
        return Advice("retirement", COVER["retirement"], gap, why="retirement.now")
    return Advice("retirement", COVER["retirement"], gap, monthly=monthly_saving(gap, months), months=months,
                  why="retirement.save")


def gap_advice(o: Outcome) -> list[Advice]:
    """One item per risk with a gap, in the risks' natural order."""
    d = o.diagnosis
    items = []
    if d.life.c > 0:
        items.append(life_advice(o))
    if d.critical_illness.c > 0:
        items.append(Advice("ci", COVER["ci"], d.critical_illness.c, why="ci"))
    if d.retirement.c > 0:
        items.append(retirement_advice(o))
    return items


def medical_advice(o: Outcome) -> Advice:
    no_social = o.profile.social_medical is False
    return Advice("medical", COVER["medical"], None, why="medical.no_social" if no_social else "medical")


def advise(o: Outcome) -> list[Advice]:
    """The advice in the order to act (先补什么): 百万医疗 first when it is
    not confirmed (cheap, and the base of the health account); then the
    gaps — in the client's own ranking when they ranked, otherwise by size
    (relative to the family income, which orders them alike) with the
    ranking breaking ties. Empty: nothing to fill, time for a review only."""
    rank = risk_rank(o.profile.priorities)
    items = gap_advice(o)
    if ranked(o):
        items.sort(key=lambda item: rank[item.risk])
    else:
        items.sort(key=lambda item: (-(item.amount or ZERO), rank[item.risk]))
    if o.diagnosis.medical_missing:
        items.insert(0, medical_advice(o))
    return items

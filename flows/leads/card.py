"""The lead card: who the client is, their asset tier, gaps, budget and
priorities, and a rating — read from the result as stored (``figures``
of ``flows.diagnosis_report``), never recomputed another way, so the
advisor sees the figures the client's summary shows.

The rating rule is ``RATING_RULE`` (README and /help quote it);
``rating_of`` is that rule in code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ..calc import Gap, Line, age_on, yuan
from ..messages import Msg, msg
from ..summary import wan

Tier = Literal["below_20w", "20w_100w", "100w_500w", "500w_plus"]
TIERS: tuple[Tier, ...] = ("below_20w", "20w_100w", "100w_500w", "500w_plus")
# Seed 002's lines (domain.md); the stored assumptions carry the bounds a result was made with.
TIER_BOUNDS = (Decimal(200_000), Decimal(1_000_000), Decimal(5_000_000))

Rating = Literal["hot", "warm", "cold"]
RATINGS: tuple[Rating, ...] = ("hot", "warm", "cold")
Stage = Literal["new", "contacted", "proposal", "won", "lost"]
Source = Literal["link", "offline", "direct"]  # referral link / 线下 pre-qualification / no referral
Medical = Literal["yes", "no", "unknown"]  # 百万医疗; unknown: not asked (quick depth)

# A gap this large is worth a call whatever the income.
LARGE_GAP = Decimal(1_000_000)

RATING_RULE = (
    "评级规则:热 —— 年度预算不低于建议的最低保费(有缺口的保险账户按家庭收入比例的最低额之和,"
    "与客户小结里的\u201c建议的最低\u201d相同),并且缺口大:寿险、重疾、养老三项缺口合计不低于家庭年收入,"
    "或任一项缺口达到 100万。冷 —— 三项缺口都为 0 且已有百万医疗,或预算为 0,"
    "或预算不到建议最低的一半。其余为温(客户没有填预算时最多为温)。"
)


def tier_of(financial_assets: Decimal, bounds: tuple[Decimal, ...] = TIER_BOUNDS) -> Tier:
    """The asset tier: each bound reached moves one tier up (20万 is 20w_100w)."""
    return TIERS[sum(1 for bound in bounds if financial_assets >= bound)]


def tier_at_least(tier: Tier, floor: Tier) -> bool:
    return TIERS.index(tier) >= TIERS.index(floor)


@dataclass(frozen=True)
class Gaps:
    """The three gaps C (yuan), as the client's summary shows them."""

    life: Decimal
    ci: Decimal
    retirement: Decimal

    @property
    def total(self) -> Decimal:
        return self.life + self.ci + self.retirement

    def largest(self) -> tuple[Literal["life", "ci", "retirement"], Decimal]:
        """The biggest gap and its risk (ties: 寿险, then 重疾, then 养老)."""
        pairs: list[tuple[Literal["life", "ci", "retirement"], Decimal]] = [
            ("life", self.life), ("ci", self.ci), ("retirement", self.retirement)]
        return max(pairs, key=lambda pair: pair[1])  # max keeps the first of equals


def rating_of(gaps: Gaps, *, medical_missing: bool, family_income: Decimal, budget: Decimal | None,
              minimum: Decimal) -> Rating:
    """``RATING_RULE``. ``minimum``: the yearly budget the client's summary
    recommends at least (the insurance accounts whose risk has a gap)."""
    no_gap = gaps.total == 0 and not medical_missing
    if no_gap or budget == 0 or (budget is not None and budget * 2 < minimum):
        return "cold"
    large = gaps.total >= family_income or gaps.largest()[1] >= LARGE_GAP
    if budget is not None and budget >= minimum and large:
        return "hot"
    return "warm"


@dataclass(frozen=True)
class Family:
    married: bool
    children_ages: tuple[int, ...]
    parents_ages: tuple[int, ...]  # the parents the client supports


@dataclass(frozen=True)
class LeadCard:
    lead_id: int
    name: str | None  # 称呼; None: the card says 客户 #N
    age: int
    family: Family
    financial_assets: Decimal  # savings and cashable investments + retirement savings
    tier: Tier
    gaps: Gaps
    medical: Medical
    family_income: Decimal
    budget: Decimal | None  # yearly; None: not answered
    accounts_min: Decimal  # the seed's three insurance accounts at their lower amounts, together
    minimum: Decimal  # what the client's summary recommends at least: the accounts whose risk has a gap
    priorities: tuple[str, ...]  # the client's ranking (calc.PRIORITIES ids); empty: not ranked
    source: Source
    consent_at: datetime
    phone: str | None
    contact_time: str | None  # a choice id of the contact_time step (weekday_day …)
    stage: Stage
    rating: Rating


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def stored_gap(stored: Mapping[str, Any]) -> Decimal:
    """C of a stored gap, by calc's own ``Gap.c`` over the stored lines."""
    def lines(key: str) -> tuple[Line, ...]:
        return tuple(Line(x["key"], _money(x["amount"])) for x in stored[key])
    return Gap(lines("need"), lines("have")).c


def lead_card(figures: Mapping[str, Any], *, lead_id: int, display_name: str | None, source: Source,
              consent_at: datetime, phone: str | None, contact_time: str | None, stage: Stage,
              today: date, born: date | None = None) -> LeadCard:
    """The card of a lead, from a result's stored ``figures``. ``born``: the
    client's birth date when known, so the age is today's (else the age at
    the diagnosis)."""
    d, p = figures["diagnosis"], figures["profile"]
    # The tier as the result stored it (calc.asset_tier: 1 = below 20万 … 4 = 500万+).
    assets = _money(d["financial_assets"])
    tier = TIERS[int(d["tier"]) - 1]
    gaps = Gaps(stored_gap(d["life"]), stored_gap(d["critical_illness"]), stored_gap(d["retirement"]))
    accounts_min = sum((_money(acc["low"]) for acc in d["accounts"] if acc["key"] != "wealth"), Decimal(0))
    # Results stored before needed_accounts existed recommended all three accounts.
    minimum = _money(d["needed_accounts_min"]) if "needed_accounts_min" in d else accounts_min
    budget = None if p.get("budget") is None else _money(p["budget"])
    medical: Medical = {True: "yes", False: "no"}.get(p.get("million_medical"), "unknown")
    family_income = _money(p["family_income"])
    return LeadCard(
        lead_id=lead_id,
        name=display_name or None,
        age=age_on(born, today) if born else int(p["age"]),
        family=Family(married=bool(p["married"]), children_ages=tuple(c["age"] for c in p["children"]),
                      parents_ages=tuple(x["age"] for x in p["parents"])),
        financial_assets=assets,
        tier=tier,
        gaps=gaps,
        medical=medical,
        family_income=family_income,
        budget=budget,
        accounts_min=accounts_min,
        minimum=minimum,
        priorities=tuple(p["priorities"]) if p.get("ranked", True) else (),
        source=source,
        consent_at=consent_at,
        phone=phone or None,
        contact_time=contact_time or None,
        stage=stage,
        rating=rating_of(gaps, medical_missing=bool(d["medical_missing"]), family_income=family_income,
                         budget=budget, minimum=minimum),
    )


# --- the card as lines ----------------------------------------------------------

CARD_MAX_LINES = 16
RISK_KEYS = {"life": "lead.risk.life", "ci": "lead.risk.ci", "retirement": "lead.risk.retirement"}


def name_of(card: LeadCard) -> Msg:
    """称呼 standing alone: the name, or 客户 #N."""
    return msg("lead.name", name=card.name) if card.name else msg("lead.name.anonymous", n=card.lead_id)


def who(card: LeadCard) -> Msg:
    """称呼 beside the lead's number (#N 王先生 / #N 客户): the number is not said twice."""
    return msg("lead.name", name=card.name) if card.name else msg("lead.name.client")


def family_line(card: LeadCard) -> Msg:
    f = card.family
    parts = [msg("lead.family.married" if f.married else "lead.family.single")]
    if f.children_ages:
        parts.append(msg("lead.family.children", ages=_ages(f.children_ages)))
    else:
        parts.append(msg("lead.family.no_children"))
    if f.parents_ages:
        parts.append(msg("lead.family.parents", count=len(f.parents_ages), ages=_ages(f.parents_ages)))
    return _dotted("lead.family", parts)


def _ages(ages: tuple[int, ...]) -> Msg:
    """5、8 岁: the ages listed, the unit once."""
    head: Msg | int = ages[0]
    for age in ages[1:]:
        head = msg("lead.list", a=head, b=age)
    return msg("lead.family.ages", ages=head)


def _dotted(key: str, parts: list[Msg]) -> Msg:
    """Parts joined by " · " under one line key."""
    head = parts[0]
    for part in parts[1:]:
        head = msg("lead.sep", a=head, b=part)
    return msg(key, parts=head)


def gap_line(risk: Literal["life", "ci", "retirement"], amount: Decimal) -> Msg:
    title = msg(RISK_KEYS[risk])
    return msg("lead.gap", risk=title, amount=wan(amount)) if amount > 0 else msg("lead.gap.none", risk=title)


def budget_line(card: LeadCard) -> Msg:
    if card.budget is None:
        return msg("lead.budget.unknown", minimum=wan(card.minimum, "year"))
    if card.budget == 0:
        return msg("lead.budget.zero", minimum=wan(card.minimum, "year"))
    if card.minimum == 0:  # no gap, or a family income of 0: no share of income to compare with
        return msg("lead.budget.no_minimum", budget=wan(card.budget, "year"))
    key = "lead.budget.enough" if card.budget >= card.minimum else "lead.budget.short"
    if card.minimum != card.accounts_min:  # some account has no gap: say what the three would be
        key += ".needed"
    return msg(key, budget=wan(card.budget, "year"), minimum=wan(card.minimum, "year"),
               accounts=wan(card.accounts_min, "year"))


def priorities_line(card: LeadCard) -> Msg:
    if not card.priorities:
        return msg("lead.priorities.none")
    return msg("lead.priorities", order=[msg(f"choice.{p}") for p in card.priorities])


def stamp(at: datetime) -> str:
    """A time as the advisor reads it (the shell passes local time)."""
    return at.strftime("%Y-%m-%d %H:%M")


def card_lines(card: LeadCard) -> list[Msg]:
    """The card as one message: at most ``CARD_MAX_LINES`` lines by
    construction (header, family, assets, three gaps, medical, budget,
    priorities, source, contact, rating = 12)."""
    lines = [
        msg("lead.header", n=card.lead_id, name=who(card), age=card.age),
        family_line(card),
        msg("lead.assets", amount=wan(card.financial_assets), tier=msg(f"lead.tier.{card.tier}")),
        gap_line("life", card.gaps.life),
        gap_line("ci", card.gaps.ci),
        gap_line("retirement", card.gaps.retirement),
        msg(f"lead.medical.{card.medical}"),
        budget_line(card),
        priorities_line(card),
        msg("lead.source", source=msg(f"lead.source.{card.source}"), at=stamp(card.consent_at)),
    ]
    reach = []
    if card.phone:
        reach.append(msg("lead.phone", phone=card.phone))
    if card.contact_time:
        reach.append(msg("lead.contact_time", time=msg(f"choice.{card.contact_time}")))
    if reach:
        lines.append(_dotted("lead.reach", reach))
    lines.append(msg("lead.status", rating=msg(f"lead.rating.{card.rating}"), stage=msg(f"lead.stage.{card.stage}")))
    return lines


def card_brief(card: LeadCard) -> Msg:
    """One line for a list of leads: #N 称呼 · tier · rating · stage · biggest gap."""
    risk, amount = card.gaps.largest()
    biggest = msg("lead.brief.gap", risk=msg(RISK_KEYS[risk]), amount=wan(amount)) if amount > 0 \
        else msg("lead.brief.no_gap")
    return msg("lead.brief", n=card.lead_id, name=who(card), tier=msg(f"lead.tier.{card.tier}"),
               rating=msg(f"lead.rating.{card.rating}"), stage=msg(f"lead.stage.{card.stage}"), gap=biggest)


def gap_yuan(amount: Decimal) -> str:
    """A figure as plain whole yuan ("5410000"): a spreadsheet sums it."""
    return str(int(yuan(amount)))

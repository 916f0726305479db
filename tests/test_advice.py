"""先补什么: advice that follows from the figures (flows/advice.py), and the
budget-fitted split that funds only the accounts whose risk has a gap
(calc.fit_budget / diagnose). Built on ``calc.Profile`` and ``Outcome``, not
on typed answers, so the interview may change without touching these."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from flows import calc
from flows.advice import advise, monthly_saving, months_to_retirement, ranked
from flows.assumptions import DEFAULT_ASSUMPTIONS
from flows.diagnosis import Outcome
from flows.messages import msg

W = Decimal(10_000)
UNRANKED = ("priorities",)  # the priorities step defaulted: the client did not rank


def outcome_of(p: calc.Profile, *, name: str = "", quick: bool = False, assumed=(), a=DEFAULT_ASSUMPTIONS) -> Outcome:
    """An Outcome as ``diagnosis.conclude`` makes it; ``assumed``: the keys
    (or (key, value) pairs) of the defaulted steps."""
    pairs = [(k, "") if isinstance(k, str) else k for k in assumed]
    shown = tuple((k, msg(f"label.{k}"), msg("value.text", text=str(v))) for k, v in pairs)
    # As build_profile does: the client ranked unless the priorities step took its default.
    p = replace(p, ranked="priorities" not in {k for k, _ in pairs})
    return Outcome(profile=p, diagnosis=calc.diagnose(p, a), assumptions=a, assumed=shown, name=name, quick=quick)


# domain.md's worked example (王先生), ranked 1 2 3 4 5, budget 20万.
WANG = calc.Profile(
    age=35, married=True, income=40 * W, family_income=55 * W, living_expenses=20 * W,
    mortgage=150 * W, other_debts=10 * W, monthly_debt_payment=Decimal(0),
    children=(calc.Child(5, 50 * W),), parents=(calc.Parent(62, 2 * W), calc.Parent(60, 2 * W)),
    retirement_age=60, retirement_monthly_spending=Decimal(8000), monthly_pension=Decimal(3000),
    savings=60 * W, other_assets=Decimal(0), life_cover=50 * W, ci_cover=20 * W,
    social_medical=True, million_medical=True, retirement_savings=20 * W, budget=20 * W,
)
# A quick diagnosis: married, one child of 5 (education at the 30万 default),
# medical not asked, ranking not asked, budget 10万 (below the seed's 11万).
QUICK_FAMILY = calc.Profile(
    age=35, married=True, income=40 * W, family_income=55 * W, living_expenses=20 * W, mortgage=150 * W,
    children=(calc.Child(5, 30 * W),), retirement_age=60, retirement_monthly_spending=Decimal(11_700),
    savings=60 * W, life_cover=50 * W, ci_cover=20 * W, budget=10 * W,
)
# 李小姐: single, nobody depends on her, debts covered by savings: life gap 0.
SINGLE = calc.Profile(
    age=28, married=False, income=20 * W, family_income=20 * W, living_expenses=8 * W, other_debts=5 * W,
    retirement_monthly_spending=Decimal(6000), monthly_pension=Decimal(2500), savings=10 * W,
    social_medical=True, million_medical=True, priorities=("health", "income", "education", "retirement", "legacy"),
    budget=2 * W,
)
QUICK_ASSUMED = ("family_income", "support_years", "retirement_age", "retirement_spending", "pension", "priorities")


def risks(o: Outcome) -> list[str]:
    return [item.risk for item in advise(o)]


# --- what each gap asks for ---------------------------------------------------------


def test_the_worked_example_advice_follows_the_gaps():
    items = advise(outcome_of(WANG))
    assert [(i.risk, i.cover) for i in items] == [
        ("life", "term_life"), ("ci", "critical_illness"), ("retirement", "annuity")]
    life, ci, retirement = items
    assert life.amount == 541 * W and life.term_years == 17  # until the child of 5 is 22
    assert ci.amount == 130 * W and ci.term_years is None and ci.monthly is None
    # 130万 over the 25 years (300 months) to 60: 4,333.33…, rounded up so that it closes the gap.
    assert retirement.amount == 130 * W and retirement.months == 300 and retirement.monthly == 4334


def test_no_term_is_said_when_nobody_depends_on_the_income():
    p = replace(SINGLE, savings=Decimal(0))  # the debts and final expenses now make a life gap
    life = next(i for i in advise(outcome_of(p)) if i.risk == "life")
    assert life.amount == 10 * W and life.term_years is None and life.why == "life.nobody"



def test_monthly_saving_arithmetic():
    assert months_to_retirement(35, 60) == 300
    assert monthly_saving(130 * W, 300) == 4334  # 4,333.33 → 4,334
    assert monthly_saving(Decimal(120_000), 120) == 1000  # exact: no rounding up
    assert monthly_saving(Decimal(1), 12) == 1  # a fraction of a yuan still needs a yuan
    assert months_to_retirement(60, 60) == 0 and months_to_retirement(68, 55) == 0


def test_at_or_past_the_retirement_age_the_gap_is_needed_now():
    for age in (60, 68):
        p = replace(WANG, age=age, parents=())
        item = next(i for i in advise(outcome_of(p)) if i.risk == "retirement")
        assert item.monthly is None and item.months is None and item.why == "retirement.now"
        assert item.amount == outcome_of(p).diagnosis.retirement.c > 0


# --- the order: 先补什么 ------------------------------------------------------------


def test_medical_missing_comes_first_whatever_the_ranking():
    for medical in (None, False):
        p = replace(WANG, million_medical=medical)
        assert risks(outcome_of(p))[0] == "medical"
        assert risks(outcome_of(p, assumed=UNRANKED))[0] == "medical"
    assert "medical" not in risks(outcome_of(WANG))


def test_medical_advice_mentions_social_insurance_only_when_it_is_missing():
    assert advise(outcome_of(replace(WANG, million_medical=False, social_medical=False)))[0].why == "medical.no_social"
    assert advise(outcome_of(replace(WANG, million_medical=False, social_medical=None)))[0].why == "medical"


def test_unranked_gaps_go_by_size():
    # The quick family: life 415万 > retirement 351万 > critical illness 130万.
    o = outcome_of(QUICK_FAMILY, quick=True, assumed=QUICK_ASSUMED)
    assert not ranked(o)
    assert risks(o) == ["medical", "life", "retirement", "ci"]


def test_the_clients_ranking_leads_when_they_ranked():
    ranking = ("retirement", "health", "income", "education", "legacy")
    p = replace(QUICK_FAMILY, priorities=ranking)
    assert risks(outcome_of(p)) == ["medical", "retirement", "ci", "life"]
    # The same ranking, defaulted rather than answered, does not lead: size does.
    assert risks(outcome_of(p, assumed=UNRANKED)) == ["medical", "life", "retirement", "ci"]


def test_legacy_speaks_for_the_life_gap_and_education_for_the_annuity_account():
    p = replace(QUICK_FAMILY, priorities=("legacy", "retirement", "health", "income", "education"))
    assert risks(outcome_of(p))[1:] == ["life", "retirement", "ci"]
    p = replace(QUICK_FAMILY, priorities=("education", "health", "income", "retirement", "legacy"))
    assert risks(outcome_of(p))[1:] == ["retirement", "ci", "life"]


def test_the_ranking_breaks_ties_in_size():
    # CI and retirement gaps both 130万 (the worked example): the ranking decides.
    health_first = replace(WANG, life_cover=700 * W, priorities=("health", "retirement", "income", "education", "legacy"))
    retire_first = replace(health_first, priorities=("retirement", "health", "income", "education", "legacy"))
    assert risks(outcome_of(health_first, assumed=UNRANKED)) == ["ci", "retirement"]
    assert risks(outcome_of(retire_first, assumed=UNRANKED)) == ["retirement", "ci"]


def test_nothing_to_fill_means_no_advice():
    p = replace(WANG, savings=900 * W, ci_cover=200 * W, retirement_savings=200 * W)
    o = outcome_of(p)
    assert (o.diagnosis.life.c, o.diagnosis.critical_illness.c, o.diagnosis.retirement.c) == (0, 0, 0)
    assert advise(o) == []


def test_advice_names_kinds_of_cover_only():
    kinds = {"million_medical", "term_life", "critical_illness", "annuity"}
    for p in (WANG, QUICK_FAMILY, SINGLE, replace(WANG, million_medical=False)):
        assert {i.cover for i in advise(outcome_of(p))} <= kinds


# --- the budget-fitted split ----------------------------------------------------------


def test_a_single_person_with_no_life_gap_gets_no_income_protection_money():
    d = outcome_of(SINGLE).diagnosis
    assert d.life.c == 0 and "income" not in d.needed_accounts
    # Her ranking: health first, then income (no gap: nothing), its share goes on to the annuity account.
    assert [(a.key, a.allotted / W, a.needed) for a in d.budget_fit] == [
        ("health", 1, True), ("income", 0, False), ("annuity", 1, True)]
    assert d.needed_accounts_min == 3 * W  # health 1万 + annuity 2万; the seed's 4万 includes income


def test_the_health_account_is_funded_for_missing_medical_cover_alone():
    p = replace(SINGLE, ci_cover=500 * W, million_medical=None)
    d = outcome_of(p).diagnosis
    assert d.critical_illness.c == 0 and "health" in d.needed_accounts
    d = outcome_of(replace(p, million_medical=True)).diagnosis
    assert "health" not in d.needed_accounts


def test_the_annuity_account_is_funded_for_childrens_education_alone():
    p = replace(WANG, retirement_savings=500 * W)
    d = outcome_of(p).diagnosis
    assert d.retirement.c == 0 and "annuity" in d.needed_accounts  # the child's 50万 education fund
    p = replace(p, children=(calc.Child(5, Decimal(0)),))
    assert "annuity" not in outcome_of(p).diagnosis.needed_accounts


def test_the_worked_example_split_is_unchanged():
    d = outcome_of(WANG).diagnosis
    assert d.budget_fit == () and d.insurance_accounts_min == 11 * W == d.needed_accounts_min


# --- properties over random profiles ---------------------------------------------------

money = st.integers(min_value=0, max_value=2_000).map(lambda n: Decimal(n) * 5_000)  # 0 to 1,000万 in 5,000s
small = st.integers(min_value=0, max_value=60).map(lambda n: Decimal(n) * 500)  # monthly: 0 to 3万


@st.composite
def profiles(draw) -> calc.Profile:
    """Any plausible household: the figures the calculation takes, each
    within the interview's bounds (the card and advice are pure on these)."""
    age = draw(st.integers(18, 100))
    income = draw(money)
    family = income + draw(money)
    children = tuple(calc.Child(draw(st.integers(0, max(0, age - 14))), draw(money))
                     for _ in range(draw(st.integers(0, 3)) if age >= 14 else 0))
    parents = tuple(calc.Parent(draw(st.integers(min(115, age + 14), 115)), draw(money))
                    for _ in range(draw(st.integers(0, 2))))
    return calc.Profile(
        age=age, married=draw(st.booleans()), income=income, family_income=family,
        living_expenses=draw(money) + 1000, mortgage=draw(money), other_debts=draw(money),
        monthly_debt_payment=draw(st.none() | small), children=children, parents=parents,
        support_years=draw(st.none() | st.integers(0, 60)), retirement_age=draw(st.integers(40, 80)),
        retirement_monthly_spending=draw(small), monthly_pension=draw(small), savings=draw(money),
        other_assets=draw(st.none() | money), life_cover=draw(money), ci_cover=draw(money),
        social_medical=draw(st.none() | st.booleans()), million_medical=draw(st.none() | st.booleans()),
        retirement_savings=draw(money), priorities=tuple(draw(st.permutations(calc.PRIORITIES))),
        budget=draw(st.none() | st.just(Decimal(0)) | money),
    )


@st.composite
def outcomes(draw) -> Outcome:
    quick = draw(st.booleans())
    return outcome_of(draw(profiles()), name=draw(st.sampled_from(["", "王先生", "Anna"])), quick=quick,
                      assumed=draw(st.sampled_from([(), UNRANKED, QUICK_ASSUMED])))


@given(profiles())
def test_fitted_allotments_stay_within_the_budget_and_fund_only_accounts_with_a_gap(p):
    d = calc.diagnose(p, DEFAULT_ASSUMPTIONS)
    if not d.budget_fit:
        return
    accounts = {a.key: a for a in d.accounts}
    total = sum((a.allotted for a in d.budget_fit), Decimal(0))
    assert total <= d.budget
    assert total == min(d.budget, d.needed_accounts_min)
    assert d.needed_accounts_min == sum((accounts[k].low for k in d.needed_accounts), Decimal(0))
    gap = {"income": d.life.c > 0, "health": d.critical_illness.c > 0 or d.medical_missing,
           "annuity": d.retirement.c > 0 or any(c.education > 0 for c in p.children)}
    for allot in d.budget_fit:
        assert 0 <= allot.allotted <= allot.recommended == accounts[allot.key].low
        assert allot.needed == gap[allot.key]
        if not allot.needed:
            assert allot.allotted == 0


@given(outcomes())
def test_advice_is_sound_for_any_household(o):
    d = o.diagnosis
    items = advise(o)
    assert (items[0].risk == "medical") == d.medical_missing if items else not d.medical_missing
    gaps = {"life": d.life.c, "ci": d.critical_illness.c, "retirement": d.retirement.c}
    assert {i.risk for i in items} - {"medical"} == {r for r, c in gaps.items() if c > 0}
    for item in items:
        if item.risk != "medical":
            assert item.amount == gaps[item.risk]
        if item.monthly is not None:
            assert item.months > 0 and item.monthly * item.months >= item.amount > (item.monthly - 1) * item.months
    if not ranked(o):  # by size, largest first
        sizes = [i.amount for i in items if i.risk != "medical"]
        assert sizes == sorted(sizes, reverse=True)

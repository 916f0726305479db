"""Five more families, answered through the engine, each checked against
figures computed by hand (the arithmetic is in the comments; 万 = 10,000)."""

from decimal import Decimal

from bot.presenter import summary_texts
from flows.diagnosis_report import REPORT
from tests.helpers import DEEPEN, SKIP, ZH, interview

W = Decimal(10_000)


def ratio(d, key):
    return next((r for r in d.ratios if r.key == key), None)


def allotted(d):
    return [(a.key, a.allotted / W) for a in d.budget_fit]


def test_single_no_dependants():
    # 李小姐, born 1998-06-01 → 28. Single, no children, no parents.
    _, _, o, _ = interview([
        "是", DEEPEN, "李小姐", "1998-06-01", "female", "未婚", "没有", "0",
        "20万", SKIP, "8万", "0", "5万", "3000", SKIP, "60", "6000", "2500",
        "存款10万、寿险0、重疾0", "0", "是", "是", "0", "2 1", "2万",
    ])
    d = o.diagnosis
    # Nobody depends on her: 0 years of living costs; other debts 5 + final 5 = 10万.
    assert d.support_years == 0 and d.support_years_basis == "nobody"
    assert (d.life.a, d.life.b, d.life.c) == (10 * W, 10 * W, 0)
    # CI: 30 + 20 × 3 = 90万, nothing held.
    assert (d.critical_illness.a, d.critical_illness.c) == (90 * W, 90 * W)
    # Retirement: (6000 − 2500) × 12 × (85 − 60) = 105万.
    assert (d.retirement.a, d.retirement.c) == (105 * W, 105 * W)
    # Accounts on 20万: 1 / 1–2 / 2 (under 40: 10%) / 20 − 8 − (1 + 2 + 2) = 7.
    assert [(a.key, a.low / W, a.high / W) for a in d.accounts] == [
        ("income", 1, 1), ("health", 1, 2), ("annuity", 2, 2), ("wealth", 7, 7)]
    # Budget 2万 < 4万: her ranking puts health first, then income; with no life gap
    # the income account gets nothing and its share goes on to the annuity.
    assert allotted(d) == [("health", 1), ("income", 0), ("annuity", 1)]
    # Liquidity 10 × 12 / 8 = 15 months; saving (20 − 8 − 3.6) / 20 = 42%;
    # solvency (10 − 5) / 10 = 50% (not above 50%); debt service 3000 / 16,666.67 = 18%.
    assert ratio(d, "liquidity").value == 15 and ratio(d, "liquidity").reading == "high"
    assert ratio(d, "saving").value == Decimal("0.42") and ratio(d, "saving").reading == "low"
    assert ratio(d, "solvency").value == Decimal("0.5") and ratio(d, "solvency").reading == "weak"
    assert ratio(d, "debt_service").value == Decimal("0.18") and ratio(d, "debt_service").reading == "ok"
    assert d.tier == 1


def test_married_no_children_supporting_a_parent():
    # 张先生, born 1984-03-15 → 42. Spouse 40 earning 10万; one parent of 70 at 1.2万 a year.
    _, _, o, _ = interview([
        "是", DEEPEN, "张先生", "1984-03-15", "male", "已婚", "40", "10万", "没有", "1", "70", "1.2万",
        "30万", SKIP, "15万", "80万", "0", "6000", SKIP, SKIP, "1万", "4000",
        "50万 100万 50万", "300万", "否", "否", "30万", SKIP, "8万",
    ])
    d = o.diagnosis
    # No child; spouse and a parent depend on him: 5 years.
    # A = 15 × 5 + 1.2 × (85 − 70) + 80 + 5 = 75 + 18 + 80 + 5 = 178万; B = 50 + 100 = 150万.
    assert d.support_years == 5 and d.support_years_basis == "dependants"
    assert (d.life.a, d.life.b, d.life.c) == (178 * W, 150 * W, 28 * W)
    # CI: 30 + 30 × 3 = 120万 − 50万 = 70万.
    assert (d.critical_illness.a, d.critical_illness.c) == (120 * W, 70 * W)
    assert d.medical_missing
    # Retirement: (10,000 − 4,000) × 12 × 25 = 180万 − 30万 = 150万.
    assert (d.retirement.a, d.retirement.c) == (180 * W, 150 * W)
    # Family income 30 + 10 = 40万 (default); 42 ≥ 40: annuity 15% = 6万;
    # wealth 40 − 15 − (2 + 4 + 6) = 13万.
    assert o.profile.family_income == 40 * W
    assert [(a.key, a.low / W, a.high / W) for a in d.accounts] == [
        ("income", 2, 2), ("health", 2, 4), ("annuity", 6, 6), ("wealth", 13, 13)]
    # Budget 8万 < 2 + 2 + 6 = 10万; he did not rank: what to fill first,
    # as the advice says — health (百万医疗 missing), then by gap size:
    # 养老 150万 (annuity) before 寿险 28万 (income).
    assert allotted(d) == [("health", 2), ("annuity", 6), ("income", 0)]
    # Liquidity 50 × 12 / 15 = 40; saving (40 − 15 − 7.2) / 40 = 44.5%;
    # solvency (380 − 80) / 380 ≈ 78.9%; debt service 6,000 / 33,333.33 = 18%.
    assert ratio(d, "liquidity").value == 40
    assert ratio(d, "saving").value == Decimal("0.445")
    assert round(ratio(d, "solvency").value, 4) == Decimal("0.7895") and ratio(d, "solvency").reading == "strong"
    assert ratio(d, "debt_service").value == Decimal("0.18")
    assert d.tier == 2  # 50 + 30 = 80万


def test_retired_widow():
    # 赵阿姨, born 1958-05-20 → 68, widowed, retired at 55, no income.
    _, _, o, _ = interview([
        "是", DEEPEN, "赵阿姨", "1958-05-20", "female", "丧偶", "没有", "0",
        "0", SKIP, "6万", "0", "0", "0", SKIP, "55", "5000", "3500",
        "存款40万,寿险和重疾都没有", "100万", "是", "是", "10万", SKIP, "1万",
    ])
    d = o.diagnosis
    # Nobody depends on her: A = final expenses 5万; B = savings 40万; no gap.
    assert (d.life.a, d.life.b, d.life.c) == (5 * W, 40 * W, 0)
    # CI: treatment 30万 + 0 income × 3.
    assert (d.critical_illness.a, d.critical_illness.c) == (30 * W, 30 * W)
    # Already 68 (past 55): remaining 85 − 68 = 17 years; 1,500 × 12 × 17 = 30.6万 − 10万 = 20.6万.
    assert d.retirement_years == 17
    assert (d.retirement.a, d.retirement.c) == (Decimal("30.6") * W, Decimal("20.6") * W)
    # No income: every account is 0 and the budget covers the (zero) insurance accounts.
    assert all(a.low == 0 and a.high == 0 for a in d.accounts) and d.budget_fit == ()
    assert ratio(d, "liquidity").value == 80
    assert ratio(d, "saving").value is None and ratio(d, "debt_service").value is None
    assert ratio(d, "solvency").value == 1
    assert d.tier == 2  # 40 + 10 = 50万
    text = "\n".join(summary_texts(REPORT, o, ZH))
    assert "您已 68 岁,按剩余 17 年计算" in text and "节余比例:家庭收入为 0,无法计算" in text


def test_high_net_worth_two_children():
    # 陈总, born 1976-08-08 → 50. Spouse 48 earning 50万; children 16 and 12.
    _, _, o, _ = interview([
        "是", DEEPEN, "陈总", "1976-08-08", "male", "已婚", "48", "50万", "16岁、12岁", "22", "0",
        "200万", "250万", "60万", "0", "0", "0", "80万", "100万", SKIP, "60", "5万", "1万",
        "存款800万、寿险500万、重疾100万", "2000万", "是", "是", "200万", "5 4 2 1 3", "50万",
    ])
    d = o.diagnosis
    # Youngest 12 → 10 years: 60 × 10 = 600 + education 180 + final 5 = 785万; B = 800 + 500.
    assert d.support_years == 10
    assert (d.life.a, d.life.b, d.life.c) == (785 * W, 1300 * W, 0)
    # CI: 30 + 200 × 3 = 630 − 100 = 530万.
    assert (d.critical_illness.a, d.critical_illness.c) == (630 * W, 530 * W)
    # Retirement: (50,000 − 10,000) × 12 × 25 = 1,200万 − 200万 = 1,000万.
    assert (d.retirement.a, d.retirement.c) == (1200 * W, 1000 * W)
    # On 250万 (age 50: annuity 15%): 12.5 / 12.5–25 / 37.5 / 250 − 60 − 75 = 115.
    assert [(a.key, a.low / W, a.high / W) for a in d.accounts] == [
        ("income", Decimal("12.5"), Decimal("12.5")), ("health", Decimal("12.5"), 25),
        ("annuity", Decimal("37.5"), Decimal("37.5")), ("wealth", 115, 115)]
    assert (d.income_cover_low, d.income_cover_high) == (1250 * W, 1750 * W)
    # Budget 50万 < 62.5万; ranking legacy (→ income), retirement (→ annuity), health.
    # No life gap: the income account gets nothing, so health gets the rest (12.5万).
    assert allotted(d) == [("income", 0), ("annuity", Decimal("37.5")), ("health", Decimal("12.5"))]
    assert ratio(d, "saving").value == Decimal("0.76") and ratio(d, "solvency").value == 1
    assert d.tier == 4  # 800 + 200 = 1,000万 ≥ 500万


def test_quick_budget_below_the_insurance_accounts():
    # 刘女士, born 1990-02-01 → 36. Quick: married (spouse 12万), children 3 and 8.
    _, _, o, asked = interview([
        "是", "1990-02-01", "已婚", "12万", "3岁和8岁", "18万", "1万/月", "100万", "存款5万,寿险重疾都没有", "1万",
    ])
    d = o.diagnosis
    assert o.quick and len(asked) == 10
    # Expenses 1万/月 → 12万/年. Youngest 3 → 19 years: 12 × 19 = 228 + education 2 × 30 (assumed)
    # + mortgage 100 + 5 = 393万; B = 5万.
    assert (d.life.a, d.life.b, d.life.c) == (393 * W, 5 * W, 388 * W)
    # CI: 30 + 18 × 3 = 84万.
    assert d.critical_illness.c == 84 * W
    # Retirement (defaults): spending 12万 / 12 × 70% = 7,000; × 12 × 25 = 210万.
    assert d.retirement.c == 210 * W
    # Family income (default) 18 + 12 = 30万: 1.5 / 1.5–3 / 3 / 30 − 12 − 7.5 = 10.5.
    assert [(a.key, a.low / W) for a in d.accounts] == [
        ("income", Decimal("1.5")), ("health", Decimal("1.5")), ("annuity", 3), ("wealth", Decimal("10.5"))]
    # Budget 1万 < 6万, not ranked: the health account first (百万医疗 not
    # confirmed, as 先补什么 says), partly; nothing left for the others.
    assert allotted(d)[0] == ("health", 1) and all(x == 0 for _, x in allotted(d)[1:])
    assert ratio(d, "liquidity").value == 5 and ratio(d, "liquidity").reading == "ok"
    assert ratio(d, "saving").value == Decimal("0.6") and ratio(d, "saving").reading == "ok"
    assert ratio(d, "solvency") is None and ratio(d, "debt_service") is None  # not asked in quick
    text = "\n".join(summary_texts(REPORT, o, ZH))
    for line in ("(快速诊断", "家庭税后年收入 → 30万/年", "退休后每月生活费 → ¥7,000/月", "8岁孩子的教育金 → 30万",
                 "1. 家庭健康保障账户:1万(建议 1.5万)", "/deepen"):
        assert line in text, line

"""domain.md's worked example (王先生), answered through the engine."""

from decimal import Decimal

from bot.presenter import result_card, summary_texts
from flows.diagnosis_report import REPORT
from tests.helpers import SKIP, ZH, interview

# 王先生, 35 on 2026-11-23, married; spouse 33 earning 15万; one child of 5;
# parents 62 and 60 at 2万 a year each; income 40万, family 55万, expenses 20万,
# mortgage 150万, other debts 10万, education 50万, savings 60万, life cover 50万,
# CI cover 20万, retires at 60 wanting 8,000 a month with a 3,000 pension,
# retirement savings 20万.
WANG = [
    "是", "/deepen", "王先生", "1991-01-10", "male", "已婚", "33", "15万",
    "5", SKIP,  # support to 22 (default)
    "2", "62", "2万", "60", "2万",
    "40万", "55万", "20万", "150万", "10万", "0", "50万",
    SKIP,  # support years: derived, 22 − 5 = 17
    "60", "8000", "3000",
    "存款60万、寿险50万、重疾20万", "0", "是", "是", "20万",
    "1 2 3 4 5", "20万",
]
W = Decimal(10_000)


def test_worked_example_figures():
    state, reply, outcome, asked = interview(WANG)
    d = outcome.diagnosis
    assert asked[-1] == "budget" and reply.question.step == "contact_ok"
    assert d.support_years == 17
    assert (d.life.a, d.life.b, d.life.c) == (651 * W, 110 * W, 541 * W)
    parents = next(x for x in d.life.need if x.key == "life.parents")
    assert parents.amount == 96 * W and parents.detail["years"] == [23, 25]
    assert (d.critical_illness.a, d.critical_illness.c) == (150 * W, 130 * W)
    assert (d.retirement.a, d.retirement.c) == (150 * W, 130 * W)
    income, health, annuity, wealth = d.accounts
    assert income.low == Decimal("2.75") * W
    assert (d.income_cover_low, d.income_cover_high) == (275 * W, 385 * W)
    assert (health.low, health.high) == (Decimal("2.75") * W, Decimal("5.5") * W)
    assert annuity.low == Decimal("5.5") * W
    assert wealth.low == Decimal("21.25") * W
    liquidity = next(r for r in d.ratios if r.key == "liquidity")
    assert liquidity.value == 36
    assert d.budget_fit == ()  # 20万 covers the three insurance accounts (11万)


def test_worked_example_summary_reads_in_chinese():
    _, _, outcome, _ = interview(WANG)
    text = "\n\n".join(summary_texts(REPORT, outcome, ZH))
    for expected in ("📋 王先生的保险需求诊断", "缺口 C = A − B = 651万 − 110万 = 541万",
                     "家庭生活费 20万/年 × 17 年 = 340万", "其中第1位老人:2万/年 × 23 年",
                     "缺口 C = A − B = 150万 − 20万 = 130万",
                     "(每月 0.8万 − 养老金 0.3万) × 12 × 25 年 = 150万", "保障年限 17 年:最小的孩子 5 岁,抚养到 22 岁(22 − 5)",
                     "家庭收入保障账户:2.75万/年(收入的 5%),可撬动保额约 275万–385万",
                     "家庭健康保障账户:2.75万–5.5万/年", "年金领取账户:5.5万/年", "家庭理财账户:21.25万/年",
                     "流动性比率 36 个月"):
        assert expected in text, expected
    assert "{" not in text and "sum." not in text


def test_worked_example_card_names_what_to_fill_first():
    # The reply after the last answer: one screen; the breakdown is one tap away.
    _, _, outcome, _ = interview(WANG)
    card = result_card(REPORT, outcome, ZH)
    lines = card.text.splitlines()
    assert len(lines) <= 15
    assert lines[0] == "📋 王先生的保险需求诊断"
    for expected in ("寿险缺口 541万:", "重疾缺口 130万:", "养老缺口 130万:", "医疗:百万医疗 有 ✅ · 社保医疗 有 ✅",
                     "👉 先补什么:", "1. 定期寿险:保额 541万,保障期至少 17 年", "2. 重疾险:保额 130万",
                     "3. 养老年金/个人养老金:每月存约 ¥4,334,存到 60 岁补足养老缺口",
                     "💰 预算 20万/年,够覆盖建议的最低 11万/年"):
        assert any(line.startswith(expected) for line in lines), expected
    assert [b.label for row in card.buttons for b in row] == ["🔍 查看计算明细", "✏️ 修改答案"]

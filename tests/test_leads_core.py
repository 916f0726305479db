"""The pure core of leads (flows/leads): tiers at their edges, the rating
rule at its edges, the lead card built from a result's *stored* figures
(equal to what the client's summary shows, for the worked example and for
random answers run through the flow), the card's lines, the lead book
(stages, contact log, filters) and the CSV export."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from bot.i18n import catalog_keys
from flows import engine
from flows.diagnosis import DIAGNOSIS
from flows.diagnosis_report import REPORT
from flows.engine import State
from flows.leads import (
    CARD_MAX_LINES,
    CONTACT_KINDS,
    EXPORT_HEADER,
    NOTE_MAX_CHARS,
    RATING_RULE,
    RATINGS,
    STAGES,
    TIERS,
    ContactEntry,
    Gaps,
    LeadFilter,
    can_move,
    card_brief,
    card_lines,
    contact_line,
    export_row,
    filter_label,
    lead_card,
    matches,
    name_of,
    next_stages,
    rating_of,
    tier_at_least,
    tier_of,
)
from flows.summary import card_lines as client_card_lines
from tests.helpers import CTX, TODAY, ZH, interview
from tests.test_engine_properties import held_answers
from tests.test_worked_example import WANG

W = Decimal(10_000)
ROOT = Path(__file__).resolve().parent.parent
CONSENT_AT = datetime(2026, 11, 23, 10, 5)


def stored(outcome) -> dict:
    """The figures as the database keeps them: through JSON and back."""
    return json.loads(json.dumps(REPORT.figures(outcome), ensure_ascii=False))


def card_of(figures: dict, **kw):
    args = dict(lead_id=12, display_name="王先生", source="link", consent_at=CONSENT_AT,
                phone="+86 138 0000 0000", contact_time="weekday_evening", stage="new", today=TODAY)
    return lead_card(figures, **{**args, **kw})


WANG_OUTCOME = interview(WANG)[2]
WANG_FIGURES = stored(WANG_OUTCOME)
WANG_CARD = card_of(WANG_FIGURES)


# --- tiers ----------------------------------------------------------------------------


@pytest.mark.parametrize(("assets", "tier"), [
    (Decimal(0), "below_20w"),
    (Decimal(199_900), "below_20w"),  # 19.99万
    (Decimal("199999.99"), "below_20w"),
    (Decimal(200_000), "20w_100w"),  # 20万
    (Decimal(999_999), "20w_100w"),
    (Decimal(1_000_000), "100w_500w"),  # 100万
    (Decimal(4_999_999), "100w_500w"),
    (Decimal(5_000_000), "500w_plus"),  # 500万
    (Decimal(10**9), "500w_plus"),
])
def test_tiers_at_their_edges(assets, tier):
    assert tier_of(assets) == tier


def test_tier_order():
    assert tier_at_least("500w_plus", "20w_100w") and tier_at_least("20w_100w", "20w_100w")
    assert not tier_at_least("below_20w", "20w_100w")


@pytest.mark.parametrize(("savings", "retirement_savings", "tier"), [
    (100_000, 99_900, "below_20w"),  # 19.99万 together
    (100_000, 100_000, "20w_100w"),  # 20万: savings and retirement savings add up
    (0, 200_000, "20w_100w"),
    (600_000, 400_000, "100w_500w"),
    (5_000_000, 0, "500w_plus"),
])
def test_the_tier_counts_savings_and_retirement_savings_from_the_stored_profile(savings, retirement_savings, tier):
    """The card shows the tier the result stored (calc.asset_tier over savings
    + retirement savings), at the edges 19.99万 / 20万 / 100万 / 500万."""
    from flows.assumptions import DEFAULT_ASSUMPTIONS
    from flows.calc import asset_tier

    assets = Decimal(savings + retirement_savings)
    figures = json.loads(json.dumps(WANG_FIGURES))
    figures["diagnosis"].update(financial_assets=str(assets), tier=asset_tier(assets, DEFAULT_ASSUMPTIONS))
    card = card_of(figures)
    assert card.financial_assets == assets
    assert card.tier == tier == tier_of(assets)


def test_the_tier_agrees_with_the_stored_diagnosis():
    assert WANG_CARD.financial_assets == Decimal(WANG_FIGURES["diagnosis"]["financial_assets"]) == 80 * W
    assert WANG_CARD.tier == TIERS[WANG_FIGURES["diagnosis"]["tier"] - 1] == "20w_100w"


# --- the rating rule --------------------------------------------------------------------

INCOME = 55 * W
MINIMUM = 11 * W


def rate(life=0, ci=0, retirement=0, *, budget=MINIMUM, minimum=MINIMUM, medical_missing=False,
         income=INCOME):
    gaps = Gaps(Decimal(life), Decimal(ci), Decimal(retirement))
    return rating_of(gaps, medical_missing=medical_missing, family_income=income,
                     budget=None if budget is None else Decimal(budget), minimum=Decimal(minimum))


def test_hot_needs_a_budget_at_the_minimum_and_a_large_gap():
    assert rate(INCOME) == "hot"  # total gap = 1× family income, budget = the minimum
    assert rate(30 * W, 25 * W) == "hot"  # the total counts, not one gap
    assert rate(100 * W, income=10**9) == "hot"  # one gap of 100万, whatever the income
    assert rate(INCOME, budget=MINIMUM + 1) == "hot"


def test_below_either_edge_is_warm():
    assert rate(INCOME - 1) == "warm"  # total just under the family income, no gap of 100万
    assert rate(100 * W - 1, income=10**9) == "warm"
    assert rate(INCOME, budget=MINIMUM - 1) == "warm"  # the budget just under the minimum
    assert rate(INCOME, budget=MINIMUM / 2) == "warm"  # half the minimum is still warm
    assert rate(INCOME, budget=None) == "warm"  # no budget known: at most warm


def test_cold_is_no_gap_no_budget_or_far_below():
    assert rate(0, 0, 0) == "cold"  # nothing to fill, 百万医疗 in place
    assert rate(0, 0, 0, medical_missing=True) == "warm"  # 百万医疗 alone is still something to propose
    assert rate(500 * W, budget=0) == "cold"
    assert rate(500 * W, budget=MINIMUM / 2 - 1) == "cold"  # under half the minimum


def test_the_rule_is_one_chinese_paragraph_naming_its_edges():
    assert "\n" not in RATING_RULE
    for words in ("热", "温", "冷", "家庭年收入", "100万", "一半", "百万医疗"):
        assert words in RATING_RULE


def test_the_worked_example_is_hot():
    assert WANG_CARD.rating == "hot"  # budget 20万 ≥ 11万; 801万 of gaps ≥ 55万


# --- the card equals the stored figures and the client's summary -------------------------


def test_the_worked_example_card_has_the_stored_gaps():
    card = WANG_CARD
    assert (card.gaps.life, card.gaps.ci, card.gaps.retirement) == (541 * W, 130 * W, 130 * W)
    assert card.age == 35 and card.family.married
    assert card.family.children_ages == (5,) and card.family.parents_ages == (62, 60)
    assert card.medical == "yes"
    assert (card.budget, card.minimum, card.accounts_min) == (20 * W, 11 * W, 11 * W)
    assert card.priorities == ("income", "health", "education", "retirement", "legacy")


WANG_TEXT = """\
🧾 线索 #12 · 王先生 · 35 岁
👪 已婚 · 子女 5 岁 · 赡养老人 2 位(62、60 岁)
🏦 金融资产 80万 · 分层 20万–100万
寿险缺口 541万
重疾缺口 130万
养老缺口 130万
🏥 百万医疗:有
💰 预算 20万/年,够覆盖建议的最低 11万/年
🎯 最关注:收入保障 > 健康医疗 > 子女教育 > 养老 > 财富传承
📍 来源:推荐链接 · 同意联系 2026-11-23 10:05
☎️ 电话 +86 138 0000 0000 · 方便时间:工作日晚上
评级 🔥 热 · 阶段 新线索"""


def test_the_worked_example_card_reads_as_one_message():
    text = ZH.lines(card_lines(WANG_CARD))
    assert text == WANG_TEXT
    assert len(text.splitlines()) <= CARD_MAX_LINES


def test_the_card_shows_the_figures_of_the_clients_card():
    client = ZH.lines(client_card_lines(WANG_OUTCOME))
    for line in ZH.lines(card_lines(WANG_CARD)).splitlines()[3:6]:
        assert line + ":" in client, line  # 寿险缺口 541万 / 重疾缺口 130万 / 养老缺口 130万
    assert "预算 20万/年,够覆盖建议的最低 11万/年" in client


def test_a_card_without_a_name_phone_or_time_is_neutral():
    card = card_of(WANG_FIGURES, lead_id=7, display_name=None, phone=None, contact_time=None, source="offline")
    text = ZH.lines(card_lines(card))
    assert text.splitlines()[0] == "🧾 线索 #7 · 客户 · 35 岁"
    assert "☎️" not in text and "来源:线下" in text
    assert ZH(name_of(card)) == "客户 #7"
    assert ZH(card_brief(card)) == "#7 客户 · 20万–100万 · 🔥 热 · 新线索 · 寿险缺口 541万"


def test_the_age_is_todays_when_the_birth_date_is_given():
    card = card_of(WANG_FIGURES, born=date(1991, 1, 10), today=date(2028, 1, 10))
    assert card.age == 37


def test_an_unranked_client_and_unknown_medical_cover_are_said_so():
    figures = json.loads(json.dumps(WANG_FIGURES))
    figures["profile"].update(ranked=False, million_medical=None, budget=None)
    text = ZH.lines(card_lines(card_of(figures)))
    assert "🎯 最关注:未排序" in text and "百万医疗:未确认" in text and "预算:未填写" in text


def test_the_budget_line_names_the_three_accounts_when_some_have_no_gap():
    figures = json.loads(json.dumps(WANG_FIGURES))
    figures["diagnosis"]["needed_accounts_min"] = "82500"  # say the income account had no gap
    card = card_of(figures)
    assert card.minimum == Decimal(82500) and card.accounts_min == 11 * W
    assert "够覆盖建议的最低 8.25万/年(三个保险账户合计 11万/年)" in ZH.lines(card_lines(card))
    # A result stored before needed_accounts_min existed: the three accounts are the minimum.
    del figures["diagnosis"]["needed_accounts_min"]
    assert card_of(figures).minimum == 11 * W


def test_every_card_fits_one_message_with_the_three_risks_named():
    family = json.loads(json.dumps(WANG_FIGURES))
    family["profile"]["children"] = [{"age": a, "education": "0"} for a in (1, 5, 9)]
    family["profile"]["parents"] = [{"age": a, "yearly_support": "0"} for a in (60, 62, 80, 84)]
    for figures in (WANG_FIGURES, family):
        for stage in STAGES:
            text = ZH.lines(card_lines(card_of(figures, stage=stage)))
            assert len(text.splitlines()) <= CARD_MAX_LINES
            assert all(risk in text for risk in ("寿险", "重疾", "养老")) and "{" not in text


def expected_gap(stored_gap: dict) -> Decimal:
    """C straight from the stored lines (C = max(0, A − B))."""
    a = sum((Decimal(x["amount"]) for x in stored_gap["need"]), Decimal(0))
    b = sum((Decimal(x["amount"]) for x in stored_gap["have"]), Decimal(0))
    return max(Decimal(0), a - b)


RISKS = (("life", "寿险", "life"), ("ci", "重疾", "critical_illness"), ("retirement", "养老", "retirement"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(held_answers())
def test_random_answers_give_a_card_with_the_stored_figures(answers):
    for depth in ("quick", "full"):
        state = State(flow=DIAGNOSIS.name, answers={**answers, "depth": depth})
        values, assumed = engine.resolved_answers(DIAGNOSIS, state, CTX)
        outcome = DIAGNOSIS.conclude(values, assumed, CTX)
        figures = stored(outcome)
        d, p = figures["diagnosis"], figures["profile"]
        card = card_of(figures, display_name=outcome.name or None)
        # Each figure is the stored one, and the outcome's.
        assert card.gaps.life == expected_gap(d["life"]) == outcome.diagnosis.life.c
        assert card.gaps.ci == expected_gap(d["critical_illness"]) == outcome.diagnosis.critical_illness.c
        assert card.gaps.retirement == expected_gap(d["retirement"]) == outcome.diagnosis.retirement.c
        assert card.financial_assets == Decimal(d["financial_assets"])
        assert card.tier == TIERS[d["tier"] - 1]
        assert card.minimum == Decimal(d["needed_accounts_min"])
        assert card.accounts_min == Decimal(d["insurance_accounts_min"])
        assert card.budget == (None if p["budget"] is None else Decimal(p["budget"]))
        assert card.age == p["age"] and card.family.children_ages == tuple(c["age"] for c in p["children"])
        assert card.medical == {True: "yes", False: "no", None: "unknown"}[p["million_medical"]]
        # The rendered gaps read as on the client's card.
        client = ZH.lines(client_card_lines(outcome))
        lines = ZH.lines(card_lines(card))
        assert len(lines.splitlines()) <= CARD_MAX_LINES and "{" not in lines
        for key, word, _ in RISKS:
            amount = getattr(card.gaps, key)
            if amount > 0:
                line = next(x for x in lines.splitlines() if x.startswith(f"{word}缺口 "))
                assert line + ":" in client
            else:
                assert f"{word}:无缺口" in lines and f"\n{word}:" in client
        # The export carries the same figures as whole yuan.
        row = dict(zip(EXPORT_HEADER, export_row(card, 0, None), strict=True))
        assert Decimal(row["寿险缺口(元)"]) == card.gaps.life.quantize(Decimal(1))
        assert Decimal(row["养老缺口(元)"]) == card.gaps.retirement.quantize(Decimal(1))


# --- the lead book -----------------------------------------------------------------------


def test_stages_move_forward_close_and_reopen():
    assert STAGES == ("new", "contacted", "proposal", "won", "lost")
    assert next_stages("new") == ("contacted", "proposal", "won", "lost")
    assert next_stages("proposal") == ("won", "lost")
    assert can_move("contacted", "proposal") and not can_move("proposal", "new")
    assert next_stages("won") == next_stages("lost") == ("contacted",)  # reopened
    assert all(not can_move(stage, stage) for stage in STAGES)


def test_contact_log_lines_and_notes():
    assert CONTACT_KINDS == ("T", "E", "M")
    at = datetime(2026, 11, 24, 9, 30)
    assert ZH(contact_line(ContactEntry("T", at))) == "📞 电话 2026-11-24 09:30"
    assert ZH(contact_line(ContactEntry("M", at, "  聊了重疾险  "))) == "🤝 面谈 2026-11-24 09:30 · 聊了重疾险"
    assert ZH(contact_line(ContactEntry("E", at))).startswith("✉️ 邮件")
    from flows.advisors import CONTACT_NOTE  # the note flow's step keeps the limit (the engine says it)
    assert CONTACT_NOTE.items[0].max == NOTE_MAX_CHARS


def test_filters():
    cold = replace(WANG_CARD, lead_id=3, rating="cold", tier="500w_plus", stage="contacted")
    assert matches(WANG_CARD, LeadFilter())
    assert matches(WANG_CARD, LeadFilter(tier="20w_100w", rating="hot", stage="new"))
    assert not matches(cold, LeadFilter(rating="hot"))
    assert matches(cold, LeadFilter(tier="500w_plus", stage="contacted"))
    assert not matches(WANG_CARD, LeadFilter(due=True), due_ids={3})
    assert matches(cold, LeadFilter(due=True), due_ids={3})
    assert ZH(filter_label(LeadFilter())) == "全部线索"
    assert ZH(filter_label(LeadFilter(tier="500w_plus", due=True))) == "筛选:500万以上 · 到期待办"


# --- the CSV export ----------------------------------------------------------------------


def test_the_export_reads_back_with_the_same_figures():
    rows = [export_row(WANG_CARD, 2, datetime(2026, 11, 30, 15, 0)),
            export_row(replace(WANG_CARD, lead_id=13, budget=None, name=None, phone=None), 0, None)]
    assert all(len(row) == len(EXPORT_HEADER) for row in rows)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(EXPORT_HEADER)
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8-sig")  # the BOM Excel needs
    read = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    first = read[0]
    assert (first["寿险缺口(元)"], first["重疾缺口(元)"], first["养老缺口(元)"]) == ("5410000", "1300000", "1300000")
    assert sum(Decimal(r["寿险缺口(元)"]) for r in read) == 2 * 541 * W  # a spreadsheet can sum them
    assert (first["年预算(元)"], first["建议最低(元)"], first["金融资产(元)"]) == ("200000", "110000", "800000")
    assert (first["资产分层"], first["评级"], first["阶段"], first["来源"]) == ("20万-100万", "热", "新线索", "推荐链接")
    assert first["关注排序"] == "收入保障>健康医疗>子女教育>养老>财富传承"
    assert (first["同意联系时间"], first["联系次数"], first["最近联系"]) == ("2026-11-23 10:05", "2", "2026-11-30 15:00")
    assert first["电话"] == "+86 138 0000 0000" and first["方便联系时间"] == "工作日晚上"
    assert (read[1]["称呼"], read[1]["年预算(元)"], read[1]["最近联系"]) == ("", "", "")


def test_the_export_defuses_formulas_a_client_typed():
    row = dict(zip(EXPORT_HEADER, export_row(replace(WANG_CARD, name="=HYPERLINK(\"x\")"), 0, None), strict=True))
    assert row["称呼"] == "'=HYPERLINK(\"x\")"
    assert row["电话"] == "+86 138 0000 0000"  # a phone number is not a formula


# --- every word through the catalog ------------------------------------------------------


def test_every_message_id_of_the_leads_core_is_translated():
    known = catalog_keys("zh_CN")
    used = set()
    for path in (ROOT / "flows" / "leads").glob("*.py"):
        used |= set(re.findall(r'\bmsg\(\s*"([a-z_.0-9A-Z]+)"', path.read_text(encoding="utf-8")))
    assert used and not used - known, sorted(used - known)
    # The ids built from a kind: every kind renders (the strict renderer fails on a missing one).
    for tier in TIERS:
        for rating in RATINGS:
            for stage in STAGES:
                for source in ("link", "offline", "direct"):
                    card = replace(WANG_CARD, tier=tier, rating=rating, stage=stage, source=source)
                    assert "{" not in ZH.lines(card_lines(card)) + ZH(card_brief(card))
    for medical in ("yes", "no", "unknown"):
        ZH.lines(card_lines(replace(WANG_CARD, medical=medical)))
    for time in ("weekday_day", "weekday_evening", "weekend"):
        ZH.lines(card_lines(replace(WANG_CARD, contact_time=time)))
    for kind in CONTACT_KINDS:
        ZH(contact_line(ContactEntry(kind, CONSENT_AT, "x")))

from dataclasses import replace
from datetime import date

import pytest

from flows.parsing import (
    ParseError,
    parse_choice,
    parse_date,
    parse_money,
    parse_number,
    parse_ranking,
    parse_text,
    parse_whole,
    parse_yes_no,
)


@pytest.mark.parametrize(
    "text, yuan",
    [
        ("30万", 300_000), ("30w", 300_000), ("30W", 300_000), ("三十万", 300_000), ("1.5亿", 150_000_000),
        ("8k", 8_000), ("8K", 8_000), ("8千", 8_000), ("¥300,000", 300_000), ("￥300,000", 300_000),
        ("300000元", 300_000), ("300000", 300_000), ("３０万", 300_000), ("30 万", 300_000),
        ("一百五十万", 1_500_000), ("两千", 2_000), ("三万五", 35_000), ("3万5千", 35_000), ("一点五亿", 150_000_000),
        ("2.75万", 27_500), ("一亿五千万", 150_000_000), ("十万", 100_000), ("一千零五十", 1_050),
        ("0", 0), ("无", 0), ("没有", 0), ("30万元", 300_000), ("人民币30万", 300_000), ("1,000,000", 1_000_000),
        ("3000块", 3_000), ("0.5万", 5_000),
    ],
)
def test_money_good(text, yuan):
    assert parse_money(text).value == yuan


@pytest.mark.parametrize(
    "text, key",
    [
        ("", "error.empty"), ("   ", "error.empty"), ("abc", "error.not_money"), ("三十万abc", "error.not_money"),
        ("-5万", "error.negative"), ("负五万", "error.negative"), ("😀", "error.not_money"), ("30万😀abc", "error.not_money"),
        ("1" * 5000, "error.too_long"), ("万", "error.not_money"), ("1.2.3", "error.not_money"),
        ("3 5", "error.one_number"), ("1,5万", "error.not_money"), ("元", "error.not_money"), ("1e6", "error.not_money"),
    ],
)
def test_money_hostile(text, key):
    with pytest.raises(ParseError) as err:
        parse_money(text)
    assert err.value.message.key == key


def test_monthly_amount_for_a_yearly_question_is_converted_and_said():
    parsed = parse_money("3000/月", period="year")
    assert parsed.value == 36_000
    assert parsed.note.key == "note.month_to_year"
    assert parse_money("每月1.5万", period="year").value == 180_000
    assert parse_money("月3000", period="year").value == 36_000


def test_yearly_amount_for_a_monthly_question_is_converted():
    parsed = parse_money("12万/年", period="month")
    assert parsed.value == 10_000 and parsed.note.key == "note.year_to_month"


def test_period_matching_the_question_needs_no_note():
    assert parse_money("30万/年", period="year").note is None
    assert parse_money("8000/月", period="month").note is None
    with pytest.raises(ParseError) as err:  # a total was asked: a rate is not silently taken as one
        parse_money("8000/月")
    assert err.value.message.key == "error.not_periodic"


def test_huge_number_parses_exactly_bounds_are_the_steps_job():
    assert parse_number("9" * 30) == int("9" * 30)


@pytest.mark.parametrize("text, n", [("3", 3), ("三", 3), ("35岁", 35), ("2个", 2), ("一百", 100), ("０", 0),
                                     ("十二", 12), ("没有", 0)])
def test_whole_good(text, n):
    assert parse_whole(text).value == n


@pytest.mark.parametrize("text, key", [("2.5", "error.not_whole"), ("abc", "error.not_whole"), ("-1", "error.negative"),
                                       ("", "error.empty"), ("x" * 5000, "error.too_long"), ("🎂", "error.not_whole")])
def test_whole_hostile(text, key):
    with pytest.raises(ParseError) as err:
        parse_whole(text)
    assert err.value.message.key == key


@pytest.mark.parametrize("text", ["1985-03-12", "1985/3/12", "1985.3.12", "1985年3月12日", "1985年3月12号",
                                  "19850312", "１９８５-０３-１２", " 1985-3-12 "])
def test_date_good(text):
    assert parse_date(text).value == date(1985, 3, 12)


@pytest.mark.parametrize("text, key", [("1985-02-30", "error.no_such_date"), ("1985-13-01", "error.no_such_date"),
                                       ("三月十二", "error.not_date"), ("85-3-12", "error.not_date"),
                                       ("", "error.empty"), ("😀", "error.not_date")])
def test_date_hostile(text, key):
    with pytest.raises(ParseError) as err:
        parse_date(text)
    assert err.value.message.key == key


@pytest.mark.parametrize("text, value", [("是", True), ("否", False), ("对", True), ("不是", False), ("好", True),
                                         ("y", True), ("n", False), ("Y", True), ("好的!", True), ("不同意", False)])
def test_yes_no(text, value):
    assert parse_yes_no(text).value is value


@pytest.mark.parametrize("text", ["也许", "maybe", "", "😀", "是" * 300])
def test_yes_no_hostile(text):
    with pytest.raises(ParseError):
        parse_yes_no(text)


OPTIONS = [("single", "未婚"), ("married", "已婚"), ("divorced", "离异"), ("widowed", "丧偶")]


@pytest.mark.parametrize("text, oid", [("married", "married"), ("2", "married"), ("已婚", "married"), ("２", "married"),
                                       ("丧偶", "widowed")])
def test_choice(text, oid):
    assert parse_choice(text, OPTIONS).value == oid


@pytest.mark.parametrize("text", ["5", "0", "婚", "xyz", "", "-1", "丧"])
def test_choice_hostile(text):
    with pytest.raises(ParseError):
        parse_choice(text, OPTIONS)


RANK = [("income", "收入保障"), ("health", "健康医疗"), ("education", "子女教育"), ("retirement", "养老"),
        ("legacy", "财富传承")]


def test_ranking_forms():
    full = ["health", "income", "education", "legacy", "retirement"]
    assert parse_ranking("2 1 3 5 4", RANK).value == full
    assert parse_ranking("21354", RANK).value == full
    assert parse_ranking("健康医疗,收入保障,子女教育,财富传承,养老", RANK).value == full
    assert parse_ranking("2、1", RANK).value == ["health", "income", "education", "retirement", "legacy"]


@pytest.mark.parametrize("text, key", [("1 1 2", "error.ranking_repeat"), ("6", "error.not_ranking"),
                                       ("abc", "error.not_ranking"), ("", "error.empty")])
def test_ranking_hostile(text, key):
    with pytest.raises(ParseError) as err:
        parse_ranking(text, RANK)
    assert err.value.message.key == key


def test_text():
    assert parse_text(" 王先生 ").value == "王先生"
    assert parse_text("a\u200bb").value == "ab"  # invisible marks are dropped, not stored
    for bad, key in [("王" * 21, "error.text_too_long"), ("", "error.empty"), ("a\x00b", "error.text_invalid"),
                     ("x" * 5000, "error.too_long")]:
        with pytest.raises(ParseError) as err:
            parse_text(bad)
        assert err.value.message.key == key


# --- issue 8: never crash, never misread ---------------------------------------

from flows.diagnosis import DIAGNOSIS  # noqa: E402
from flows.engine import read_answer  # noqa: E402
from flows.flow import Step  # noqa: E402
from flows.messages import msg  # noqa: E402
from flows.parsing import ITEM_WORDS, MONEY_TOPICS, money_topic, parse_amounts  # noqa: E402
from tests.helpers import CTX, TODAY, ZH  # noqa: E402

# Every step: two children (their education steps), two parents. A child's age
# is asked in "children" (every age in one answer), savings and the life and
# critical-illness cover in "resources" (one labelled answer).
STEPS = {s.key: s for s in DIAGNOSIS.expand({"children": [5, 8], "parents_count": 2})}
NOTHING_ELSE = {"savings": 0, "life_cover": 0, "ci_cover": 0}


# The topic the money steps without a party will name in their ``about``
# (parsing.MONEY_TOPICS), by step key (a repeat's step by its own key): the
# lines proposed to flows/diagnosis.py. Steps that name a party (the incomes)
# or a list of words (the mortgage) already give theirs (parsing.TOPIC_OF_STEP).
TOPIC_ABOUT = {"living_expenses": "living_expenses", "budget": "budget", "other_debts": "other_debts",
               "debt_payment": "debt_payment", "support": "parent_support", "education": "education",
               "retirement_spending": "retirement_spending", "pension": "pension", "other_assets": "other_assets",
               "retirement_savings": "retirement_savings"}


def topical(step):
    """The step as it will be declared: with its topic, if it names none yet."""
    about = TOPIC_ABOUT.get(step.key.rsplit(".", 1)[-1])
    if step.kind != "money" or about is None or money_topic(step.words, step.about) is not None:
        return step
    return replace(step, about=about)


def _step(key):
    return key if isinstance(key, Step) else topical(STEPS[key])


def answer(key, text, answers=None, unclear=None):
    """read_answer at a step of the diagnosis (a key, or the step); the note,
    if any, must render. ``unclear``: the amount the step just asked back as
    monthly or yearly."""
    parsed = read_answer(_step(key), text, answers or {}, CTX, unclear)
    if parsed.note:
        ZH(parsed.note)
    return parsed


def rejected(key, text, answers=None):
    return rejection(key, text, answers).key


def rejection(key, text, answers=None):
    """The message a step answers ``text`` with (it must render)."""
    with pytest.raises(ParseError) as err:
        read_answer(_step(key), text, answers or {}, CTX)
    ZH(err.value.message)  # every error renders from the catalog
    return err.value.message


def resources(**parts):
    """The resources step's value: the parts named, the others 0."""
    return {**NOTHING_ELSE, **parts}


@pytest.mark.parametrize("text", ["一点五点五", "一点五点五万", "9" * 29, "9" * 29 + "万", "9" * 200, "点五", "零零", "万万"])
def test_numeral_crashes_of_issue_8_are_clear_errors(text):
    for key, said in (("income", text), ("mortgage", text), ("debt_payment", text), ("parents_count", text),
                      ("spouse_age", text), ("children", text), ("resources", text),
                      ("resources", f"存款{text},寿险0,重疾0")):
        try:
            answer(key, said)
        except ParseError:
            pass
    assert rejected("mortgage", "9" * 29) == "error.too_large"


@pytest.mark.parametrize("text, key", [
    ("5万3万", "error.one_number"), ("30万 40万", "error.one_number"), ("30万\n30万", "error.one_number"),
    ("30万,40万", "error.one_number"), ("30万和40万", "error.one_number"), ("5万+3万", "error.one_number"),
    ("拾9百", "error.one_number"), ("十五十", "error.one_number"), ("一百二百", "error.one_number"),
    ("3万500", "error.not_money"), ("一百零五十", "error.one_number"), ("三十三十万", "error.one_number"),
    ("1,5万", "error.not_money"), ("三千五万", "error.one_number"), ("5万3亿", "error.one_number"),
])
def test_malformed_numbers_are_never_stored(text, key):
    assert rejected("mortgage", text) == key


def test_malformed_number_at_a_whole_step():
    # A count or an age is never added up: "请只填一个数", without the add-up hint of amounts.
    assert rejected("spouse_age", "十五十") == "error.just_one"
    assert rejected("parents_count", "3 5") == "error.just_one"
    # Where every child's age is asked, two numbers are two ages, never their sum.
    assert answer("children", "3 5").value == [3, 5]
    assert rejected("children", "十五十") == "error.not_ages"


@pytest.mark.parametrize("text, yuan", [
    ("三万五", 35_000), ("一百五", 150), ("1.5亿", 150_000_000), ("三十万", 300_000), ("一点五亿", 150_000_000),
    ("八千", 8_000), ("两万三千", 23_000), ("十五", 15), ("二十五", 25), ("一千零五十", 1_050), ("300,000", 300_000),
    ("8k", 8_000), ("百万", 1_000_000), ("千万", 10_000_000), ("一百万", 1_000_000), ("两百万", 2_000_000),
    ("兩萬", 20_000), ("貳萬", 20_000), ("壹億", 100_000_000), ("一亿五", 150_000_000), ("一万亿", 10**12),
    ("3万5000", 35_000), ("1.5千万", 15_000_000), ("十二点五万", 125_000), ("1w5", 15_000), ("1k5", 1_500),
])
def test_well_formed_numbers_keep_working(text, yuan):
    assert parse_money(text).value == yuan


@pytest.mark.parametrize("key, digits, chinese", [
    ("mortgage", "60", "六十"), ("income", "8000", "八千"), ("income", "8000", "8千"), ("income", "8000", "8k"),
    ("living_expenses", "5000", "五千"),
])
def test_chinese_numerals_get_the_same_plausibility_questions(key, digits, chinese):
    assert rejected(key, digits) == rejected(key, chinese) in ("error.tiny_amount", "error.tiny_yearly")


def test_unit_given_means_currency_period_or_magnitude():
    # 八千元 says its unit, so no "8000 or 8000万?"; as a year's income it may
    # well be a month's pay, so it is asked monthly or yearly, and the reply taken.
    asked = rejection("income", "八千元")
    assert asked.key == "error.monthly_or_yearly" and "8,000" in ZH(asked)
    assert answer("income", "每年", unclear=8_000).value == 8_000
    assert answer("income", "每月", unclear=8_000).value == 96_000
    assert answer("parent.1.support", "八千元").value == 8_000  # a yearly amount not asked back: taken
    assert answer("income", "三万元").value == answer("income", "3万").value == 30_000  # 3万 and more: taken
    assert answer("income", "每年八千元").value == 8_000  # the period written: taken
    assert answer("income", "8k/月").value == 96_000
    assert answer("mortgage", "六十万").value == 600_000
    assert answer("mortgage", "60w").value == 600_000
    assert not parse_money("8k").unit_given and not parse_money("一百").unit_given
    assert parse_money("¥80").unit_given and parse_money("80块").unit_given and parse_money("八十元").unit_given


@pytest.mark.parametrize("text", ["大概30万", "30万左右", "约30万", "差不多30万", "30多万", "三十来万", "30万上下",
                                  "大约30万吧", "将近30万"])
def test_approximations_are_taken_with_a_note(text):
    parsed = answer("other_assets", text)  # a total, as savings was
    assert parsed.value == 300_000 and parsed.note.key == "note.approx"
    assert ZH(parsed.note) == "好的,按 30万 计。"
    # Savings are one part of the resources answer: one note says every part as taken.
    parsed = answer("resources", f"存款{text},寿险0,重疾0")
    assert parsed.value == resources(savings=300_000) and parsed.note.key == "note.amounts_approx"
    assert ZH(parsed.note) == "好的,按存款/理财 30万、寿险保额 0、重疾险保额 0计。"


@pytest.mark.parametrize("key, text, value, note", [
    ("income", "年薪30万", 300_000, None), ("income", "税后30万", 300_000, None),
    ("income", "月薪8000", 96_000, "note.month_to_year"), ("income", "每个月8000", 96_000, "note.month_to_year"),
    ("debt_payment", "月供5000", 5_000, None), ("resources", "存款20万,寿险0,重疾0", resources(savings=200_000), None),
    ("resources", "寿险没买,存款20万,重疾没有", resources(savings=200_000), None),
    ("mortgage", "房贷还剩50万", 500_000, None), ("living_expenses", "大约每月3000", 36_000, "note.approx_month_to_year"),
    ("retirement_spending", "年薪12万", 10_000, "note.year_to_month"), ("income", "到手30万", 300_000, None),
    ("budget", "每年预算2万", 20_000, None),
])
def test_context_words_around_the_amount(key, text, value, note):
    parsed = answer(key, text)
    assert parsed.value == value
    assert (parsed.note.key if parsed.note else None) == note


def test_context_words_that_change_the_question_are_asked_about():
    assert rejected("mortgage", "月供5000") == "error.not_periodic"
    assert rejected("income", "税前30万") == "error.pre_tax"
    for text in ("20-30万", "20~30万", "20到30万", "20万-30万", "两三万", "二三十万", "三五万"):
        assert rejected("income", text) == "error.range", text
    for text in ("十几万", "几万", "几十万"):
        assert rejected("income", text) == "error.vague", text


ZERO_WORDS = ["没有房贷", "还清了", "暂无", "没有收入", "没有", "无", "0", "零", "不用", "没买", "已还清", "没有存款"]
ZERO_ITEM = {"没有房贷": "mortgage", "没有收入": "income", "没有存款": "savings"}  # a zero naming an item


@pytest.mark.parametrize("text", ZERO_WORDS)
def test_zero_by_words(text):
    for key in ("mortgage", "income", "other_assets", "budget", "living_expenses"):
        step = topical(STEPS[key])
        topic = money_topic(step.words, step.about)
        item = ZERO_ITEM.get(text)
        if item and item not in MONEY_TOPICS[topic]:
            # 没有房贷 is no income of 0: another item's zero is asked back like its amount.
            assert rejected(step, text) == "error.other_item", (key, text)
        elif key == "living_expenses":  # at least 1000 a year: 0 is out of its bounds
            rejected(step, text)
        else:
            assert answer(step, text).value == 0, (key, text)
    # At the resources question: each part's zero, in words; a zero naming another amount is asked back.
    if text in ("没有房贷", "没有收入"):
        assert rejected("resources", f"寿险{text},重疾0,存款0") == "error.amounts_other"
    elif text != "没有存款":
        for part, label in (("savings", "存款"), ("life_cover", "寿险"), ("ci_cover", "重疾")):
            others = "、".join(f"{other}20万" for other in ("存款", "寿险", "重疾") if other != label)
            got = answer("resources", f"{label}{text}、{others}").value
            assert got == {p: 0 if p == part else 200_000 for p in NOTHING_ELSE}, (label, text, got)


@pytest.mark.parametrize("text", ["没有", "无", "0", "零", "暂无", "没买", "什么都没有", "都没有", "三个都没有"])
def test_zero_by_words_for_every_resource_at_once(text):
    assert answer("resources", text).value == NOTHING_ELSE


def test_zero_by_words_naming_one_resource_asks_for_the_others():
    # 没有存款 says nothing of the cover: asked for what is missing, never taken as 0.
    missing = rejection("resources", "没有存款")
    assert missing.key == "error.amounts_missing" and "寿险保额" in ZH(missing) and "重疾险保额" in ZH(missing)
    assert answer("resources", "没有存款,其他也没有").value == NOTHING_ELSE


def test_zero_words_with_a_number_are_not_guessed():
    assert rejected("mortgage", "没有30万") == "error.not_money"


@pytest.mark.parametrize("text", ["30万。", "30万!", "30万！", "\u200b30万", "30\u200e万", "\ufeff30万", "30万\u00a0",
                                  "\u300030万\u3000", "「30万」", "30万~", "30万…"])
def test_trailing_punctuation_and_invisible_marks(text):
    assert answer("other_assets", text).value == 300_000
    # The same dressing around a whole resources answer (and inside its last amount).
    assert answer("resources", text.replace("30", "寿险0,重疾0,存款30")).value == resources(savings=300_000)


@pytest.mark.parametrize("text", ["85年3月12日", "85.3.12", "一九八五年三月十二日", "1985年3月12日出生", "1985年3月12号",
                                  "1985 3 12", "1985-3-12", "19850312", "85-3-12", "1985年3月12日。",
                                  "我是1985年3月12日出生的", "一九八五年3月12日", "\u200b1985-03-12"])
def test_dates_people_type(text):
    assert answer("birth_date", text).value == "1985-03-12"


def test_two_digit_years_make_the_person_0_to_100_years_old():
    # Today is 2026-11-23 in the tests.
    assert parse_date("05年6月1日", today=TODAY).value == date(2005, 6, 1)
    assert parse_date("27年1月1日", today=TODAY).value == date(1927, 1, 1)  # 2027 is not born yet
    assert parse_date("26年1月1日", today=TODAY).value == date(2026, 1, 1)  # both fit: the younger
    assert parse_date("26年12月1日", today=TODAY).value == date(1926, 12, 1)
    assert parse_date("00.2.29", today=TODAY).value == date(2000, 2, 29)
    with pytest.raises(ParseError):
        parse_date("85年3月12日")  # without today a two-digit year is not guessed


@pytest.mark.parametrize("key, text, n", [
    ("parents_count", "两位老人", 2), ("parents_count", "没有", 0),
    ("children", "没有孩子", []), ("children", "6个月", [0]), ("children", "半岁", [0]), ("children", "刚出生", [0]),
    ("children", "未满一岁", [0]), ("children", "8岁了", [8]), ("children", "一岁半", [1]),
    ("children", "两个孩子,3岁和5岁", [3, 5]), ("children", "一儿一女,5岁和3岁", [5, 3]),
    ("children", "儿子5岁,女儿3岁", [5, 3]),
    ("spouse_age", "38岁", 38), ("spouse_age", "三十八", 38), ("spouse_age", "38周岁", 38),
    ("support_end_age", "22岁", 22), ("retirement_age", "60岁退休", 60), ("support_years", "二十年", 20),
])
def test_counts_and_ages(key, text, n):
    assert answer(key, text).value == n


@pytest.mark.parametrize("text, n", [("两个孩子", 2), ("一儿一女", 2), ("两儿一女", 3), ("一个女儿", 1), ("俩孩子", 2)])
def test_a_count_of_children_is_read_and_their_ages_asked(text, n):
    # The children's ages are asked, not their number: a count alone is
    # understood (the message says it) and each child's age asked for.
    asked = rejection("children", text)
    assert asked.key == "error.ages_needed" and asked.params["n"] == n
    assert f"{n} 个孩子" in ZH(asked)


def test_children_named_without_a_count_ask_for_each_age():
    assert rejected("children", "一个儿子一个女儿") in ("error.ages_needed", "error.ages_needed_any")
    assert answer("children", "一个儿子一个女儿,5岁和3岁").value == [5, 3]


def test_months_are_not_a_count():
    assert rejected("parents_count", "6个月") == "error.not_whole"
    for text in ("6个月", "两个月"):  # where every child's age is asked: a baby's age, not a number of children
        assert answer("children", text).value == [0], text


@pytest.mark.parametrize("key, text, value", [
    ("social_medical", "有的", True), ("million_medical", "是啊", True), ("million_medical", "好啊", True),
    ("contact_ok", "好滴", True), ("contact_ok", "可以的", True), ("contact_ok", "没问题", True),
    ("contact_ok", "行吧", True), ("contact_ok", "嗯", True), ("contact_ok", "不用了", False),
    ("contact_ok", "不了", False), ("million_medical", "没有", False), ("social_medical", "有医保", True),
    ("social_medical", "没有医保", False), ("social_medical", "有社保", True), ("contact_ok", "要", True),
    ("contact_ok", "不要", False), ("contact_ok", "1", True), ("contact_ok", "2", False), ("contact_ok", "yes", True),
    ("contact_ok", "是", True), ("contact_ok", "否", False), ("greetings_ok", "好的!", True),
])
def test_yes_and_no_as_people_say_them(key, text, value):
    assert answer(key, text).value is value


@pytest.mark.parametrize("text", [",", "，", "开", "断", "始", "诊断", "意", "同", "有", "要", "需要", "(", "同意同意", "...",
                                  "开始诊", "意,开", "1同意"])
def test_consent_only_for_an_unambiguous_yes(text):
    try:
        assert answer("consent", text).value is not True
    except ParseError as err:
        ZH(err.message)


@pytest.mark.parametrize("text", ["同意", "同意,开始诊断", "同意，开始诊断", "开始诊断", "我同意", "是", "好的", "可以",
                                  "yes", "1", "嗯", "同意。", "yes"])
def test_consent_yes(text):
    assert answer("consent", text).value is True


# The depth is asked only when changed from the full interview's edit menu;
# its labels are 快速诊断 / 完整诊断 (no longer 快速诊断(约10题)).
@pytest.mark.parametrize("text", ["0", "(", ")", "诊断", "断", "速", "诊", "快速诊", "整诊断", "3"])
def test_depth_is_not_picked_by_a_piece_of_its_label(text):
    assert rejected("depth", text) == "error.not_choice"


@pytest.mark.parametrize("key, text, oid", [
    ("depth", "快速", "quick"), ("depth", "完整", "full"), ("depth", "1", "quick"), ("depth", "2", "full"),
    ("depth", "快速诊断", "quick"), ("depth", "完整诊断", "full"), ("depth", "quick", "quick"),
    ("gender", "男性", "male"), ("gender", "男的", "male"), ("gender", "女士", "female"), ("gender", "保密", "unspecified"),
    ("marital", "单身", "single"), ("marital", "未婚", "single"), ("marital", "没结婚", "single"),
    ("marital", "结婚了", "married"), ("marital", "已婚", "married"), ("marital", "离婚", "divorced"),
    ("marital", "离异", "divorced"), ("marital", "丧偶", "widowed"), ("marital", "第2个", "married"),
    ("birthday_calendar", "公历", "solar"), ("birthday_calendar", "阳历", "solar"), ("birthday_calendar", "新历", "solar"),
    ("birthday_calendar", "阴历", "lunar"), ("birthday_calendar", "农历", "lunar"), ("birthday_calendar", "旧历", "lunar"),
    ("birthday_calendar", "农历生日", "lunar"),
])
def test_choices_as_people_say_them(key, text, oid):
    assert answer(key, text).value == oid


@pytest.mark.parametrize("text", [",", "，，", "、", "!!!", "...", "--", ">>"])
def test_punctuation_alone_is_not_a_ranking(text):
    assert rejected("priorities", text) == "error.not_ranking"


def test_ranking_by_words():
    assert answer("priorities", "健康,收入").value[:2] == ["health", "income"]
    assert rejected("priorities", "保障") == "error.not_ranking"


@pytest.mark.parametrize("text", ["不想说", "保密", "不告诉你", "无", "-", "不想透露", "跳过"])
def test_no_name_means_address_neutrally(text):
    parsed = answer("name", text)
    assert parsed.value == "" and parsed.note.key == "note.no_name"


@pytest.mark.parametrize("text", ["...", "!!", "\u0301\u0301", "😀", "（）", "~~~", "\u200b\u200b", "\u00a0", "🙂🙂"])
def test_a_name_needs_letters(text):
    assert rejected("name", text) in ("error.name_invalid", "error.empty")


def test_names_are_kept_as_written():
    assert answer("name", "王先生").value == "王先生"
    assert answer("name", "叫我小王就行").value == "小王"
    assert answer("name", "陸先生").value == "陸先生"  # traditional characters in a name stay
    assert answer("name", "Mr. Wang").value == "Mr. Wang"


def test_too_long_stays_too_long():
    for key in ("name", "income", "consent", "depth", "priorities", "birth_date", "parents_count", "children",
                "resources", "contact_time", "contact_phone"):
        assert rejected(key, "1" * 201) == "error.too_long", key


@pytest.mark.parametrize("key, text", [
    ("income", "¥300,000"), ("income", "300000"), ("income", "三十万"), ("income", "30w"), ("mortgage", "0"),
    ("living_expenses", "1.5万/月"), ("child.1.education", "50万"), ("children", "3"), ("children", "三"),
    ("children", "0"), ("children", "5岁、3岁"), ("children", "3岁、7岁"), ("children", "5岁"), ("children", "没有"),
    ("resources", "存款60万、寿险50万、重疾20万"), ("resources", "没有"), ("resources", "都没有"),
    ("resources", "存款60万、寿险0、重疾0"), ("parents_count", "2"), ("support_end_age", "22岁"), ("mortgage", "150万"),
    ("birth_date", "1985-03-12"),
    ("birth_date", "1985年3月12日"), ("name", "王先生"), ("name", "不想说"), ("consent", "同意"), ("consent", "不同意"),
    ("priorities", "2 1 3 5 4"),
])
def test_what_the_questions_and_errors_suggest_is_accepted(key, text):
    answer(key, text)


def test_a_quick_interview_typed_the_way_people_talk():
    from flows import engine
    from tests.helpers import interview

    # The depth is not asked (quick unless /deepen); the children's ages and
    # the resources are one answer each.
    state, _, outcome, asked = interview(["同意", "85年3月12日", "单身", "没有孩子", "年薪30万", "每月8000",
                                          "没有房贷", "存款20万,寿险没买,重疾没有", "每年2万左右"])
    assert asked == ["consent", "birth_date", "marital", "children", "income", "living_expenses", "mortgage",
                     "resources", "budget"]
    assert outcome is not None
    a = state.answers
    assert (a["consent"], a["birth_date"], a["marital"]) == (True, "1985-03-12", "single")
    assert engine.resolved_answers(DIAGNOSIS, state, CTX)[0]["depth"] == "quick"
    assert (a["children"], a["income"], a["living_expenses"], a["mortgage"]) == ([], 300_000, 96_000, 0)
    assert (a["resources"], a["budget"]) == (resources(savings=200_000), 20_000)


@pytest.mark.parametrize("text", ["是吗", "好吗", "有吗", "是否", "要不要", "好不好"])
def test_a_question_back_is_not_a_yes(text):
    # 是吗 / 好吗 / 要不要 are questions back: answered by pointing to the buttons.
    assert rejected("contact_ok", text) in ("error.not_yes_no", "error.question_options")


# --- issue 8, second round: what a hostile tester typed next -------------------


@pytest.mark.parametrize("key, text, age, note", [
    ("children", "18年的", [8], "好的,按 2018 年出生计,今年 8 岁。"),
    ("parent.1.age", "58年的", 68, "好的,按 1958 年出生计,今年 68 岁。"),
    ("spouse_age", "88年的", 38, "好的,按 1988 年出生计,今年 38 岁。"),
    ("children", "2018-05-01", [8], "好的,按 2018年5月1日出生计,现在 8 岁。"),
    ("children", "2018-12-01", [7], "好的,按 2018年12月1日出生计,现在 7 岁。"),  # not yet 8 on 2026-11-23
    ("children", "2018年", [8], None), ("parent.1.age", "1958年", 68, None), ("children", "2018年出生", [8], None),
    ("parent.1.age", "1958", 68, None), ("parent.1.age", "一九五八年", 68, None), ("children", "18年生", [8], None),
    ("children", "2018年5月", [8], "好的,按 2018年5月出生计,今年 8 岁。"), ("spouse_age", "是88年的", 38, None),
    ("children", "26年的", [0], None),
])
def test_a_year_of_birth_at_an_age_question_becomes_an_age(key, text, age, note):
    parsed = answer(key, text)
    assert parsed.value == age
    assert parsed.note is not None and parsed.note.key.startswith("note.age_from_birth")
    if note:
        assert ZH(parsed.note) == note


@pytest.mark.parametrize("key, text, error", [
    ("children", "58年的", "error.birth_year"),  # neither 1958 (68) nor 2058 fits a child
    ("children", "1958年", "error.birth_year_age"), ("parent.1.age", "2018年", "error.birth_year_age"),
    ("children", "2030年", "error.birth_year"), ("children", "2018-13-01", "error.no_such_date"),
    ("children", "2018-02-30", "error.no_such_date"),
])
def test_a_year_of_birth_that_fits_no_reading_is_asked_never_stored(key, text, error):
    assert rejected(key, text) == error


def test_ages_are_still_ages():
    assert answer("spouse_age", "38").value == 38
    assert answer("children", "8岁").value == [8]
    assert answer("support_years", "20年").value == 20  # not an age step: 年 is years
    assert rejected("children", "123456") == "error.too_large"  # a number, not a date


def test_an_approximate_age_says_years():
    parsed = answer("children", "1岁多")
    assert parsed.value == [1] and ZH(parsed.note) == "好的,按 1 岁计。"
    assert ZH(answer("parents_count", "3个左右").note) == "好的,按 3 计。"


@pytest.mark.parametrize("text, yuan", [("两个亿", 200_000_000), ("一个亿", 100_000_000), ("2个亿", 200_000_000),
                                        ("5个亿", 500_000_000), ("三个万", 30_000)])
def test_ge_before_a_magnitude(text, yuan):
    assert answer("resources", f"存款{text},寿险0,重疾0").value == resources(savings=yuan)
    assert answer("other_assets", text).value == yuan


@pytest.mark.parametrize("text", ["不超过5万", "5万以内", "最多5万", "不到5万"])
def test_upper_limits_are_taken_with_a_note(text):
    parsed = answer("budget", text)
    assert parsed.value == 50_000 and parsed.note.key == "note.approx"


@pytest.mark.parametrize("text", ["$50k", "$50,000", "5万美元", "5万美金", "USD 50000", "50000 usd", "100HKD",
                                  "10万港币", "10万港元", "1万欧元", "€10000", "HK$100000"])
def test_foreign_currency_is_asked_in_renminbi(text):
    assert rejected("other_assets", text) == "error.foreign_currency"
    assert rejected("resources", f"存款{text},寿险0,重疾0") == "error.foreign_currency"
    assert rejected("resources", f"寿险0、重疾0、存款{text}") == "error.foreign_currency"


@pytest.mark.parametrize("key, text, value", [
    ("income", "年薪40万（税后）", 400_000), ("income", "年薪40万(税后)", 400_000), ("income", "40万👍", 400_000),
    ("income", "😊40万", 400_000), ("income", "40万(大概)", 400_000), ("income", "40万（左右）", 400_000),
    ("income", "40万(不含公积金)", 400_000), ("income", "8000(每月)", 96_000), ("income", "40万【估的】", 400_000),
    ("contact_ok", "好的👌", True), ("consent", "好的👌", True), ("children", "5岁、3岁😊", [5, 3]),
    ("children", "双胞胎4岁(龙凤胎)", [4, 4]), ("children", "两个孩子,都4岁(双胞胎)", [4, 4]),
    ("resources", "存款60万👍,寿险50万,重疾20万", resources(savings=600_000, life_cover=500_000, ci_cover=200_000)),
    ("resources", "存款60万(不含公积金),寿险50万,重疾20万",
     resources(savings=600_000, life_cover=500_000, ci_cover=200_000)),
    ("income", "40万👍🏻", 400_000), ("income", "❤️40万", 400_000), ("income", "40万👨‍👩‍👧", 400_000),
])
def test_emoji_and_bracketed_remarks_are_not_the_answer(key, text, value):
    assert answer(key, text).value == value


def test_a_remark_that_changes_the_meaning_keeps_its_handling():
    assert rejected("income", "年薪40万(税前)") == "error.pre_tax"
    with pytest.raises(ParseError):  # a number inside the brackets: not dropped, not guessed
        read_answer(STEPS["income"], "40万(其中5万奖金)", {}, CTX)
    with pytest.raises(ParseError):
        read_answer(STEPS["resources"], "存款60万(其中10万理财),寿险50万,重疾20万", {}, CTX)
    # A count in brackets next to a count: the remark adds nothing, the ages are still asked.
    asked = rejection("children", "2个(双胞胎)")
    assert asked.key == "error.ages_needed" and asked.params["n"] == 2


@pytest.mark.parametrize("text, ages", [
    ("4岁(双胞胎)", [4, 4]), ("4岁（双胞胎）", [4, 4]), ("4岁 (双胞胎)", [4, 4]), ("4岁【龙凤胎】", [4, 4]),
    ("4岁(一对双胞胎)", [4, 4]), ("4岁(是双胞胎)", [4, 4]), ("4岁(三胞胎)", [4, 4, 4]), ("(双胞胎)4岁", [4, 4]),
    ("老大8岁,老二4岁(双胞胎)", [8, 4, 4]), ("4岁(双胞胎),8岁", [4, 4, 8]),
    # Said twice, or with the count: still two children.
    ("双胞胎4岁(双胞胎)", [4, 4]), ("两个孩子,都4岁(双胞胎)", [4, 4]),
])
def test_twins_in_brackets_are_two_children(text, ages):
    # Found in review: 4岁(双胞胎) was read as one child of 4 (the remark dropped as words it did not know).
    assert answer("children", text).value == ages


@pytest.mark.parametrize("text", ["4岁(两个)", "4岁(俩)", "4岁(两个孩子)", "4岁(是双胞胎吗)", "4岁(双胞胎之一)",
                                  "4岁(其实是双胞胎)", "3岁(一儿一女)"])
def test_a_bracketed_remark_that_may_change_the_count_is_asked_back_never_dropped(text):
    rejected("children", text)


@pytest.mark.parametrize("text", ["是的，同意", "好的，同意", "同意的", "好的👌", "好的,同意", "嗯,同意", "同意 开始"])
def test_consent_said_the_way_people_say_it(text):
    assert answer("consent", text).value is True


@pytest.mark.parametrize("text", [",", "开", "是吗", "不同意", "同意吗", "是的,不同意", "同意,不同意", "好的,不"])
def test_consent_stays_strict(text):
    try:
        assert answer("consent", text).value is not True
    except ParseError as err:
        ZH(err.message)


def test_social_medical_said_the_way_people_say_it():
    assert answer("social_medical", "医保有的").value is True
    assert answer("social_medical", "社保没有").value is False
    assert answer("social_medical", "有社保").value is True
    parsed = answer("social_medical", "应该有")
    assert parsed.value is True and parsed.note.key == "note.unsure_yes_no"  # taken, and said it can be changed
    assert answer("social_medical", "可能没有").value is False


@pytest.mark.parametrize("key, text, value", [
    ("mortgage", "已经还完了", 0), ("mortgage", "还完了", 0), ("mortgage", "没买房", 0), ("mortgage", "租房", 0),
    ("mortgage", "租房住", 0), ("mortgage", "120万，公积金贷款", 1_200_000), ("mortgage", "120万,商贷", 1_200_000),
    ("spouse_income", "她没工作", 0), ("spouse_income", "家庭主妇", 0), ("spouse_income", "全职太太", 0),
    ("spouse_income", "没上班", 0), ("spouse_income", "他没上班了", 0), ("income", "没工作", 0),
    ("children", "双胞胎4岁", [4, 4]), ("children", "一对龙凤胎3岁", [3, 3]), ("children", "丁克", []),
    ("support_end_age", "大学毕业", 22), ("support_end_age", "高中毕业", 18), ("support_end_age", "研究生毕业", 25),
    ("support_end_age", "打算到大学毕业", 22), ("support_end_age", "到大学毕业为止吧", 22),
])
def test_zero_and_answers_in_words_for_their_question(key, text, value):
    assert answer(key, text).value == value


@pytest.mark.parametrize("text", ["双胞胎", "一对龙凤胎", "龙凤胎"])
def test_twins_without_their_age_are_two_children_whose_age_is_asked(text):
    asked = rejection("children", text)
    assert asked.key == "error.ages_needed" and asked.params["n"] == 2


def test_words_of_one_question_mean_nothing_at_another():
    rejected("other_assets", "租房")
    assert rejected("resources", "租房") == "error.amounts_other"  # 房: an asset this question does not ask about
    rejected("resources", "家庭主妇")
    rejected("children", "大学毕业")
    rejected("parents_count", "双胞胎")
    rejected("income", "大学毕业")
    assert rejected("mortgage", "120万,每月5000") == "error.one_number"  # a clause with a number is not a remark


def test_already_retired_asks_for_the_age_they_retired_at():
    assert rejected("retirement_age", "已经退休了") == "error.already_retired"
    assert rejected("retirement_age", "已退休") == "error.already_retired"
    assert answer("retirement_age", "55").value == 55


@pytest.mark.parametrize("text", ["不知道", "不清楚", "不确定", "随便", "忘了", "没算过", "我也不清楚", "不知道具体多少",
                                  "不太清楚诶", "记不清了"])
def test_dont_know_says_what_happens_then(text):
    assert rejected("mortgage", text) == "error.dont_know_default"  # a default: 跳过 takes it
    assert rejected("budget", text) == "error.dont_know_estimate"  # no default: an estimate or 0
    assert rejected("living_expenses", text) == "error.dont_know_required"  # no default, at least 1000
    assert rejected("priorities", text) == "error.dont_know_default"
    assert rejected("children", text) == "error.dont_know_required"  # no default: each child's age is needed
    assert rejected("resources", text) == "error.dont_know_default"  # 跳过 takes 都没有


def test_dont_know_names_the_default():
    with pytest.raises(ParseError) as err:
        read_answer(STEPS["mortgage"], "不知道", {}, CTX)
    assert "跳过" in ZH(err.value.message) and "0" in ZH(err.value.message)
    with pytest.raises(ParseError) as err:
        read_answer(STEPS["spouse_age"], "不知道", {"birth_date": "1985-03-12"}, CTX)
    assert "41" in ZH(err.value.message)  # the spouse's default is the client's age
    with pytest.raises(ParseError) as err:
        read_answer(STEPS["budget"], "不知道", {}, CTX)
    assert "0" in ZH(err.value.message)


@pytest.mark.parametrize("key, text, error", [
    ("income", "问一下这个是什么意思", "error.question_hint"), ("income", "税后是什么?", "error.question_hint"),
    ("marital", "这是什么意思?", "error.question_options"), ("parents_count", "包括岳父母吗", "error.question"),
    ("children", "包括继子女吗", "error.question_hint"), ("resources", "存款包括理财吗?", "error.question_hint"),
    ("resources", "这个怎么填?", "error.question_hint"),
    # 公积金算吗: answered by what the question takes (only its parts, not other assets), with the example.
    ("resources", "公积金算吗?", "error.amounts_other"), ("birth_date", "要写农历的吗", "error.question_hint"),
    ("contact_ok", "是什么建议书?", "error.question_options"),
])
def test_a_question_back_points_to_the_example(key, text, error):
    assert rejected(key, text) == error


def test_a_question_mark_after_an_answer_keeps_the_answer():
    assert answer("other_assets", "30万?").value == 300_000
    assert answer("resources", "寿险0,重疾0,存款30万?").value == resources(savings=300_000)
    assert answer("other_assets", "什么都没有").value == 0  # 什么 inside an answer is not a question
    assert answer("resources", "什么都没有").value == NOTHING_ELSE


@pytest.mark.parametrize("key, text, error", [
    ("parents_count", "2个，60岁和58岁", "error.just_one"), ("parent.1.age", "60岁和58岁", "error.just_one"),
    ("spouse_age", "8岁和5岁", "error.just_one"),
    ("debt_payment", "月供五千还有20年", "error.just_one"), ("mortgage", "50万还有20年", "error.just_one"),
    ("mortgage", "30万 40万", "error.one_number"), ("mortgage", "30万和20万", "error.one_number"),
    # Two amounts for one part of the resources: asked, never added.
    ("resources", "存款30万和20万,寿险0,重疾0", "error.amounts_which"),
    ("resources", "存款30万,存款20万,寿险0,重疾0", "error.amounts_same_part"),
])
def test_add_them_up_only_for_two_amounts(key, text, error):
    assert rejected(key, text) == error


def test_several_ages_are_several_children_never_a_sum():
    # Where every child's age is asked, two ages are two children (the count, if said, must match).
    assert answer("children", "2个，8岁和5岁").value == [8, 5]
    assert answer("children", "8岁和5岁").value == [8, 5]
    assert rejected("children", "3个，8岁和5岁") == "error.ages_count_mismatch"


@pytest.mark.parametrize("text", ["30万", "1", "1985-03-12", "王先生\n1985-03-12", "王先生\n", "王\n先生", "王先生2",
                                  "Ｗang１"])
def test_a_name_is_text_only(text):
    if text == "王先生\n":
        assert answer("name", text).value == "王先生"  # a trailing line break is only the end of the message
        return
    assert rejected("name", text) == "error.name_text_only"


@pytest.mark.parametrize("text, name", [("我姓王", "王"), ("免贵姓王", "王"), ("我叫王小明", "王小明"),
                                        ("叫我小王就行", "小王"), ("叫我小王就可以了", "小王"), ("王先生😊", "王先生")])
def test_name_prefixes_are_dropped(text, name):
    assert answer("name", text).value == name


def test_dont_know_as_a_name_is_no_name():
    parsed = answer("name", "不知道")
    assert parsed.value == "" and parsed.note.key == "note.no_name"


def test_a_clause_said_twice_is_not_an_answer_whatever_punctuation_sits_between():
    # Found by test_a_piece_of_a_label_never_picks_a_choice: 否;)否 was read as 否.
    for text in ("否;)否", "否;否", "是,)是"):
        with pytest.raises(ParseError):
            parse_yes_no(text, [("yes", "是"), ("no", "否")])


def test_start_alone_is_not_consent():
    # Found by the explore profile: ",开始;同意" was consent because 开始 alone was.
    # Consent to the processing of one's data is 同意 or a plain yes, not "let's start".
    consent = [("yes", "同意,开始诊断"), ("no", "不同意")]
    for text in ("开始", "开始吧", ",开始;同意"):
        with pytest.raises(ParseError):
            parse_yes_no(text, consent, strict=True)
    assert parse_yes_no("好的，同意", consent, strict=True).value is True


@pytest.mark.parametrize("text", ["1.5万5000", "0.5万5千", "1.5亿5000万", "2.5万3000元"])
def test_nothing_follows_a_fractional_multiplier(text):
    # Found in review: 1.5万5000 was read as 2万 (a sum of two numbers).
    with pytest.raises(ParseError):
        parse_money(text)


# --- an amount naming another party or product is asked back (Step.about) -----


@pytest.mark.parametrize(
    "key, text, value",
    [
        ("income", "我年薪30万", 300_000), ("income", "本人年薪30万", 300_000), ("income", "30万", 300_000),
        ("spouse_income", "老婆年薪30万", 300_000), ("spouse_income", "我老婆年薪30万", 300_000),
        ("spouse_income", "老公月薪2万", 240_000), ("spouse_income", "她没工作", 0),
        ("family_income", "家庭收入50万", 500_000), ("family_income", "我和老婆一共50万", 500_000),
        # The cover is one part of the resources answer, named by its product.
        ("resources", "寿险30万,其他都没有", resources(life_cover=300_000)),
        ("resources", "定期寿险50万,其他都没有", resources(life_cover=500_000)),
        ("resources", "我的寿险30万,其他都没有", resources(life_cover=300_000)),
        ("resources", "重疾险30万,其他都没有", resources(ci_cover=300_000)),
        ("resources", "重大疾病50万,其他都没有", resources(ci_cover=500_000)),
        ("spouse_age", "她38岁", 38), ("spouse_age", "老婆38", 38), ("spouse_age", "38", 38),
    ],
)
def test_an_amount_naming_the_steps_own_subject_is_taken(key, text, value):
    assert answer(key, text).value == value


@pytest.mark.parametrize(
    "key, text",
    [
        ("income", "老婆年薪30万"), ("income", "老公月薪2万"), ("income", "家庭收入50万"), ("income", "我老婆年薪30万"),
        ("income", "她没工作"), ("spouse_income", "我年薪30万"), ("spouse_income", "家庭收入50万"),
        ("spouse_age", "我38岁"), ("spouse_age", "我是88年的"), ("retirement_age", "老公60岁退休"),
    ],
)
def test_an_amount_naming_another_party_or_product_is_asked_back(key, text):
    assert rejected(key, text) == "error.other_subject"


@pytest.mark.parametrize("text, error", [
    # Another product or asset than the parts asked: asked back, never stored as one of them.
    ("百万医疗200万", "error.amounts_other"), ("寿险30万,百万医疗200万,其他都没有", "error.amounts_other"),
    ("医疗险100万,寿险0,重疾0,存款0", "error.amounts_other"), ("存款60万,房产300万,寿险0,重疾0", "error.amounts_other"),
    ("存款60万,养老金3000,寿险0,重疾0", "error.amounts_other"),
    # Another person's cover: the client's own is asked.
    ("老婆的寿险50万,其他都没有", "error.amounts_self_only"), ("老公重疾30万,寿险0,存款0", "error.amounts_self_only"),
])
def test_an_amount_naming_another_product_or_person_is_asked_back_at_the_resources(text, error):
    assert rejected("resources", text) == error


@pytest.mark.parametrize("text, value", [
    # A product the old life_cover / ci_cover steps asked back is now a part of its own: stored there, never in another.
    ("重疾险30万,寿险0,存款0", resources(ci_cover=300_000)), ("寿险30万,重疾0,存款0", resources(life_cover=300_000)),
    ("意外险50万,重疾0,存款0", resources(life_cover=500_000)),  # accident cover counts as life cover
])
def test_each_product_goes_to_its_own_part(text, value):
    assert answer("resources", text).value == value


def test_the_question_back_says_what_this_question_is_about():
    with pytest.raises(ParseError) as err:
        read_answer(STEPS["income"], "老婆年薪30万", {}, CTX)
    assert "您本人" in ZH(err.value.message)
    said = ZH(rejection("resources", "百万医疗200万"))
    assert all(part in said for part in ("存款/理财", "寿险保额", "重疾险保额")), said
    assert "保额这里只问您本人的" in ZH(rejection("resources", "老婆的寿险50万,其他都没有"))


def test_a_birth_year_after_the_subjects_name_is_still_a_birth_year():
    # Found after Step.about: 她88年的 at the spouse's age was stored as 88.
    from flows import engine
    from flows.diagnosis import DIAGNOSIS
    from tests.helpers import CTX

    step = next(s for s in DIAGNOSIS.expand({}) if s.key == "spouse_age")
    answers = {"birth_date": "1985-03-12", "marital": "married"}
    for text in ("她88年的", "老婆88年的", "我老婆是88年的"):
        assert engine.read_answer(step, text, answers, CTX).value == 38, text


@pytest.mark.parametrize("text", ["0.1十点0", "1.0十点0", "0.00000001十点5", "2.5千点3", "0.5十二点5", "0.5十零5点5",
                                  "1.5十点5万", "5万0.1十点0"])
def test_a_point_after_a_decimal_multiplier_is_an_error_not_a_crash(text):
    # Found in review: 0.1十点0 raised decimal.InvalidOperation (1.0 + 点0 was built as "1.0.0").
    for parse in (parse_money, parse_number, parse_whole, lambda t: parse_money(t, "year")):
        with pytest.raises(ParseError):
            parse(text)
    for key, said in (("income", text), ("parents_count", text), ("children", text),
                      ("resources", f"存款{text},寿险0,重疾0")):
        rejected(key, said)
    assert parse_money("十二点五万").value == 125_000 and parse_money("1.5千万").value == 15_000_000  # still read


# --- an amount named as another item is asked back (parsing.ITEM_WORDS) --------


@pytest.mark.parametrize("key, text", [
    # The examples of the review: each was stored at the question it was typed at.
    ("income", "存款60万"), ("spouse_income", "存款20万"), ("income", "房贷150万"), ("living_expenses", "房贷150万"),
    ("mortgage", "寿险50万"), ("mortgage", "存款60万"), ("budget", "年薪40万"),
    # The same class: any item word that is not the question's.
    ("family_income", "存款100万"), ("income", "我存了60万"), ("income", "理财30万"), ("income", "没有存款"),
    ("income", "40万(存款)"), ("income", "月供8000"), ("income", "重疾险50万"), ("income", "保费每年2万"),
    ("spouse_income", "她的存款20万"), ("living_expenses", "每月房贷8000"), ("living_expenses", "存款20万"),
    ("living_expenses", "年薪40万"), ("mortgage", "年薪30万"), ("mortgage", "车贷10万"), ("mortgage", "房产300万"),
    ("budget", "月薪2万"), ("budget", "存款20万"), ("budget", "保额50万"), ("budget", "寿险100万"),
    ("budget", "每月生活费1万"), ("other_debts", "房贷150万"), ("other_assets", "存款60万"),
    ("pension", "年薪30万"), ("child.1.education", "存款50万"), ("parent.1.support", "年薪20万"),
    ("retirement_savings", "房贷100万"), ("retirement_spending", "存款100万"), ("debt_payment", "存款5万"),
])
def test_an_amount_named_as_another_item_is_asked_back(key, text):
    assert rejected(key, text) == "error.other_item"


def test_the_question_back_names_the_question_and_the_item():
    assert ZH(rejection("income", "存款60万")) == "这一题问的是您本人的税后年收入;您写的像是存款或理财。请只写收入金额。"
    assert ZH(rejection("spouse_income", "存款20万")).startswith("这一题问的是您配偶的税后年收入;")
    assert ZH(rejection("budget", "年薪40万")) == "这一题问的是您每年打算花在保险上的预算(保费);您写的像是收入。请只写预算金额。"
    assert ZH(rejection("mortgage", "寿险50万")) == "这一题问的是房贷还剩多少没还;您写的像是保险的保额。请只写房贷金额。"
    assert "生活开支" in ZH(rejection("living_expenses", "房贷150万"))
    for topic in MONEY_TOPICS:  # every topic and item renders
        for item in ITEM_WORDS:
            ZH(msg("error.other_item", topic=msg(f"topic.{topic}"), item=msg(f"item.{item}"),
                   name=msg(f"topic.{topic}.name")))


@pytest.mark.parametrize("key, text, value", [
    # Item words that say the question's own item, or the same thing there.
    ("income", "月薪2万", 240_000), ("income", "年薪40万", 400_000), ("income", "工资每月1万", 120_000),
    ("income", "税后收入30万", 300_000), ("income", "退休金每月5000", 60_000), ("income", "到手30万", 300_000),
    ("spouse_income", "老婆工资每月8000", 96_000), ("family_income", "家庭年收入60万", 600_000),
    ("living_expenses", "每月生活费1.5万", 180_000), ("living_expenses", "一年开支20万", 200_000),
    ("living_expenses", "家用每月1万", 120_000),
    ("mortgage", "房贷还有150万", 1_500_000), ("mortgage", "按揭还剩100万", 1_000_000), ("mortgage", "还欠150万", 1_500_000),
    ("mortgage", "贷款还有80万", 800_000), ("mortgage", "没有房贷", 0), ("mortgage", "120万,公积金贷款", 1_200_000),
    ("budget", "大概每年保费2万", 20_000), ("budget", "保险预算每年2万", 20_000), ("budget", "每年预算2万", 20_000),
    ("budget", "保险每年3万", 30_000), ("budget", "2万", 20_000),
    ("other_debts", "车贷10万", 100_000), ("other_debts", "信用卡欠款2万", 20_000),
    ("debt_payment", "房贷每月6000", 6_000), ("debt_payment", "月供5000", 5_000),
    ("debt_payment", "每月还款6000", 6_000),
    ("parent.1.support", "每月给1000生活费", 12_000), ("parent.1.support", "赡养费每年2万", 20_000),
    ("retirement_spending", "每月生活费8000", 8_000), ("pension", "退休金每月3000", 3_000),
    ("other_assets", "房产300万", 3_000_000), ("retirement_savings", "个人养老金20万", 200_000),
    ("retirement_savings", "存款50万", 500_000), ("child.1.education", "学费50万", 500_000),
])
def test_an_amount_named_as_the_questions_own_item_is_taken(key, text, value):
    assert answer(key, text).value == value


def test_a_question_naming_an_item_is_a_question_not_another_item():
    assert rejected("income", "是存款吗") == "error.question_hint"
    assert rejected("budget", "包括保费吗?") == "error.question_hint"
    assert rejected("budget", "不知道") == "error.dont_know_estimate"


def test_the_topic_of_a_money_step():
    # Worked out from what the step gives the parser; a step about no party names its topic as its ``about``.
    assert money_topic("no_job", "self") == "income.self"
    assert money_topic("no_job", "spouse") == "income.spouse"
    assert money_topic(None, "family") == "income.family"
    assert money_topic("home_loan", None) == "mortgage"
    assert money_topic(None, "budget") == "budget"
    assert money_topic(None, None) is None  # no topic: any item is taken, as before
    assert money_topic(None, None, topic="budget") == "budget"
    assert parse_money("年薪40万", "year").value == 400_000
    with pytest.raises(ParseError):
        parse_money("年薪40万", "year", topic="budget")
    with pytest.raises(ValueError):
        money_topic(topic="salary")


def test_every_money_step_names_its_topic():
    missing = [s.key for s in STEPS.values() if s.kind == "money" and money_topic(s.words, s.about) is None]
    assert not missing, missing


# --- a few amounts: what is no amount says so (parse_amounts) -------------------


@pytest.mark.parametrize("text", ["不用", "不用了", "还清了", "已还清", "不需要"])
def test_zero_words_that_say_nothing_of_the_resources_are_not_amounts(text):
    # Found in review: 不用 / 还清了 were "only numbers, which is which?" (error.amounts_which).
    assert rejected("resources", text) == "error.not_amounts"


@pytest.mark.parametrize("text", ["问一下", "问一下?", "想问一下", "我想问一下", "请问一下"])
def test_a_question_with_a_numeral_character_is_a_question_at_the_resources(text):
    assert rejected("resources", text) == "error.question_hint"


def test_which_is_which_still_for_amounts_without_labels():
    assert rejected("resources", "60万 50万") == "error.amounts_which"
    assert rejected("resources", "60万") == "error.amounts_which"
    assert parse_amounts("60万 50万 20万", ("savings", "life_cover", "ci_cover")).value == {
        "savings": 600_000, "life_cover": 500_000, "ci_cover": 200_000}


@pytest.mark.parametrize("text", ["暂不安排", "暂时不安排", "没有预算", "先不安排吧"])
def test_no_budget_in_words_is_a_budget_of_zero(text):
    # Found: the budget question's own example says 暂不安排就写 0, and 暂不安排 was not understood.
    assert answer("budget", text).value == 0


def test_by_the_month_is_a_period_and_a_reply_to_monthly_or_yearly():
    # Found: 按月 was not taken as a reply to 每月还是每年?
    assert answer("living_expenses", "按月1.5万").value == 180_000
    assert answer("living_expenses", "按月", unclear=15_000).value == 180_000
    assert answer("living_expenses", "按年", unclear=15_000).value == 15_000

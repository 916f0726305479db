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
        ("-5万", "error.negative"), ("负五万", "error.negative"), ("😀", "error.not_money"), ("30万😀", "error.not_money"),
        ("1" * 5000, "error.too_long"), ("万", "error.not_money"), ("1.2.3", "error.not_money"),
        ("3 5", "error.not_money"), ("1,5万", "error.not_money"), ("元", "error.not_money"), ("1e6", "error.not_money"),
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
                                       ("丧", "widowed")])
def test_choice(text, oid):
    assert parse_choice(text, OPTIONS).value == oid


@pytest.mark.parametrize("text", ["5", "0", "婚", "xyz", "", "-1"])
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
    for bad, key in [("王" * 21, "error.text_too_long"), ("", "error.empty"), ("a\u200bb", "error.text_invalid"),
                     ("x" * 5000, "error.too_long")]:
        with pytest.raises(ParseError) as err:
            parse_text(bad)
        assert err.value.message.key == key

"""Property tests of the parsers (issue 8): each generates inputs of one class
of defect and checks the class is gone.

- no exception but ParseError from any parser or any step, for any text;
- Chinese and Arabic numerals read back exactly; malformed numerals are
  rejected or read as the one well-defined number they spell, never a sum;
- the same amount gets the same outcome whatever the script;
- what the hints and error messages suggest is accepted, invisible marks and
  trailing punctuation or not;
- a choice is picked (consent given) only by an accepted form, never by a
  piece of a label or punctuation; a name needs letters.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.i18n import catalog_keys
from flows import parsing
from flows.diagnosis import DIAGNOSIS
from flows.engine import options, read_answer
from flows.parsing import ParseError
from tests.helpers import CTX, TODAY, ZH

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STEPS = DIAGNOSIS.expand({"children_count": 2, "parents_count": 2})
BY_KEY = {s.key: s for s in STEPS}
MONEY_STEPS = [s for s in STEPS if s.kind == "money"]
CATALOG = Path(__file__).resolve().parent.parent / "locales" / "zh_CN" / "LC_MESSAGES" / "diagbot.po"


def outcome(step, text):
    """("ok", value) or ("error", key, params): what the client would see."""
    try:
        return ("ok", read_answer(step, text, {}, CTX).value)
    except ParseError as err:
        ZH(err.message)  # renders from the catalog
        return ("error", err.message.key, err.message.params)


# --- 1. nothing but ParseError escapes ------------------------------------------

NUMERALS = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億兩点多来余几0123456789.,kwK"
WORDS = "元块¥$月年每个岁周半刚出生没有无不是否好的了吗大概约左右税后前薪供存款房贷还清到至-~/ "
PUNCT = "，。！？、；：,.!?;:()（）「」“”\"'-—–~～…·\u200b\u200e\ufeff\u00a0\u3000\n\t\u0301"
hostile = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=NUMERALS, max_size=25),
    st.text(alphabet=NUMERALS + WORDS + PUNCT, max_size=25),
    st.text(alphabet="0123456789.,万亿", min_size=25, max_size=60),
)


@FAST
@given(hostile)
def test_no_parser_raises_anything_but_parse_error(text):
    labelled = [("a", "快速诊断(约10题)"), ("b", "完整诊断")]
    for parse in (parsing.parse_number, parsing.parse_money, parsing.parse_whole, parsing.parse_date,
                  parsing.parse_yes_no, parsing.parse_text,
                  lambda t: parsing.parse_money(t, "year"), lambda t: parsing.parse_money(t, "month"),
                  lambda t: parsing.parse_whole(t, age=True), lambda t: parsing.parse_date(t, today=TODAY),
                  lambda t: parsing.parse_yes_no(t, [("yes", "同意,开始诊断"), ("no", "不同意")], strict=True),
                  lambda t: parsing.parse_choice(t, labelled), lambda t: parsing.parse_ranking(t, labelled)):
        try:
            parse(text)
        except ParseError as err:
            ZH(err.message)


@FAST
@given(hostile)
def test_no_step_raises_anything_but_parse_error(text):
    for step in STEPS:
        outcome(step, text)


# --- 2. numerals: read back exactly, never a sum -------------------------------

CN = "零一二三四五六七八九"


def _section(n: int) -> str:
    out, gap = "", False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // place % 10
        if d == 0:
            gap = gap or bool(out)
            continue
        if gap:
            out, gap = out + "零", False
        out += CN[d] + unit
    return out


def canonical(n: int) -> str:
    """The standard Chinese numeral for 0 ≤ n ≤ 10^12 (the test's own renderer)."""
    if n == 0:
        return "零"
    yi, rest = divmod(n, 10**8)
    wan, low = divmod(rest, 10**4)
    s = ""
    if yi:
        s += (canonical(yi) if yi >= 10**4 else _section(yi)) + "亿"
    if wan:
        s += ("零" if s and wan < 1000 else "") + _section(wan) + "万"
    if low:
        s += ("零" if s and (low < 1000 or not wan and yi) else "") + _section(low)
    return s[1:] if s.startswith("一十") else s


def colloquial(n: int) -> str | None:
    """三万五千 → 三万五, 一百五十 → 一百五, 一亿五千万 → 一亿五: a last digit
    right after 百/千/万/亿 stands for the next place down."""
    c = canonical(n)
    for high, low in (("百", "十"), ("千", "百"), ("万", "千"), ("亿", "千万")):
        m = re.fullmatch(rf"(.*{high})([一二三四五六七八九]){low}", c)
        if m and not m.group(1).endswith("零"):
            return m.group(1) + m.group(2)
    return None


def variants(n: int) -> list[str]:
    c = canonical(n)
    out = [c, c.replace("二千", "两千").replace("二百", "两百").replace("二万", "两万").replace("二亿", "两亿")]
    if c.startswith("十"):
        out.append("一" + c)
    if colloquial(n):
        out.append(colloquial(n))
    return out


def arabic_forms(n: int) -> list[str]:
    out = [str(n), f"{n:,}", f"{n}元"]
    wan, low = divmod(n, 10**4)
    if wan and n < 10**12:
        if low == 0:
            out += [f"{wan}万", f"{wan}w"]
        elif low >= 1000:
            out.append(f"{wan}万{low}")
        if n % 100 == 0:
            wan_text = f"{Decimal(n) / 10**4:f}"
            out.append((wan_text.rstrip("0").rstrip(".") if "." in wan_text else wan_text) + "万")
    if n % 10**8 == 0 and n:
        out.append(f"{n // 10**8}亿")
    if n < 10**4 and n % 1000 == 0 and n:
        out += [f"{n // 1000}千", f"{n // 1000}k"]
    return out


def test_the_renderer_itself():
    assert canonical(10) == "十" and canonical(15) == "十五" and canonical(110) == "一百一十"
    assert canonical(1050) == "一千零五十" and canonical(10500) == "一万零五百" and canonical(35000) == "三万五千"
    assert canonical(100005000) == "一亿零五千" and canonical(150000000) == "一亿五千万"
    assert canonical(10**12) == "一万亿" and canonical(123456789012) == "一千二百三十四亿五千六百七十八万九千零一十二"
    assert colloquial(35000) == "三万五" and colloquial(150) == "一百五" and colloquial(150000000) == "一亿五"
    assert colloquial(105) is None and colloquial(10500) is None


numbers = st.one_of(st.integers(0, 10**12), st.integers(0, 10**5), st.sampled_from([10**12, 10**8, 10**4, 10, 0]))


@FAST
@given(numbers)
def test_chinese_numerals_read_back_exactly(n):
    for text in variants(n):
        assert parsing.parse_number(text) == n, text


@FAST
@given(numbers)
def test_arabic_numerals_with_units_read_back_exactly(n):
    for text in arabic_forms(n):
        assert parsing.parse_money(text).value == n, text


def _oracle_forms(n: int) -> set[str]:
    """Every accepted spelling of n, up to 两 = 二 and an optional leading 一."""
    return {_norm(v) for v in variants(n)} | {_norm(v) for v in [canonical(n), colloquial(n)] if v}


def _norm(s: str) -> str:
    s = s.replace("两", "二").replace("零十", "零一十")
    if s.startswith(("十", "百", "千")):
        s = "一" + s
    return s


TOKENS = st.lists(st.sampled_from(list("一二两三四五六七八九零十百千万亿")), min_size=1, max_size=10)


@settings(max_examples=250, deadline=None)
@given(TOKENS)
def test_malformed_chinese_numerals_are_rejected_or_read_as_spelled(tokens):
    text = "".join(tokens)
    try:
        value = parsing.parse_number(text)
    except ParseError as err:
        assert err.message.key in ("error.not_number", "error.one_number", "error.range", "error.vague")
        return
    assert value == int(value) and _norm(text) in _oracle_forms(int(value)), (text, value)


amounts_with_units = st.builds(lambda n, u: f"{n}{u}", st.integers(1, 9999), st.sampled_from(["万", "w", "亿", "千", "k"]))


@FAST
@given(st.one_of(amounts_with_units, st.integers(1, 10**6).map(canonical)),
       st.one_of(amounts_with_units, st.integers(1, 10**6).map(canonical)),
       st.sampled_from([" ", "\n", ",", "、", "和", "+", " 和 ", ";", "/", "或"]))
def test_two_numbers_are_never_summed(a, b, sep):
    text = a + sep + b
    try:
        parsed = parsing.parse_money(text)
    except ParseError as err:
        assert err.message.key in ("error.one_number", "error.not_money"), text
        return
    # Only a space before a unit joins (30 万, 一 十): the same as written without it.
    assert not sep.strip() and not b[0].isdigit() and b[0] not in "一二三四五六七八九", text
    assert parsed.value == parsing.parse_money(a + b).value, text


@FAST
@given(st.sampled_from(["万", "w", "亿"]), st.integers(1, 999), st.integers(1, 999))
def test_a_magnitude_twice_is_two_numbers(unit, a, b):
    for text in (f"{a}{unit}{b}{unit}", f"{canonical(a)}{unit}{canonical(b)}{unit}"):
        try:
            value = parsing.parse_money(text).value
        except ParseError as err:
            assert err.message.key in ("error.one_number", "error.not_money"), text
        else:
            raise AssertionError(f"{text!r} read as {value}")


# --- 3. the same amount, the same outcome, whatever the script ----------------


@FAST
@given(st.one_of(st.integers(1, 20_000), st.integers(1, 10**9)))
def test_the_same_amount_gets_the_same_outcome_in_any_script(n):
    forms = [str(n), canonical(n)] + ([colloquial(n)] if colloquial(n) else [])
    if n < 10**4 and n % 1000 == 0:
        forms += [f"{n // 1000}千", f"{n // 1000}k", f"{n // 1000}K"]
    for step in MONEY_STEPS:
        seen = {text: outcome(step, text) for text in forms}
        assert len({repr(o) for o in seen.values()}) == 1, (step.key, seen)


# --- 4. what the hints suggest is accepted, dressed up or not -----------------


def _catalog_examples() -> dict[str, list[str]]:
    """hint.* entries → the examples they show (例如:30万、30w、三十万)."""
    text = CATALOG.read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for key, value in re.findall(r'msgid "(hint\.[a-z_.]+)"\nmsgstr "(.*)"', text):
        found = re.findall(r"[0-9０-９一二三四五六七八九十百千万亿年月日号.\-/w ]+", value.split(":", 1)[-1])
        out[key] = [f.strip() for f in found if re.search(r"[0-9一二三四五六七八九十]", f)]
    return out


EXAMPLES = _catalog_examples()
HINTED = [(step, ex) for step in STEPS if step.hint for ex in EXAMPLES.get(step.hint, [])]
INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad"])
EDGE_SPACE = st.text(alphabet=" \u00a0\u3000\t\n\u2002", max_size=3)
TRAILING = st.text(alphabet="。.!！?？~～,，;；…", max_size=3)


def test_every_hint_has_examples_and_each_is_accepted():
    assert set(EXAMPLES) == {k for k in catalog_keys("zh_CN") if k.startswith("hint.")}
    assert all(EXAMPLES.values()), EXAMPLES
    assert HINTED
    for step, example in HINTED:
        assert outcome(step, example)[0] == "ok", (step.key, example, outcome(step, example))


@FAST
@given(st.sampled_from(HINTED), st.lists(st.tuples(st.integers(0, 40), INVISIBLE), max_size=4), EDGE_SPACE, EDGE_SPACE,
       TRAILING)
def test_a_hint_example_with_invisible_marks_is_accepted_with_the_same_value(pair, marks, lead, tail, punct):
    step, example = pair
    text = example
    for pos, mark in marks:
        pos = pos % (len(text) + 1)
        text = text[:pos] + mark + text[pos:]
    text = lead + text + punct + tail
    assert outcome(step, text) == outcome(step, example), (step.key, text)


@FAST
@given(st.integers(1, 9999), st.sampled_from(MONEY_STEPS))
def test_what_a_plausibility_question_suggests_is_accepted(n, step):
    first = outcome(step, str(n))
    if first[0] != "error" or first[1] not in ("error.tiny_amount", "error.tiny_yearly"):
        return
    suggestions = [f"{n}万", f"{n}元"] if first[1] == "error.tiny_amount" else [f"{n}/月", f"{n}元"]
    for text in suggestions:
        result = outcome(step, text)
        assert result[0] == "ok" or result[1] in ("error.too_small", "error.too_large"), (step.key, text, result)


# --- 5. choices are matched, never substring-searched -------------------------


def _letters(s: str) -> str:
    """Letters and digits only, trailing sentence particles (的, 了, 吧…) dropped."""
    kept = "".join(c for c in unicodedata.normalize("NFKC", s).lower() if unicodedata.category(c)[0] in "LN")
    return kept.rstrip(parsing._PARTICLES) or kept


def _accepted(step) -> dict[str, set[str]]:
    """Option id → the forms that may pick it (letters only)."""
    out: dict[str, set[str]] = {}
    opts = options(step)
    for n, option in enumerate(opts, 1):
        label = ZH(option.label)
        forms = {option.id, str(n), label, re.sub(r"\(.*?\)|（.*?）", "", label)}
        forms |= set(re.split(r"[,，;、/]", label))
        forms |= set(parsing.CHOICE_WORDS.get(option.id, ()))
        if step.kind == "yes_no":
            if step.labels.get("yes") == "consent.yes":
                forms |= set(parsing.CONSENT_YES if option.id == "yes" else parsing.NO_WORDS)
            else:
                forms |= set(parsing.YES_WORDS if option.id == "yes" else parsing.NO_WORDS)
        out[option.id] = {_letters(f) for f in forms if _letters(f)}
    return out


CHOICE_STEPS = [s for s in STEPS if s.kind in ("choice", "yes_no", "ranking")]
PUNCTUATION = ",，。.!！?？、;；:：()（）[]【】「」\"'“”-—~～…/\\|*#@&+= \u3000"


@st.composite
def label_pieces(draw):
    step = draw(st.sampled_from(CHOICE_STEPS))
    labels = "".join(ZH(o.label) for o in options(step))
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(labels) - 1))
        j = draw(st.integers(i + 1, min(len(labels), i + 4)))
        pieces.append(labels[i:j])
        pieces.append(draw(st.text(alphabet=PUNCTUATION, max_size=2)))
    return step, "".join(pieces)


@settings(max_examples=250, deadline=None)
@given(label_pieces())
def test_a_piece_of_a_label_never_picks_a_choice(case):
    step, text = case
    accepted = _accepted(step)
    assume(not any(_letters(text) in forms for forms in accepted.values()))
    if step.kind == "ranking":
        assume(not all(any(_letters(p) in f for f in accepted.values()) for p in re.split(r"[\s,、;>/|\-]+", text) if p))
    result = outcome(step, text)
    assert result[0] == "error", (step.key, text, result)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(alphabet=PUNCTUATION + "同意开始诊断不,", max_size=8), st.text(max_size=8)))
def test_consent_is_never_given_by_anything_but_a_clear_yes(text):
    consent = BY_KEY["consent"]
    assume(_letters(text) not in _accepted(consent)["yes"])
    result = outcome(consent, text)
    assert result != ("ok", True), text


@FAST
@given(st.text(alphabet=PUNCTUATION, min_size=1, max_size=10))
def test_punctuation_alone_picks_nothing(text):
    for step in CHOICE_STEPS:
        assert outcome(step, text)[0] == "error", (step.key, text)


no_letters = st.text(alphabet=st.characters(categories=["P", "S", "Cf", "Mn", "Me", "Zs"]), min_size=1, max_size=8)


@FAST
@given(no_letters)
def test_a_name_needs_letters_or_digits(text):
    assume(not any(unicodedata.category(c)[0] in "LN" for c in unicodedata.normalize("NFKC", text)))  # ⒜ is (a)
    result = outcome(BY_KEY["name"], text)
    assert result[0] == "error" or result[1] == "", (text, result)


# --- 6. dates in every usual form -----------------------------------------------


def _cn_year(y: int) -> str:
    return "".join(CN[int(d)] for d in str(y))


@FAST
@given(st.dates(min_value=TODAY - timedelta(days=365 * 99), max_value=TODAY))
def test_dates_read_back_in_every_usual_form(d):
    y, m, day = d.year, d.month, d.day
    forms = [d.isoformat(), f"{y}/{m}/{day}", f"{y}.{m}.{day}", f"{y} {m} {day}", f"{y}-{m}-{day}",
             f"{y}年{m}月{day}日", f"{y}年{m}月{day}号", f"{y}年{m}月{day}日出生", f"{y}{m:02}{day:02}",
             f"{_cn_year(y)}年{canonical(m)}月{canonical(day)}日", f"{y % 100:02}年{m}月{day}日",
             f"{y % 100:02}.{m}.{day}"]
    for text in forms:
        assert parsing.parse_date(text, today=TODAY).value == d, text


@FAST
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_two_digit_years_always_give_an_age_from_0_to_100(d):
    try:
        got = parsing.parse_date(f"{d.year % 100:02}年{d.month}月{d.day}日", today=TODAY).value
    except ParseError:
        return
    assert got <= TODAY and TODAY.year - got.year <= 101 and got.year % 100 == d.year % 100


# --- 7. second round: years as ages, emoji and remarks, don't know, names ------

AGE_STEPS = [s for s in STEPS if s.age]


@FAST
@given(st.sampled_from(AGE_STEPS), st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_a_year_of_birth_is_never_stored_as_an_age(step, born):
    y = born.year
    exact = TODAY.year - y - ((TODAY.month, TODAY.day) < (born.month, born.day))
    # A two-digit year is 19xx or 20xx, whichever age fits the step's bounds.
    two = {TODAY.year - 1900 - y % 100, TODAY.year - 2000 - y % 100}
    forms = {f"{y}": {TODAY.year - y}, f"{y}年": {TODAY.year - y}, f"{y}年出生": {TODAY.year - y},
             f"{y}年的": {TODAY.year - y}, f"{_cn_year(y)}年": {TODAY.year - y}, f"{y % 100:02}年的": two,
             f"{y % 100:02}年生": two, born.isoformat(): {exact}, f"{y}年{born.month}月{born.day}日": {exact}}
    for text, ages in forms.items():
        age = min(ages)
        result = outcome(step, text)
        if result[0] == "ok":
            assert result[1] in ages and step.min <= result[1] <= step.max, (step.key, text, result)
        else:
            assert result[1] in ("error.birth_year", "error.birth_year_age"), (step.key, text, result)
            if len(text) > 5 and text[:4].isdigit() and step.min <= age <= step.max:
                raise AssertionError((step.key, text, result))  # a four-digit year that fits is converted


EMOJI = st.sampled_from(["😊", "👍", "👌", "👍🏻", "❤️", "☺️", "👨\u200d👩\u200d👧", "🙏", "✅", "🎉", "🇨🇳", "💰", "🏠"])
SAMPLE_ANSWERS = ["30万", "8000/月", "年薪30万", "大概30万", "1.5万/月", "三十万", "0", "没有", "3", "两个孩子", "8岁",
                  "38", "22", "60", "1985-03-12", "85年3月12日", "同意", "好的", "是", "不用了", "快速", "完整", "男",
                  "已婚", "单身", "农历", "2 1 3", "健康,收入", "王先生", "不想说", "有医保", "2018年", "租房",
                  "大学毕业", "双胞胎", "家庭主妇"]
ACCEPTED = [(step, text) for step in STEPS for text in SAMPLE_ANSWERS if outcome(step, text)[0] == "ok"]


@FAST
@given(st.sampled_from(ACCEPTED), st.lists(EMOJI, max_size=3), st.lists(EMOJI, max_size=3), st.sampled_from(["", " "]))
def test_emoji_around_an_accepted_answer_change_nothing(pair, lead, tail, space):
    step, text = pair
    dressed = "".join(lead) + space + text + space + "".join(tail)
    assert outcome(step, dressed) == outcome(step, text), (step.key, dressed)


REMARKS = st.sampled_from(["税后", "大概", "左右", "估的", "不含公积金", "大约", "税后到手", "含奖金",
                           "我猜的", "差不多吧", ""])
BRACKETS = st.sampled_from([("(", ")"), ("（", "）"), ("【", "】"), ("[", "]")])


@FAST
@given(st.sampled_from([(s, t) for s, t in ACCEPTED if s.kind in ("money", "whole")
                        and not any(t in words for words in parsing.STEP_WORDS.values())
                        and not (s.age and re.search(r"[-年]", t))]),  # a date at an age question: not covered
       REMARKS, BRACKETS)
def test_a_bracketed_remark_changes_nothing(pair, remark, brackets):
    step, text = pair
    base = outcome(step, text)
    result = outcome(step, text + brackets[0] + remark + brackets[1])
    assert result[:2] == base[:2], (step.key, text, remark, result)


DONT_KNOW_TEXTS = st.builds(lambda a, w, b: a + w + b, st.sampled_from(["", "我", "我也", "真的", "具体"]),
                            st.sampled_from(parsing.DONT_KNOW), st.sampled_from(["", "。", "呢", "啊", "诶", "…"]))


@FAST
@given(DONT_KNOW_TEXTS)
def test_dont_know_is_never_a_format_error_nor_an_answer(text):
    for step in STEPS:
        result = outcome(step, text)
        if step.key == "name":
            assert result == ("ok", ""), (text, result)
        elif step.strict:
            assert result[0] == "error", (text, result)
        elif result[0] == "error":
            assert result[1].startswith("error.dont_know"), (step.key, text, result)
        else:  # 都可以 / 都行 at a yes/no question are a yes, and say so
            assert step.kind == "yes_no" and result[1] is True, (step.key, text, result)


QUESTIONS = st.builds(lambda a, b: a + b, st.sampled_from(["这个是什么意思", "问一下", "包括公积金吗", "什么是重疾险",
                                                           "为什么要问这个", "要填税前的吗", "怎么算"]),
                      st.sampled_from(["", "?", "？", "?？"]))


@FAST
@given(QUESTIONS)
def test_a_question_back_is_answered_with_the_example(text):
    for step in STEPS:
        if step.kind == "text" or step.strict:
            continue
        result = outcome(step, text)
        assert result[0] == "error" and result[1].startswith("error.question"), (step.key, text, result)


@FAST
@given(st.integers(0, 99), st.integers(0, 99), st.sampled_from(["和", ",", "、", " ", "岁和", "个,"]))
def test_two_numbers_at_a_count_or_an_age_are_never_to_be_added(a, b, sep):
    text = f"{a}{sep}{b}"
    for step in STEPS:
        if step.kind == "whole":
            result = outcome(step, text)
            assert result[0] == "error" and result[1] != "error.one_number", (step.key, text, result)


@FAST
@given(st.text(max_size=10), st.sampled_from("0123456789０１２３\n\r\u2028"), st.text(max_size=10))
def test_a_name_never_holds_digits_or_lines(before, bad, after):
    result = outcome(BY_KEY["name"], "王" + before + bad + after + "先生")
    assert result[0] == "error" or result[1] == "", (before + bad + after, result)


@FAST
@given(st.integers(1, 10**7), st.sampled_from(["${}", "{}美元", "{} USD", "{}usd", "HK${}", "{}港币", "{}欧元",
                                              "€{}", "{}万美金", "US${}"]))
def test_another_currency_is_never_taken_as_yuan(n, form):
    for step in MONEY_STEPS:
        assert outcome(step, form.format(n)) == ("error", "error.foreign_currency", {}), (step.key, form.format(n))


@FAST
@given(st.integers(1, 10**6),
       st.sampled_from(sorted(w for ws in parsing.ABOUT_WORDS.values() for w in ws)),
       st.sampled_from(["{w}{n}", "{w}年薪{n}", "{w}{n}万", "{w}大概{n}万", "{w}的{n}元", "{n}万({w})"]))
def test_an_amount_naming_another_party_is_never_stored_at_a_step_about_a_different_one(n, word, form):
    named = next(k for k, ws in parsing.ABOUT_WORDS.items() if word in ws)
    text = form.format(w=word, n=n)
    for step in STEPS:
        if step.about and named in parsing.ABOUT_OTHERS[step.about]:
            result = outcome(step, text)
            assert result[0] == "error" and result[1] == "error.other_subject", (step.key, text, result)

"""Turning what people type into values.

Each parser takes the raw text and returns ``Parsed`` (the value, plus an
optional note such as "converted from monthly") or raises ``ParseError`` with a
short, specific message id. Bounds are checked by the caller (the step knows
them); parsers only reject what cannot be read at all. No other exception
escapes a parser, whatever the text.

Rules, in short:

* Cleaning first: NFKC (full-width ３０万, ，), invisible/format characters
  (U+200B, U+200E, BOM, soft hyphen…) dropped, every kind of space folded to
  one, a few traditional characters simplified (兩萬 → 两万), wrapping quotes
  and trailing punctuation (30万。 30万!) dropped.
* One number per answer, and a well-formed one: Chinese numerals follow their
  grammar (units strictly decrease within a section of 万/亿; 零 only fills a
  gap; a trailing digit after 百/千/万/亿 without its unit is the colloquial
  next place, 三万五 = 35,000, 一百五 = 150); anything else is an error, never a
  sum (5万3万, 30万 40万, 十五十 → "请只填一个数").
* Words around an amount are understood: approximations (大概, 左右, 30多万 →
  a note "按 30万 计"), periods (月薪, 每个月, 月供, 年薪 → converted where the
  question asks the other period), context (税后, 存款, 房贷还剩), zero by
  words (没有房贷, 还清了, 暂无). Ranges (20-30万, 两三万) and vague numbers
  (十几万) are asked again, never guessed.
* "Unit given" (the engine's plausibility questions) means a currency word or
  sign (元, 块, ¥…), a period (/月, 每年, 年薪, 月供…) or a 万/亿/w magnitude;
  8000, 8千, 八千 and 8k are all bare numbers alike.
* Choices are matched whole, never as substrings: the option id (buttons), its
  position, its label, the label's main words, or a synonym listed below.
* Two-digit years (85年3月12日) are read as 19xx or 20xx, whichever makes the
  person 0–100 years old today; if both do (the year ends like this year),
  the younger reading.
* Decoration is not content: emoji and other symbols (So/Sk, variation
  selectors, ZWJ sequences) are dropped by every parser (``undecorated``;
  contact.parse_phone too: 不留电话😊); a bracketed remark of known words is
  read as words (年薪40万(税后); (税前) is still asked about), a short one with
  no number is dropped (不含公积金), one with a number stays an error; a
  numberless clause of words we do not know after a comma is dropped too
  (120万,公积金; in 120万,商贷 the word is read). At the children's ages a remark that counts children
  is read where it stands (4岁(双胞胎) → [4, 4]); one that only mentions
  twins, or a count (4岁(两个)), is asked back, never dropped.
* At an age question a year of birth is converted, never stored as an age:
  a date gives the exact age on ``today``, a year today.year − year, with a
  note; a two-digit year (18年的) takes the 19xx/20xx reading that fits the
  step's bounds, else it is asked back.
* 两个亿 / 5个万 are amounts; 不超过5万 is 5万 with the approximation note;
  another currency ($, 美元, HKD, 港币, 欧元…) is asked again in 人民币.
* "Add them up" is said only for two amounts of money; a count, an age, or
  an amount with a number of years (月供五千还有20年) get "请只填一个数".
* A step may name a list of answers in words (Step.words → STEP_WORDS:
  租房 → 0 for a mortgage, 家庭主妇 → 0 for an income, 双胞胎 → 2, 大学毕业 →
  22, 已经退休了 → asked for the age they retired at).
* A step may say who or what its number is about (Step.about → ABOUT_WORDS:
  self, spouse, family, life_cover, ci_cover); an answer naming another party
  or product of the same kind (老婆年薪30万 at the client's income, 重疾险30万
  at the life cover, 我38岁 at the spouse's age) is asked back, never stored.
  我 before another party (我老婆) is a possessive; a household total may name
  its members.
* A money question has a topic (MONEY_TOPICS: the step's ``about`` when it
  names one, about="budget", else TOPIC_OF_STEP from its words and party)
  and an amount is what its words say it is (ITEM_WORDS: 存款 savings, 房贷
  a mortgage, 年薪 an income, 保费 a premium…). An amount named as an item
  that does not fit the topic is asked back, naming both ("error.other_item":
  存款60万 at an income, 房贷150万 at the living costs, 年薪40万 at the
  budget); the words that fit are read as context (月薪2万 at an income,
  房贷还有150万 at the mortgage, 每年保费2万 at the budget). The money
  vocabulary itself (万, 元, 每月, 税后, 大概…) names no item.
* What cannot be read at all is looked at once more: 不知道 / 随便 / 忘了 …
  raise "error.dont_know", a question back ("…什么意思?", …吗) "error.question";
  the engine words both for the step (the default behind 跳过, an estimate or 0).
* A name is letters on one line without digits; 我姓王 → 王.
* Two questions take several values in one answer, each read by the
  one-value grammar: every child's age (parse_ages: 3岁和7岁, 老大8岁,老二3岁,
  双胞胎4岁 → [4, 4], 没有 → []) and a few amounts (parse_amounts: 存款60万,
  寿险50万,重疾20万 in any order, or one amount per part in order). A count
  without ages, a part not named, a part named twice, amounts that cannot be
  matched to the parts one to one, or another product are asked back;
  "which is which?" only for amounts (问一下 holds 一, 不用 / 还清了 a zero:
  neither is one).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal, ParamSpec

from .messages import Money, Msg, msg

# A message longer than this is not an answer to any of our questions.
MAX_ANSWER_CHARS = 200
# Decimal precision for exact arithmetic on any number that fits in an answer.
_PREC = 2 * MAX_ANSWER_CHARS + 20


class ParseError(ValueError):
    def __init__(self, message: Msg) -> None:
        super().__init__(message.key)
        self.message = message


@dataclass(frozen=True)
class Parsed:
    value: Any
    note: Msg | None = None
    unit_given: bool = False  # a money answer said 元/¥/万/亿/w or a period, not just a bare number


# --- word lists (simplified Chinese; plain data, one place per language) -----

# Traditional forms of the characters the parsers read (names are never converted).
TRADITIONAL = {
    "兩": "两", "萬": "万", "億": "亿", "貳": "贰", "參": "叁", "陸": "陆", "點": "点", "塊": "块", "錢": "钱",
    "圓": "圆", "個": "个", "歲": "岁", "號": "号", "無": "无", "沒": "没", "對": "对", "還": "还", "買": "买",
    "樣": "样", "約": "约", "離": "离", "喪": "丧", "結": "结", "陽": "阳", "農": "农", "陰": "阴", "曆": "历",
    "歷": "历", "舊": "旧", "單": "单", "簡": "简", "兒": "儿", "貸": "贷", "稅": "税", "資": "资", "養": "养",
    "須": "须", "嗎": "吗", "診": "诊", "斷": "断", "醫": "医", "療": "疗", "險": "险", "們": "们", "說": "说",
    "願": "愿", "確": "确", "認": "认", "應": "应", "該": "该", "計": "计", "預": "预", "總": "总", "開": "开",
    "會": "会", "與": "与", "將": "将", "滿": "满", "週": "周", "來": "来", "餘": "余", "幾": "几", "題": "题",
    "問": "问", "讓": "让", "隨": "随", "剛": "刚", "間": "间", "產": "产", "費": "费",
}
_TRAD = str.maketrans(TRADITIONAL)

# Words that may surround an amount, by what they say.
MONEY_WORDS: dict[str, tuple[str, ...]] = {
    "month": ("每个月", "每月", "按月", "一个月", "个月", "月薪", "月供", "月入", "月收入", "月工资", "月均", "月",
              "/月", "/mo", "/month", "per month", "a month"),
    "year": ("每年", "按年", "一年", "年薪", "年入", "年收入", "年均", "全年", "年", "/年", "/yr", "/year", "per year",
             "a year"),
    "cur": ("¥", "人民币", "rmb", "cny", "块钱", "块", "元", "圆", "yuan"),
    # Another currency: asked again in 人民币, never converted or taken as yuan.
    "foreign": ("$", "us$", "usd", "美元", "美金", "dollar", "dollars", "hk$", "hkd", "港币", "港元", "港纸", "€",
                "eur", "欧元", "£", "gbp", "英镑", "日元", "円", "jpy", "台币", "新台币", "twd", "澳元", "加元",
                "新币", "新加坡元"),
    "approx": ("大概是", "大概", "大约是", "大约", "约为", "约", "差不多是", "差不多", "大致", "估计", "预计",
               "将近", "接近", "近", "左右", "上下", "出头", "不到", "以上", "以下", "以内", "至少", "最多",
               "不超过", "不超", "不高于", "不多于", "不大于", "不会超过", "超过", "高于", "低于", "少于", "多于",
               "起码", "的样子", "样子", "可能", "应该", "估摸"),
    "zero": ("什么都没有", "啥都没有", "一分都没有", "暂时没有", "还没有", "都没有", "没有", "没", "暂无", "无", "不用", "不需要", "没买", "没存", "已还清",
             "还清", "还完", "付清", "结清", "已结清", "none", "nothing", "nil", "no"),
    "pretax": ("税前",),
    "neg": ("负",),
    "fill": ("税后", "到手", "实发", "实际", "存款", "存了", "存的", "储蓄", "积蓄", "房贷", "贷款", "车贷",
             "负债", "欠款", "还欠", "欠", "还剩", "剩下", "剩余", "剩", "还有", "有", "一共", "总共", "共",
             "合计", "总计", "总额", "总", "收入", "工资", "薪水", "薪资", "养老金", "退休金", "社保", "保额",
             "预算", "生活费", "开支", "花销", "花费", "支出", "开销", "家庭", "家里", "我家", "我们", "我的",
             "我", "目前", "现在", "现有", "已经", "早就", "是", "就", "只有", "也", "都", "还", "给", "打算", "准备", "计划",
             "想", "要", "能领", "能", "领", "可以", "教育费", "学费", "寿险", "重疾险", "重疾", "保险", "资产",
             "房产", "理财", "投资", "赡养费", "费用", "老婆", "老公", "爱人", "配偶", "她", "他", "的", "了",
             "吧", "啊", "呀", "呢", "哦", "啦", "嘛", "哈", "吗"),
}

WHOLE_WORDS: dict[str, tuple[str, ...]] = {
    "approx": MONEY_WORDS["approx"] + ("多", "来", "余"),
    "zero": ("一个都没有", "都没有", "还没有", "没有", "没", "暂无", "无", "不用", "不需要", "none", "no"),
    "neg": ("负",),
    "fill": ("周岁", "岁", "个", "位", "人", "名", "口", "年", "今年", "现在", "目前", "已经", "已", "满", "我的",
             "我", "他", "她", "孩子们", "小孩子", "孩子", "小孩", "子女", "儿女", "娃", "宝宝", "老人家",
             "老人", "父母", "长辈", "需要", "赡养", "要", "有", "一共", "总共", "共", "退休", "养到", "抚养到",
             "年纪", "年龄", "儿子", "女儿", "闺女", "是", "就", "都", "还", "了", "的", "吧", "啊", "呀", "哦", "啦", "嘛"),
}

# Who or what an amount is about (Step.about): words naming each party or
# product. A step declaring one of them asks back an answer that names another
# of the same kind (ABOUT_OTHERS) rather than storing it as its own: 老婆年薪30万
# at the client's income, 重疾险30万 at the life cover, 我38岁 at the spouse's age.
ABOUT_WORDS: dict[str, tuple[str, ...]] = {
    "self": ("我自己", "我本人", "本人", "自己", "我的", "我"),
    "spouse": ("老婆", "老公", "妻子", "丈夫", "爱人", "配偶", "媳妇", "太太", "先生", "她的", "他的", "她", "他"),
    "family": ("我们家", "我们俩", "我们两个", "我们", "我家", "家庭", "全家", "家里", "两口子", "夫妻"),
    "life_cover": ("定期寿险", "终身寿险", "寿险", "定寿", "意外险", "意外"),
    "ci_cover": ("重大疾病保险", "重大疾病险", "重大疾病", "重疾险", "重疾"),
    "medical": ("百万医疗险", "百万医疗", "医疗险", "医疗保险"),
}
# For a step about the key, which other subjects named in the answer are asked back.
ABOUT_OTHERS: dict[str, tuple[str, ...]] = {
    "self": ("spouse", "family"),
    "spouse": ("self", "family"),
    "family": (),  # a household total may name its members (我和老婆一共50万)
    "life_cover": ("ci_cover", "medical"),
    "ci_cover": ("life_cover", "medical"),
}
# How the subject of a step is named in "error.other_subject".
ABOUT_SUBJECTS: dict[str, str] = {"self": "about.self", "spouse": "about.spouse", "family": "about.family",
                                  "life_cover": "about.life_cover", "ci_cover": "about.ci_cover"}

# What an amount is: the words that name each item of money. Not items: the
# money vocabulary itself (万, 元, 每月, 年, 税后, 到手, 大概, 差不多, 一共, 没有…)
# nor who it is about (ABOUT_WORDS self/spouse/family).
ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "savings": ("银行存款", "存款", "储蓄", "积蓄", "存了", "存的", "存着", "理财", "投资", "基金", "股票", "现金"),
    "mortgage": ("房贷", "按揭", "房屋贷款", "住房贷款", "公积金贷款", "商业贷款", "商贷"),
    "debt": ("贷款", "负债", "欠款", "还欠", "欠", "借款", "债务", "月供", "还款"),  # any loan: the mortgage or another
    "other_debt": ("车贷", "消费贷", "信用卡", "网贷", "花呗", "借呗", "装修贷", "经营贷"),
    "cover": ("定期寿险", "终身寿险", "寿险", "定寿", "意外险", "意外", "重大疾病保险", "重大疾病险", "重大疾病",
              "重疾险", "重疾", "百万医疗险", "百万医疗", "医疗险", "医疗保险", "保额", "储蓄险", "年金险", "分红险",
              "万能险", "理财险"),
    "insurance": ("保险", "商业保险"),  # insurance in general: what a budget is spent on
    "income": ("月收入", "年收入", "收入", "工资", "月工资", "年薪", "月薪", "薪水", "薪资", "月入", "年入", "奖金"),
    "expenses": ("生活费", "生活开支", "开支", "花销", "花费", "支出", "开销", "家用"),
    "pension": ("养老金", "退休金", "退休工资", "养老保险"),
    "budget": ("预算", "保费", "保险费", "保险预算"),
    "education": ("教育金", "教育费", "学费", "培训费"),
    "support": ("赡养费",),
    "assets": ("资产", "房产", "不动产"),
    "annuity": ("养老年金", "个人养老金", "养老金账户"),
}
# The topic of each money question → the items that may be named in its answer:
# its own, and those that say the same there (月薪 at an income, 房贷还有… or
# 还欠… at the mortgage, 每年保费… or 保险… at the budget). An amount naming any
# other item is asked back ("error.other_item"), never stored: 存款60万 is no
# income, 年薪40万 no budget.
MONEY_TOPICS: dict[str, frozenset[str]] = {
    "income.self": frozenset({"income", "pension"}),  # a retiree's income is the pension
    "income.spouse": frozenset({"income", "pension"}),
    "income.family": frozenset({"income", "pension"}),
    "living_expenses": frozenset({"expenses"}),
    "mortgage": frozenset({"mortgage", "debt"}),
    "other_debts": frozenset({"debt", "other_debt"}),
    "debt_payment": frozenset({"mortgage", "debt", "other_debt"}),
    "parent_support": frozenset({"support", "expenses"}),  # 每月给老人2000生活费
    "education": frozenset({"education"}),
    "retirement_spending": frozenset({"expenses", "income"}),  # the income wanted in retirement
    "pension": frozenset({"pension"}),
    "other_assets": frozenset({"assets"}),
    "retirement_savings": frozenset({"annuity", "savings", "pension"}),
    "budget": frozenset({"budget", "insurance"}),
}
# The topic of a money step from what the step gives parse_money (Step.words,
# Step.about) where its ``about`` names a party; a step about no party names
# its topic as its ``about`` (about="budget").
TOPIC_OF_STEP: dict[tuple[str | None, str | None], str] = {
    ("no_job", "self"): "income.self",
    ("no_job", "spouse"): "income.spouse",
    (None, "family"): "income.family",
    ("home_loan", None): "mortgage",
}

# Option ids → what people type for them (besides the id, position and label).
CHOICE_WORDS: dict[str, tuple[str, ...]] = {
    "quick": ("快速", "快速诊断", "快的", "快", "简单", "简单的", "简单点", "简版", "快一点", "快点"),
    "full": ("完整", "完整诊断", "完整的", "详细", "详细的", "全面", "全面的", "完整版", "详细版"),
    "male": ("男", "男性", "男的", "男士", "男生", "男人", "先生", "m", "male", "man"),
    "female": ("女", "女性", "女的", "女士", "女生", "女人", "小姐", "f", "female", "woman"),
    "unspecified": ("不便透露", "不方便透露", "不透露", "不想透露", "不想说", "保密", "不告诉你"),
    "single": ("未婚", "单身", "没结婚", "没有结婚", "还没结婚", "还没有结婚", "未结婚", "不婚", "single"),
    "married": ("已婚", "结婚", "结婚了", "已结婚", "已经结婚", "已经结婚了", "结了", "有配偶", "married"),
    "divorced": ("离异", "离婚", "离婚了", "已离婚", "离了", "divorced"),
    "widowed": ("丧偶", "配偶去世", "配偶过世", "丧夫", "丧妻", "widowed"),
    "solar": ("阳历", "公历", "新历", "西历", "阳历生日", "公历生日", "新历生日", "过阳历", "过公历", "过新历"),
    "lunar": ("农历", "阴历", "旧历", "老历", "农历生日", "阴历生日", "旧历生日", "过农历", "过阴历", "过旧历"),
    "income": ("收入", "收入保障"),
    "health": ("健康", "医疗", "健康医疗", "医疗保障"),
    "education": ("教育", "子女教育", "孩子教育"),
    "retirement": ("养老", "退休", "养老规划"),
    "legacy": ("传承", "财富传承", "财富"),
}

YES_WORDS = ("是", "是的", "对", "对的", "好", "好的", "行", "可以", "同意", "愿意", "要", "需要", "有", "嗯", "嗯嗯",
             "确认", "确定", "当然", "当然可以", "没问题", "可", "成", "好滴", "好嘞", "好哒", "好好", "对对", "是是",
             "y", "yes", "ok", "okay", "1")
NO_WORDS = ("否", "不", "不是", "不对", "不好", "不行", "不可以", "不同意", "不愿意", "不要", "不需要", "没有", "无",
            "没", "暂无", "不用", "不必", "没必要", "算了", "拒绝", "免了", "暂时不", "暂时不用", "先不", "先不用",
            "以后再说", "n", "no", "0")
# Consent must be an unambiguous yes: only these (the label and its words too).
CONSENT_YES = ("同意", "我同意", "同意开始", "是", "是的", "好", "好的", "可以", "行", "愿意", "确认", "确定", "没问题",
               "开始诊断", "嗯", "嗯嗯", "对", "当然", "当然可以", "y", "yes", "ok", "okay")
# 有医保 / 没有医保: "has it" and "has not" followed by what the question asks about.
HAVE_PREFIX = ("已经有", "已有", "有")
HAVE_NOT_PREFIX = ("还没有", "没有", "没买", "没", "无", "暂无")
HAVE_NOUNS = ("医保", "社保", "医疗险", "医疗保险", "医疗保障", "保险", "百万医疗", "百万医疗险", "商业医疗",
              "商业医疗险", "新农合", "农合", "公费医疗", "职工医保", "居民医保", "保障")

# A name that means "no name": the summary then addresses the client neutrally.
NO_NAME = ("不想说", "保密", "不告诉你", "不说", "不方便", "不方便说", "不想透露", "不透露", "不便透露", "匿名",
           "无", "没有", "不用", "不用了", "随便", "都行", "跳过", "算了", "略", "none", "no", "n/a", "na", "skip",
           "-", "--", "—", "——", "/")
NAME_PREFIX = ("你可以叫我", "您可以叫我", "可以叫我", "就叫我", "称呼我", "叫我", "我的名字是", "我的名字叫", "名字是",
               "我叫", "我是", "免贵姓", "本人姓", "我姓", "姓")
NAME_SUFFIX = ("就可以了", "就可以", "就行了", "就行", "就好了", "就好", "即可", "吧")

# "I don't know" at any question: not a badly written answer, so the engine
# says what happens then (the default behind 跳过, or that an estimate or 0 is fine).
DONT_KNOW = ("不知道", "不清楚", "不太清楚", "不是很清楚", "不确定", "不太确定", "随便", "随意", "忘了", "忘记了", "忘记",
             "没算过", "没算", "没有算过", "不记得", "不记得了", "记不清", "记不清了", "记不得", "说不清", "说不好",
             "说不准", "不好说", "没概念", "没什么概念", "不懂", "不太懂", "不晓得", "不了解", "没数", "心里没数",
             "没想过", "没想好", "还没想好", "没考虑过", "不知", "未知", "不详", "待定", "无所谓", "都行", "都可以",
             "看着办", "你定", "您定", "idk", "dunno", "don't know", "not sure")
_DONT_KNOW_FLAT = frozenset(w.replace(" ", "") for w in DONT_KNOW)
_DONT_KNOW_AROUND = ("我也", "我", "也", "真的", "实在", "暂时", "还", "具体", "这个", "这")  # 我也不清楚, 具体不清楚
_DONT_KNOW_TAIL = ("具体多少", "是多少", "有多少", "多少", "几岁", "几个", "诶", "欸", "哎", "耶", "哈", "呃")
# A question back ("这个是什么意思?") at a question: answered by pointing to the example.
QUESTION_WORDS = ("什么意思", "啥意思", "什么是", "是什么", "是啥", "怎么算", "怎么填", "怎么写", "怎么回答", "如何填",
                  "为什么", "为啥", "问一下", "请问", "想问", "包括哪些", "包括什么", "包不包括", "算不算", "能不能",
                  "可不可以", "是不是", "要不要", "需不需要", "有没有", "多少合适", "多少比较好")
_QUESTION_ENDS = ("吗", "么", "啥", "什么", "呢", "咩")

# Answers in words that only make sense at some questions; a step names its
# list (Step.words). A value is the answer; a "error.…" id is asked back.
STEP_WORDS: dict[str, dict[str, int | str]] = {
    # A mortgage: no home loan at all.
    "home_loan": {w: 0 for w in ("租房", "租房住", "租房子", "租房子住", "租的房", "租的房子", "租的", "在租房",
                                 "没买房", "没有买房", "还没买房", "没房", "没有房", "没有房子", "没房子", "无房",
                                 "全款", "全款买的", "全款房", "全款买房", "住父母家", "和父母住", "住宿舍",
                                 "住公司宿舍", "房子是租的")},
    # An income: no job, so no income.
    "no_job": {w: 0 for w in ("没工作", "没有工作", "无工作", "不工作", "没上班", "没有上班", "不上班", "没在上班",
                              "没在工作", "家庭主妇", "家庭主夫", "全职太太", "全职妈妈", "全职爸爸", "全职主妇",
                              "全职在家", "在家带孩子", "带孩子", "主妇", "待业", "失业", "无业", "没收入",
                              "在读", "学生", "还在读书", "在上学")},
    # A number of children.
    "children": {"双胞胎": 2, "龙凤胎": 2, "一对双胞胎": 2, "一对龙凤胎": 2, "三胞胎": 3, "独生子女": 1, "独生子": 1, "独生女": 1,
                 "丁克": 0},
    # Up to which age a child is supported: the question's own examples.
    "school_end": {"高中毕业": 18, "高中": 18, "成年": 18, "十八岁成年": 18, "大专毕业": 21, "大专": 21,
                   "大学毕业": 22, "大学": 22, "本科毕业": 22, "本科": 22, "研究生毕业": 25, "研究生": 25,
                   "硕士毕业": 25, "硕士": 25, "博士毕业": 28, "博士": 28},
    # A budget: none planned yet (the question's own example: 暂不安排就写 0).
    "no_budget": {w: 0 for w in ("暂不安排", "不安排", "暂时不安排", "先不安排", "还没安排", "没有安排", "没安排",
                                 "没有预算", "没预算", "暂无预算", "不打算安排", "暂不考虑", "先不考虑")},
    # A retirement age for someone already retired: the age they retired at.
    "retired": {w: "error.already_retired" for w in ("已经退休", "已退休", "退休了", "早就退休", "早退休",
                                                     "已经退了", "退休在家")},
}
_STEP_WORD_PREFIX = ("我们家", "我们", "我家", "我", "她", "他", "老婆", "老公", "爱人", "配偶", "孩子", "目前", "现在",
                     "暂时", "已经", "一直", "是", "就", "打算", "准备", "计划", "希望", "想", "养到", "抚养到", "供到",
                     "读到", "上到", "供他", "供她", "到", "等到")

# Trailing sentence particles: 好的, 有的, 行吧, 不了, 结婚了.
_PARTICLES = "啊呀吧呢哦噢喔啦嘛哈了的滴哟呗咯嘞"  # not 吗: 是吗 is a question, not a yes

# --- cleaning ----------------------------------------------------------------

_QUOTES = "\"'“”‘’「」『』《》〈〉【】()[]{}<>"
_TRAILING = ".。!?~,;:、…·" + _QUOTES


def _is_symbol(c: str) -> bool:
    """Emoji and other pictographs (So), modifiers such as skin tones (Sk),
    variation selectors and the keycap mark: decoration, not content."""
    return (unicodedata.category(c) in ("So", "Sk") or "\ufe00" <= c <= "\ufe0f"
            or "\U000e0100" <= c <= "\U000e01ef" or c == "\u20e3")


@dataclass(frozen=True)
class Remarks:
    """Bracketed remarks that say something the answer needs (4岁(双胞胎)):
    ``whole`` matches such a remark (group 1: the words read in its place),
    ``inside`` finds its words in a longer one (kept, never dropped)."""

    whole: re.Pattern[str]
    inside: re.Pattern[str]


def _invisible_dropped(text: str) -> str:
    """NFKC, without invisible/format characters (zero-width, direction
    marks, BOM, ZWJ, soft hyphen: category Cf)."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")


def undecorated(text: str) -> str:
    """``text`` (NFKC) with invisible marks dropped and each emoji or other
    symbol (So/Sk, variation selectors, keycaps) turned into a space: what
    every parser reads (不留电话😊 is 不留电话, 👍40万 is 40万)."""
    return "".join(" " if _is_symbol(c) else c for c in _invisible_dropped(text))


# A remark in brackets: (税后), (大概), （不含公积金）, 【估计】.
_REMARK = re.compile(r"[(\[【]([^()\[\]【】]*)[)\]】]")
MAX_REMARK_CHARS = 12
_REMARK_NUMERALS = set("0123456789零〇一壹二贰两俩三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万亿")


def _drop_remarks(s: str, vocab: tuple[re.Pattern[str], dict[str, str]], joined: Remarks | None = None) -> str:
    """A bracketed remark made only of words the parser knows is read as if
    unbracketed (税后, 每月, 税前: its meaning counts); a short remark with no
    number in it (不含公积金, 估的) is dropped; one with a number stays (and
    makes the answer an error: it may change the amount). ``joined``: a remark
    it matches whole is read as written right there, with no space (4岁(双胞胎)
    → 4岁双胞胎); one that only contains it stays (是双胞胎吧: never dropped)."""

    def remark(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        if not inner:
            return " "
        if joined is not None:
            whole = joined.whole.fullmatch(inner.replace(" ", ""))
            if whole:
                return "\0" + whole.group(1)  # joined to what it follows, spaces before it too
            if joined.inside.search(inner):
                return m.group()
        if _only_words(inner, vocab):
            return f" {inner} "
        if any(c in _REMARK_NUMERALS for c in inner) or len(inner) > MAX_REMARK_CHARS:
            return m.group()
        return " "

    return " ".join(re.sub(r"\s*\0", "", _REMARK.sub(remark, s)).split()) or s


def _clean(text: str | None, *, simplify: bool = True, strip_punct: bool = True, punct_only: Msg | None = None,
           remarks: tuple[re.Pattern[str], dict[str, str]] | None = None, joined: Remarks | None = None) -> str:
    if text is None:
        raise ParseError(msg("error.empty"))
    if len(text) > MAX_ANSWER_CHARS:
        raise ParseError(msg("error.too_long"))
    s = " ".join(_invisible_dropped(text).split())
    if not s:
        raise ParseError(msg("error.empty"))
    s = " ".join(undecorated(s).split())  # 40万👍, 😊40万, 好的👌
    if not s:  # only emoji: not empty, just not an answer
        raise ParseError(punct_only or msg("error.empty"))
    if simplify:
        s = s.translate(_TRAD).lower()
    if remarks is not None:
        s = _drop_remarks(s, remarks, joined)
    if strip_punct:
        s = s.lstrip(_QUOTES + " ").rstrip(_TRAILING + " ")
        if not s:  # only punctuation: not empty, just not an answer
            raise ParseError(punct_only or msg("error.empty"))
    return s


def normalize(text: str) -> str:
    """NFKC folds full-width digits and punctuation (３０万, ，) to ASCII;
    invisible marks and spare spaces go, trailing punctuation too."""
    return _clean(text, simplify=False)


def _strip_particles(s: str) -> str:
    return s.rstrip(_PARTICLES + _TRAILING + " ") or s


# --- not an answer: "don't know" and questions back ----------------------------

# What a parser says when it cannot read an answer at all; only then is the
# text looked at as "don't know" or a question (30万吗 stays 30万).
_FORMAT_ERRORS = frozenset({"error.not_money", "error.not_whole", "error.not_date", "error.not_yes_no",
                            "error.not_choice", "error.not_ranking", "error.not_number", "error.not_ages",
                            "error.not_amounts"})


def _not_an_answer(text: str | None) -> str | None:
    """"error.dont_know" for 不知道 / 不清楚 / 随便 / 忘了 / 没算过 (and 我也不清楚,
    不知道具体多少…), "error.question" for a question back (text ending in
    ? / 吗 / 什么, or 问一下…/…什么意思), else None."""
    try:
        s = _clean(text, strip_punct=False)
    except ParseError:
        return None
    flat = s.replace(" ", "")
    bare = flat.rstrip(_TRAILING) or flat
    for form in dict.fromkeys((bare, bare.rstrip("呢啊呀吧哦噢喔啦嘛哈") or bare, _strip_particles(bare))):
        c = form
        for _ in range(3):
            for word in _DONT_KNOW_AROUND:
                if c.startswith(word) and len(c) > len(word):
                    c = c[len(word):]
                    break
        for tail in _DONT_KNOW_TAIL:
            if c.endswith(tail) and len(c) > len(tail):
                c = c[: -len(tail)]
                break
        if c in _DONT_KNOW_FLAT or _strip_particles(c) in _DONT_KNOW_FLAT:
            return "error.dont_know"
    stripped = flat.rstrip(".。!~…")
    if stripped.endswith("?") or bare.endswith(_QUESTION_ENDS) or any(w in flat for w in QUESTION_WORDS):
        return "error.question"
    return None


_P = ParamSpec("_P")


def _explained(parse: Callable[_P, Parsed]) -> Callable[_P, Parsed]:
    """A parser whose "cannot read this" becomes "error.dont_know" or
    "error.question" when that is what the text is (the engine then says
    what to do: press 跳过, estimate, or follow the example)."""

    @functools.wraps(parse)
    def explained(*args: _P.args, **kwargs: _P.kwargs) -> Parsed:
        try:
            return parse(*args, **kwargs)
        except ParseError as err:
            if err.message.key in _FORMAT_ERRORS:
                other = _not_an_answer(args[0] if args else kwargs.get("text"))  # type: ignore[arg-type]
                if other:
                    raise ParseError(msg(other)) from None
            raise

    return explained


# --- numerals ----------------------------------------------------------------

_CN_DIGITS = {"一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5,
              "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_ZERO = "零〇"
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000, "k": 1000}
_BIG_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000}
_APPROX_INSIDE = "多来余"  # 30多万, 三十来万, 一万余
_VAGUE = "几"  # 十几万, 几十万
_NUMERAL_CHARS = set(_CN_DIGITS) | set(_CN_ZERO) | set(_SMALL_UNITS) | set(_BIG_UNITS) | set("点" + _APPROX_INSIDE + _VAGUE)
_DIGIT_BLOB = re.compile(r"[0-9]+(?:[.,][0-9]+)*")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_RANGE_SEPS = "-~到至—–−〜"
_LIST_SEPS = ",、;+和与及&/|或"


class _Bad(Exception):
    """A malformed numeral (internal; becomes a ParseError)."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # N number, Z 零, U small unit, B big unit, P 点, A 多/来/余
    value: Decimal = Decimal(0)
    digits: str = ""  # how a number was written ("5", "5000", "1.5")
    chinese: bool = False


def _numeral_tokens(run: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(run):
        m = _DIGIT_BLOB.match(run, i)
        if m:
            blob = m.group()
            if "," in blob:
                if not _THOUSANDS.fullmatch(blob):
                    raise _Bad  # 1,5万: not a thousands separator
                blob = blob.replace(",", "")
            if blob.count(".") > 1:
                raise _Bad  # 1.2.3
            toks.append(_Tok("N", Decimal(blob), blob))
            i = m.end()
            continue
        c = run[i]
        if c in _CN_DIGITS:
            toks.append(_Tok("N", Decimal(_CN_DIGITS[c]), str(_CN_DIGITS[c]), chinese=True))
        elif c in _CN_ZERO:
            toks.append(_Tok("Z"))
        elif c in _SMALL_UNITS:
            toks.append(_Tok("U", Decimal(_SMALL_UNITS[c])))
        elif c in _BIG_UNITS:
            toks.append(_Tok("B", Decimal(_BIG_UNITS[c])))
        elif c == "点":
            toks.append(_Tok("P"))
        elif c in _APPROX_INSIDE:
            toks.append(_Tok("A"))
        elif c in _VAGUE:
            raise ParseError(msg("error.vague"))
        else:
            raise _Bad
        i += 1
    return toks


def _simple(t: _Tok) -> bool:
    """A single digit 1–9: what may multiply 十/百/千."""
    return len(t.digits) == 1 and t.value >= 1


def _tail(t: _Tok, before: str | None, place: Decimal, zero_place: Decimal | None, at_end: bool) -> Decimal:
    """The value of a number written after a unit of ``place`` (or after 零)."""
    if "." in t.digits:
        raise _Bad
    if before == "Z":  # 一千零五, 一万零五百: a literal smaller than the gap
        if zero_place is None or not 0 < t.value < zero_place / 10:
            raise _Bad
        return t.value
    if place == 10:  # 二十五
        if not _simple(t):
            raise _Bad
        return t.value
    if _simple(t):  # 三万五 = 35,000, 一百五 = 150: only as the last thing said
        if at_end:
            return t.value * place / 10
        raise _Bad
    if not t.chinese and Decimal(10) ** len(t.digits) == place:  # 3万5000, 3千500: fills the place exactly
        return t.value
    raise _Bad


def _evaluate(toks: list[_Tok]) -> Decimal:
    """Read one well-formed numeral; raises _Bad otherwise, also for tokens
    whose arithmetic fails (decimal.InvalidOperation and the like): whatever
    the tokens, a numeral is read or it is malformed, never a crash."""
    try:
        return _read_numeral(toks)
    except ArithmeticError:  # decimal.DecimalException, ZeroDivisionError, OverflowError
        raise _Bad from None


def _read_numeral(toks: list[_Tok]) -> Decimal:
    """Read one well-formed numeral; raises _Bad otherwise.

    The grammar: sections below 万 are read digit-unit by digit-unit with
    units strictly decreasing and each unit the next place down (三千五百)
    unless a 零 stands for the gap (一千零五十); 万 and 亿 close a section
    (亿 once, 万 once per 亿); a first number may be any Arabic number or
    decimal (30万, 1.5亿, 15k); a last bare digit right after 百/千/万/亿 is
    the colloquial next place (三万五, 一亿五); a bare Arabic tail must fill
    its place (3万5000)."""
    if not toks:
        raise _Bad
    if len(toks) == 1 and toks[0].kind == "Z":
        return Decimal(0)
    yi = wan = section = Decimal(0)
    last_small: Decimal | None = None  # the last small unit of the section being read
    last_big: Decimal | None = None
    pending: _Tok | None = None  # a number waiting for its unit
    before: str | None = None  # what came before ``pending``
    prev: str | None = None
    zero_place: Decimal | None = None  # the place of the unit before a 零
    section_zero = False  # the section after a big unit opened with 零
    fraction = False
    decimal_multiplier = False  # a decimal multiplied a small unit (1.5千): no 点 may follow in its section
    units = 0  # units read so far: 0 means a first multiplier may be any number (30万, 1.5亿, 15k)
    closed = False  # a fractional multiplier of 万/亿 ends the numeral: 1.5万5000 is not 2万
    i = 0
    while i < len(toks):
        t = toks[i]
        if closed:
            raise _Bad
        if t.kind == "N":
            if pending is not None or fraction:
                raise _Bad  # two numbers in a row
            if units and "." in t.digits:
                raise _Bad
            pending, before, prev = t, prev, "N"
        elif t.kind == "Z":
            if pending is not None or prev not in ("U", "B") or fraction:
                raise _Bad  # 零 only fills a gap after a unit
            zero_place = last_small if prev == "U" else last_big
            section_zero = section_zero or prev == "B"
            prev = "Z"
        elif t.kind == "U":
            u = t.value
            if pending is None:
                nxt = toks[i + 1].kind if i + 1 < len(toks) else None
                if u == 10 and prev in (None, "Z"):
                    m = Decimal(1)  # 十五, 一千零十
                elif u in (100, 1000) and prev is None and nxt == "B":
                    m = Decimal(1)  # 百万, 千万
                else:
                    raise _Bad
            else:
                if not _simple(pending) and (units or before is not None):
                    raise _Bad  # 3万15百
                if pending.value == 0:
                    raise _Bad
                m = pending.value
                decimal_multiplier = decimal_multiplier or "." in pending.digits
            if last_small is not None and u >= last_small:
                raise _Bad  # units strictly decrease: 十五十, 拾9百
            if prev == "Z" or (pending is not None and before == "Z"):
                if zero_place is None or zero_place <= u * 10:
                    raise _Bad  # 一百零五十: no gap for 零 to fill
            elif units:
                expected = last_small / 10 if last_small is not None else Decimal(1000)
                if u != expected:
                    raise _Bad  # 一千五十, 一万五百: the gap needs its 零
            section += m * u
            last_small, pending, before, prev, zero_place = u, None, None, "U", None
            units += 1
        elif t.kind == "B":
            b = t.value
            if prev == "Z":
                raise _Bad  # 一百零万
            if b == 10_000:
                if last_big == 10_000:
                    raise _Bad  # 5万3万
                if last_small is None:  # the number before 万 is its whole multiplier
                    if pending is None:
                        raise _Bad
                    m = pending.value
                    if units:  # after 亿: 1亿200万, 一亿零五万 (not 一亿五万)
                        if m >= 10_000 or "." in pending.digits or pending.chinese and before != "Z":
                            raise _Bad
                else:
                    m = section + (_tail(pending, before, last_small, zero_place, False) if pending else 0)
                if m == 0:
                    raise _Bad
                wan = m * b
            else:
                if yi:
                    raise _Bad  # 亿 twice
                if last_big is None and last_small is None:
                    if pending is None:
                        raise _Bad
                    m = pending.value
                elif last_small is None:  # right after 万: 一万亿; a bare digit here is ambiguous (5万3亿)
                    m = wan + (_tail(pending, before, Decimal(10_000), zero_place, False) if pending else 0)
                else:
                    m = wan + section + (_tail(pending, before, last_small, zero_place, False) if pending else 0)
                if m == 0:
                    raise _Bad
                yi, wan = m * b, Decimal(0)
            closed = m != m.to_integral_value()
            section = Decimal(0)
            last_small, last_big, pending, before, prev, zero_place = None, b, None, None, "B", None
            section_zero = False
            units += 1
        elif t.kind == "P":
            if fraction or last_big is not None or prev not in ("N", "U"):
                raise _Bad
            if decimal_multiplier:
                raise _Bad  # 0.1十点5, 2.5千点3: a point after a decimal multiplier spells no number
            if prev == "N":
                assert pending is not None
                if "." in pending.digits:
                    raise _Bad
                if units == 0:
                    whole = pending.value
                elif before == "Z" or (before == "U" and last_small == 10):
                    whole = section + pending.value  # 一百零五点五, 十二点五
                else:
                    raise _Bad  # 一百五点五
            else:
                whole = section
            frac = ""
            j = i + 1
            while j < len(toks) and (toks[j].kind == "Z" or toks[j].kind == "N" and len(toks[j].digits) == 1):
                frac += "0" if toks[j].kind == "Z" else toks[j].digits
                j += 1
            if not frac:
                raise _Bad
            digits = f"{int(whole)}.{frac}"  # whole is integral here; int() writes it without an exponent
            pending = _Tok("N", Decimal(digits), digits)
            before, prev, section, last_small, units, fraction = None, "N", Decimal(0), None, 0, True
            i = j
            continue
        else:
            raise _Bad
        i += 1
    if prev == "Z":
        raise _Bad  # 一百零
    if last_big == 100_000_000 and section and not section_zero:
        raise _Bad  # 一亿五千: 1.5亿 or 100,005,000? (一亿五千万 / 一亿零五千)
    rest = Decimal(0)
    if pending is not None:
        if units == 0:
            rest = pending.value
        else:
            place = last_small if before == "U" else last_big
            if before not in ("U", "B", "Z") or place is None and before != "Z":
                raise _Bad
            rest = _tail(pending, before, place or Decimal(1), zero_place, True)
    return yi + wan + section + rest


def _prepare(run: str) -> tuple[list[_Tok], bool]:
    """Tokens of a numeral, with 多/来/余 taken out (reported as approximate)."""
    toks = _numeral_tokens(run)
    approx = False
    out: list[_Tok] = []
    for i, t in enumerate(toks):
        if t.kind == "A":
            nxt = toks[i + 1].kind if i + 1 < len(toks) else None
            if not out or out[-1].kind not in ("N", "U", "B") or nxt not in (None, "U", "B"):
                raise _Bad
            approx = True
            continue
        if t.kind == "N" and t.chinese and out and out[-1].kind == "N" and out[-1].chinese:
            a, b = int(out[-1].value), int(t.value)
            if b == a + 1 or (a, b) == (3, 5):
                raise ParseError(msg("error.range"))  # 两三万, 三五万, 七八千
        out.append(t)
    return out, approx


def _can_split(toks: list[_Tok]) -> bool:
    """Whether the tokens are two well-formed numbers written one after the other."""
    if len(toks) > 40:
        return False
    for j in range(1, len(toks)):
        if not any(t.kind in ("U", "B") for t in toks[:j]) or not any(t.kind in ("U", "B") for t in toks[j:]):
            continue  # 3万500 is one number written loosely, not two
        try:
            _evaluate(toks[:j])
            _evaluate(toks[j:])
        except _Bad:
            continue
        return True
    return False


@dataclass(frozen=True)
class _Number:
    value: Decimal
    magnitude: bool  # 万/亿/w was written
    approx: bool


def _numeral(run: str) -> _Number:
    with localcontext(prec=_PREC):
        try:
            toks, approx = _prepare(run)
            value = _evaluate(toks)
        except _Bad:
            try:
                toks = _numeral_tokens(run)
            except _Bad:
                raise ParseError(msg("error.not_number")) from None
            if _can_split([t for t in toks if t.kind != "A"]):
                raise ParseError(msg("error.one_number")) from None
            raise ParseError(msg("error.not_number")) from None
        return _Number(value, any(t.kind == "B" for t in toks), approx)


# --- reading the words around a number ---------------------------------------


def _vocabulary(words: dict[str, tuple[str, ...]]) -> tuple[re.Pattern[str], dict[str, str]]:
    tags = {w: tag for tag, ws in words.items() for w in ws}
    ordered = sorted(tags, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)), tags


_ABOUT_FILL = tuple(w for ws in ABOUT_WORDS.values() for w in ws)  # naming one's own subject is fine
# Item words are read as context (fill); MONEY_WORDS keep their meaning (年薪: a period too).
_MONEY_VOCAB = _vocabulary({"about": _ABOUT_FILL, "item": tuple(w for ws in ITEM_WORDS.values() for w in ws),
                            **MONEY_WORDS})
_ITEM_OF = {w: item for item, ws in ITEM_WORDS.items() for w in ws}
_WHOLE_VOCAB = _vocabulary({"about": _ABOUT_FILL, **WHOLE_WORDS})
# Answers in words (家庭主妇) are not mentions of a party (家庭).
_ABOUT_RE, _ABOUT_TAGS = _vocabulary({"": tuple(w for t in STEP_WORDS.values() for w in t), **ABOUT_WORDS})


def _check_about(s: str, about: str | None) -> None:
    """Ask back an answer naming a party or product other than the step's own
    (``about``, see ABOUT_WORDS): 老婆年薪30万 at the client's income is not
    the client's income. 我 right before another party (我老婆, 我的老公, 我们家)
    is a possessive, not a mention of oneself."""
    others = ABOUT_OTHERS.get(about or "", ())
    if not others or _not_an_answer(s):  # 我不知道: the engine words that for the step
        return
    found = [(m.start(), m.end(), _ABOUT_TAGS[m.group()]) for m in _ABOUT_RE.finditer(s.replace(" ", ""))]
    flat = s.replace(" ", "")
    for j, (_, end, tag) in enumerate(found):
        if tag == "self" and j + 1 < len(found) and found[j + 1][2] in ("spouse", "family") \
                and flat[end:found[j + 1][0]] in ("", "的"):
            continue
        if tag in others:
            raise ParseError(msg("error.other_subject", subject=msg(ABOUT_SUBJECTS[about or ""])))


def money_topic(words: str | None = None, about: str | None = None, topic: str | None = None) -> str | None:
    """The topic of a money question (MONEY_TOPICS): ``topic`` if given, else
    the step's ``about`` when it names one (about="budget"), else what its
    words and party say (TOPIC_OF_STEP: words="no_job", about="self" → an
    income). None: an amount of any item is taken."""
    if topic is not None:
        if topic not in MONEY_TOPICS:
            raise ValueError(f"unknown money topic: {topic!r}")
        return topic
    if about in MONEY_TOPICS:
        return about
    return TOPIC_OF_STEP.get((words, about))


def _check_item(s: str, topic: str | None) -> None:
    """Ask back an amount whose words name another item than the question's
    topic (ITEM_WORDS, MONEY_TOPICS): 存款60万 at an income, 房贷150万 at the
    living costs, 年薪40万 at the budget. Words are read longest first, so a
    word inside a longer one does not count (退休工资 is a pension, 保险费 a
    premium)."""
    if topic is None or _not_an_answer(s):  # 是存款吗: a question, worded by the engine
        return
    fits = MONEY_TOPICS[topic]
    for m in _MONEY_VOCAB[0].finditer(s.replace(" ", "")):
        item = _ITEM_OF.get(m.group())
        if item is not None and item not in fits:
            raise ParseError(msg("error.other_item", topic=msg(f"topic.{topic}"), item=msg(f"item.{item}"),
                                 name=msg(f"topic.{topic}.name")))


def _only_words(s: str, vocab: tuple[re.Pattern[str], dict[str, str]]) -> bool:
    """Whether ``s`` is made only of the vocabulary's words (and spaces)."""
    words_re = vocab[0]
    i = 0
    while i < len(s):
        if s[i] == " ":
            i += 1
            continue
        m = words_re.match(s, i)
        if not m or m.end() == i:
            return False
        i = m.end()
    return bool(s.strip())


def _starts_number(piece: str) -> bool:
    return piece[0].isascii() and piece[0].isdigit() or piece[0] in _CN_DIGITS or piece[0] in _CN_ZERO


@dataclass
class _Scan:
    runs: list[str]
    tags: set[str]
    range_between: bool  # a range sign between two numbers: 20-30万
    leading_minus: bool
    after: list[str | None]  # per run, the word written right after it (月供五千还有20年: "年")


def _scan(s: str, vocab: tuple[re.Pattern[str], dict[str, str]], not_key: str) -> _Scan:
    """Split an answer into numeric runs and known words; anything else is an error."""
    words_re, tags = vocab
    items: list[tuple[str, str]] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == " ":
            items.append(("sp", c))
            i += 1
            continue
        m = words_re.match(s, i)
        if m and m.end() > i:
            items.append(("word", tags[m.group()] + "\0" + m.group()))
            i = m.end()
            continue
        m = _DIGIT_BLOB.match(s, i)
        if m:
            items.append(("num", m.group()))
            i = m.end()
            continue
        if c in _NUMERAL_CHARS:
            items.append(("num", c))
        elif c in _RANGE_SEPS:
            items.append(("range", c))
        elif c in _LIST_SEPS:
            items.append(("list", c))
        else:
            raise ParseError(msg(not_key))
        i += 1
    # Numeric pieces next to each other are one run; a space joins "30 万" but
    # separates "30万 40万" and "3 5" (a new number starts after it).
    merged: list[tuple[str, str]] = []
    for kind, text in items:
        if kind == "num" and merged:
            if merged[-1][0] == "num":
                merged[-1] = ("num", merged[-1][1] + text)
                continue
            if len(merged) >= 2 and merged[-1][0] == "sp" and merged[-2][0] == "num" and not _starts_number(text):
                merged.pop()
                merged[-1] = ("num", merged[-1][1] + text)
                continue
        merged.append((kind, text))
    merged = [it for it in merged if it[0] != "sp"]
    kinds = [k for k, _ in merged]
    range_between = any(
        kinds[j] == "range" and "num" in kinds[:j] and "num" in kinds[j + 1 :] for j in range(len(kinds))
    )
    leading_minus = bool(merged) and merged[0] == ("range", merged[0][1]) and merged[0][1] in "-−" and "num" in kinds
    after = [merged[j + 1][1].split("\0")[1] if j + 1 < len(merged) and merged[j + 1][0] == "word" else None
             for j in range(len(merged)) if merged[j][0] == "num"]
    return _Scan(
        runs=[t for k, t in merged if k == "num"],
        tags={t.split("\0")[0] for k, t in merged if k == "word"},
        range_between=range_between,
        leading_minus=leading_minus,
        after=after,
    )


def _one_run(scan: _Scan, not_key: str, two_key: str = "error.one_number") -> _Number:
    """The single number of an answer, or the error that says why not
    (``two_key`` for two numbers: "add them up" only makes sense for amounts)."""
    if "neg" in scan.tags or scan.leading_minus:
        raise ParseError(msg("error.negative"))
    if scan.range_between:
        raise ParseError(msg("error.range"))
    if len(scan.runs) > 1:
        for run in scan.runs:
            try:
                _numeral(run)
            except ParseError as err:
                if err.message.key == "error.not_number":
                    raise ParseError(msg(not_key)) from None
        raise ParseError(msg(two_key))
    try:
        return _numeral(scan.runs[0])
    except ParseError as err:
        if err.message.key == "error.not_number":
            raise ParseError(msg(not_key)) from None
        if err.message.key == "error.one_number":
            raise ParseError(msg(two_key)) from None
        raise


def parse_number(text: str) -> Decimal:
    """Read a non-negative number written with Arabic or Chinese numerals and
    units: 30万, 30w, 三十万, 1.5亿, 8k, 8千, 三万五, 一点五亿, 300,000.

    Raises ParseError("error.negative") for a minus sign, ("error.one_number")
    for two numbers, ("error.not_number") for anything else."""
    s = _clean(text, punct_only=msg("error.not_number"))
    scan = _scan(s, (re.compile("(?!)"), {}), "error.not_number")
    if scan.tags or not scan.runs:
        raise ParseError(msg("error.not_number"))
    return _one_run(scan, "error.not_number").value


# --- money -------------------------------------------------------------------

Period = Literal["year", "month"]


def _to_int(amount: Decimal) -> int:
    with localcontext(prec=_PREC):
        return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_GE_MAGNITUDE = re.compile(r"(?<=[0-9零〇一二两俩三四五六七八九十百千几])个(?=[万亿w])")  # 两个亿, 5个万
_CLAUSE = re.compile(r"(?<![0-9]),|,(?![0-9])|[;、]")  # not the comma of 300,000
_DURATIONS = ("年", "个月")  # 还有20年: a number of years, not an amount


def _drop_asides(s: str, vocab: tuple[re.Pattern[str], dict[str, str]]) -> str:
    """120万,公积金贷款 → 120万: a short clause with no number and words the
    parser does not know is a remark. Clauses of known words stay (they may
    change the meaning: 8000,每月), and so does every clause with a number."""
    parts = [p.strip() for p in _CLAUSE.split(s)]
    if len(parts) < 2:
        return s
    numeric = [any(c in _REMARK_NUMERALS for c in p) for p in parts]
    if not any(numeric):
        return s
    kept = [p for p, num in zip(parts, numeric, strict=True)
            if num or not p or _only_words(p, vocab) or len(p) > MAX_REMARK_CHARS]
    return ",".join(p for p in kept if p) if len(kept) < len(parts) else s


def _word_answer(s: str, words: str | None) -> Parsed | None:
    """An answer in words from the step's list (STEP_WORDS[words]):
    租房 → 0 for a mortgage, 双胞胎 → 2, 大学毕业 → 22; leading pronouns and
    the like (她没工作, 打算到大学毕业) and trailing particles do not count."""
    table = STEP_WORDS.get(words or "")
    if not table:
        return None
    core = _strip_particles(s).replace(" ", "").removesuffix("为止")
    for _ in range(4):
        if core in table:
            value = table[core]
            if isinstance(value, str):
                raise ParseError(msg(value))
            key = _WORD_NOTES.get(words or "")
            return Parsed(value, msg(key, age=value) if key else None)
        for prefix in _STEP_WORD_PREFIX:
            if core.startswith(prefix) and len(core) > len(prefix):
                core = _strip_particles(core[len(prefix):])
                break
        else:
            return None
    return None


_WORD_NOTES = {"school_end": "note.age_in_years"}


@_explained
def parse_money(text: str, period: Period | None = None, *, words: str | None = None,
                about: str | None = None, topic: str | None = None) -> Parsed:
    """An amount of money in whole yuan.

    ``period`` is what the question asks for. "3000/月" for a yearly question
    is converted (×12) and a note says so; "10万/年" for a monthly one, ÷12.
    "无"/"没有"/"没有房贷"/"还清了" read as 0; "大概30万" as 30万 with a note.
    ``words`` names the step's list of answers in words (STEP_WORDS);
    ``about`` who or what the amount is about (ABOUT_WORDS): an answer naming
    another party or product is asked back ("error.other_subject").
    ``topic`` what the question asks (MONEY_TOPICS; None: worked out from
    ``words`` and ``about``, see money_topic): an amount named as another
    item (存款60万 at an income) is asked back ("error.other_item").
    Another currency ($50k, 5万美元) is asked again in 人民币.
    """
    topic = money_topic(words, about, topic)
    s = _clean(text, punct_only=msg("error.not_money"), remarks=_MONEY_VOCAB)
    _check_about(s, about)
    found = _word_answer(s, words)
    if found is not None:
        return found
    s = _drop_asides(_GE_MAGNITUDE.sub("", s), _MONEY_VOCAB)
    scan = _scan(s, _MONEY_VOCAB, "error.not_money")
    _check_item(s, topic)
    if "foreign" in scan.tags:
        raise ParseError(msg("error.foreign_currency"))
    if "pretax" in scan.tags:
        raise ParseError(msg("error.pre_tax"))
    if not scan.runs:
        if "zero" in scan.tags and "neg" not in scan.tags:
            return Parsed(0)
        raise ParseError(msg("error.not_money"))
    if "zero" in scan.tags:
        raise ParseError(msg("error.not_money"))  # 没有30万: not a number we can take
    # Two amounts may be added up; an amount and a number of years may not (月供五千还有20年).
    roles_differ = ("month" in scan.tags and "year" in scan.tags) or any(a in _DURATIONS for a in scan.after)
    number = _one_run(scan, "error.not_money", "error.just_one" if roles_differ else "error.one_number")
    given: Period | None = None
    if "month" in scan.tags and "year" in scan.tags:
        raise ParseError(msg("error.not_money"))
    if "month" in scan.tags:
        given = "month"
    elif "year" in scan.tags:
        given = "year"
    unit_given = "cur" in scan.tags or given is not None or number.magnitude
    if given and period is None:
        # "1.5万/月" for a balance or a cover: a total was asked, not a rate.
        raise ParseError(msg("error.not_periodic"))
    approx = number.approx or "approx" in scan.tags
    amount = number.value
    note = None
    with localcontext(prec=_PREC):
        if period and given and given != period:
            if period == "year":
                converted = amount * 12
                key = "note.approx_month_to_year" if approx else "note.month_to_year"
                note = msg(key, monthly=Money(amount), yearly=Money(converted))
            else:
                converted = amount / 12
                key = "note.approx_year_to_month" if approx else "note.year_to_month"
                note = msg(key, yearly=Money(amount), monthly=Money(converted))
            amount = converted
        elif approx:
            note = msg("note.approx", value=Money(amount))
    return Parsed(_to_int(amount), note, unit_given)


# --- whole numbers -----------------------------------------------------------

_AGE_ZERO = re.compile(r"(刚出生|刚生|新生儿|刚满月|满月|还没满月|没满月|未满月|半岁|半岁多|"
                       r"(?:还)?(?:未满|不满|不到|没满|没到)(?:一|1)(?:周)?岁)")
_AGE_MONTHS = re.compile(r"(.+?)个?月(?:大)?")
_AGE_HALF = re.compile(r"(.+?)(?:周)?岁半")
_KIDS = re.compile(r"(.+?)(?:个)?(儿子|儿|闺女|女儿|女)(?:和|、|,|\+| )?(.+?)(?:个)?(儿子|儿|闺女|女儿|女)")
Bounds = tuple[int | None, int | None]


@_explained
def parse_whole(text: str, *, age: bool = False, today: date | None = None, bounds: Bounds = (None, None),
                words: str | None = None, about: str | None = None) -> Parsed:
    """A whole number (a count, an age): 3, 三, 35岁, 2个, 一百, 两个孩子,
    没有孩子, 一儿一女; with ``age``, 6个月 / 半岁 / 刚出生 read as 0, and a
    year of birth (2018年, 18年的, 2018-05-01) is turned into an age on
    ``today`` (see ``_age_from_birth``), never stored as one. ``bounds`` are
    the step's (min, max), for reading a two-digit year. ``words`` names the
    step's list of answers in words (STEP_WORDS); ``about`` who the number is
    about (ABOUT_WORDS: 我38岁 at the spouse's age is asked back)."""
    s = _clean(text, punct_only=msg("error.not_whole"), remarks=_WHOLE_VOCAB)
    _check_about(s, about)
    found = _word_answer(s, words)
    if found is not None:
        return found
    s = _drop_asides(s, _WHOLE_VOCAB)
    core = _strip_particles(s).replace(" ", "")
    if age:
        # Who it is about was checked above: 她88年的 at the spouse's age is 88年的.
        born = _age_from_birth(_strip_particles(_ABOUT_RE.sub("", s)), today, bounds)
        if born is not None:
            return born
        if _AGE_ZERO.fullmatch(core):
            return Parsed(0, msg("note.age_in_years", age=0))
        m = _AGE_MONTHS.fullmatch(core)
        if m:
            months = _whole_of(m.group(1))
            years = months // 12
            return Parsed(years, msg("note.age_in_years", age=years))
        m = _AGE_HALF.fullmatch(core)
        if m:
            years = _whole_of(m.group(1))
            return Parsed(years, msg("note.age_in_years", age=years))
    else:
        m = _KIDS.fullmatch(core)
        if m and m.group(2)[0] != m.group(4)[0]:
            return Parsed(_whole_of(m.group(1)) + _whole_of(m.group(3)))  # 一儿一女, 两儿一女
    scan = _scan(s, _WHOLE_VOCAB, "error.not_whole")
    if not scan.runs:
        if "zero" in scan.tags and "neg" not in scan.tags:
            return Parsed(0)
        raise ParseError(msg("error.not_whole"))
    if "zero" in scan.tags:
        raise ParseError(msg("error.not_whole"))
    # A count or an age: two numbers are never to be added up (2个,8岁和5岁).
    number = _one_run(scan, "error.not_whole", "error.just_one")
    value = number.value
    if value != value.to_integral_value():
        raise ParseError(msg("error.not_whole"))
    n = _to_int(value)
    approx = number.approx or "approx" in scan.tags
    if not approx:
        return Parsed(n)
    # 1岁多 → "按 1 岁计"; 30个左右 → "按 30 计".
    return Parsed(n, msg("note.age_in_years", age=n) if age or "岁" in s else msg("note.approx", value=n))


def _whole_of(text: str) -> int:
    """A small count or age inside a phrase (the 6 of 6个月)."""
    try:
        value = _numeral(text).value
    except ParseError:
        raise ParseError(msg("error.not_whole")) from None
    if value != value.to_integral_value():
        raise ParseError(msg("error.not_whole"))
    return _to_int(value)


# --- dates -------------------------------------------------------------------

_Y = r"[0-9]{4}|[0-9]{2}|[零〇一二三四五六七八九]{4}|[零〇一二三四五六七八九]{2}"
_MD = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_DATE_CN = re.compile(rf"({_Y})年({_MD})月({_MD})[日号]?")
_DATE_SEP = re.compile(r"([0-9]{4}|[0-9]{2}) ?([-/. ]) ?([0-9]{1,2}) ?\2 ?([0-9]{1,2})")
_DATE_DIGITS = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})|([0-9]{2})([0-9]{2})([0-9]{2})")
_DATE_PREFIX = re.compile(r"^(?:我的生日是|我的生日|出生日期是|出生日期|生日是|生日|出生于|生于|我是|是)")
_DATE_SUFFIX = re.compile(r"(?:出生的|出生|生的|生人|生)$")
_BIRTH_YEAR = re.compile(rf"({_Y})(年)?(?:({_MD})月份?)?")


def _date_parts(s: str) -> tuple[str, str, str, bool] | None:
    """(year, month, day as written, written compactly as 19850312) of a full date, or None."""
    compact = s.replace(" ", "")
    m = _DATE_CN.fullmatch(compact)
    if m:
        return m.group(1), m.group(2), m.group(3), False
    m = _DATE_SEP.fullmatch(s)
    if m:
        return m.group(1), m.group(3), m.group(4), False
    m = _DATE_DIGITS.fullmatch(compact)
    if m:
        g = [x for x in m.groups() if x is not None]
        return g[0], g[1], g[2], True
    return None


def _year_of(year_text: str) -> int:
    return int("".join(str(_CN_DIGITS.get(c, 0)) if not c.isascii() else c for c in year_text))


@_explained
def parse_date(text: str, today: date | None = None) -> Parsed:
    """1985-03-12, 1985/3/12, 1985.3.12, 1985 3 12, 1985年3月12日(出生),
    1985年3月12号, 一九八五年三月十二日, 19850312; two-digit years (85年3月12日,
    85.3.12) with ``today``: 19xx or 20xx, whichever makes the person 0–100
    years old (if both, the younger)."""
    s = _strip_particles(_clean(text, punct_only=msg("error.not_date")))
    s = _DATE_SUFFIX.sub("", _DATE_PREFIX.sub("", s)).strip()
    parts = _date_parts(s)
    if parts is None:
        raise ParseError(msg("error.not_date"))
    year_text = parts[0]
    year = _year_of(year_text)
    month, day = _date_part(parts[1]), _date_part(parts[2])
    if len(year_text) == 2:
        return Parsed(_two_digit_year(year, month, day, today))
    try:
        return Parsed(date(year, month, day))
    except ValueError:
        raise ParseError(msg("error.no_such_date")) from None


def _age_from_birth(text: str, today: date | None, bounds: Bounds) -> Parsed | None:
    """At an age question, a year of birth is turned into an age on ``today``,
    never stored as an age: a full date (2018-05-01) gives the exact age, a
    year and month (2018年5月) the age in whole years, a year alone
    (2018, 2018年, 2018年出生, 一九五八年) today.year − year, with a note saying
    how it was counted. A two-digit year counts only with 年 or 出生 after it
    (18年的, 88年生; a bare 38 is an age) and takes the 19xx or 20xx reading
    whose age fits ``bounds``; if both or neither do, it is asked back. None:
    not a year of birth."""
    had_suffix = bool(_DATE_SUFFIX.search(text))
    c = _DATE_SUFFIX.sub("", _DATE_PREFIX.sub("", text)).strip()  # spaces only inside a full date: 19 11 is two numbers
    parts = _date_parts(c)
    month = day = 0
    if parts is not None:
        year_text, compact = parts[0], parts[3]
        try:
            month, day = _date_part(parts[1]), _date_part(parts[2])
        except ParseError:
            return None
        if compact and not (1 <= month <= 12 and 1 <= day <= 31):
            return None  # 123456: a (wrong) number, not a date
    else:
        m = _BIRTH_YEAR.fullmatch(c)
        if not m:
            return None
        year_text, nian, month_text = m.groups()
        if len(year_text) == 2 and not (nian or had_suffix):
            return None  # 38, 三八: an age
        if month_text is not None:
            if not nian:
                return None
            try:
                month = _date_part(month_text)
            except ParseError:
                return None
    year = _year_of(year_text)
    if len(year_text) == 4 and not 1900 <= year <= 2099:
        return None  # 1000: a number, for the bounds to judge
    if today is None:
        raise ParseError(msg("error.birth_year"))
    readings = [year] if len(year_text) == 4 else [1900 + year, 2000 + year]
    ages: list[tuple[int, int]] = []
    for y in readings:
        if day:
            try:
                born = date(y, month, day)
            except ValueError:
                continue
            a = today.year - y - ((today.month, today.day) < (born.month, born.day))
        elif month:
            if not 1 <= month <= 12:
                continue
            a = today.year - y - (today.month < month)
        else:
            a = today.year - y
        if a >= 0:
            ages.append((y, a))
    if not ages and (day or month) and len(readings) == 1:
        try:
            date(year, month or 1, day or 1)
        except ValueError:
            raise ParseError(msg("error.no_such_date")) from None
    lo, hi = bounds
    fits = [(y, a) for y, a in ages if (lo is None or a >= lo) and (hi is None or a <= hi)]
    if len(fits) == 1:
        y, a = fits[0]
        if day:
            return Parsed(a, msg("note.age_from_birth_date", year=y, month=month, day=day, age=a))
        if month:
            return Parsed(a, msg("note.age_from_birth_month", year=y, month=month, age=a))
        return Parsed(a, msg("note.age_from_birth_year", year=y, age=a))
    if len(ages) == 1 and len(readings) == 1 and lo is not None and hi is not None:
        y, a = ages[0]
        raise ParseError(msg("error.birth_year_age", year=y, age=a, min=lo, max=hi))
    raise ParseError(msg("error.birth_year"))


def _date_part(text: str) -> int:
    if text.isascii():
        return int(text)
    try:
        value = _numeral(text).value
    except ParseError:
        raise ParseError(msg("error.not_date")) from None
    return _to_int(value)


def _two_digit_year(yy: int, month: int, day: int, today: date | None) -> date:
    if today is None:
        raise ParseError(msg("error.not_date"))
    exists = False
    fits: list[date] = []
    for century in (1900, 2000):
        try:
            d = date(century + yy, month, day)
        except ValueError:
            continue
        exists = True
        age = today.year - d.year - ((today.month, today.day) < (d.month, d.day))
        if d <= today and age <= 100:
            fits.append(d)
    if not exists:
        raise ParseError(msg("error.no_such_date"))
    if not fits:
        raise ParseError(msg("error.not_date"))
    return max(fits)


# --- yes / no ----------------------------------------------------------------


def _forms(s: str) -> list[str]:
    """The ways an answer may be read: as typed, without sentence particles,
    without spaces."""
    out = [s, _strip_particles(s)]
    out += [x.replace(" ", "") for x in out]
    return list(dict.fromkeys(out))


_CLAUSE_SEPS = re.compile(r"[,;、 ]+")
_UNSURE = ("应该是", "应该", "可能是", "可能", "大概是", "大概", "估计是", "估计", "好像是", "好像", "应当")
_HAVE_AFTER = ("也有", "都有", "是有", "有")  # 医保有的
_HAVE_NOT_AFTER = ("没有", "没买", "没", "无")


def _yes_or_no(f: str, strict: bool) -> bool | None:
    """One form of an answer as a plain yes (True) or no (False), or None."""
    if f in (CONSENT_YES if strict else YES_WORDS):
        return True
    if f in NO_WORDS:
        return False
    if strict:
        return None
    for prefix in HAVE_NOT_PREFIX:  # 没有医保 before 有医保
        if f.startswith(prefix) and f[len(prefix):] in HAVE_NOUNS:
            return False
    for prefix in HAVE_PREFIX:
        if f.startswith(prefix) and f[len(prefix):] in HAVE_NOUNS:
            return True
    for noun in HAVE_NOUNS:  # 医保有的, 社保没有
        if f.startswith(noun):
            rest = f[len(noun):]
            if rest in _HAVE_NOT_AFTER:
                return False
            if rest in _HAVE_AFTER:
                return True
    return None


def _strip_punctuation(text: str) -> str:
    return "".join(c for c in text if not unicodedata.category(c).startswith("P")).strip()


@_explained
def parse_yes_no(text: str, options: list[tuple[str, str]] | None = None, *, strict: bool = False) -> Parsed:
    """是/否 and how people say it (有的, 好啊, 不用了, 有医保, 没有医保, 医保有的…).
    ``options`` are the ("yes", label), ("no", label) buttons: their ids,
    positions and labels count. ``strict`` (consent): only an unambiguous yes
    is a yes. A few clauses that all say the same (是的,同意; 好的,同意) say
    it once. Not strict, an unsure yes or no (应该有, 可能没有) is taken with
    a note that it can be changed."""
    if options:
        try:
            return Parsed(parse_choice(text, options).value == "yes")
        except ParseError as err:
            if err.message.key in ("error.empty", "error.too_long"):
                raise
    s = _clean(text, punct_only=msg("error.not_consent" if strict else "error.not_yes_no"))
    for f in _forms(s):
        said = _yes_or_no(f, strict)
        if said is not None:
            return Parsed(said)
    # Clauses compared without their stray punctuation: 否;)否 is 否;否.
    clauses = [c for c in (_strip_punctuation(c) for c in _CLAUSE_SEPS.split(s)) if c]
    if 1 < len(clauses) == len(set(clauses)):  # 是的,同意 (not 否;否: said twice is typed oddly)
        said_each = set()
        for clause in clauses:
            options_said = {_yes_or_no(f, strict) for f in _forms(clause)} - {None}
            if not options_said and options:
                try:
                    options_said = {parse_choice(clause, options).value == "yes"}
                except ParseError:
                    pass
            said_each.add(options_said.pop() if len(options_said) == 1 else None)
        if len(said_each) == 1 and None not in said_each:
            return Parsed(said_each.pop())
    if not strict:
        for f in _forms(s):
            for word in _UNSURE:
                if f.startswith(word) and len(f) > len(word):
                    said = _yes_or_no(_strip_particles(f[len(word):]), strict)
                    if said is not None:
                        return Parsed(said, msg("note.unsure_yes_no"))
                    break
    raise ParseError(msg("error.not_consent" if strict else "error.not_yes_no"))


# --- choices and rankings ----------------------------------------------------

_CHOICE_PREFIX = ("我选择", "我选", "选择", "选", "我是", "我")
_POSITION = re.compile(r"(?:第|选)?([0-9]+|[一二三四五六七八九十])(?:个|项|种|号)?")
_PARENTHETICAL = re.compile(r"\(.*?\)")


def _key(s: str) -> str:
    return s.replace(" ", "").lower()


def _label_forms(label: str) -> set[str]:
    """A label, the label without its parenthetical, and its comma-separated
    parts: "快速诊断(约10题)" → 快速诊断; "同意,开始诊断" → 同意, 开始诊断."""
    cleaned = unicodedata.normalize("NFKC", label).translate(_TRAD).lower()
    main = _PARENTHETICAL.sub("", cleaned).strip()
    forms = {_key(cleaned), _key(main), _key(re.sub(r"[,,;、/]", "", main))}
    forms |= {_key(p) for p in re.split(r"[,,;、/]", main) if p.strip()}
    return {f for f in forms if f}


def _match_option(s: str, options: list[tuple[str, str]]) -> str | None:
    table: dict[str, set[str]] = {}
    for oid, label in options:
        for form in {_key(oid)} | _label_forms(label) | {_key(w) for w in CHOICE_WORDS.get(oid, ())}:
            table.setdefault(form, set()).add(oid)
    candidates: list[str] = []
    for f in _forms(s):
        candidates.append(_key(f))
        for prefix in _CHOICE_PREFIX:
            if f.startswith(prefix) and len(f) > len(prefix):
                candidates.append(_key(_strip_particles(f[len(prefix) :])))
    for c in candidates:
        hit = table.get(c)
        if hit and len(hit) == 1:
            return next(iter(hit))
    for c in (_key(s), _key(s.removeprefix("选").removeprefix("我选"))):  # a position as typed: 2, 第2个, 选2
        m = _POSITION.fullmatch(c)
        if m:
            g = m.group(1)
            n = int(g) if g.isascii() else (10 if g == "十" else _CN_DIGITS[g])
            if 1 <= n <= len(options):
                return options[n - 1][0]
    return None


@_explained
def parse_choice(text: str, options: list[tuple[str, str]]) -> Parsed:
    """``options`` are (id, label) pairs, label already translated by the
    caller's catalog lookup or the id itself. Accepts the id (buttons), the
    1-based position, the label, the label's main words, or a synonym from
    CHOICE_WORDS; never a mere piece of a label."""
    if text is not None and len(text) <= MAX_ANSWER_CHARS:
        exact = [oid for oid, _ in options if text == oid]
        if exact:
            return Parsed(exact[0])  # a button
    bad = msg("error.not_choice", count=len(options))
    s = _clean(text, punct_only=bad)
    oid = _match_option(s, options) or _match_option(_clean(text, strip_punct=False), options)
    if oid is None:
        raise ParseError(bad)
    return Parsed(oid)


_RANK_SEPS = re.compile(r"[\s,、;>/|\-→=]+")


@_explained
def parse_ranking(text: str, options: list[tuple[str, str]]) -> Parsed:
    """Positions or labels in order of importance: "2 1 3", "21354",
    "健康医疗,收入保障". Items not named keep their listed order after those
    that were."""
    n = len(options)
    s = _clean(text, punct_only=msg("error.not_ranking", count=n))
    parts = [p for p in _RANK_SEPS.split(s) if p]
    if len(parts) == 1 and parts[0].isascii() and parts[0].isdigit() and n < 10:
        parts = list(parts[0])
    if not parts:
        raise ParseError(msg("error.not_ranking", count=n))
    picked: list[str] = []
    for part in parts:
        oid = _match_option(part, options)
        if oid is None:
            raise ParseError(msg("error.not_ranking", count=n))
        if oid in picked:
            raise ParseError(msg("error.ranking_repeat"))
        picked.append(oid)
    rest = [oid for oid, _ in options if oid not in picked]
    return Parsed(picked + rest)


# --- short text --------------------------------------------------------------

MAX_NAME_CHARS = 20


def _has_word_chars(s: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in s)


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def parse_text(text: str, max_chars: int = MAX_NAME_CHARS) -> Parsed:
    """A name: letters required (not only punctuation, symbols, invisible or
    combining marks), no digits and one line (30万, 1985-03-12 or
    "王先生\n1985-03-12" are answers to other questions, not names); emoji are
    dropped; 我姓王 → 王, 叫我小王就行 → 小王; 不想说 / 保密 / 无 / 不知道 / - …
    mean no name ("")."""
    if text is not None and len(text) <= MAX_ANSWER_CHARS and any(c in _LINE_BREAKS for c in undecorated(text).strip()):
        raise ParseError(msg("error.name_text_only"))
    s = _clean(text, simplify=False, strip_punct=False, punct_only=msg("error.name_invalid"))
    if any(unicodedata.category(c) in ("Cc", "Co", "Cs") for c in s):
        raise ParseError(msg("error.text_invalid"))
    loose = _strip_particles(s.translate(_TRAD).lower().strip(_QUOTES + " "))
    if (s.lower() in NO_NAME or loose in NO_NAME or loose.replace(" ", "") in NO_NAME
            or _not_an_answer(s) == "error.dont_know"):
        return Parsed("", msg("note.no_name"))
    if any(c.isdigit() or unicodedata.category(c) in ("Nd", "No") for c in s):
        raise ParseError(msg("error.name_text_only"))
    name = s.strip(_QUOTES + " ").rstrip(_TRAILING + " ")
    for prefix in NAME_PREFIX:
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :].lstrip(" ,:")
            break
    for suffix in NAME_SUFFIX:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)].rstrip(" ,")
            break
    if not _has_word_chars(name):
        raise ParseError(msg("error.name_invalid"))
    if len(name) > max_chars:
        raise ParseError(msg("error.text_too_long", max=max_chars))
    return Parsed(name)


MAX_NOTE_CHARS = 500


def parse_note(text: str, max_chars: int = MAX_NOTE_CHARS) -> Parsed:
    """Free text (an advisor's note on a contact): any characters a person
    types, several lines; control characters and surrounding blanks go. Too
    long is refused with the limit (a 5,000-character paste is not cut
    silently)."""
    if text is None:
        raise ParseError(msg("error.empty"))
    s = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Co", "Cs")).strip()
    if not s:
        raise ParseError(msg("error.empty"))
    if len(s) > max_chars:
        raise ParseError(msg("error.text_too_long", max=max_chars))
    return Parsed(s)


# --- compound answers: every child's age, several amounts -------------------
#
# The quick interview asks a few things at once: each child's age in one
# answer (parse_ages) and a few amounts in one answer (parse_amounts). Each
# piece goes through the one-value grammar above (parse_whole / parse_money);
# what is read here is only what joins the pieces: counts, labels, separators.
# Whatever does not fit is asked back, never guessed: no sums, no part filled
# in that was not named, no count taken for an age.


def _joined(items: list[Any]) -> Any:
    """Several values shown as one list (3、7; 寿险保额、重疾险保额), the
    joining word coming from the catalog ("list.join")."""
    if len(items) == 1:
        return items[0]
    return msg("list.join", first=items[0], rest=_joined(items[1:]))


# --- every child's age --------------------------------------------------------

MAX_CHILDREN = 10
MAX_CHILD_AGE = 50
CHILD_AGE_BOUNDS: Bounds = (0, MAX_CHILD_AGE)  # the child age step's bounds (flows/diagnosis.py)

_CHILD_NOUN = "孩子们|孩子|小孩子|小孩|子女|儿女|宝宝|娃娃|娃|儿子|女儿|闺女|男孩|女孩"
_COUNT_NUM = "[0-9]{1,3}|[一二两俩三四五六七八九十]{1,3}"
# 没有 / 还没有 / 暂时没有 / 没有孩子 / 不要孩子 / 丁克 / 0 (a bare 0; 0岁 is a newborn).
_NO_CHILDREN = re.compile(
    rf"(?:我们家|我们|我家|家里|我|目前|现在|暂时|也|还|都)*"
    rf"(?:一个都没有|一个也没有|没有|没|无|暂无|不要|不想要|不打算要|没打算要|没要|没生|不生)(?:{_CHILD_NOUN})?"
    rf"|丁克(?:家庭|族)?|(?:0|零)(?:个|位)?(?:{_CHILD_NOUN})?|none|no")
# 有 / 我有 / 我家 / 我们家一共有: said before a count or the ages. 我 / 我们
# only with a verb: 我38岁 is not about a child.
_HAVE_VERB = "(?:一共有|总共有|一共|总共|共有|生了|养了|有)"
_HAVE_CHILDREN = re.compile(rf"(?:我们家|我家|家里)(?:目前|现在)?{_HAVE_VERB}?|(?:我们|我)(?:目前|现在)?{_HAVE_VERB}"
                            rf"|(?:目前|现在)?{_HAVE_VERB}?")
# A count said first: 两个(孩子), 2个, 俩孩子, 有个女儿, 一儿一女. Not 两个月 (an age).
_CHILD_COUNT = re.compile(
    rf"(?P<n>{_COUNT_NUM})(?:个|位|名)(?![多半]?月)(?:{_CHILD_NOUN})?"
    rf"|(?P<m>{_COUNT_NUM})(?:孩子|小孩|子女|儿女)"
    rf"|个(?:{_CHILD_NOUN})"
    rf"|(?P<a>{_COUNT_NUM})个?(?P<x>儿子|儿|闺女|女儿|女)(?P<b>{_COUNT_NUM})个?(?P<y>儿子|儿|闺女|女儿|女)")
_AGES_SEPS = r"[ ,;、:。!?&+|]|以及|还有|另外|然后|和|与|跟|及"
_AGES_SEP_AT = re.compile(rf"(?:{_AGES_SEPS})+")
# Who an age is about: 老大, 大的, 二儿子, 一个(孩子), 双胞胎… A label after
# a numeral belongs to the number (十一个月, 6个月大的), so it is no label there.
_LABEL_START = r"(?<![0-9零〇一二两俩三四五六七八九十百月])"
_TWINS = {"双胞胎": 2, "龙凤胎": 2, "三胞胎": 3}
_CHILD_LABEL = re.compile(
    _LABEL_START + r"(?:"
    rf"(?P<twins>(?:一对)?(?:双胞胎|龙凤胎|三胞胎)(?:{_CHILD_NOUN})?)"
    r"|(?P<specific>老[大二三四五六七八九十幺么小]|大的|小的|中间的|中间那个|最大的|最小的|老大的|"
    r"大一点的|小一点的|大宝|二宝|三宝|四宝|小宝|大娃|二娃|三娃|小娃|[大二三四小幺]?(?:儿子|女儿|闺女)|"
    r"男孩|女孩|男宝|女宝|男娃|女娃|哥哥|姐姐|弟弟|妹妹|独生子女|独生子|独生女)"
    rf"|(?P<generic>(?:第[一二三四五六七八九十]个|另一个|另外一个|还有一个|其中一个|一个)(?![多半]?月)(?:{_CHILD_NOUN})?"
    rf"|{_CHILD_NOUN})"
    r")(?:的)?(?:今年|现在|目前|已经|是)*")
# 4岁(双胞胎), 4岁(是龙凤胎): a remark that says how many children the age is
# for is read where it stands (a label after an age is that age's); 是/都是
# before it and 的/吧 after it are dropped. One that only holds such a word
# (两个孩子都是双胞胎吗) stays, and the answer is asked back.
_TWIN_REMARK = Remarks(
    whole=re.compile(r"(?:都是|是|为|属于)?((?:一对)?(?:双胞胎|龙凤胎|三胞胎)(?:孩子|宝宝)?)(?:的|呢|吧|哦|啊)*"),
    inside=re.compile(r"胞胎|龙凤胎|双胞|龙凤"),
)
_ALL_OF_THEM = re.compile(r"^都(?:是)?")  # 双胞胎都4岁; 两个孩子都5岁 (for one child: 都5岁了 = already 5)
_AGE_AFTER_AGE = re.compile(r"(?<=岁)(?=(?:[0-9]{1,2}|[一二两三四五六七八九十]{1,3})周?岁)")  # 8岁5岁, not 3岁5个月
_THOUSANDS_AT = re.compile(r"[0-9],[0-9]{3}(?![0-9])")
# The words one age may be written with (what parse_whole(age=True) reads).
_AGE_TEXT = _vocabulary({"age": tuple("0123456789零〇一二两俩三四五六七八九十百.-/") + (
    "还没满月", "没满月", "未满月", "刚满月", "满月", "刚出生", "刚生", "新生儿", "半岁多", "半岁", "未满", "不满",
    "没满", "没到", "周岁", "岁半", "岁", "个多月", "个半月", "个月", "多月", "月份", "月大", "月", "大", "半", "多",
    "来", "年", "日", "号", "出生的", "出生", "生的", "生人", "生", "的", "了", "今年", "现在", "目前", "已经", "已",
    "刚满", "满", "刚", "才", "快", "还", "是", "有", "几") + MONEY_WORDS["approx"]})


@dataclass
class _ChildEntry:
    """One child (or twins) as written: who, and the age text (may be empty)."""

    labels: list[re.Match[str]]
    text: str = ""


@_explained
def parse_ages(text: str, today: date) -> Parsed:
    """Every child's age in one answer, in the order given: 5, 五岁, 3岁和7岁,
    3、7, 老大8岁,老二3岁, 大的10岁小的6岁, 两个孩子,3岁和5岁, 双胞胎4岁 →
    [4, 4]; 没有 / 丁克 / a bare 0 → []. Each age is read as parse_whole(age=True)
    reads one (6个月 → 0, 三岁半 → 3, 2019年的 → its age on ``today``); a note
    says when an age was rounded or converted. A count without ages (两个,
    有孩子) asks for the ages; a count that disagrees with the ages, an age
    outside 0–50 or more than 10 children is asked back."""
    s = _clean(text, punct_only=msg("error.not_ages"), remarks=_WHOLE_VOCAB, joined=_TWIN_REMARK)
    if _NO_CHILDREN.fullmatch(_strip_particles(s).replace(" ", "")):
        return Parsed([])
    if _THOUSANDS_AT.search(s):
        raise ParseError(msg("error.not_ages"))  # 3,700: a thousands comma or two ages? asked, not guessed
    s = _strip_particles(s)  # 有的, 3岁了
    rest = s[_HAVE_CHILDREN.match(s).end():]  # type: ignore[union-attr]  # matches the empty string
    if (m := _DATE_SEP.fullmatch(rest.strip())) and m.group(2) == " " and len(m.group(1)) == 4:
        raise ParseError(msg("error.not_ages"))  # 2018 5 1: a date of birth or three ages? asked, not guessed
    count, rest = _child_count(rest)
    if count is not None and count > MAX_CHILDREN:
        raise ParseError(msg("error.ages_too_many", max=MAX_CHILDREN))
    entries = _child_entries(rest)
    if not entries or any(not e.text for e in entries):
        raise ParseError(_ages_needed(count, entries))
    ages: list[int] = []
    notes: list[Msg] = []
    for entry in entries:
        age, note = _child_age(entry.text, today)
        ages += [age] * _times(entry, count if len(entries) == 1 else None)
        notes += [note] if note else []
    if len(ages) > MAX_CHILDREN:
        raise ParseError(msg("error.ages_too_many", max=MAX_CHILDREN))
    if count is not None and count != len(ages):
        raise ParseError(msg("error.ages_count_mismatch", count=count, ages=len(ages)))
    if not notes:
        return Parsed(ages)
    if len(ages) == 1:
        return Parsed(ages, notes[0])
    return Parsed(ages, msg("note.ages_in_years", ages=_joined(ages)))


def _child_count(s: str) -> tuple[int | None, str]:
    """A count said before the ages (两个孩子,3岁和5岁) and the rest of the
    answer. 一个 / 一个孩子 right before an age is who the age is about
    (一个5岁,一个3岁), a count only before a separator or the end."""
    m = _CHILD_COUNT.match(s.lstrip())
    if not m:
        return None, s
    rest = s.lstrip()[m.end():]
    if m.group("a"):
        count = _whole_of(m.group("a")) + _whole_of(m.group("b"))
        if m.group("x")[0] == m.group("y")[0]:
            return None, s  # 一儿一儿: not a pair of son and daughter
        return count, rest
    digits = m.group("n") or m.group("m")
    count = _whole_of(digits) if digits else 1
    if count == 1 and rest and not _AGES_SEP_AT.match(rest):
        return None, s
    return count, rest


def _child_entries(s: str) -> list[_ChildEntry]:
    """The answer cut into children: a separator or a new label starts the
    next child (大的10岁小的6岁); a label right after an age and before a
    separator is that age's (5岁的儿子,3岁的女儿); a space before a unit
    joins (5 岁)."""
    tokens = _child_tokens(s)
    entries: list[_ChildEntry] = []
    current = _ChildEntry([])
    after_space = False
    for j, (kind, value) in enumerate(tokens):
        if kind == "sep":
            after_space = value.strip() == ""
            if current.text:
                entries.append(current)
                current = _ChildEntry([])
            continue
        if kind == "label":
            assert isinstance(value, re.Match)
            ends_entry = j + 1 == len(tokens) or tokens[j + 1][0] == "sep"
            if current.text and not ends_entry:
                entries.append(current)
                current = _ChildEntry([])
            current.labels.append(value)
            continue
        assert isinstance(value, str)
        continues = (after_space and entries and not current.labels and not current.text
                     and not any(c in _REMARK_NUMERALS for c in value) and not _AGE_ZERO.fullmatch(value))
        if continues:  # 5 岁, 2019 年, 3岁 半
            current = entries.pop()
        current.text += value
        after_space = False
    if current.text or current.labels:
        entries.append(current)
    return [piece for e in entries for piece in _split_ages_in_a_row(e)]


def _child_tokens(s: str) -> list[tuple[str, str | re.Match[str]]]:
    """Separators, labels and the text between them, in order."""
    tokens: list[tuple[str, str | re.Match[str]]] = []
    i = 0
    while i < len(s):
        sep = _AGES_SEP_AT.match(s, i)
        if sep:
            tokens.append(("sep", sep.group()))
            i = sep.end()
            continue
        label = _CHILD_LABEL.match(s, i)
        if label and label.end() > i:
            tokens.append(("label", label))
            i = label.end()
            continue
        if tokens and tokens[-1][0] == "text":
            tokens[-1] = ("text", str(tokens[-1][1]) + s[i])
        else:
            tokens.append(("text", s[i]))
        i += 1
    return tokens


def _split_ages_in_a_row(entry: _ChildEntry) -> list[_ChildEntry]:
    """8岁5岁3岁 written without separators: one child each (3岁5个月 stays one)."""
    pieces = _AGE_AFTER_AGE.split(entry.text)
    if len(pieces) == 1:
        return [entry]
    return [_ChildEntry(entry.labels if k == 0 else [], p) for k, p in enumerate(pieces)]


def _times(entry: _ChildEntry, count: int | None) -> int:
    """How many children one written age stands for: 双胞胎4岁 → 2,
    老大老二都5岁 → 2, 两个孩子都5岁 → 2; several children named before one
    age without 都 (儿子女儿5岁) cannot be read."""
    twins = max((_TWINS[t] for m in entry.labels for t in _TWINS if m.group("twins") and t in m.group("twins")),
                default=1)
    named = sum(1 for m in entry.labels if m.group("specific"))
    if _ALL_OF_THEM.match(entry.text):
        return max(twins, named, count or 1)
    if named > 1 and twins == 1:
        raise ParseError(msg("error.not_ages"))
    return twins


def _ages_needed(count: int | None, entries: list[_ChildEntry]) -> Msg:
    """Children said but not (all) their ages: ask for each one's age."""
    if count is None and len(entries) == 1 and not entries[0].text:
        count = max((_TWINS[t] for m in entries[0].labels for t in _TWINS if m.group("twins")
                     and t in m.group("twins")), default=None)
    if count is None:
        return msg("error.ages_needed_any")
    return msg("error.ages_needed", n=count)


def _child_age(text: str, today: date) -> tuple[int, Msg | None]:
    """One child's age as parse_whole(age=True) reads it, checked to be
    only an age (no count, no other person) and within the step's bounds."""
    text = _ALL_OF_THEM.sub("", text)
    if not _only_words(text.replace(" ", ""), _AGE_TEXT) or re.search(r"个(?![多半]?月)", text):
        raise ParseError(msg("error.not_ages"))
    try:
        parsed = parse_whole(text, age=True, today=today, bounds=CHILD_AGE_BOUNDS)
    except ParseError as err:
        if err.message.key in ("error.not_whole", "error.just_one", "error.one_number", "error.not_number",
                               "error.dont_know", "error.question"):
            raise ParseError(msg("error.not_ages")) from None
        raise
    if parsed.value > MAX_CHILD_AGE:  # parse_whole never reads a negative age: it says "error.negative"
        raise ParseError(msg("error.too_large", max=MAX_CHILD_AGE))
    return parsed.value, parsed.note


# --- several amounts ----------------------------------------------------------

# The words naming each part an amounts question may ask about.
PART_WORDS: dict[str, tuple[str, ...]] = {
    "savings": ("存款", "储蓄", "积蓄", "理财", "基金", "股票", "投资", "现金", "活期", "定期", "银行存款", "银行理财",
                "存的钱", "存了", "存的", "存着"),
    "life_cover": ("寿险", "定寿", "定期寿险", "终身寿险", "人寿保险", "意外险", "意外", "身故"),
    "ci_cover": ("重疾", "重疾险", "重大疾病", "重大疾病险", "重大疾病保险"),
}
# Words naming several parts at once: read only with one value for all
# (保险都没有 → both 0; 保险各50万), never split.
PART_GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "保险": ("life_cover", "ci_cover"), "商业保险": ("life_cover", "ci_cover"),
}
# Money this kind of question does not ask about: asked back, never stored
# as one of the parts (nor dropped as a remark).
OTHER_AMOUNT_WORDS = (
    "百万医疗险", "百万医疗", "医疗险", "医疗保险", "医疗", "医保", "社保", "养老金", "养老保险", "养老", "退休金",
    "年金险", "年金", "教育金", "分红险", "万能险", "储蓄险", "理财险", "车险", "汽车", "车子", "车贷", "车", "房子",
    "房产", "房贷", "房", "贷款", "负债", "欠款", "还欠", "欠", "公积金", "收入", "工资", "薪水", "薪资", "年薪",
    "月薪", "预算", "生活费", "开支", "花销", "花费", "支出", "开销", "教育费", "学费", "赡养费", "资产",
)
_TINY_AMOUNT = 1000  # as flows/engine.py TINY_AMOUNT: a bare total below this needs its unit written out

# 都没有 / 没有 / 无 / 0 / 全无 / 三个都没有: every part 0.
_NO_AMOUNTS = re.compile(
    r"(?:我们家|我们|我家|家里|我|目前|现在|暂时)*"
    r"(?:[一二两三四五六七八九]个|[一二两三四五六七八九]项|全部|全都|都|全|啥都|什么都|一个都|一个也|一样都|一项都|统统)*"
    r"(?:没有|没|无|暂无|没买|没存|是0|为0|是零|0|零)|none|nothing|nil|no")
# 其他都没有 / 别的没有 / 其余为0: the parts not named are 0.
_REST_ZERO = re.compile(r"(?:其他|其它|别的|其余|剩下|另外)的?(?:两个|两项|几个|几项|项)?(?:都|也|全|全都)?"
                        r"(?:没有|没买|没|无|是0|为0|0|零)的?")
_AMOUNT_CLAUSES = re.compile(r"[;、。]|(?<![0-9]),|,(?![0-9])")
_AMOUNT_SEPS = re.compile(r"[;、。:]|(?<![0-9]),|,(?![0-9])|以及|还有|和|及|与|跟")
_EACH = re.compile(r"^(?:各自|各|都|每项都?|每个都?)(?:是|为|有)?")  # 寿险重疾各20万, 都没有
_RESPECTIVELY = re.compile(r"^(?:分别是|分别为|分别有|分别)")
# What may stand between labels without being a value: 我家存款…, 存款和理财…, 寿险、重疾…
_GAP_FILLER = _vocabulary({"filler": ("我们家", "我们", "我家", "家里", "我的", "我本人", "本人", "我自己", "自己", "我",
                                      "目前", "现在", "现有", "已有", "已经有", "有", "是", "的", "了", "另外", "还有",
                                      "以及", "和", "及", "与", "跟", "其中", "一共", "总共", ",", ";", "、", "。", ":")
                                      + ABOUT_WORDS["self"] + ABOUT_WORDS["spouse"] + ABOUT_WORDS["family"]})


def _part_labels() -> tuple[re.Pattern[str], dict[str, str]]:
    """Every label word → "part:<key>", "group:<word>" or "other"."""
    tags = {w: f"part:{key}" for key, words in PART_WORDS.items() for w in words}
    tags |= {w: f"group:{w}" for w in PART_GROUP_WORDS}
    tags |= {w: "other" for w in OTHER_AMOUNT_WORDS}
    ordered = sorted(tags, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)), tags


_PART_LABEL_RE, _PART_LABEL_TAGS = _part_labels()
_SPOUSE_RE = re.compile("|".join(re.escape(w) for w in sorted(ABOUT_WORDS["spouse"], key=len, reverse=True)))
_COVER_PARTS = ("life_cover", "ci_cover")  # asked for the client alone


@dataclass
class _PartGroup:
    """Labels written together and the text of their value: 寿险和重疾都没有."""

    parts: list[str]
    value: str
    by_group_word: bool = False  # 保险: several parts at once
    text: str = ""  # the clause it came from (to look for another person)


class _AmountsReader:
    """Reads one answer for ``parts``; the messages name the parts and show
    the example built from them."""

    def __init__(self, parts: tuple[str, ...]) -> None:
        if not parts or len(set(parts)) != len(parts):
            raise ValueError(f"parts must be distinct and not empty: {parts!r}")
        self.parts = parts
        self.names = _joined([msg(f"part.{p}") for p in parts])
        self.example = _joined([msg(f"part.{p}.example") for p in parts])

    def error(self, key: str, **params: Any) -> ParseError:
        return ParseError(msg(key, parts=self.names, example=self.example, **params))

    # -- one amount

    def amount(self, text: str, part: str) -> Parsed:
        """One part's amount, in parse_money's grammar (a total: no period);
        a bare amount below 1000 needs its unit, as at a money step."""
        try:
            got = parse_money(text)
        except ParseError as err:
            key = err.message.key
            if key in ("error.not_money", "error.dont_know", "error.question"):
                raise self.error("error.not_amounts") from None
            if key in ("error.one_number", "error.just_one"):
                raise self.error("error.amounts_one_each") from None
            raise
        if 0 < got.value < _TINY_AMOUNT and not got.unit_given:
            raise ParseError(msg("error.amounts_tiny", part=msg(f"part.{part}"), n=got.value))
        return got

    # -- positional: 60万 50万 20万

    def positional(self, s: str) -> dict[str, Parsed]:
        if _SPOUSE_RE.search(s.replace("其他", "其余").replace("其它", "其余")):
            raise self.error("error.amounts_self_only")
        pieces = _amount_pieces(s)
        if not all(_has_value(p) for p in pieces):
            raise self.error("error.not_amounts")  # 不知道, 什么意思: not amounts at all
        if len(pieces) != len(self.parts):
            # "Which is which?" only for amounts: 问一下 (its 一), 不用, 还清了 are none.
            if not all(_is_amount(p) for p in pieces) or not any(_has_numeral(p) for p in pieces):
                raise self.error("error.not_amounts")
            raise self.error("error.amounts_which")
        return {p: self.amount(piece, p) for p, piece in zip(self.parts, pieces, strict=True)}

    # -- labelled: 存款60万,寿险50万,重疾20万 (any order, separators optional)

    def labelled(self, s: str, rest_zero: bool) -> dict[str, Parsed]:
        read: dict[str, Parsed] = {}
        named: set[str] = set()
        for group in _part_groups(s, self):
            named |= set(group.parts)
            if any(p in _COVER_PARTS for p in group.parts) and _SPOUSE_RE.search(group.text):
                raise self.error("error.amounts_self_only")  # 老婆的寿险50万: the client's own cover is asked
            for part, parsed in self.group_values(group).items():
                if part in read:
                    raise self.error("error.amounts_same_part", part=msg(f"part.{part}"))
                read[part] = parsed
        missing = [p for p in self.parts if p not in read and (p in named or not rest_zero)]
        if missing:
            raise self.error("error.amounts_missing", missing=[msg(f"part.{p}") for p in missing],
                             names=_joined([msg(f"part.{p}") for p in missing]),
                             got={p: v.value for p, v in read.items()})
        return {p: read.get(p, Parsed(0)) for p in self.parts}

    def group_values(self, group: _PartGroup) -> dict[str, Parsed]:
        """The value of each part of a group: one part, one amount; several
        parts, one amount each in order (寿险、重疾分别50万、20万), or one
        for all if it is 0 or said 各/都 (寿险重疾都没有); otherwise asked."""
        value = group.value.strip()
        each = bool(_EACH.match(value))
        value = _EACH.sub("", _RESPECTIVELY.sub("", value)).strip()
        pieces = _amount_pieces(value)
        if not pieces:
            return {}  # named without a value: missing
        if len(group.parts) == 1:
            if len(pieces) > 1:
                raise self.error("error.amounts_which")
            return {group.parts[0]: self.amount(pieces[0], group.parts[0])}
        if len(pieces) == len(group.parts) and not each and not group.by_group_word:
            return {p: self.amount(piece, p) for p, piece in zip(group.parts, pieces, strict=True)}
        if len(pieces) > 1:
            raise self.error("error.amounts_which")
        one = self.amount(pieces[0], group.parts[0])
        if one.value and not each:
            raise self.error("error.amounts_shared", names=_joined([msg(f"part.{p}") for p in group.parts]),
                             value=Money(Decimal(one.value)))
        return dict.fromkeys(group.parts, one)


@_explained
def parse_amounts(text: str, parts: tuple[str, ...]) -> Parsed:
    """Several amounts in one answer, a ``dict`` with exactly the keys of
    ``parts`` (words for each in PART_WORDS): labelled in any order
    (存款60万,寿险50万,重疾20万; 60万存款; 寿险没有; 寿险和重疾都没有;
    其他都没有), or exactly one amount per part in order (60万 50万 20万);
    都没有 / 没有 / 0 → every part 0. Each amount is read as parse_money reads
    a total (大概60万 with a note; a period is asked back); a bare amount
    below 1000 needs its unit. Asked back: a part missing (its name in the
    message), named twice, amounts without labels that cannot be matched to
    the parts one to one, another product or asset, another person's cover."""
    reader = _AmountsReader(parts)
    s = _clean(text, punct_only=msg("error.not_amounts", parts=reader.names, example=reader.example),
               remarks=_MONEY_VOCAB)
    if _NO_AMOUNTS.fullmatch(_strip_particles(s).replace(" ", "")):
        return Parsed(dict.fromkeys(parts, 0))
    s = _list_commas(s)
    rest_zero = bool(_REST_ZERO.search(s))
    s = " ".join(_REST_ZERO.sub(" ", s).split())
    labels = [(m, _PART_LABEL_TAGS[m.group()]) for m in _PART_LABEL_RE.finditer(s)]
    outside = [m for m, tag in labels if tag == "other" or tag.startswith("part:") and tag[5:] not in parts
               or tag.startswith("group:") and not set(PART_GROUP_WORDS[tag[6:]]) <= set(parts)]
    if outside:
        raise reader.error("error.amounts_other")
    s = _drop_amount_asides(s)
    if not s.strip() and rest_zero:
        return Parsed(dict.fromkeys(parts, 0))
    read = reader.labelled(s, rest_zero) if labels else reader.positional(s)
    values = {p: read[p].value for p in parts}
    if not any(read[p].note for p in parts):
        return Parsed(values)
    said = [msg("note.amounts_part", part=msg(f"part.{p}"), value=Money(Decimal(values[p]))) for p in parts]
    return Parsed(values, msg("note.amounts_approx", values=_joined(said)))


def _list_commas(s: str) -> str:
    """A comma between digits is a thousands separator only where it groups
    them by three (300,000); elsewhere (600000,500000,0) it separates amounts."""

    def fix(m: re.Match[str]) -> str:
        return m.group() if _THOUSANDS.fullmatch(m.group()) else m.group().replace(",", "、")

    return re.sub(r"[0-9]+(?:,[0-9]+)+(?:\.[0-9]+)?", fix, s)


def _drop_amount_asides(s: str) -> str:
    """存款60万,寿险50万,重疾20万,谢谢 → without 谢谢: a short clause with no
    number, no label and words the parser does not know is a remark (as
    parse_money drops one). A clause with a label always counts."""
    clauses = [c.strip() for c in _AMOUNT_CLAUSES.split(s)]
    kept = [c for c in clauses if c and (any(ch in _REMARK_NUMERALS for ch in c) or _PART_LABEL_RE.search(c)
                                         or _says_zero(c) or _only_words(c, _MONEY_VOCAB) or len(c) > MAX_REMARK_CHARS)]
    if len(kept) == len([c for c in clauses if c]) or not any(any(ch in _REMARK_NUMERALS for ch in c) for c in kept):
        return s
    return "、".join(kept)


def _amount_pieces(s: str) -> list[str]:
    """The amounts of a list, in order: separated by 、 , ; 和 …, or by a
    space where a new amount starts (60万 50万); a space before a unit or
    a word of the same amount joins (30 万, 60万 左右, 大概 60万)."""
    pieces: list[str] = []
    for part in _AMOUNT_SEPS.split(s):
        current = ""
        for token in part.split():
            if current and _has_value(current) and _starts_value(token, current):
                pieces.append(current)
                current = token
            else:
                current = f"{current} {token}".strip()
        if current:
            pieces.append(current)
    return pieces


def _has_value(s: str) -> bool:
    return _has_numeral(s) or _is_zero_words(s)


def _has_numeral(s: str) -> bool:
    return any(c in _REMARK_NUMERALS for c in s)


def _is_amount(piece: str) -> bool:
    """Whether a piece of a list reads as an amount by itself (maybe one
    still to be asked about: a range, a period), not as words that only
    hold a numeral character (问一下) or nothing parse_money reads."""
    try:
        parse_money(piece)
    except ParseError as err:
        return err.message.key not in ("error.not_money", "error.dont_know", "error.question")
    return True


def _starts_value(token: str, before: str) -> bool:
    """Whether a space-separated token starts an amount of its own: a number
    after any leading words (¥, 大概, 约…), or a zero said in words (没有).
    十/百/千 start one only after a finished amount (60万 十万, not 5 十万:
    parse_money reads that as 5十万)."""
    words_re, _ = _MONEY_VOCAB
    i = 0
    while (m := words_re.match(token, i)) and m.end() > i:
        i = m.end()
    if i < len(token) and token[i] in "十拾百佰千仟":
        return not (before[-1] in _CN_DIGITS or before[-1] in "123456789")
    return i < len(token) and _starts_number(token[i:]) or _is_zero_words(token)


def _says_zero(s: str) -> bool:
    words_re, tags = _MONEY_VOCAB
    return any(tags[m.group()] == "zero" for m in words_re.finditer(s))


def _is_zero_words(s: str) -> bool:
    return _says_zero(s) and _only_words(s, _MONEY_VOCAB)


def _part_groups(s: str, reader: _AmountsReader) -> list[_PartGroup]:
    """The labelled answer as groups of labels with their value. Clauses
    (split at , ; 、 。) are read one by one; a clause of labels only joins
    the next (存款、寿险、重疾:60万、50万、20万), a clause of a value only
    the one before (…60万、50万、20万). Within a clause, values follow
    their labels (存款60万寿险50万) or precede them (60万存款)."""
    clauses = [c.strip() for c in _AMOUNT_CLAUSES.split(s) if c.strip()]
    merged: list[str] = []
    pending = ""  # labels waiting for their value
    for clause in clauses:
        has_label = bool(_PART_LABEL_RE.search(clause))
        has_value = not _blank(_PART_LABEL_RE.sub(" ", clause))
        if has_label and not has_value:
            pending = f"{pending}、{clause}" if pending else clause
            continue
        if not has_label:
            if pending or not merged:
                raise reader.error("error.amounts_which")  # amounts before any label: which is which?
            merged[-1] = f"{merged[-1]}、{clause}"
            continue
        merged.append(f"{pending}、{clause}" if pending else clause)
        pending = ""
    if pending:
        merged.append(pending)
    return [g for clause in merged for g in _clause_groups(clause, reader)]


def _clause_groups(clause: str, reader: _AmountsReader) -> list[_PartGroup]:
    """One clause's labels with their values: the text between two labels
    is the value of the one before (or, written value first, after)."""
    found = list(_PART_LABEL_RE.finditer(clause))
    gaps = [clause[: found[0].start()]]
    gaps += [clause[a.end(): b.start()] for a, b in zip(found, found[1:], strict=False)]
    gaps.append(clause[found[-1].end():])
    blank = [_blank(g) for g in gaps]
    if blank[0]:
        value_after = True  # 存款60万 寿险50万: a label, then its value
    elif blank[-1]:
        value_after = False  # 60万存款 50万寿险: a value, then its label
    else:
        raise reader.error("error.amounts_which")
    groups: list[_PartGroup] = []
    first = 0  # the first label of the group being read
    for k in range(len(found)):
        # Labels with only a blank between them share one value: 寿险和重疾都没有, 没有寿险和重疾.
        if k + 1 < len(found) and blank[k + 1]:
            continue
        group = _PartGroup([], gaps[k + 1] if value_after else gaps[first], text=clause)
        for m in found[first: k + 1]:
            tag = _PART_LABEL_TAGS[m.group()]
            names = PART_GROUP_WORDS[tag[6:]] if tag.startswith("group:") else (tag[5:],)
            group.parts += [p for p in names if p not in group.parts]
            group.by_group_word = group.by_group_word or tag.startswith("group:")
        groups.append(group)
        first = k + 1
    return groups


def _blank(gap: str) -> bool:
    """Nothing but separators and filler words between labels."""
    flat = gap.replace(" ", "")
    return not flat or _only_words(flat, _GAP_FILLER)

"""Wording rules (issue 9, part 5), checked on everything a client reads:
whole interviews played in the console, quick and then full depth, the
result card and every section of its breakdown, /mydata and /edit.

- no spouse wording to a client without a spouse, no children wording to a
  client without children; "第1个孩子" / "第1位老人" only when there are several;
- no "点选下方" in the console (it has no buttons to tap);
- no raw message id, no unfilled "{…}" placeholder.
"""

from __future__ import annotations

import io
import re

import pytest

from bot.console import run_console
from bot.driver import Driver
from bot.storage import Storage
from tests.helpers import TODAY

RAW_ID = re.compile(r"\b[a-z_]+\.[a-z_]+(\.[a-z_]+)*\b")
DETAIL_KEYS = ["d", "1", "d", "2", "d", "3", "d", "4", "d", "5", "d", "6", "d", "7"]
SKIPS = ["s"] * 30  # every full-depth question has a default, the closing ones too


async def transcript(tmp_path, quick_answers: list[str]) -> str:
    """Quick interview, the card's every section, the full interview with
    every further question skipped, the final card's sections, /mydata and
    the /edit menu."""
    lines = ["1", *quick_answers, *DETAIL_KEYS, "f", *SKIPS, "summary", *DETAIL_KEYS, "mydata", "edit", "1"]
    feed = iter(lines)
    out = io.StringIO()
    async with Storage(tmp_path / "w.sqlite3") as storage:
        driver = Driver(storage, today=lambda: TODAY)
        await run_console(storage, driver, read=lambda: next(feed, None), write=out)
    return out.getvalue()


def assert_clean(text: str) -> None:
    assert "{" not in text and "}" not in text
    assert "点选下方" not in text
    raw = [m.group(0) for m in RAW_ID.finditer(text)]
    assert not raw, raw[:5]


async def test_a_single_client_without_children_reads_no_spouse_or_children_words(tmp_path):
    text = await transcript(tmp_path, ["1990-05-01", "未婚", "没有", "30万", "12万", "0", "存款20万、寿险0、重疾0", "2万"])
    assert "保险需求诊断" in text and "进入完整诊断" in text and "我们保存的" in text
    # Asked once whether there are children; after that, no children wording
    # but the answer itself where answers are listed (/mydata, /edit).
    after = text.split("没有孩子就写「没有」", 1)[1]
    lines = [line for line in after.splitlines() if "孩子的年龄" not in line]
    for word in ("孩子", "子女教育金", "配偶", "岳父母"):
        # 子女教育 as a concern to rank is a choice anyone may make; the fund itself is not asked
        assert not [line for line in lines if word in line], word
    assert "配偶" not in text
    assert_clean(text)


async def test_a_married_client_with_one_child_never_reads_first_child(tmp_path):
    text = await transcript(tmp_path, ["1985-03-12", "已婚", "15万", "5", "40万", "20万", "150万",
                                       "存款60万、寿险50万、重疾20万", "10万"])
    assert "孩子" in text and "配偶" in text
    assert "第1个" not in text and "第1位" not in text
    assert_clean(text)


async def test_two_children_are_told_apart(tmp_path):
    text = await transcript(tmp_path, ["1985-03-12", "离异", "3岁和7岁", "40万", "20万", "0", "没有", "5万"])
    # Each child named by age, so the client knows which one is meant.
    assert "3岁的孩子" in text and "7岁的孩子" in text and "第1个" not in text
    assert "配偶" not in text
    assert_clean(text)


@pytest.mark.parametrize("marital", ["未婚", "离异", "丧偶"])
async def test_no_spouse_words_without_a_spouse(tmp_path, marital):
    text = await transcript(tmp_path, ["1970-01-01", marital, "20", "30万", "15万", "0", "没有", "0"])
    assert "配偶" not in text
    assert_clean(text)


async def test_summary_between_a_confirmation_and_its_answer_keeps_the_confirmations_keys(tmp_path):
    # Found: restart → summary → 1 answered the pending 需要顾问联系 question
    # (the card's keys had replaced the confirmation's).
    from tests.test_console import QUICK, run
    out = await run(tmp_path / "k.sqlite3", QUICK + ["restart", "summary", "1"])
    assert out.count("📋") >= 2  # the card after the last answer, and the one /summary showed
    after = out.split("先补什么")[-1]
    assert "什么时间联系" not in after  # the contact question was not answered by that 1
    assert "还剩约" in after  # the restart was confirmed: the new interview asks its first question


async def test_after_the_last_question_a_number_is_a_message_not_an_expired_button(tmp_path):
    # Found: once the closing questions were answered, 1 / 2 / s / b said
    # "这个按钮已经失效" though nothing was asked any more.
    from tests.test_console import QUICK, run
    out = await run(tmp_path / "d.sqlite3", QUICK + ["2", "2", "1"])
    after = out.split("诊断已完成")[-1]
    assert "失效" not in after and "诊断已经完成" in after

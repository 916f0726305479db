"""The console channel end to end: the same driver, a real SQLite file."""

import io

from bot.console import run_console
from bot.driver import Driver
from bot.storage import Storage
from tests.helpers import TODAY

QUICK = ["1", "1991-01-10", "2", "15万", "5", "40万", "20万", "150万", "60万 50万 20万", "20万"]


async def run(db, lines):
    feed = iter(lines)
    out = io.StringIO()
    async with Storage(db) as storage:
        driver = Driver(storage, today=lambda: TODAY)
        await run_console(storage, driver, read=lambda: next(feed, None), write=out)
    return out.getvalue()


async def test_console_interview_end_to_end_and_resume(tmp_path):
    db = tmp_path / "diag.sqlite3"
    first = await run(db, QUICK[:6] + ["quit"])
    assert "保险需求分析 · 还剩约 3 题" in first and "您本人的税后年收入" in first
    # A new process on the same file resumes at the same question.
    second = await run(db, ["abc"] + QUICK[6:] + ["2", "2"])
    assert "欢迎回来" in second
    assert "没能看懂这个金额" in second  # "abc" for 家庭年生活开支, asked again
    # Quick: no parents; 525万 − 110万 = 415万 with the assumed education fund (30万) of the child of 5.
    assert "415万" in second
    assert "谢谢您!诊断已完成并保存。" in second


async def test_console_back_and_skip_use_letters_so_numbers_stay_numbers(tmp_path):
    out = await run(tmp_path / "d.sqlite3", ["1", "1991-01-10", "1", "1", "b", "s"])
    # "1" to the children's ages is a child of 1 (the income is asked next), not the back button.
    assert out.count("您本人的税后年收入") == 2
    assert out.count("每个孩子今年几岁?") == 2  # b went back to it; s kept the answer
    assert "保持:1岁" in out


async def test_a_command_between_questions_keeps_the_option_keys(tmp_path):
    out = await run(tmp_path / "k.sqlite3", ["summary", "1"])
    # After "summary" (no buttons), "1" still picks 同意.
    assert "还没有诊断结果" in out and "您的出生日期是" in out


async def test_a_delete_confirmations_keys_are_used_once(tmp_path):
    # Found: after confirming a delete, typing 1 again got no reply at all
    # (the confirmation's keys stayed live and pressed a spent button).
    out = await run(tmp_path / "x.sqlite3", ["1", "1991-01-10", "delete", "1", "1"])
    after = out.split("已删除您的全部信息")[1]
    assert after.strip(), "no reply to the 1 typed after the deletion"
    assert "开始 · 还剩约 8 题" in after  # taken as a message: the interview opens with consent again
    # 取消: the question's own keys come back, so 2 picks its second option.
    out = await run(tmp_path / "y.sqlite3", ["1", "1991-01-10", "delete", "2", "2"])
    after = out.split("没有删除任何信息")[1]
    assert "没有删除任何信息" not in after and "配偶的税后年收入" in after


async def test_typing_an_items_label_at_the_edit_menu_picks_it(tmp_path):
    # Found: at the edit menu, typing 出生日期 answered the current question.
    for typed in ("出生日期", "出生", "出生日期 → 1991-01-10"):
        out = await run(tmp_path / f"{typed}.sqlite3", ["1", "1991-01-10", "2", "edit", typed, "1990-01-10"])
        after = out.split("要修改哪一题?")[1]
        assert "没能看懂" not in after and after.count("您的出生日期是") == 1, typed
        assert "配偶的税后年收入" in after.split("您的出生日期是")[1]


README_ANSWERS = ["1", "1988-06-15", "已婚", "12万", "5岁", "30万", "1.5万", "每月", "120万",
                  "存款30万、寿险50万、重疾没有", "3万", "1", "3", "不留电话", "2", "quit"]


async def test_the_readme_transcript_is_what_the_console_says(tmp_path):
    # README shows a quick diagnosis made by the console (with a terminal, each
    # answer line starts with the "> " prompt); it stays true.
    from datetime import date
    from pathlib import Path

    readme = Path(__file__).resolve().parent.parent.joinpath("README.md").read_text(encoding="utf-8")
    shown = readme.split("A quick diagnosis in the console", 1)[1].split("```text\n", 1)[1].split("\n```", 1)[0]
    feed = iter(README_ANSWERS)
    out = io.StringIO()
    async with Storage(tmp_path / "readme.sqlite3") as storage:
        driver = Driver(storage, today=lambda: date(2026, 11, 25))
        await run_console(storage, driver, read=lambda: next(feed, None), write=out)
    said = out.getvalue().rstrip()
    assert shown.replace("\n> ", "\n") == said

"""Issue 9, parts 6 and 7: bugs found from outside in the shell (/restart,
/summary during an /edit, the console's goodbye, /mydata, the edit menu,
/cancel) and the closing (when to call, an optional phone number).

The interview itself is being reshaped elsewhere, so these tests do not
script it question by question: ``finish`` answers whatever is asked (the
default where there is one, else the first option or an answer that passes)
until the first closing question."""

from __future__ import annotations

import io
import logging
import re
import sqlite3

import pytest

from bot import storage as storage_module
from bot.callbacks import (
    ALL_SECTIONS,
    Choose,
    EditAnswer,
    EditSection,
    GoBack,
    RestartChoice,
    SkipStep,
    decode,
)
from bot.console import CONSOLE_USER_ID, run_console
from bot.driver import Driver
from bot.presenter import Button, Outgoing
from bot.storage import Storage
from bot.telegram_app import keyboard
from flows import engine
from flows.contact import NO_PHONE, parse_phone
from flows.diagnosis import DIAGNOSIS
from flows.parsing import ParseError
from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer
from tests.helpers import TODAY
from tests.test_telegram_e2e import ALICE, BOB, TOKEN, Harness

TYPED = ["1991-01-10", "30万", "5", "70", "0", "王"]  # tried in turn where a question has no default
PHONE = "13812345678"


def asked(outs: list[Outgoing]) -> Outgoing | None:
    return next((o for o in outs if o.question_step), None)


def presses(out: Outgoing) -> list:
    return [b for row in out.buttons for b in row]


def button(out: Outgoing, label: str):
    return next(b for b in presses(out) if b.label.startswith(label))


def text_of(outs: list[Outgoing]) -> str:
    return "\n".join(o.text for o in outs)


async def finish(driver: Driver, user: int) -> list[Outgoing]:
    """/start, consent, then every question answered until the first closing
    question (after the result); returns the last reply."""
    outs = await driver.command(user, "start")
    for _ in range(80):
        q = asked(outs)
        assert q is not None, text_of(outs)
        if q.question_step == "contact_ok":
            return outs
        buttons = presses(q)
        skip = next((b for b in buttons if isinstance(b.press, SkipStep)), None)
        options = [b for b in buttons if isinstance(b.press, Choose)]
        if q.question_step == "consent":
            outs = await driver.button(user, options[0].data)
        elif skip is not None:
            outs = await driver.button(user, skip.data)
        elif options:
            outs = await driver.button(user, options[0].data)
        else:
            for typed in TYPED:
                outs = await driver.text(user, typed)
                again = asked(outs)
                if again is None or again.question_step != q.question_step:
                    break
    raise AssertionError("the interview did not end")


async def rows(storage: Storage, table: str, user: int) -> int:
    column = "session_id IN (SELECT id FROM sessions WHERE user_id = ?)" if table == "answers" else "user_id = ?"
    found = await storage.db.execute_fetchall(f"SELECT COUNT(*) FROM {table} WHERE {column}", (user,))
    return found[0][0]


@pytest.fixture
async def driver(tmp_path):
    async with Storage(tmp_path / "shell.sqlite3") as storage:
        yield Driver(storage, today=lambda: TODAY)


# --- 1. /restart after a result asks first, and the result stays readable ---------


async def test_restart_after_a_result_asks_first_and_keeps_the_result_until_a_new_one(driver):
    storage = driver.storage
    await finish(driver, 1)
    finished = await storage.current_session(1)
    [prompt] = await driver.command(1, "restart")
    yes, no = (b.press for b in presses(prompt))
    assert isinstance(yes, RestartChoice) and yes.confirmed and not no.confirmed and yes.session == finished.id
    assert "/summary" in prompt.text and [b.label for b in presses(prompt)] == ["重新开始", "取消"]
    assert (await storage.current_session(1)).state.answers == finished.state.answers  # nothing lost yet

    # 取消: nothing changes, the question comes again.
    cancelled = await driver.button(1, no.encode())
    assert cancelled[0].text == "好的,没有重新开始。" and asked(cancelled).question_step == "contact_ok"
    assert await driver.button(1, yes.encode()) == []  # that confirmation has expired

    [prompt] = await driver.command(1, "restart")
    yes = presses(prompt)[0].press
    started = await driver.button(1, yes.encode())
    assert "/summary" in started[0].text and asked(started).question_step == "consent"
    current = await storage.current_session(1)
    assert current.id != finished.id and current.state.answers == {}
    assert await rows(storage, "sessions", 1) == 2  # the finished interview stays as it was
    assert await driver.button(1, yes.encode()) == []  # pressed again: nothing

    # /summary shows the previous result, and says so.
    assert await driver.latest_outcome(1) is not None
    summary = await driver.command(1, "summary")
    assert summary[0].text == "这是您上一次完成的诊断结果;新的诊断完成后会替换它。" and len(summary) >= 2
    # /mydata covers both interviews; /start resumes the new one.
    mine = text_of(await driver.command(1, "mydata"))
    assert "出生日期 → 1991-01-10" in mine

    # The new interview's result replaces the old one.
    await finish(driver, 1)
    assert await rows(storage, "sessions", 1) == 1 and (await storage.current_session(1)).id == current.id
    assert (await storage.finished_sessions(1))[0][0] == current.id
    assert await rows(storage, "results", 1) == 1


async def test_after_a_confirmed_restart_delete_removes_every_interview(driver):
    await finish(driver, 1)
    await finish(driver, 2)  # another client's rows stay
    [prompt] = await driver.command(1, "restart")
    await driver.button(1, presses(prompt)[0].data)
    await driver.text(1, "同意")
    assert await rows(driver.storage, "sessions", 1) == 2
    [confirm] = await driver.command(1, "delete")
    done = await driver.button(1, presses(confirm)[0].data)
    assert "已删除" in done[0].text
    for table in ("clients", "sessions", "answers", "results"):
        assert await rows(driver.storage, table, 1) == 0, table
    assert await rows(driver.storage, "sessions", 2) == 1
    assert await driver.latest_outcome(1) is None


async def test_declining_consent_after_a_confirmed_restart_keeps_the_earlier_result(driver):
    """The restart promised to keep the last result: declining the new
    interview's consent drops that interview only (and says so)."""
    await finish(driver, 1)
    before = await driver.latest_outcome(1)
    [prompt] = await driver.command(1, "restart")
    await driver.button(1, presses(prompt)[0].data)
    declined = await driver.text(1, "不同意")
    assert "上一次的诊断结果仍然保留" in text_of(declined) and "没有保存您的任何信息" not in text_of(declined)
    assert await rows(driver.storage, "sessions", 1) == 1 and await rows(driver.storage, "results", 1) == 1
    assert await driver.latest_outcome(1) == before
    assert "寿险缺口" in text_of(await driver.command(1, "summary"))
    # /delete still erases everything.
    [confirm] = await driver.command(1, "delete")
    await driver.button(1, presses(confirm)[0].data)
    for table in ("clients", "sessions", "answers", "results"):
        assert await rows(driver.storage, table, 1) == 0, table


async def test_restart_mid_interview_is_at_once_early_and_asked_after_a_couple_of_answers(driver):
    await driver.command(1, "start")
    await driver.text(1, "同意")
    await driver.text(1, "1991-01-10")
    session = await driver.storage.current_session(1)
    early = await driver.command(1, "restart")
    assert asked(early).question_step == "consent"  # one answer: at once, as before
    assert (await driver.storage.current_session(1)).id == session.id  # the same row, emptied

    for answer in ("同意", "1991-01-10", "未婚", "0"):
        await driver.text(1, answer)
    [prompt] = await driver.command(1, "restart")
    assert "3 个答案" in prompt.text and isinstance(presses(prompt)[0].press, RestartChoice)
    restarted = await driver.button(1, presses(prompt)[0].data)
    assert asked(restarted).question_step == "consent"
    after = await driver.storage.current_session(1)
    assert after.id == session.id and after.state.answers == {}  # no result: nothing kept


async def test_a_restart_confirmation_expires_an_older_delete_confirmation_and_the_reverse(driver):
    await finish(driver, 1)
    [delete_prompt] = await driver.command(1, "delete")
    [restart_prompt] = await driver.command(1, "restart")
    assert await driver.button(1, presses(delete_prompt)[0].data) == []  # deletes nothing
    assert await driver.storage.current_session(1) is not None
    # Answering the question in between expires the restart confirmation.
    await driver.text(1, "否")
    assert await driver.button(1, presses(restart_prompt)[0].data) == []


# --- 1. /summary in the middle of an /edit --------------------------------------


async def test_summary_during_an_edit_shows_the_result_before_the_change(driver):
    await finish(driver, 1)
    before = text_of(await driver.command(1, "summary"))
    editing = await driver.command(1, "edit", "birth_date")
    assert asked(editing).question_step == "birth_date"
    during = await driver.command(1, "summary")
    assert during[0].text.startswith("您正在修改答案,下面是按目前的答案算出的结果")
    assert text_of(during[1:]) == before  # the same result, not "还没有诊断结果"
    assert await driver.latest_outcome(1) is not None  # the card's buttons find it too
    # The change made: the result is current again, with no note.
    await driver.text(1, "1985-05-05")
    after = await driver.command(1, "summary")
    assert "修改" not in after[0].text and "还没有诊断结果" not in text_of(after)


async def test_summary_while_editing_a_skipped_answer_shows_its_default_meanwhile(driver):
    await finish(driver, 1)
    skipped = (await driver.storage.current_session(1)).state.skipped
    assert skipped
    await driver.command(1, "edit", skipped[0])
    during = await driver.command(1, "summary")
    # Nothing taken back (a skipped answer has none): the result so far, said to be updating.
    assert during[0].text.startswith("您的诊断还在更新中") and len(during) >= 2


async def test_summary_while_a_changed_count_waits_for_a_new_answer_says_so(driver):
    await finish(driver, 1)
    session = await driver.storage.current_session(1)
    # The children question as an edit, answered with a child whose age is
    # then asked: no result can be shown as it was, and none yet as it will be.
    state = session.state.copy_for_update()
    state.stash = {}
    steps = [s for s in engine.applicable(DIAGNOSIS, state.answers) if s.phase == "interview" and not s.has_default]
    required = steps[-1].key  # a question without a default: taking it back leaves no result
    state.answers.pop(required)
    state.history.remove(required)
    state.status = "active"
    await driver.storage.save_session(1, session.id, state, {}, [required])
    assert engine.conclusion(DIAGNOSIS, state, driver.context()) is None
    said = await driver.command(1, "summary")
    assert len(said) == 1 and "答完当前的问题后" in said[0].text and "还没有诊断结果" not in said[0].text


# --- 2. the console's goodbye ---------------------------------------------------------


async def console(db, lines: list[str]) -> str:
    feed = iter(lines)
    out = io.StringIO()
    async with Storage(db) as storage:
        await run_console(storage, Driver(storage, today=lambda: TODAY), read=lambda: next(feed, None), write=out)
    return out.getvalue()


async def test_the_console_goodbye_says_what_is_saved(tmp_path):
    nothing = "再见!没有保存您的任何信息。"
    saved = "再见!您的答案已保存"
    out = await console(tmp_path / "a.sqlite3", ["quit"])  # before consent
    assert out.rstrip().endswith(nothing)
    out = await console(tmp_path / "b.sqlite3", ["1", "1991-01-10", "quit"])
    assert out.rstrip().splitlines()[-1].startswith(saved)
    out = await console(tmp_path / "c.sqlite3", ["1", "1991-01-10", "delete", "1", "quit"])
    assert "已删除您的全部信息" in out and out.rstrip().endswith(nothing) and saved not in out


async def test_the_console_goodbye_after_a_finished_diagnosis(tmp_path):
    db = tmp_path / "d.sqlite3"
    async with Storage(db) as storage:
        driver = Driver(storage, today=lambda: TODAY)
        await finish(driver, CONSOLE_USER_ID)
        for _ in range(6):  # the closing: 否 to each
            outs = await driver.text(CONSOLE_USER_ID, "否")
            if asked(outs) is None:
                break
    out = await console(db, ["quit"])
    assert out.rstrip().endswith("再见!您的诊断结果已保存,下次运行可以输入 summary 查看。")


# --- 3. /mydata ----------------------------------------------------------------------


async def test_mydata_is_local_time_no_ids_grouped_by_section_and_compact(tmp_path, monkeypatch):
    monkeypatch.setattr(storage_module, "_now", lambda: "2026-11-25T06:05:09+00:00")
    user = 770_123_456
    async with Storage(tmp_path / "m.sqlite3") as storage:
        driver = Driver(storage, today=lambda: TODAY, timezone="Asia/Shanghai")
        await finish(driver, user)
        [out] = await driver.command(user, "mydata")
        text = out.text
        assert "同意时间:2026年11月25日 14:05" in text and "T06:05" not in text
        assert str(user) not in text and "编号" not in text and "session" not in text
        assert "【个人信息】\n· 出生日期 → 1991-01-10" in text
        sections = re.findall(r"^【(.+)】$", text, re.M)
        assert len(sections) >= 3 and len(set(sections)) == len(sections)
        # Compact: items one a line; a blank line only before each section and the footer.
        assert text.count("\n\n") == len(sections) + 1
        assert "已保存的诊断结果:1 份" in text and "/delete" in text and "Telegram 账号" in text
        assert len(text) < 1500
        utc = Driver(storage, today=lambda: TODAY, timezone="UTC")
        assert "2026年11月25日 06:05" in (await utc.command(user, "mydata"))[0].text


async def test_mydata_over_the_limit_is_split_between_sections(driver, monkeypatch):
    await finish(driver, 1)
    whole = (await driver.command(1, "mydata"))[0].text
    monkeypatch.setattr("bot.driver.TELEGRAM_TEXT_LIMIT", 200)
    parts = [o.text for o in await driver.command(1, "mydata")]
    assert len(parts) > 1 and all(len(p) <= 200 for p in parts)
    assert all(p.startswith(("📂", "【", "已保存")) for p in parts)  # each starts a block
    assert "\n\n".join(parts) == whole


# --- 4. the edit menu by section -----------------------------------------------------------


async def test_the_edit_menu_lists_sections_then_that_sections_items(driver):
    await finish(driver, 1)
    [menu] = await driver.command(1, "edit")
    sections = presses(menu)
    assert menu.text == "要修改哪一部分的答案?" and all(isinstance(b.press, EditSection) for b in sections)
    assert 3 <= len(sections) <= 8 and sections[0].label == "个人信息"
    [person] = await driver.button(1, sections[0].data)
    items = presses(person)
    assert person.text == "要修改哪一题?"
    assert [b.label for b in items if isinstance(b.press, EditAnswer)][0] == "出生日期 → 1991-01-10"
    assert items[-1].label == "⬅️ 返回" and items[-1].press == EditSection(ALL_SECTIONS)
    [again] = await driver.button(1, items[-1].data)
    assert [b.label for b in presses(again)] == [b.label for b in sections]
    edited = await driver.button(1, items[0].data)
    assert asked(edited).question_step == "birth_date"


async def finished_console(db) -> None:
    async with Storage(db) as storage:
        await finish(Driver(storage, today=lambda: TODAY), CONSOLE_USER_ID)


@pytest.mark.parametrize("typed", ["出生日期", "出生", "出生日期 → 1991-01-10"])
async def test_at_the_consoles_section_menu_typing_a_question_label_picks_it(tmp_path, typed):
    await finished_console(tmp_path / "e.sqlite3")
    out = await console(tmp_path / "e.sqlite3", ["edit", typed, "1990-01-10", "quit"])
    after = out.split("要修改哪一部分的答案?")[1]
    assert "[1] 个人信息" in after and after.count("您的出生日期是") == 1, typed
    assert "没能看懂" not in after


async def test_at_the_consoles_section_menu_a_sections_title_or_number_opens_it(tmp_path):
    await finished_console(tmp_path / "f.sqlite3")
    for pick in ("个人信息", "1"):
        out = await console(tmp_path / "f.sqlite3", ["edit", pick, "quit"])
        after = out.split("要修改哪一部分的答案?")[1]
        assert "要修改哪一题?" in after and "出生日期 → 1991-01-10" in after and "⬅️ 返回" in after


def test_edit_section_callback_data_round_trips():
    for press in (EditSection("section.person"), EditSection(ALL_SECTIONS), RestartChoice(True, 2**63 - 1, 2**63 - 1)):
        assert decode(press.encode()) == press and len(press.encode().encode()) <= 64


# --- 5. the closing: when to call, a phone number -------------------------------------------


@pytest.mark.parametrize("typed, number", [
    ("13812345678", PHONE), ("138 1234 5678", PHONE), ("138-1234-5678", PHONE), ("+86 138 1234 5678", PHONE),
    ("+86-138-1234-5678", PHONE), ("8613812345678", PHONE), ("0086 13812345678", PHONE), ("１３８１２３４５６７８", PHONE),
    ("我的手机是 138-1234-5678。", PHONE), ("(+86) 138 1234 5678", PHONE), ("+852 9123 4567", "+85291234567"),
    ("+14155552671", "+14155552671"), ("不留电话", NO_PHONE), ("none", NO_PHONE), ("不用了", NO_PHONE),
])
def test_a_phone_number_is_read_in_the_ways_people_write_it(typed, number):
    assert parse_phone(typed, [("none", "不留电话")]).value == number


@pytest.mark.parametrize("typed", ["12345", "1381234567", "138123456789", "23812345678", "12812345678",
                                   "13812345678 13912345678", "010-12345678", "abc", "电话", "+86 12812345678",
                                   "13812345678 转 123", "", "1" * 300])
def test_anything_else_is_asked_again(typed):
    with pytest.raises(ParseError):
        parse_phone(typed, [("none", "不留电话")])


async def closing_to_phone(driver: Driver, user: int) -> list[Outgoing]:
    outs = await finish(driver, user)
    outs = await driver.button(user, button(asked(outs), "是").data)
    q = asked(outs)
    assert q.question_step == "contact_time"
    assert [b.label for b in presses(q) if isinstance(b.press, Choose)] == ["工作日白天", "工作日晚上", "周末"]
    outs = await driver.button(user, button(q, "工作日晚上").data)
    assert asked(outs).question_step == "contact_phone"
    return outs


async def test_after_agreeing_to_be_contacted_the_client_says_when_and_may_leave_a_number(driver):
    outs = await closing_to_phone(driver, 1)
    q = asked(outs)
    assert q.request_contact == "📱 分享手机号"
    labels = [(b.label, type(b.press)) for b in presses(q)]
    assert labels == [("不留电话", Choose), ("⬅️ 上一步", GoBack)]  # no skip: 不留电话 is it
    again = await driver.text(1, "138123")
    assert "没能认出这个手机号" in again[0].text and asked(again).question_step == "contact_phone"
    outs = await driver.text(1, "+86 138-1234-5678")
    assert outs[0].text == "✅ 已记下您的手机号。"  # on Telegram it also takes the reply keyboard away
    state = (await driver.storage.current_session(1)).state
    assert state.answers["contact_time"] == "weekday_evening" and state.answers["contact_phone"] == PHONE
    while asked(outs) is not None:
        outs = await driver.text(1, "否")
    thanks = text_of(outs)
    for command in ("/summary", "/edit", "/mydata", "/delete"):
        assert command in thanks
    mine = text_of(await driver.command(1, "mydata"))
    assert "手机号 → 13812345678" in mine and "方便联系的时间 → 工作日晚上" in mine
    [confirm] = await driver.command(1, "delete")
    await driver.button(1, presses(confirm)[0].data)
    found = await driver.storage.db.execute_fetchall("SELECT COUNT(*) FROM answers WHERE value LIKE ?", (f"%{PHONE}%",))
    assert found[0][0] == 0


async def test_no_phone_and_no_contact_keep_no_number(driver):
    await closing_to_phone(driver, 1)
    q = asked(await driver.command(1, "start"))
    outs = await driver.button(1, button(q, "不留电话").data)
    assert (await driver.storage.current_session(1)).state.answers["contact_phone"] == NO_PHONE
    assert asked(outs).question_step != "contact_phone"
    # Withdrawing the agreement to be contacted drops the time and the number.
    await driver.command(1, "edit", "contact_ok")
    await driver.text(1, "否")
    answers = (await driver.storage.current_session(1)).state.answers
    assert "contact_time" not in answers and "contact_phone" not in answers


async def test_a_shared_contact_is_taken_only_at_the_phone_question_and_only_ones_own(driver):
    await finish(driver, 1)
    said = await driver.contact(1, PHONE)  # at 是否同意顾问联系: not asked for
    assert "没有保存" in said[0].text and "contact_phone" not in (await driver.storage.current_session(1)).state.answers
    await driver.button(1, button(asked(await driver.command(1, "start")), "是").data)
    await driver.text(1, "周末")
    other = await driver.contact(1, None)  # someone else's contact card
    assert "别人的联系方式" in other[0].text
    assert "contact_phone" not in (await driver.storage.current_session(1)).state.answers
    await driver.contact(1, "8613812345678")  # Telegram's form: country code, no +
    assert (await driver.storage.current_session(1)).state.answers["contact_phone"] == PHONE


def test_the_phone_questions_keyboard_is_a_reply_keyboard_with_the_share_button():
    q = Outgoing("q", [[Button("不留电话", Choose(3, "contact_phone", "none"))],
                       [Button("⬅️ 上一步", GoBack(3, "contact_phone"))]],
                 question_step="contact_phone", request_contact="📱 分享手机号")
    assert keyboard(q) == {"keyboard": [[{"text": "📱 分享手机号", "request_contact": True}], [{"text": "不留电话"}],
                                        [{"text": "⬅️ 上一步"}]], "resize_keyboard": True, "one_time_keyboard": True}
    assert keyboard(Outgoing("ok", remove_reply_keyboard=True)) == {"remove_keyboard": True}
    assert keyboard(Outgoing("ok")) is None


# --- 6. other things found in the shell -------------------------------------------------


async def test_cancel_before_consent_does_not_say_answers_are_saved(driver):
    await driver.command(1, "start")
    [paused] = await driver.command(1, "cancel")
    assert "没有保存" in paused.text and "都已保存" not in paused.text
    await driver.text(1, "同意")
    [paused] = await driver.command(1, "cancel")
    assert "都已保存" in paused.text


async def test_a_question_resent_on_an_emptied_session_row_keeps_its_buttons_working(driver):
    # Found: after /restart (the row emptied) and /start, the consent copy
    # /start sent was not stored (no answers, so nothing was written): its
    # 同意 button answered "this button has expired".
    await driver.command(1, "start")
    await driver.text(1, "同意")
    await driver.command(1, "restart")
    resumed = await driver.command(1, "start")
    # Nor does /start say "您之前的答案都已保存" when there are none.
    assert "欢迎回来" not in text_of(resumed)
    yes = button(asked(resumed), "同意")
    outs = await driver.button(1, yes.data)
    assert outs and asked(outs).question_step != "consent"


# --- Telegram end to end ---------------------------------------------------------------


@pytest.fixture
async def bot(tmp_path):
    srv = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    harness = await Harness(srv.api, srv, tmp_path / "bot.sqlite3").start()
    yield harness
    await harness.stop()
    srv.stop()


def driver_of(bot: Harness) -> Driver:
    return bot.app.bot_data["channel"].driver


async def test_on_telegram_the_phone_is_shared_with_the_contact_button(bot, caplog):
    caplog.set_level(logging.DEBUG)
    api = bot.api
    await finish(driver_of(bot), ALICE)
    await bot.say(ALICE, "/start")  # resumes at 是否同意顾问联系, sent through Telegram
    await bot.press(ALICE, "是")
    asked_phone = await bot.press(ALICE, "工作日白天")
    markup = asked_phone[-1]["reply_markup"]
    assert markup["keyboard"][0] == [{"text": "📱 分享手机号", "request_contact": True}]
    assert [row[0]["text"] for row in markup["keyboard"][1:]] == ["不留电话", "⬅️ 上一步"]
    # Someone else's contact card: not taken.
    other = await bot._run(ALICE, lambda: api.contact(ALICE, "+8613900001111", contact_user_id=BOB))
    assert "别人的联系方式" in other[-1]["text"]
    # A typed number that is not one: asked again, the keyboard comes again.
    again = await bot.say(ALICE, "12345")
    assert "没能认出" in again[-1]["text"] and again[-1]["reply_markup"]["keyboard"]
    # The client's own contact: the answer; the next message removes the keyboard.
    shared = await bot._run(ALICE, lambda: api.contact(ALICE, "8613812345678"))
    assert shared[0]["text"] == "✅ 已记下您的手机号。" and shared[0]["reply_markup"] == {"remove_keyboard": True}
    assert "inline_keyboard" in shared[-1]["reply_markup"]  # the next question's buttons
    session = await bot.storage.current_session(ALICE)
    assert session.state.answers["contact_phone"] == PHONE
    mine = "\n".join(m["text"] for m in await bot.say(ALICE, "/mydata"))
    assert "手机号 → 13812345678" in mine
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "kind=contact" in logs
    for secret in (PHONE, "8613812345678", "13900001111", "1234-5678"):
        assert secret not in logs
    await bot.say(ALICE, "/delete")
    await bot.press(ALICE, "确定删除")
    with sqlite3.connect(bot.db) as db:
        assert db.execute("SELECT COUNT(*) FROM answers WHERE value LIKE ?", (f"%{PHONE}%",)).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM sessions WHERE state LIKE ?", (f"%{PHONE}%",)).fetchone()[0] == 0


async def test_on_telegram_不留电话_and_back_from_the_phone_question_remove_its_keyboard(bot):
    await finish(driver_of(bot), ALICE)
    await bot.say(ALICE, "/start")
    await bot.press(ALICE, "是")
    await bot.press(ALICE, "周末")
    back = await bot.say(ALICE, "⬅️ 上一步")  # the reply keyboard's button sends its label
    assert back[0]["reply_markup"] == {"remove_keyboard": True}
    assert "什么时间" in back[-1]["text"] and "inline_keyboard" in back[-1]["reply_markup"]
    await bot.press(ALICE, "周末")
    skipped = await bot.say(ALICE, "不留电话")
    assert skipped[0]["text"] == "好的,不留电话。" and skipped[0]["reply_markup"] == {"remove_keyboard": True}
    assert (await bot.storage.current_session(ALICE)).state.answers["contact_phone"] == NO_PHONE


async def test_on_telegram_restart_after_a_result_asks_and_summary_keeps_the_result(bot):
    await finish(driver_of(bot), ALICE)
    prompt = await bot.say(ALICE, "/restart")
    assert [b["text"] for b in prompt[-1]["reply_markup"]["inline_keyboard"][0]] == ["重新开始", "取消"]
    started = await bot.press(ALICE, "重新开始")
    assert "/summary" in started[0]["text"] and "同意" in started[-1]["text"]
    summary = await bot.say(ALICE, "/summary")
    assert summary[0]["text"].startswith("这是您上一次完成的诊断结果")
    assert "还没有诊断结果" not in "\n".join(m["text"] for m in summary)
    # The restarted interview's consent button works.
    ok = await bot.press(ALICE, "同意")
    assert ok and "出生日期" in ok[-1]["text"]


async def test_a_default_beside_keep_has_its_own_button_and_takes_the_default(driver):
    # The engine offers 跳过 (the default) beside 保持 when both fit
    # (Question.also_default); the presenter draws it and it takes the default.
    from bot.callbacks import TakeDefault, decode
    from bot.presenter import question
    from flows.engine import Question
    from flows.messages import msg
    q = Question(step="family_income", text=msg("ask.family_income"), kind="money", section=None, remaining=3,
                 default=msg("value.text", text="55万"), keeps_previous=True,
                 also_default=msg("value.text", text="50万"), turn=7)
    out = question(q, driver.renderer)
    labels = [b.label for row in out.buttons for b in row]
    assert "保持:55万" in labels and "跳过(默认:50万)" in labels
    pressed = next(b for row in out.buttons for b in row if b.label == "跳过(默认:50万)")
    assert decode(pressed.data) == TakeDefault(7, "family_income")


# --- found by the second hostile test ------------------------------------------------


async def test_the_consent_button_of_a_consent_question_asked_again_works(driver):
    # Found: /start, 你好 (the consent text again), then 同意 on the newest
    # copy said "这个按钮已经失效": nothing is stored before consent, so the
    # copies shown were not counted.
    await driver.command(5, "start")
    again = await driver.text(5, "你好")
    newest = next(b for o in again for row in o.buttons for b in row if b.label.startswith("同意"))
    answered = await driver.button(5, newest.data)
    assert answered and answered[-1].question_step == "birth_date"
    assert (await driver.storage.current_session(5)).state.answers["consent"] is True


@pytest.mark.parametrize("then", ["7岁", "0", "没有"])
async def test_a_count_with_too_few_ages_is_never_taken_as_fewer_children(driver, then):
    # Found: 两个孩子 5岁 (refused: 2 children, 1 age), then 7岁 stored one
    # child of 7; 两个孩子 then 0 / 没有 stored none.
    await driver.command(6, "start")
    for text in ("1", "1990-05-01", "已婚", "15万", "两个孩子 5岁"):
        await driver.text(6, text)
    replies = await driver.text(6, then)
    state = (await driver.storage.current_session(6)).state
    assert "children" not in state.answers
    assert replies[-1].question_step == "children" and "2 个孩子" in replies[-1].text
    # The ages of both, in one reply, are taken.
    await driver.text(6, "5岁和7岁")
    assert (await driver.storage.current_session(6)).state.answers["children"] == [5, 7]

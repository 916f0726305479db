"""A /delete confirmation acts only while the session and the turn it was
shown for are current (issue 8, hostile tester: an old confirmation still
deleted everything after /restart, which keeps the same session row)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.callbacks import DeleteChoice, decode
from bot.driver import Driver
from bot.storage import Storage
from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer
from tests.helpers import TODAY
from tests.test_telegram_e2e import ALICE, TOKEN, Harness, quick_interview

STALE = "这个按钮已经失效,请回答最新的问题。"


async def started(driver: Driver, user: int) -> None:
    await driver.command(user, "start")
    for answer in ("同意", "1991-01-10"):
        await driver.text(user, answer)


def confirmation(outs) -> tuple[str, str]:
    """The data of 确定删除 and 取消 on a confirmation."""
    [out] = outs
    [[yes, no]] = out.buttons
    assert isinstance(decode(yes.data), DeleteChoice) and len(yes.data.encode()) <= 64
    return yes.data, no.data


async def test_an_old_delete_confirmation_deletes_nothing_after_restart(tmp_path):
    async with Storage(tmp_path / "d.sqlite3") as storage:
        driver = Driver(storage, today=lambda: TODAY)
        await started(driver, 1)
        session = await storage.current_session(1)
        yes, no = confirmation(await driver.command(1, "delete"))
        await driver.command(1, "restart")
        again = await storage.current_session(1)
        assert again.id == session.id  # /restart keeps the session row: the id alone cannot tell
        assert await driver.button(1, yes) == []  # the channel says "button.stale"
        assert await driver.button(1, no) == []  # 取消 on it is harmless too
        assert await storage.current_session(1) is not None
        assert (await storage.user_data(1))["client"] is not None
        # A confirmation shown now acts; 取消 then 确定 on the same message still does.
        yes, no = confirmation(await driver.command(1, "delete"))
        [cancelled] = await driver.button(1, no)
        assert "没有删除" in cancelled.text
        [done] = await driver.button(1, yes)
        assert "已删除" in done.text and await storage.current_session(1) is None
        # Its buttons pressed once more, after the deletion: nothing, no error.
        assert await driver.button(1, yes) == [] and await driver.button(1, no) == []


async def test_a_delete_confirmation_expires_once_a_question_has_been_sent_since(tmp_path):
    async with Storage(tmp_path / "d.sqlite3") as storage:
        driver = Driver(storage, today=lambda: TODAY)
        await started(driver, 1)
        yes, _ = confirmation(await driver.command(1, "delete"))
        await driver.text(1, "未婚")  # answered: the next question is a new turn
        assert await driver.button(1, yes) == []
        assert (await storage.current_session(1)).state.answers["marital"] == "single"


@pytest.fixture
async def bot(tmp_path):
    srv = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    harness = await Harness(srv.api, srv, tmp_path / "bot.sqlite3").start()
    yield harness
    await harness.stop()
    srv.stop()


async def test_on_telegram_an_old_confirmation_after_restart_says_expired_and_keeps_the_rows(bot):
    await quick_interview(bot, ALICE)
    await bot.say(ALICE, "/delete")
    await bot.say(ALICE, "/restart")
    before = len(bot.api.sent_to(ALICE))
    await bot.press(ALICE, "确定删除")
    assert len(bot.api.sent_to(ALICE)) == before  # no "已删除"
    assert bot.api.callback_answers[-1].get("text") == STALE
    with sqlite3.connect(bot.db) as db:
        assert db.execute("SELECT COUNT(*) FROM sessions WHERE user_id = ?", (ALICE,)).fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM clients WHERE user_id = ?", (ALICE,)).fetchone()[0] == 1
    # A fresh confirmation deletes.
    await bot.say(ALICE, "/delete")
    done = await bot.press(ALICE, "确定删除")
    assert "已删除" in done[-1]["text"]

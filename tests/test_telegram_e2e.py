"""End to end: the real python-telegram-bot Application, long polling a fake
Bot API server on loopback (reached through TELEGRAM_API_BASE_URL), with a
real SQLite file."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.config import load
from bot.driver import Driver
from bot.storage import Storage
from bot.telegram_app import build_application
from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer
from tests.helpers import TODAY

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz"
ALICE, BOB = 1001, 2002


class Harness:
    """The bot as a client sees it: send text or press buttons, read replies."""

    def __init__(self, api: FakeBotAPI, server: FakeBotAPIServer, db) -> None:
        self.api, self.server, self.db = api, server, db
        self._done: dict[int, asyncio.Event] = {}

    async def start(self) -> Harness:
        settings = load(telegram_bot_token=TOKEN, telegram_api_base_url=self.server.base_url,
                        database_path=self.db, _env_file=None)
        self.storage = await Storage(self.db).open()
        self.app = build_application(settings, self.storage, driver=Driver(self.storage, today=lambda: TODAY))
        # A later handler group runs after ours has finished with the update.
        self.app.add_handler(TypeHandler(Update, self._mark_done), group=1)
        await self.app.initialize()
        await self.app.post_init(self.app)  # as run_polling does between initialize and start
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        return self

    async def stop(self) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        await self.storage.close()

    async def _mark_done(self, update: Update, context) -> None:
        self._done.setdefault(update.update_id, asyncio.Event()).set()

    async def handled(self, update_id: int, timeout: float = 10) -> None:
        await asyncio.wait_for(self._done.setdefault(update_id, asyncio.Event()).wait(), timeout)

    async def _run(self, chat: int, push) -> list[dict]:
        before = len(self.api.sent_to(chat))
        await self.handled(push())
        return self.api.sent_to(chat)[before:]

    async def say(self, chat: int, text: str) -> list[dict]:
        return await self._run(chat, lambda: self.api.message(chat, text))

    async def press(self, chat: int, label: str) -> list[dict]:
        """Press the button whose label starts with ``label`` on the newest message that has it."""
        message, data = self.find_button(chat, label)
        return await self._run(chat, lambda: self.api.press(chat, message, data))

    def find_button(self, chat: int, label: str) -> tuple[dict, str]:
        for message in reversed(self.api.sent_to(chat)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label):
                        return message, button["callback_data"]
        raise AssertionError(f"no button {label!r} in chat {chat}")

    def last_text(self, chat: int) -> str:
        return self.api.sent_to(chat)[-1]["text"]


@pytest.fixture
async def server():
    api = FakeBotAPI(TOKEN)
    srv = FakeBotAPIServer(api).start()
    yield srv
    srv.stop()


@pytest.fixture
async def bot(server, tmp_path):
    harness = await Harness(server.api, server, tmp_path / "bot.sqlite3").start()
    yield harness
    await harness.stop()


QUICK_TYPED = ["1991-01-10", None, "15万", "1", "5", "40万", "20万", "150万", "60万", "50万", "20万", "10万"]


async def begin_quick(bot: Harness, chat: int, *answers: str) -> None:
    """/start, consent and quick depth by buttons, then typed or pressed answers
    (a leading "!" presses the button with that label)."""
    await bot.say(chat, "/start")
    await bot.press(chat, "同意")
    await bot.press(chat, "快速诊断")
    for answer in answers:
        await (bot.press(chat, answer[1:]) if answer.startswith("!") else bot.say(chat, answer))


async def quick_interview(bot: Harness, chat: int, income: str = "40万") -> list[dict]:
    await begin_quick(bot, chat)
    replies = []
    for answer in QUICK_TYPED:
        if answer is None:
            replies = await bot.press(chat, "已婚")
        else:
            replies = await bot.say(chat, income if answer == "40万" else answer)
    return replies


async def test_a_client_goes_from_start_to_summary_with_buttons_and_typed_answers(bot):
    api = bot.api
    first = await bot.say(ALICE, "/start")
    assert "第1/14题" in first[-1]["text"] and "同意" in first[-1]["text"]
    replies = await quick_interview(bot, ALICE)
    text = "\n".join(m["text"] for m in replies)
    assert "📋 您的保险需求诊断" in text
    assert "缺口 C = A − B = 495万 − 110万 = 385万" in text
    assert "家庭收入保障账户:2.75万/年" in text
    assert "按您的关注顺序分配" in text  # 10万 < 11万
    assert replies[-1]["text"].startswith("第") and "建议书" in replies[-1]["text"]
    assert all(len(m["text"]) <= 4096 for m in api.sent)
    # Pressed buttons were acknowledged and their messages edited to show the choice.
    assert len(api.callback_answers) == 3
    assert any(e["text"].endswith("✅ 已婚") and not e["reply_markup"] for e in api.edits)
    await bot.press(ALICE, "否")
    done = await bot.press(ALICE, "否")
    assert "诊断已完成" in done[-1]["text"]
    again = await bot.say(ALICE, "/start")
    assert again[-1]["text"].startswith("诊断已经完成")
    summary = await bot.say(ALICE, "/summary")
    assert "495万" in "\n".join(m["text"] for m in summary)
    assert {c["command"] for c in api.commands} >= {"start", "back", "edit", "summary", "mydata", "delete"}


async def test_a_first_message_without_start_opens_with_consent(bot):
    reply = await bot.say(BOB, "你好")
    assert len(reply) == 1 and "第1/14题" in reply[0]["text"] and "没能" not in reply[0]["text"]
    typed = await bot.say(BOB, "同意")  # typing instead of pressing works too
    assert "第2/14题" in typed[-1]["text"]


async def test_a_first_message_that_consents_starts_the_interview(bot):
    reply = await bot.say(ALICE, "同意")
    assert "第2/14题" in reply[-1]["text"]


async def test_back_edit_and_restart(bot):
    await begin_quick(bot, ALICE, "1991-01-10", "!未婚")
    back = await bot.say(ALICE, "/back")
    assert "您的婚姻状况" in back[-1]["text"]
    await bot.press(ALICE, "已婚")
    assert "配偶的税后年收入" in bot.last_text(ALICE)
    again = await bot.press(ALICE, "⬅️")
    assert "您的婚姻状况" in again[-1]["text"]
    await bot.press(ALICE, "保持")  # keep 已婚
    assert "配偶的税后年收入" in bot.last_text(ALICE)
    menu = await bot.say(ALICE, "/edit")
    assert menu[-1]["text"] == "要修改哪一题?"
    edited = await bot.press(ALICE, "出生日期")
    assert "您的出生日期是" in edited[-1]["text"]
    await bot.say(ALICE, "1980-01-10")
    assert "配偶的税后年收入" in bot.last_text(ALICE)
    restart = await bot.say(ALICE, "/restart")
    assert "第1/14题" in restart[-1]["text"]


async def test_double_tap_and_old_buttons_change_nothing(bot):
    await bot.say(ALICE, "/start")
    await bot.press(ALICE, "同意")
    consent_message, yes = bot.find_button(ALICE, "同意")
    await bot.press(ALICE, "快速诊断")
    before = len(bot.api.sent_to(ALICE))
    # The consent and depth buttons again: already answered.
    await bot._run(ALICE, lambda: bot.api.press(ALICE, consent_message, yes))
    depth_message, quick = bot.find_button(ALICE, "快速诊断")
    await bot._run(ALICE, lambda: bot.api.press(ALICE, depth_message, quick))
    assert len(bot.api.sent_to(ALICE)) == before
    assert bot.api.callback_answers[-1].get("text") == "这个按钮已经失效,请回答最新的问题。"
    assert "您的出生日期是" in bot.last_text(ALICE)


async def test_restart_of_the_process_resumes_at_the_same_question(server, tmp_path):
    db = tmp_path / "resume.sqlite3"
    first = await Harness(server.api, server, db).start()
    await begin_quick(first, ALICE, "1991-01-10", "!已婚", "15万")
    asked = first.last_text(ALICE)
    await first.stop()

    second = await Harness(server.api, server, db).start()
    try:
        resumed = await second.say(ALICE, "/start")
        assert "欢迎回来" in resumed[0]["text"]
        assert resumed[-1]["text"] == asked  # the same question, same progress
        await second.say(ALICE, "0")
        assert "您本人的税后年收入" in second.last_text(ALICE)
        mine = await second.say(ALICE, "/mydata")
        text = "\n".join(m["text"] for m in mine)
        assert "出生日期 → 1991-01-10" in text and "配偶税后年收入 → 15万/年" in text
    finally:
        await second.stop()


async def test_two_clients_interleaving_never_see_each_other(bot):
    await asyncio.gather(bot.say(ALICE, "/start"), bot.say(BOB, "/start"))
    for chat in (ALICE, BOB):
        await bot.press(chat, "同意")
        await bot.press(chat, "快速诊断")
    alice_answers = ["1991-01-10", "未婚", "0", "41万", "20万", "0", "60万", "0", "0", "10万"]
    bob_answers = ["1970-07-07", "未婚", "0", "77万", "30万", "0", "90万", "0", "0", "20万"]
    for a, b in zip(alice_answers, bob_answers, strict=True):
        # Both at once: per-chat order, chats concurrent.
        await asyncio.gather(bot.say(ALICE, a), bot.say(BOB, b))
    alice = "\n".join(m["text"] for m in bot.api.sent_to(ALICE))
    bob = "\n".join(m["text"] for m in bot.api.sent_to(BOB))
    assert "41万" in alice and "77万" not in alice and "1970" not in alice
    assert "77万" in bob and "41万" not in bob and "1991" not in bob
    assert "📋" in alice and "📋" in bob


async def test_delete_really_removes_the_rows(bot):
    await quick_interview(bot, ALICE)
    await quick_interview(bot, BOB)
    confirm = await bot.say(ALICE, "/delete")
    assert "确定要删除" in confirm[-1]["text"]
    done = await bot.press(ALICE, "确定删除")
    assert "已删除" in done[-1]["text"]
    with sqlite3.connect(bot.db) as db:
        for table in ("clients", "sessions", "results"):
            assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE user_id = ?", (ALICE,)).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM answers WHERE session_id NOT IN (SELECT id FROM sessions)"
                          ).fetchone()[0] == 0
        assert db.execute("SELECT COUNT(*) FROM sessions WHERE user_id = ?", (BOB,)).fetchone()[0] == 1
    nothing = await bot.say(ALICE, "/mydata")
    assert nothing[-1]["text"] == "我们没有保存任何关于您的信息。"


async def test_declining_consent_stores_nothing(bot):
    await bot.say(ALICE, "/start")
    reply = await bot.press(ALICE, "不同意")
    assert "没有保存您的任何信息" in reply[-1]["text"]
    with sqlite3.connect(bot.db) as db:
        assert db.execute("SELECT COUNT(*) FROM clients").fetchone()[0] == 0


async def test_a_repeated_update_changes_nothing(bot):
    await begin_quick(bot, ALICE, "1991-01-10", "!未婚")
    first = await bot._run(ALICE, lambda: bot.api.message(ALICE, "3", update_id=9000))
    assert "第1个孩子今年几岁" in first[-1]["text"]
    again = await bot._run(ALICE, lambda: bot.api.message(ALICE, "5", update_id=9000))
    assert again == []


async def test_anything_else_gets_a_polite_reply_and_changes_nothing(bot):
    await begin_quick(bot, ALICE)
    question = bot.last_text(ALICE)
    sticker = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
               "is_video": False, "type": "regular"}
    photo = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
    for extra in ({"sticker": sticker}, {"photo": photo}, {"location": {"latitude": 1.0, "longitude": 2.0}},
                  {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 1}}):
        reply = await bot._run(ALICE, lambda e=extra: bot.api.message(ALICE, None, **e))
        assert reply[-1]["text"] == "抱歉,我只能读懂文字。请用文字回答当前问题,或点选下方按钮。"
    long = await bot.say(ALICE, "我" * 5000)
    assert len(long) == 1 and long[0]["text"].startswith("这条消息太长了") and long[0]["text"].endswith(question)
    edited = await bot._run(ALICE, lambda: bot.api.edited(ALICE, "1980-01-01"))
    assert "/edit" in edited[-1]["text"]
    unknown = await bot.say(ALICE, "/frobnicate")
    assert "/help" in unknown[-1]["text"]
    group = await bot._run(-500, lambda: bot.api.message(ALICE, "/start", chat_type="group", chat_id=-500))
    assert "私聊" in group[-1]["text"]
    answer = await bot._run(-500, lambda: bot.api.message(ALICE, "30万", chat_type="group", chat_id=-500))
    assert "私聊" in answer[-1]["text"]
    assert "30万" not in str((await bot.storage.current_session(ALICE)).state.answers)
    ok = await bot.say(ALICE, "1991-01-10")
    assert "您的婚姻状况" in ok[-1]["text"]


async def test_logs_carry_no_personal_data(bot, caplog):
    caplog.set_level(logging.DEBUG)
    await quick_interview(bot, ALICE, income="43万")
    await bot.say(ALICE, "/mydata")
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "update id=" in logs and "latency_ms=" in logs and "step=" in logs
    for secret in ("43万", "430000", "1991", str(ALICE), TOKEN):
        assert secret not in logs, secret


async def test_two_messages_at_once_from_one_chat_are_handled_in_order(bot):
    await begin_quick(bot, ALICE)
    first = bot.api.message(ALICE, "1991-01-10")
    second = bot.api.message(ALICE, "未婚")  # sent before the first was answered
    await bot.handled(first)
    await bot.handled(second)
    texts = [m["text"] for m in bot.api.sent_to(ALICE)[-2:]]
    assert "您的婚姻状况" in texts[0] and "您有几个孩子" in texts[1]
    session = await bot.storage.current_session(ALICE)
    assert session.state.answers["marital"] == "single"

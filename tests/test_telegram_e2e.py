"""End to end: the real python-telegram-bot Application, long polling a fake
Bot API server on loopback (reached through TELEGRAM_API_BASE_URL), with a
real SQLite file."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.config import load
from bot.driver import Driver
from bot.storage import Storage
from bot.telegram_app import build_application
from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer, HangUp, blocked, flood
from tests.helpers import TODAY

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz"
ALICE, BOB = 1001, 2002


class Harness:
    """The bot as a client sees it: send text or press buttons, read replies."""

    def __init__(self, api: FakeBotAPI, server: FakeBotAPIServer, db, timeout: float | None = None) -> None:
        self.api, self.server, self.db, self.timeout = api, server, db, timeout
        self._done: dict[int, asyncio.Event] = {}

    async def start(self) -> Harness:
        settings = load(telegram_bot_token=TOKEN, telegram_api_base_url=self.server.base_url,
                        database_path=self.db, _env_file=None)
        self.storage = await Storage(self.db).open()
        self.app = build_application(settings, self.storage, driver=Driver(self.storage, today=lambda: TODAY),
                                     timeout=self.timeout)
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


QUICK_TYPED = ["1991-01-10", None, "15万", "5", "40万", "20万", "150万", "60万 50万 20万", "10万"]


async def begin_quick(bot: Harness, chat: int, *answers: str) -> None:
    """/start and consent by button (the quick diagnosis is the default: no
    depth question), then typed or pressed answers (a leading "!" presses the
    button with that label)."""
    await bot.say(chat, "/start")
    await bot.press(chat, "同意")
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


# The quick interview's result (QUICK_TYPED): 寿险 A = 20万 × 17 年 + 教育金 30万 (one
# child under 22) + 房贷 150万 + 身后费用 5万 = 525万, B = 存款 60万 + 寿险 50万.
LIFE_GAP = "寿险缺口 415万:"
LIFE_ABC = ("需求 A = 525万", "已有 B = 110万", "缺口 C = A − B = 525万 − 110万 = 415万")
CARD_BUTTONS = [["🔍 查看计算明细"], ["✏️ 修改答案", "📝 完整诊断"]]


def labels(message: dict) -> list[list[str]]:
    return [[b["text"] for b in row] for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])]


async def test_a_client_goes_from_start_to_summary_with_buttons_and_typed_answers(bot):
    api = bot.api
    first = await bot.say(ALICE, "/start")
    assert first[-1]["text"].startswith("开始 · 还剩约 8 题\n") and "同意" in first[-1]["text"]
    replies = await quick_interview(bot, ALICE)
    # The result card (one message, ≤ 15 lines, its three buttons), then the closing question.
    card = next(m for m in replies if "📋 您的保险需求诊断" in m["text"])
    assert len(card["text"].splitlines()) <= 15 and labels(card) == CARD_BUTTONS
    assert LIFE_GAP in card["text"] and "重疾缺口 130万:" in card["text"] and "养老缺口" in card["text"]
    assert "先补什么" in card["text"]
    # 10万 < 11万: the budget line says so and splits it.
    assert "预算 10万/年,低于建议的最低 11万/年" in card["text"]
    assert "健康保障 2.75万 · 收入保障 2.75万 · 年金 4.5万" in card["text"]  # in 先补什么 order
    assert "缺口 C = A − B" not in card["text"]  # the breakdown is behind 查看计算明细
    assert replies[-1]["text"].startswith("下一步\n") and "建议书" in replies[-1]["text"]
    assert all(len(m["text"]) <= 4096 for m in api.sent)
    # Pressed buttons were acknowledged and their messages edited to show the choice.
    assert len(api.callback_answers) == 2
    assert any(e["text"].endswith("✅ 已婚") and not e["reply_markup"] for e in api.edits)
    # The breakdown works on Telegram: 查看计算明细 → 四大账户.
    await bot.press(ALICE, "🔍 查看计算明细")
    accounts = await bot.press(ALICE, "四大账户")
    assert "家庭收入保障账户:2.75万/年" in "\n".join(m["text"] for m in accounts)
    await bot.press(ALICE, "否")
    done = await bot.press(ALICE, "否")
    assert "诊断已完成" in done[-1]["text"]
    again = await bot.say(ALICE, "/start")
    assert again[-1]["text"].startswith("诊断已经完成")
    summary = await bot.say(ALICE, "/summary")
    assert LIFE_GAP in "\n".join(m["text"] for m in summary)
    assert {c["command"] for c in api.commands} >= {"start", "back", "edit", "summary", "mydata", "delete"}


def button_on(message: dict, label: str) -> tuple[dict, str]:
    """The message and the data of its button whose label starts with ``label``."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"].startswith(label):
                return message, button["callback_data"]
    raise AssertionError(f"no button {label!r} on {message['text'][:40]!r}")


async def test_the_result_card_opens_its_breakdown_and_the_full_diagnosis_and_an_old_card_shows_the_current_result(
        bot):
    api = bot.api
    card = next(m for m in await quick_interview(bot, ALICE) if "📋 您的保险需求诊断" in m["text"])
    assert "重疾缺口 130万:" in card["text"]
    # 查看计算明细 → 寿险: the life section with its A/B/C lines.
    menu = await bot._run(ALICE, lambda: api.press(ALICE, *button_on(card, "🔍 查看计算明细")))
    assert [m["text"] for m in menu] == ["🔍 查看哪一部分的计算明细?"]
    old_menu = menu[0]
    life = "\n".join(m["text"] for m in await bot._run(ALICE, lambda: api.press(ALICE, *button_on(old_menu, "寿险"))))
    assert life.startswith("一、寿险") and all(line in life for line in LIFE_ABC), life
    assert "结果已更新" not in life and "重疾" not in life.split("\n")[0]
    # The card is a menu, pressed again and again: its buttons stay (a question's are edited away).
    assert all(e["message_id"] != card["message_id"] for e in api.edits + api.markup_edits)

    # An answer changes (修改答案 → 本人税后年收入 50万): a new card, 重疾缺口 30万 + 50万 × 3.
    sections = await bot._run(ALICE, lambda: api.press(ALICE, *button_on(card, "✏️ 修改答案")))
    assert sections[-1]["text"] == "要修改哪一部分的答案?"
    await bot.press(ALICE, "保险需求分析")
    asked = await bot.press(ALICE, "本人税后年收入")
    assert "您本人的税后年收入" in asked[-1]["text"]
    new_card = next(m for m in await bot.say(ALICE, "50万") if "📋 您的保险需求诊断" in m["text"])
    assert "重疾缺口 160万:" in new_card["text"]
    # The old card's 查看计算明细 shows the current result, and says it was updated.
    updated = await bot._run(ALICE, lambda: api.press(ALICE, *button_on(card, "🔍 查看计算明细")))
    assert updated[0]["text"].startswith("🔄 结果已更新") and "查看哪一部分的计算明细" in updated[-1]["text"]
    # So does a section of the old breakdown menu: the current figures, never the old card's.
    ci = await bot._run(ALICE, lambda: api.press(ALICE, *button_on(old_menu, "重疾")))
    ci_text = "\n".join(m["text"] for m in ci)
    assert ci_text.startswith("🔄 结果已更新") and "缺口 C = A − B = 180万 − 20万 = 160万" in ci_text
    assert "130万" not in ci_text
    # 完整诊断 on the card: the first question of the full diagnosis; the answers given are kept.
    deeper = await bot._run(ALICE, lambda: api.press(ALICE, *button_on(new_card, "📝 完整诊断")))
    assert "进入完整诊断" in deeper[0]["text"]
    assert "个人信息 · 还剩约 17 题\n我们怎么称呼您" in deeper[-1]["text"]
    session = await bot.storage.current_session(ALICE)
    assert session.state.answers["income"] == 500_000 and session.state.answers["marital"] == "married"


async def test_an_old_cards_buttons_after_delete_do_not_say_a_result_was_updated(bot):
    """After /delete nothing is kept: a press on an old card says so, not that
    the result was updated and that a current question is waiting (there is none)."""
    api = bot.api
    card = next(m for m in await quick_interview(bot, ALICE) if "📋 您的保险需求诊断" in m["text"])
    await bot.say(ALICE, "/delete")
    await bot.press(ALICE, "确定删除")
    for label in ("🔍 查看计算明细", "✏️ 修改答案", "📝 完整诊断"):
        reply = await bot._run(ALICE, lambda label=label: api.press(ALICE, *button_on(card, label)))
        text = "\n".join(m["text"] for m in reply)
        assert "结果已更新" not in text and "当前的问题" not in text, (label, text)
    assert await bot.storage.current_session(ALICE) is None


async def test_summary_during_the_full_diagnosis_does_not_say_an_answer_is_being_changed(bot):
    """完整诊断 goes on from the quick result; /summary meanwhile shows that
    result, without claiming the client is changing an answer."""
    api = bot.api
    card = next(m for m in await quick_interview(bot, ALICE) if "📋 您的保险需求诊断" in m["text"])
    await bot._run(ALICE, lambda: api.press(ALICE, *button_on(card, "📝 完整诊断")))
    summary = "\n".join(m["text"] for m in await bot.say(ALICE, "/summary"))
    assert LIFE_GAP in summary
    assert "修改" not in summary.split("📋", 1)[0], summary


# The progress labels of the first two questions (the consent, the birth date).
CONSENT_LABEL = "开始 · 还剩约 8 题\n"
BIRTH_DATE_LABEL = "个人信息 · 还剩约 7 题\n您的出生日期是"


async def test_a_first_message_without_start_opens_with_consent(bot):
    reply = await bot.say(BOB, "你好")
    assert len(reply) == 1 and reply[0]["text"].startswith(CONSENT_LABEL) and "没能" not in reply[0]["text"]
    typed = await bot.say(BOB, "同意")  # typing instead of pressing works too
    assert typed[-1]["text"].startswith(BIRTH_DATE_LABEL)


async def test_a_first_message_is_never_taken_as_consent(bot):
    # Consent is given after reading what is collected: a first "同意" or "好"
    # shows the consent text and stores nothing.
    for chat, first in ((ALICE, "同意"), (BOB, "好")):
        reply = await bot.say(chat, first)
        assert len(reply) == 1 and reply[0]["text"].startswith(CONSENT_LABEL)
        assert await bot.storage.current_session(chat) is None
    typed = await bot.say(ALICE, "同意")
    assert typed[-1]["text"].startswith(BIRTH_DATE_LABEL)


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
    restart = await bot.say(ALICE, "/restart")  # two answers: restarted at once, not asked
    assert restart[-1]["text"].startswith(CONSENT_LABEL)


async def test_double_tap_and_old_buttons_change_nothing(bot):
    await bot.say(ALICE, "/start")
    await bot.press(ALICE, "同意")
    consent_message, yes = bot.find_button(ALICE, "同意")
    await bot.say(ALICE, "1991-01-10")
    await bot.press(ALICE, "未婚")
    marital_message, single = bot.find_button(ALICE, "未婚")
    before = len(bot.api.sent_to(ALICE))
    # The consent button again (an old question), and 未婚 again (a double tap): already answered.
    await bot._run(ALICE, lambda: bot.api.press(ALICE, consent_message, yes))
    assert bot.api.callback_answers[-1].get("text") == STALE
    await bot._run(ALICE, lambda: bot.api.press(ALICE, marital_message, single))
    assert bot.api.callback_answers[-1].get("text") == STALE
    assert len(bot.api.sent_to(ALICE)) == before
    assert "您有孩子吗" in bot.last_text(ALICE)
    session = await bot.storage.current_session(ALICE)
    assert session.state.answers["marital"] == "single" and "children" not in session.state.answers


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
    alice_answers = ["1991-01-10", "未婚", "没有", "41万", "20万", "0", "60万 0 0", "10万"]
    bob_answers = ["1970-07-07", "未婚", "没有", "77万", "30万", "0", "90万 0 0", "20万"]
    for a, b in zip(alice_answers, bob_answers, strict=True):
        # Both at once: per-chat order, chats concurrent.
        await asyncio.gather(bot.say(ALICE, a), bot.say(BOB, b))
    alice = "\n".join(m["text"] for m in bot.api.sent_to(ALICE))
    bob = "\n".join(m["text"] for m in bot.api.sent_to(BOB))
    assert "📋" in alice and "📋" in bob
    # Each card's 重疾缺口 (30万 + income × 3) is that client's own: 41万, 77万.
    alice_ci, bob_ci = "重疾缺口 153万", "重疾缺口 261万"
    assert alice_ci in alice and bob_ci not in alice and "1970" not in alice
    assert bob_ci in bob and alice_ci not in bob and "1991" not in bob
    # So is the breakdown behind each card's 查看计算明细 (the income itself is printed there).
    await asyncio.gather(bot.press(ALICE, "🔍 查看计算明细"), bot.press(BOB, "🔍 查看计算明细"))
    alice_ci, bob_ci = await asyncio.gather(bot.press(ALICE, "重疾"), bot.press(BOB, "重疾"))
    alice_ci, bob_ci = "\n".join(m["text"] for m in alice_ci), "\n".join(m["text"] for m in bob_ci)
    assert "41万/年 × 3 年" in alice_ci and "77万" not in alice_ci
    assert "77万/年 × 3 年" in bob_ci and "41万" not in bob_ci
    # And nothing in either chat shows the other's income.
    assert "77万" not in "\n".join(m["text"] for m in bot.api.sent_to(ALICE))
    assert "41万" not in "\n".join(m["text"] for m in bot.api.sent_to(BOB))


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
    first = await bot._run(ALICE, lambda: bot.api.message(ALICE, "3", update_id=9000))  # one child, 3
    assert "您本人的税后年收入" in first[-1]["text"]
    again = await bot._run(ALICE, lambda: bot.api.message(ALICE, "5", update_id=9000))
    assert again == []
    session = await bot.storage.current_session(ALICE)
    assert session.state.answers["children"] == [3] and "income" not in session.state.answers


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
    bot.api.fail("sendMessage", flood(retry_after=1))  # retried: logged by python-telegram-bot
    await bot.say(ALICE, "/mydata")
    bot.api.fail("sendMessage", blocked())
    await bot.say(ALICE, "/summary")
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "Rate limit hit" in logs and "client unreachable" in logs
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
    assert "您的婚姻状况" in texts[0] and "您有孩子吗" in texts[1]
    session = await bot.storage.current_session(ALICE)
    assert session.state.answers["marital"] == "single"


# --- a question's buttons act only on its newest copy --------------------------

STALE = "这个按钮已经失效,请回答最新的问题。"
RESENT = "抱歉,下面这道题刚才没能发送给您"


def api_calls(api: FakeBotAPI) -> list[str]:
    return [c for c in api.calls if c != "getUpdates"]


async def test_after_back_only_the_newest_copy_of_a_question_acts(bot):
    api = bot.api
    await quick_interview(bot, ALICE)  # the summary, then 是否同意顾问联系 (copy 1)
    first, yes_on_first = bot.find_button(ALICE, "是")
    back = await bot.say(ALICE, "/back")
    assert "每年安排多少预算" in back[-1]["text"]
    # Leaving it by /back removed the first copy's buttons.
    assert {"chat_id": ALICE, "message_id": first["message_id"], "reply_markup": None} in api.markup_edits
    await bot.say(ALICE, "10万")
    second, yes_on_second = bot.find_button(ALICE, "是")
    assert second["message_id"] != first["message_id"] and yes_on_second != yes_on_first
    # 是 on the first copy (a client whose chat had not updated yet): nothing happens.
    stale = await bot._run(ALICE, lambda: api.press(ALICE, first, yes_on_first))
    assert stale == [] and api.callback_answers[-1].get("text") == STALE
    assert "contact_ok" not in (await bot.storage.current_session(ALICE)).state.answers
    # The newest copy works.
    ok = await bot._run(ALICE, lambda: api.press(ALICE, second, yes_on_second))
    assert "什么时间" in ok[-1]["text"]  # contact_time, asked after 是
    assert (await bot.storage.current_session(ALICE)).state.answers["contact_ok"] is True


async def test_a_question_asked_again_removes_the_older_copys_buttons_and_an_answer_costs_no_extra_call(bot):
    api = bot.api
    await begin_quick(bot, ALICE)
    first = api.sent_to(ALICE)[-1]
    assert "您的出生日期是" in first["text"] and first.get("reply_markup")
    before = len(api_calls(api))
    again = await bot.say(ALICE, "abc")  # rejected: the same question again
    assert "您的出生日期是" in again[-1]["text"]
    assert api_calls(api)[before:] == ["sendMessage", "editMessageReplyMarkup"]
    assert api.markup_edits[-1] == {"chat_id": ALICE, "message_id": first["message_id"], "reply_markup": None}
    # An ordinary answer: one message, nothing else.
    before = len(api_calls(api))
    await bot.say(ALICE, "1991-01-10")
    assert api_calls(api)[before:] == ["sendMessage"]
    # /start resumes with a new copy and retires the one before.
    current = api.sent_to(ALICE)[-1]
    resumed = await bot.say(ALICE, "/start")
    assert resumed[-1]["text"] == current["text"]
    assert api.markup_edits[-1]["message_id"] == current["message_id"]
    single_on_old = current["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    stale = await bot._run(ALICE, lambda: api.press(ALICE, current, single_on_old))
    assert stale == [] and api.callback_answers[-1].get("text") == STALE
    newest, single = bot.find_button(ALICE, "未婚")
    assert newest["message_id"] == resumed[-1]["message_id"] and single != single_on_old
    assert "您有孩子吗" in (await bot.press(ALICE, "未婚"))[-1]["text"]


# --- deletion leaves no bytes ---------------------------------------------------------

ALICE_DOB, ALICE_INCOME = "1983-07-19", "427351元"
ALICE_SECRETS = (b"1983-07-19", b"427351", b'"birth_date":"1983-07-19"')


def database_bytes(db) -> dict[str, bytes]:
    """Every file of the database: the main file, -wal, -shm."""
    return {p.name: p.read_bytes() for p in db.parent.glob(db.name + "*")}


def leaks(db) -> list[tuple[str, bytes]]:
    return [(name, s) for name, data in database_bytes(db).items() for s in ALICE_SECRETS if s in data]


@pytest.mark.parametrize("how", ["delete", "decline"])
async def test_erased_answers_leave_no_bytes_in_any_database_file(server, tmp_path, how):
    db = tmp_path / "erase.sqlite3"
    bot = await Harness(server.api, server, db).start()
    try:
        await quick_interview(bot, BOB)  # another client's data stays
        await begin_quick(bot, ALICE, ALICE_DOB, "未婚", "没有", ALICE_INCOME, "20万", "0", "60万 0 0")
        if how == "delete":
            await bot.say(ALICE, "10万")  # the summary: the figures are stored too
        await bot.say(ALICE, "1985-01-01")  # a rejected answer: the state is written again
        assert {s for _, s in leaks(db)} == set(ALICE_SECRETS)  # the check does see them
        if how == "delete":
            await bot.say(ALICE, "/delete")
            done = await bot.press(ALICE, "确定删除")
            assert "已删除" in done[-1]["text"]
        else:  # before a result (after one, declining a restart keeps that result)
            await bot.say(ALICE, "/restart")  # after a few answers it asks first
            await bot.press(ALICE, "重新开始")
            declined = await bot.press(ALICE, "不同意")
            assert "没有保存您的任何信息" in declined[-1]["text"]
        assert leaks(db) == []  # while the bot is running
        assert any(b"1991-01-10" in data for data in database_bytes(db).values())  # Bob's answers are kept
    finally:
        await bot.stop()
    assert leaks(db) == []  # and after it stopped


# --- Telegram's limits and failures ---------------------------------------------------


async def test_a_429_is_retried_after_retry_after_and_the_client_gets_the_question(bot):
    await begin_quick(bot, ALICE)
    bot.api.fail("sendMessage", flood(retry_after=1), times=2)
    started = time.monotonic()
    reply = await bot.say(ALICE, "1991-01-10")
    assert "您的婚姻状况" in reply[-1]["text"]
    assert time.monotonic() - started >= 2  # waited retry_after, twice
    assert api_calls(bot.api)[-3:] == ["sendMessage"] * 3
    assert not (await bot.storage.current_session(ALICE)).undelivered


@pytest.mark.parametrize("failure, times", [(flood(retry_after=1), 4), (HangUp(3), 1)], ids=["429", "timeout"])
async def test_a_question_that_could_not_be_sent_is_sent_again_when_the_client_writes(server, tmp_path, failure,
                                                                                      times):
    bot = await Harness(server.api, server, tmp_path / "send.sqlite3", timeout=1.0).start()
    try:
        await begin_quick(bot, ALICE)
        bot.api.fail("sendMessage", failure, times)
        lost = await bot.say(ALICE, "1991-01-10")
        assert lost == []  # 429 after three retries, or no answer within the timeout
        session = await bot.storage.current_session(ALICE)
        assert session.state.answers["birth_date"] == "1991-01-10"  # the answer is kept
        assert session.undelivered
        # The client never saw the next question: what they write now is not
        # taken as its answer; the question is sent again.
        again = await bot.say(ALICE, "已婚")
        assert again[-1]["text"].startswith(RESENT) and "您的婚姻状况" in again[-1]["text"]
        session = await bot.storage.current_session(ALICE)
        assert "marital" not in session.state.answers and not session.undelivered
        ok = await bot.press(ALICE, "未婚")
        assert "您有孩子吗" in ok[-1]["text"]
    finally:
        await bot.stop()


async def test_a_client_who_blocked_the_bot_is_sent_nothing_until_they_write_again(bot):
    api = bot.api
    await begin_quick(bot, ALICE)
    api.fail("sendMessage", blocked(), times=100)
    assert await bot.say(ALICE, "1991-01-10") == []  # 403: the question was refused
    with sqlite3.connect(bot.db) as db:
        since = db.execute("SELECT unreachable_since FROM clients WHERE user_id = ?", (ALICE,)).fetchone()[0]
    assert since is not None
    session = await bot.storage.current_session(ALICE)
    assert session.state.answers["birth_date"] == "1991-01-10" and session.undelivered
    # Messages written before the block was found (queued): handled, nothing sent.
    attempts = api_calls(api).count("sendMessage")
    sticker = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
               "is_video": False, "type": "regular"}
    for push in (lambda: api.message(ALICE, "未婚", date=since - 1), lambda: api.message(ALICE, "/summary", date=since),
                 lambda: api.message(ALICE, None, date=since, sticker=sticker)):
        assert await bot._run(ALICE, push) == []
    assert api_calls(api).count("sendMessage") == attempts  # not even tried
    assert "marital" not in (await bot.storage.current_session(ALICE)).state.answers
    # Telegram's own notice of the block (my_chat_member "kicked") is not the client writing again.
    bot_user = {"id": 4242, "is_bot": True, "first_name": "Diag"}
    notice = {"chat": {"id": ALICE, "type": "private", "first_name": "A"},
              "from": {"id": ALICE, "is_bot": False, "first_name": "A"}, "date": since + 1,
              "old_chat_member": {"user": bot_user, "status": "member"},
              "new_chat_member": {"user": bot_user, "status": "kicked", "until_date": 0}}
    await bot.handled(api.push({"my_chat_member": notice}))
    with sqlite3.connect(bot.db) as db:
        assert db.execute("SELECT unreachable_since FROM clients WHERE user_id = ?", (ALICE,)).fetchone()[0] == since
    # The client unblocks the bot and writes: the mark is gone, the question comes again.
    api.heal()
    back = await bot._run(ALICE, lambda: api.message(ALICE, "在吗", date=since + 1))
    assert back[-1]["text"].startswith(RESENT) and "您的婚姻状况" in back[-1]["text"]
    with sqlite3.connect(bot.db) as db:
        assert db.execute("SELECT unreachable_since FROM clients WHERE user_id = ?", (ALICE,)).fetchone()[0] is None
    ok = await bot.press(ALICE, "未婚")
    assert "您有孩子吗" in ok[-1]["text"]

"""End to end for issue 10, with real processes on the fake Bot API over HTTP:
``python -m bot run`` (restarted once) and ``python -m bot advisors add``.

An admin invites an advisor; the advisor signs up and gets a link; a prospect
opens ``/start <payload>``, completes a diagnosis and agrees to be contacted;
the advisor receives a card whose figures equal the client's summary; a
second advisor's /leads does not show it and /lead N answers "not found";
contact log entries and stage changes persist across a restart; /export is a
CSV that Python's csv module reads back with the same figures; the client's
/privacy withdrawal and another client's /delete each remove the lead from
the book (checked in the database file)."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer
from tests.test_greetings_e2e import environment, stop_bot
from tests.test_telegram_e2e import TOKEN

ADMIN, ADVISOR, SECOND, PROSPECT, LEAVER = 9, 1001, 1002, 5001, 5002
# The quick diagnosis, typed: born, married, spouse's income, a child of 5,
# income, living costs, mortgage, savings/life/CI cover, budget.
ANSWERS = ["1991-01-10", "已婚", "15万", "5", "40万", "20万", "150万", "60万 50万 20万", "10万"]


class Chat:
    """The fake Bot API seen from the people in the chats."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    def _exchange(self, chat: int, push, quiet: float = 0.6, timeout: float = 20) -> list[dict]:
        before = len(self.api.sent_to(chat))
        push()
        deadline = time.monotonic() + timeout
        while len(self.api.sent_to(chat)) == before:
            assert time.monotonic() < deadline, f"chat {chat}: no reply"
            time.sleep(0.02)
        seen = len(self.api.sent_to(chat))
        while True:  # the replies to one update come together: wait for a pause
            time.sleep(quiet)
            now = len(self.api.sent_to(chat))
            if now == seen:
                return self.api.sent_to(chat)[before:]
            seen = now

    def say(self, chat: int, text: str) -> list[dict]:
        # A command's reply may be several messages (a card, a summary, a log): a longer pause ends it.
        return self._exchange(chat, lambda: self.api.message(chat, text), quiet=1.2 if text.startswith("/") else 0.6)

    def press(self, chat: int, label: str) -> list[dict]:
        for message in reversed(self.api.sent_to(chat)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"].startswith(label) and "callback_data" in button:
                        data = button["callback_data"]
                        return self._exchange(chat, lambda m=message, d=data: self.api.press(chat, m, d))
        raise AssertionError(f"no button {label!r} in chat {chat}")

    def texts(self, replies: list[dict]) -> str:
        return "\n".join(m.get("text") or "" for m in replies)

    def wait_for(self, chat: int, needle: str, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.api.sent_to(chat):
                if needle in (message.get("text") or ""):
                    return message
            time.sleep(0.05)
        raise AssertionError(f"chat {chat}: no message with {needle!r}")


def start(server: FakeBotAPIServer, db: Path) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=db.parent,
                               env=environment(server, db, ADMIN_USER_IDS=str(ADMIN), TICK_SECONDS="1",
                                               GREETING_TIME="23:59"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while "getUpdates" not in server.api.calls:  # polling: the bot is up
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the bot did not start"
        time.sleep(0.05)
    return process


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def diagnose(chat: Chat, user: int, *, contact: bool) -> str:
    """The quick diagnosis to its end; returns the result card's text."""
    for answer in ANSWERS:
        replies = chat.press(user, "已婚") if answer == "已婚" else chat.say(user, answer)
    card = next(m["text"] for m in replies if "寿险缺口" in (m.get("text") or ""))
    if not contact:
        chat.say(user, "否")
        chat.say(user, "否")
        return card
    chat.say(user, "是")
    chat.press(user, "周末")
    chat.say(user, "13812345678")
    chat.say(user, "否")  # no greetings
    return card


@pytest.fixture
def server():
    srv = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    yield srv
    srv.stop()


def test_from_an_invitation_to_a_lead_and_back_out(server, tmp_path):
    api, db = server.api, tmp_path / "bot.sqlite3"
    chat = Chat(api)
    bot = start(server, db)
    try:
        # An admin invites; the advisor signs up through the flow and gets a link.
        invite = chat.texts(chat.say(ADMIN, "/invite"))
        token = re.search(r"start=(inv_[A-Za-z0-9_-]+)", invite).group(1)
        assert "姓名" in chat.texts(chat.say(ADVISOR, f"/start {token}"))
        chat.say(ADVISOR, "王芳")
        chat.say(ADVISOR, "平安人寿")
        done = chat.say(ADVISOR, "不留电话")  # a reply keyboard: its label comes back as text
        assert "注册完成" in chat.texts(done)
        link = re.search(r"https://t\.me/diag_test_bot\?start=([A-Za-z0-9_-]+)", chat.texts(done)).group(1)
        assert any(m.get("file", {}).get("content", b"").startswith(b"\x89PNG") for m in done)  # the QR code
        assert str(ADVISOR) not in link
        assert {c["command"] for c in api.chat_commands.get(ADVISOR, [])} >= {"leads", "lead", "link", "export"}
        assert "邀请链接已经被使用" in chat.texts(chat.say(SECOND, f"/start {token}"))

        # A second advisor, from the command line (another process).
        added = subprocess.run([sys.executable, "-m", "bot", "advisors", "add", str(SECOND), "--name", "李雷"],
                               env=environment(server, db), capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
        assert added.returncode == 0, added.stderr

        # The prospect arrives by the link, is told who invited them, and agrees.
        welcome = chat.texts(chat.say(PROSPECT, f"/start {link}"))
        assert "王芳(平安人寿)邀请您做一次保险需求诊断" in welcome
        chat.press(PROSPECT, "同意")
        client_card = diagnose(chat, PROSPECT, contact=True)
        [(lead_id,)] = rows(db, "SELECT id FROM leads WHERE client_id = ?", PROSPECT)

        # The advisor's card, within seconds, with the client's own figures.
        card = chat.wait_for(ADVISOR, "新线索")["text"]
        for risk in ("寿险缺口", "重疾缺口", "养老缺口"):
            figure = re.search(risk + r" ([0-9.]+万)", client_card).group(1)
            assert f"{risk} {figure}" in card, (risk, figure, card)
        assert "13812345678" in card

        # The second advisor sees nothing of it.
        assert f"#{lead_id}" not in chat.texts(chat.say(SECOND, "/leads"))
        other = chat.texts(chat.say(SECOND, f"/lead {lead_id}"))
        assert other == chat.texts(chat.say(SECOND, "/lead 999999")).replace("999999", str(lead_id))
        assert "找不到" in other

        # Contact log and stage, then a restart.
        chat.say(ADVISOR, f"/lead {lead_id}")
        chat.press(ADVISOR, "📞")
        chat.say(ADVISOR, "周末打过电话,下周二再聊")
        assert rows(db, "SELECT stage FROM leads WHERE id = ?", lead_id) == [("contacted",)]  # by the call
        chat.press(ADVISOR, "→ 已出建议书")
    finally:
        stop_bot(bot)
    bot = start(server, db)
    try:
        shown = chat.texts(chat.say(ADVISOR, f"/lead {lead_id}"))
        assert "下周二再聊" in shown and "已出建议书" in shown
        assert rows(db, "SELECT stage FROM leads WHERE id = ?", lead_id) == [("proposal",)]

        # /export: a CSV with a BOM that csv reads back with the card's figures.
        [document] = [m for m in chat.say(ADVISOR, "/export") if "file" in m]
        content = document["file"]["content"]
        assert content.startswith("\ufeff".encode())
        table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        header, body = table[0], table[1:]
        assert len(body) == 1
        record = dict(zip(header, body[0], strict=True))
        life = re.search(r"寿险缺口 ([0-9.]+)万", client_card).group(1)
        assert any(value == str(int(float(life) * 10_000)) for value in record.values()), record

        # /privacy: the client withdraws; the lead leaves the book, the advisor gets a line.
        chat.say(PROSPECT, "/privacy")
        chat.press(PROSPECT, "撤回联系授权")
        assert rows(db, "SELECT COUNT(*) FROM leads WHERE client_id = ?", PROSPECT) == [(0,)]
        assert rows(db, "SELECT COUNT(*) FROM contact_log") == [(0,)]
        notice = chat.wait_for(ADVISOR, "撤回了联系授权")["text"]
        assert "万" not in notice

        # Another client agrees, then deletes everything.
        chat.say(LEAVER, f"/start {link}")
        chat.press(LEAVER, "同意")
        diagnose(chat, LEAVER, contact=True)
        assert rows(db, "SELECT COUNT(*) FROM leads WHERE client_id = ?", LEAVER) == [(1,)]
        chat.say(LEAVER, "/delete")
        chat.press(LEAVER, "确定删除")
        for table_name, column in (("leads", "client_id"), ("referrals", "client_id"), ("outbox", "client_id"),
                                   ("sessions", "user_id"), ("clients", "user_id")):
            assert rows(db, f"SELECT COUNT(*) FROM {table_name} WHERE {column} = ?", LEAVER) == [(0,)], table_name
    finally:
        log = stop_bot(bot)
    for person in (PROSPECT, LEAVER):  # the logs name no client
        assert str(person) not in log

"""End to end, with real processes on the fake Bot API over HTTP (issue 11):
three clients finish the diagnosis through the real bot (one celebrates a
solar birthday, one a lunar birthday, one declines greetings); then
``python -m bot greetings send --date D`` as a process of its own, on each
one's birthday and on 中秋 2027-09-15, sends exactly the right greetings to
the right chats, and a second run sends nothing; a client who pressed the
stop button gets nothing after. Then ``python -m bot run``
(the running bot) sends a due greeting from its own clock: nothing before
``GREETING_TIME``, the greeting within a tick once it is due."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer
from tests.test_telegram_e2e import QUICK_TYPED, TOKEN, Harness, begin_quick

ROOT = Path(__file__).resolve().parent.parent
SOLAR, LUNAR, DECLINED, TODAYS = 31001, 31002, 31003, 31004
TZ = ZoneInfo("Asia/Shanghai")


async def diagnosed(bot: Harness, chat: int, born: str, greetings: str | None) -> None:
    """A quick diagnosis to its end: born on ``born``; no advisor; greetings
    ("阳历" / "农历", or None: declined)."""
    await begin_quick(bot, chat)
    await bot.say(chat, born)
    for answer in QUICK_TYPED[1:]:
        await (bot.press(chat, "已婚") if answer is None else bot.say(chat, answer))
    await bot.say(chat, "否")  # no advisor's call
    if greetings is None:
        done = await bot.say(chat, "否")
    else:
        await bot.say(chat, "是")
        done = await bot.say(chat, greetings)
    assert "诊断已完成" in done[-1]["text"], done[-1]["text"]


def environment(server: FakeBotAPIServer, db: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "GREETING_", "TICK_"))}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
               DATABASE_PATH=str(db), TZ="Asia/Shanghai", LOG_LEVEL="INFO", **extra)
    return env


def send(server: FakeBotAPIServer, db: Path, day: str) -> str:
    done = subprocess.run([sys.executable, "-m", "bot", "greetings", "send", "--date", day], cwd=db.parent,
                          env=environment(server, db), capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for client in (SOLAR, LUNAR, DECLINED, TODAYS):  # the logs name no client
        assert str(client) not in done.stderr
    return done.stdout


@pytest.fixture
async def server():
    srv = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    yield srv
    srv.stop()


async def test_greetings_send_on_each_birthday_and_on_mid_autumn(server, tmp_path):
    api, db = server.api, tmp_path / "bot.sqlite3"
    bot = await Harness(api, server, db).start()
    try:
        await diagnosed(bot, SOLAR, "1990-03-12", "阳历")
        await diagnosed(bot, LUNAR, "1978-09-02", "农历")  # 七月三十: 2027's 七月 has 30 days → 2027-08-31
        await diagnosed(bot, DECLINED, "1988-07-01", None)
    finally:
        await bot.stop()
    seen = {chat: len(api.sent_to(chat)) for chat in (SOLAR, LUNAR, DECLINED)}

    def new() -> dict[int, list[str]]:
        got = {chat: [m["text"] for m in api.sent_to(chat)[seen[chat]:]] for chat in seen}
        for chat, texts in got.items():
            seen[chat] += len(texts)
        return {chat: texts for chat, texts in got.items() if texts}

    out = send(server, db, "2027-03-12")  # SOLAR's birthday
    assert "1 greetings due, 1 newly planned; sent 1" in out
    got = new()
    assert list(got) == [SOLAR] and len(got[SOLAR]) == 1
    text = got[SOLAR][0]
    assert "生日" in text and "农历" not in text and "中秋" not in text

    assert "sent 1" in send(server, db, "2027-08-31")  # LUNAR's lunar birthday (七月三十)
    got = new()
    assert list(got) == [LUNAR] and len(got[LUNAR]) == 1 and "农历生日" in got[LUNAR][0]

    out = send(server, db, "2027-07-01")  # DECLINED's birthday: nothing
    assert "0 greetings due" in out and new() == {}

    out = send(server, db, "2027-09-15")  # 中秋: both who agreed, none to the one who declined
    assert "2 greetings due, 2 newly planned; sent 2" in out
    got = new()
    assert sorted(got) == [SOLAR, LUNAR] and all(len(texts) == 1 for texts in got.values())
    assert all("中秋" in texts[0] and "生日" not in texts[0] for texts in got.values())

    for day in ("2027-03-12", "2027-08-31", "2027-09-15"):  # a second run sends nothing
        assert "sent 0" in send(server, db, day)
    assert new() == {}

    # SOLAR presses the stop button under their 中秋 greeting (the bot runs
    # again for that): on 国庆 only LUNAR is greeted.
    greeting = api.sent_to(SOLAR)[-1]
    [[stop]] = greeting["reply_markup"]["inline_keyboard"]
    assert stop["text"] == "不再接收祝福"
    bot = await Harness(api, server, db).start()
    try:
        await bot._run(SOLAR, lambda: api.press(SOLAR, greeting, stop["callback_data"]))
    finally:
        await bot.stop()
    new()
    assert "1 greetings due, 1 newly planned; sent 1" in send(server, db, "2027-10-01")
    got = new()
    assert list(got) == [LUNAR] and "国庆" in got[LUNAR][0]

    status = subprocess.run([sys.executable, "-m", "bot", "greetings", "status"], cwd=tmp_path,
                            env=environment(server, db), capture_output=True, text=True, timeout=60)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[1:] == [
        "2027-10-01\tnational_day\t1\t0\t0\t0\t0\t0",
        "2027-09-15\tmid_autumn\t2\t0\t0\t0\t0\t0",
        "2027-08-31\tbirthday\t1\t0\t0\t0\t0\t0",
        "2027-03-12\tbirthday\t1\t0\t0\t0\t0\t0",
    ]


def start_bot(server: FakeBotAPIServer, db: Path, greeting_time: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=db.parent,
                            env=environment(server, db, GREETING_TIME=greeting_time, TICK_SECONDS="1"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


def stop_bot(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)  # as Ctrl-C: python-telegram-bot stops gracefully
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    return err


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


async def test_the_running_bot_sends_a_due_greeting_from_its_own_clock(server, tmp_path):
    now = datetime.now(TZ)
    if now.hour == 23 and now.minute >= 58 or now.hour == 0 and now.minute == 0:
        time.sleep(120)  # not across midnight: the birthday is today's
        now = datetime.now(TZ)
    api, db = server.api, tmp_path / "tick.sqlite3"
    born = now.date().replace(year=1992 if (now.month, now.day) == (2, 29) else 1990)
    bot = await Harness(api, server, db).start()
    try:
        await diagnosed(bot, TODAYS, born.isoformat(), "阳历")  # their birthday is today
    finally:
        await bot.stop()
    before = len(api.sent_to(TODAYS))

    # Before GREETING_TIME: the bot runs, its clock ticks every 0.5 s, nothing is sent.
    later = (now + timedelta(minutes=1)).strftime("%H:%M")
    process = start_bot(server, db, "23:59" if later < "23:59" else later)
    try:
        assert wait_for(lambda: api.calls.count("getUpdates") >= 2, 20), "the bot did not start polling"
        time.sleep(2)
        assert len(api.sent_to(TODAYS)) == before
    finally:
        stop_bot(process)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0  # nothing even planned

    # GREETING_TIME reached (this minute): the next tick plans today and sends the greeting.
    process = start_bot(server, db, datetime.now(TZ).strftime("%H:%M"))
    started = time.monotonic()
    try:
        assert wait_for(lambda: len(api.sent_to(TODAYS)) > before, 20), "no greeting from the bot's clock"
        took = time.monotonic() - started
        time.sleep(1.5)  # three more ticks: nothing more
        greetings = api.sent_to(TODAYS)[before:]
        assert len(greetings) == 1 and "生日" in greetings[0]["text"]
    finally:
        err = stop_bot(process)
    assert took < 15  # the process's start (imports, getMe, setMyCommands) and one tick
    assert str(TODAYS) not in err and "outbox drain" in err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM outbox").fetchall() == [("sent",)]

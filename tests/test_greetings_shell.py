"""Greetings, the shell (issue 11, steps 3–5): the one read of the clients'
settings, the rendered rows, the bot's clock (the JobQueue only ticks; the
database decides), and the operators' commands, in process."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot

from bot import greetings
from bot.__main__ import main
from bot.callbacks import Greetings, decode
from bot.config import load
from bot.greetings import GreetingClock, end_of, plan, render, stop_keyboard
from bot.i18n import Renderer
from bot.storage import Storage
from bot.storage_outbox import NewMessage, Outbox
from bot.telegram_app import chat_tag
from flows.greetings.plan import Greeting
from flows.messages import msg
from flows.registry import FLOWS
from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer, InProcessRequest
from tests.test_outbox import LUNAR, MID_AUTUMN, PROSPECT, SOLAR, TOKEN, rows, seed

TZ = ZoneInfo("Asia/Shanghai")
ZH = Renderer("zh_CN", strict=True)
DECLINED = 700003


async def read(storage: Storage):
    return await Outbox(storage).greeting_clients("diagnosis", FLOWS["diagnosis"].facts)


@pytest.fixture
async def storage(tmp_path):
    async with Storage(tmp_path / "g.sqlite3") as storage:
        yield storage


async def test_the_settings_are_the_answers_of_the_newest_finished_interview(storage):
    await seed(storage, SOLAR, born="1990-03-12", name=" 李女士 ", advisor=(9001, "王芳"))
    await seed(storage, LUNAR, born="1978-09-02", calendar="lunar", advisor=(9002, "张伟"), via="referral")
    await seed(storage, DECLINED, ok=False, name="")
    await seed(storage, PROSPECT)  # an advisor's offline prospect: not a Telegram user
    await seed(storage, 700009, finished=False)  # still in the interview
    # A client who finished, then restarted and finished again saying no to greetings:
    await seed(storage, 700010, born="1970-01-01", ok=True)
    await seed(storage, 700010, born="1971-02-02", ok=False)
    # A client who blocked the bot; a client whose advisor was removed.
    await seed(storage, 700011, unreachable=True, advisor=(9003, "陈静"), via="referral")
    await storage.remove_advisor(9003)
    clients, languages = await read(storage)
    found = {c.client_id: c for c in clients}
    assert sorted(found) == [SOLAR, LUNAR, DECLINED, 700010, 700011]
    assert all(c.chat_id == c.client_id for c in clients)
    solar, lunar = found[SOLAR], found[LUNAR]
    assert (solar.born, solar.lunar, solar.opted_in, solar.reachable, solar.name, solar.advisor_name) == (
        date(1990, 3, 12), False, True, True, "李女士", "王芳")
    # A referral is no consent to be contacted: only a lead's advisor signs.
    assert (lunar.born, lunar.lunar, lunar.name, lunar.advisor_name) == (date(1978, 9, 2), True, None, None)
    assert found[DECLINED].opted_in is False and found[DECLINED].name is None
    assert (found[700010].born, found[700010].opted_in) == (date(1971, 2, 2), False)
    assert found[700011].reachable is False and found[700011].advisor_name is None
    assert languages[SOLAR] == "zh_CN"


async def test_the_answer_keys_are_the_flow_s_facts_and_other_flows_are_not_read(storage):
    await seed(storage, SOLAR, born="1990-03-12", calendar="lunar", name="李女士")
    outbox = Outbox(storage)
    [found], _ = await outbox.greeting_clients("diagnosis", {"greetings": "greetings_ok", "birth_date": "birth_date"})
    assert (found.born, found.opted_in, found.lunar, found.name) == (date(1990, 3, 12), True, False, None)
    assert await outbox.greeting_clients("offline", FLOWS["diagnosis"].facts) == ([], {})


async def test_only_the_advisor_of_the_client_s_current_lead_signs(storage):
    await seed(storage, SOLAR, advisor=(9001, "王芳"))  # a lead of 王芳
    await storage.write([("INSERT INTO advisors (telegram_user_id, name, referral_token, created_at) VALUES"
                          " (9002, '张伟', 't9002', 'x')", ()),
                         ("INSERT INTO referrals (client_id, advisor_id, created_at) VALUES (?, 9002, 'x')", (SOLAR,))])
    [found], _ = await read(storage)
    assert found.advisor_name == "王芳"
    await storage.remove_advisor(9001)  # the lead's advisor removed: nobody signs (not the referral's)
    [found], _ = await read(storage)
    assert found.advisor_name is None
    # The client withdrew their consent to be contacted (the lead is gone): unsigned, whoever referred them.
    await storage.write([("UPDATE advisors SET active = 1 WHERE telegram_user_id = 9001", ()),
                         ("DELETE FROM leads WHERE client_id = ?", (SOLAR,))])
    [found], _ = await read(storage)
    assert found.advisor_name is None


def test_a_row_carries_the_rendered_text_and_the_stop_button():
    g = Greeting(client_id=SOLAR, chat_id=SOLAR, day=MID_AUTUMN, occasions=("mid_autumn",), occasion="mid_autumn",
                 occurrence="2027-09-15", message=(msg("greet.hello.name", name="李女士"), msg("greet.holiday.mid_autumn")))
    [row] = render([g], {SOLAR: "zh_CN"}, "zh_CN")
    assert (row.recipient, row.client_id, row.occasion, row.occurrence, row.day) == (
        SOLAR, SOLAR, "mid_autumn", "2027-09-15", MID_AUTUMN)
    assert row.payload["text"].startswith("李女士,您好!\n月圆人团圆")
    assert row.payload["keyboard"] == [[{"text": ZH.text("greet.button.stop"), "callback_data": "g|off"}]]
    assert decode("g|off") == Greetings("off")  # what bot.greetings_room handles


async def test_no_stop_button_while_the_catalog_has_no_label_for_it(storage, monkeypatch):
    monkeypatch.setattr(greetings, "STOP_LABEL", "greet.button.not_there")
    assert stop_keyboard(ZH) == []
    await seed(storage, SOLAR)
    api = FakeBotAPI(TOKEN)
    clock = await clock_at(storage, api, datetime(2027, 9, 15, 9, 0, tzinfo=TZ))
    await ticked(clock)
    await clock.stop()
    [sent] = api.sent_to(SOLAR)
    assert "reply_markup" not in sent and "中秋" in sent["text"]


async def clock_at(storage: Storage, api: FakeBotAPI, moment: datetime, **settings) -> GreetingClock:
    """A clock whose time is ``moment`` (a test moves it: ``clock.now = …``)."""
    bot = Bot(TOKEN, request=InProcessRequest(api))
    clock = GreetingClock(storage, load(_env_file=None, telegram_bot_token=TOKEN, greeting_rate=1000, **settings),
                          bot=bot, now=lambda: moment)
    await clock.start()
    return clock


def at(clock: GreetingClock, moment: datetime) -> GreetingClock:
    clock.now = lambda: moment
    return clock


async def ticked(clock: GreetingClock) -> None:
    await clock.tick()
    if clock._task is not None:
        await clock._task


async def test_before_greeting_time_the_clock_plans_no_greeting_then_sends_the_day_once(storage):
    await seed(storage, SOLAR)
    await seed(storage, LUNAR, born="1985-09-29", calendar="lunar")
    api = FakeBotAPI(TOKEN)
    clock = await clock_at(storage, api, datetime(2027, 9, 15, 8, 59, 59, tzinfo=TZ))
    await ticked(clock)
    assert api.sent == [] and rows(storage) == []  # before 09:00: nothing planned, nothing sent
    await ticked(at(clock, datetime(2027, 9, 15, 9, 0, tzinfo=TZ)))
    assert len(api.sent_to(SOLAR)) == 1 and len(api.sent_to(LUNAR)) == 1
    await ticked(at(clock, datetime(2027, 9, 15, 9, 1, tzinfo=TZ)))  # later ticks: planned already, nothing pending
    assert len(api.sent) == 2 and [r[4] for r in rows(storage)] == ["sent", "sent"]
    await clock.stop()


async def test_other_rows_of_today_go_at_any_hour_and_a_nudge_sends_them_at_once(storage):
    """A lead card is posted at 07:00 (before GREETING_TIME): the driver's
    nudge drains it without waiting for a tick; no greeting is planned."""
    await seed(storage, SOLAR)
    api = FakeBotAPI(TOKEN)
    clock = await clock_at(storage, api, datetime(2027, 9, 15, 7, 0, tzinfo=TZ))
    await Outbox(storage).add([NewMessage(9001, SOLAR, "lead_card", "7", MID_AUTUMN, {"text": "新线索 #7"})])
    clock.nudge()
    await clock._task
    assert [m["text"] for m in api.sent] == ["新线索 #7"]
    # A nudge while a drain runs: the drain looks once more before it ends.
    await Outbox(storage).add([NewMessage(9001, None, "lead_card", "8", MID_AUTUMN, {"text": "新线索 #8"})])
    clock.nudge()
    running = clock._task
    await Outbox(storage).add([NewMessage(9001, None, "lead_card", "9", MID_AUTUMN, {"text": "新线索 #9"})])
    clock.nudge()
    assert clock._task is running
    await running
    assert [m["text"] for m in api.sent] == ["新线索 #7", "新线索 #8", "新线索 #9"]
    assert [r[1] for r in rows(storage)] == ["lead_card"] * 3  # no greeting before 09:00
    await clock.stop()


async def test_the_clock_plans_again_only_every_replan_seconds(storage, monkeypatch):
    await seed(storage, SOLAR)
    api = FakeBotAPI(TOKEN)
    clock = await clock_at(storage, api, datetime(2027, 9, 15, 9, 0, tzinfo=TZ))
    planned = []
    real_plan = greetings.plan

    async def counting(*args, **kw):
        planned.append(1)
        return await real_plan(*args, **kw)

    monkeypatch.setattr(greetings, "plan", counting)
    await ticked(clock)
    await seed(storage, LUNAR)  # finishes the interview at 09:03
    await ticked(at(clock, datetime(2027, 9, 15, 9, 5, tzinfo=TZ)))  # not planned again yet
    assert len(planned) == 1 and api.sent_to(LUNAR) == []
    await ticked(at(clock, datetime(2027, 9, 15, 9, 10, tzinfo=TZ)))  # planned again: the newcomer is greeted
    assert len(planned) == 2 and len(api.sent_to(LUNAR)) == 1 and len(api.sent_to(SOLAR)) == 1
    await clock.stop()


async def test_a_bot_down_at_greeting_time_catches_up_the_same_day_but_never_the_day_after(storage):
    await seed(storage, SOLAR)
    api = FakeBotAPI(TOKEN)
    clock = await clock_at(storage, api, datetime(2027, 9, 15, 21, 30, tzinfo=TZ))
    await ticked(clock)
    assert len(api.sent_to(SOLAR)) == 1 and "中秋" in api.sent[0]["text"]
    await clock.stop()
    # Planned on the 15th but never sent (e.g. a 429 storm), and the bot down until the 16th:
    await storage.write([("UPDATE outbox SET status = 'pending'", ())])
    late = await clock_at(storage, api, datetime(2027, 9, 16, 9, 0, tzinfo=TZ))
    await ticked(late)
    assert len(api.sent) == 1 and [r[4] for r in rows(storage)] == ["expired"]
    await late.stop()


async def test_a_tick_while_a_drain_runs_starts_nothing_and_stop_waits_for_it(storage):
    for i in range(30):
        await seed(storage, 800000 + i)
    api = FakeBotAPI(TOKEN)
    clock = await clock_at(storage, api, datetime(2027, 9, 15, 10, 0, tzinfo=TZ), greeting_time="09:30")
    clock.settings = clock.settings.model_copy(update={"greeting_rate": 20.0})  # 30 messages: 1.5 s
    await clock.tick()
    first = clock._task
    await asyncio.sleep(0.3)
    await clock.tick()
    assert clock._task is first and not first.done()
    await clock.stop()  # claims nothing more; what is in flight is finished and marked
    assert first.done()
    statuses = [r[4] for r in rows(storage)]
    assert "sending" not in statuses and 0 < statuses.count("sent") < 30
    assert statuses.count("sent") + statuses.count("pending") == 30
    assert len(api.sent) == statuses.count("sent")
    await clock.tick()
    assert clock._task is first  # stopped: no new drain


def test_end_of_a_day_is_the_next_midnight_in_tz():
    assert end_of(date(2027, 9, 15), TZ) == datetime(2027, 9, 16, 0, 0, tzinfo=TZ)


def test_greeting_settings_defaults():
    s = load(_env_file=None)
    assert (s.greeting_time, s.greeting_rate, s.tick_seconds) == (time(9, 0), 20.0, 60.0)


# --- the operators' commands, in process -------------------------------------


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A clean environment: the database in tmp_path, no .env file."""
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TZ", "GREETING_RATE", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "cli.sqlite3"))
    return tmp_path / "cli.sqlite3"


async def seeded(path, *clients) -> None:
    async with Storage(path) as storage:
        for client_id, kw in clients:
            await seed(storage, client_id, **kw)


def run_cli(*argv: str) -> int:
    return main(list(argv))


async def in_thread(*argv: str) -> int:
    """``main`` runs its own event loop: from an async test, in a thread."""
    return await asyncio.to_thread(run_cli, *argv)


async def test_plan_is_a_dry_run_with_counts_and_pseudonyms_only(env, capsys):
    await seeded(env, (SOLAR, {"name": "李女士"}), (LUNAR, {"born": "1985-09-29", "calendar": "lunar"}),
                 (DECLINED, {"ok": False}))
    assert await in_thread("greetings", "plan", "--date", "2027-09-15") == 0
    out = capsys.readouterr().out
    assert "2027-09-15 (dry run, nothing written): 2 greetings due; 0 already in the outbox" in out
    assert "mid_autumn\t1" in out and "birthday+mid_autumn\t1" in out
    tags = out.split("first recipients (pseudonyms): ")[1].split()[0:2]
    assert [len(t.strip(",")) for t in tags] == [12, 12]
    # No token: a secret of this run, never a fixed key (a fixed key's pseudonyms could be reversed).
    assert chat_tag(SOLAR, "diagbot") not in out and chat_tag(LUNAR, "diagbot") not in out
    assert await in_thread("greetings", "plan", "--date", "2027-09-15") == 0
    assert tags[0] not in capsys.readouterr().out  # another run, another key
    for secret in (str(SOLAR), str(LUNAR), "李女士", "月圆"):
        assert secret not in out
    with sqlite3.connect(env) as db:
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


async def test_status_and_send_in_process(env, capsys, monkeypatch):
    await seeded(env, (SOLAR, {}), (LUNAR, {"born": "1985-09-29", "calendar": "lunar"}))
    assert await in_thread("greetings", "status") == 0
    assert "No greetings planned yet." in capsys.readouterr().err
    server = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    try:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
        assert await in_thread("greetings", "send", "--date", "2027-09-15") == 0
        out, err = capsys.readouterr()
        assert "2027-09-15: 2 greetings due, 2 newly planned; sent 2, unknown 0, failed 0" in out
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        assert (f"diagbot: sending the messages of 2027-09-15 on {today.isoformat()}: a rehearsal or a catch-up\n"
                in err)
        assert len(server.api.sent) == 2
        assert await in_thread("greetings", "send", "--date", "2027-09-15") == 0
        assert "2 greetings due, 0 newly planned; sent 0" in capsys.readouterr().out
        assert len(server.api.sent) == 2
    finally:
        server.stop()
    assert await in_thread("greetings", "status") == 0
    assert capsys.readouterr().out.splitlines() == [
        "day\toccasion\tsent\tunknown\tfailed\texpired\tpending\tsending",
        "2027-09-15\tbirthday+mid_autumn\t1\t0\t0\t0\t0\t0",
        "2027-09-15\tmid_autumn\t1\t0\t0\t0\t0\t0",
    ]


async def test_send_with_a_token_the_api_refuses_sends_nothing(env, capsys, monkeypatch):
    await seeded(env, (SOLAR, {}))
    server = FakeBotAPIServer(FakeBotAPI("999999:another-token_abcdefghijklmnopq")).start()
    try:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
        assert await in_thread("greetings", "send", "--date", "2027-09-15") == 2
    finally:
        server.stop()
    err = capsys.readouterr().err
    assert "refused the token" in err and "Traceback" not in err and err.count("\n") == 1
    with sqlite3.connect(env) as db:
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0  # nothing claimed, nothing planned


@pytest.mark.parametrize("argv, words", [
    (("greetings", "send", "--date", "2027-09-15"), "TELEGRAM_BOT_TOKEN is not set"),
    (("greetings", "plan", "--date", "15/9/2027"), "is not a date as YYYY-MM-DD"),
    (("greetings", "status", "--date", "2027-13-01"), "is not a date as YYYY-MM-DD"),
    (("greetings", "plan", "--date", "0001-01-01"), "is not a date as YYYY-MM-DD"),
    (("greetings", "plan", "--date", "9999-12-31"), "is not a date as YYYY-MM-DD"),
    (("greetings", "plan", "--date", "1899-12-31"), "years 1900–2100"),
    (("greetings", "status", "--date", "2101-01-01"), "is not a date as YYYY-MM-DD"),
])
def test_bad_commands_get_one_line_and_status_2(env, capsys, argv, words):
    assert run_cli(*argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_greeting_setting_stops_the_command_with_one_line(env, capsys, monkeypatch):
    monkeypatch.setenv("GREETING_TIME", "9 o'clock")
    assert run_cli("greetings", "status") == 2
    err = capsys.readouterr().err
    assert "GREETING_TIME" in err and "HH:MM" in err and err.count("\n") == 1


async def test_plan_with_the_date_omitted_is_today_in_tz(env, capsys):
    await seeded(env, (SOLAR, {}))
    assert await in_thread("greetings", "plan") == 0
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert capsys.readouterr().out.startswith(today.isoformat())


async def test_plan_then_a_report_in_python(storage):
    await seed(storage, SOLAR)
    report = await plan(Outbox(storage), MID_AUTUMN, language="zh_CN", dry_run=True)
    assert (report.due, report.inserted, report.recipients) == (1, 0, [SOLAR])
    assert str(report) == "due=1 new=0"


class _At8(datetime):
    """The CLI's clock at 08:00 on 15 Sep 2027 in Shanghai."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2027, 9, 15, 8, 0, tzinfo=TZ).astimezone(tz)


async def test_send_of_today_before_greeting_time_says_so_and_sends(env, capsys, monkeypatch):
    from bot import greetings_cli

    await seeded(env, (SOLAR, {}))
    monkeypatch.setattr(greetings_cli, "datetime", _At8)
    server = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    try:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
        assert await in_thread("greetings", "send", "--date", "2027-09-15") == 0
        out, err = capsys.readouterr()
        assert "sent 1" in out and len(server.api.sent) == 1
        assert "diagbot: before GREETING_TIME (09:00): sending now as asked\n" in err
        assert "rehearsal" not in err
        monkeypatch.setenv("GREETING_TIME", "08:00")  # at GREETING_TIME: nothing to say
        assert await in_thread("greetings", "send") == 0
        assert "diagbot:" not in capsys.readouterr().err
    finally:
        server.stop()


def test_plan_into_a_closed_pipe_ends_quietly(env):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-m", "bot", "greetings", "plan", "--date", "2027-09-15"],
                               cwd=env.parent, env={**os.environ, "PYTHONPATH": str(root)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    process.stdout.close()  # `| head -0`: the reader is gone before anything is written
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert err == ""

"""The advisors' daily digest, scheduled (issue 10 step 7, through issue 11's
outbox): the bot's clock plans ``bot.leadbook.digests`` from ``DIGEST_TIME``
(in ``TZ``) and sends it, one per advisor per day, never before that time and
never a day late; a bot that was down catches up the same day;
``diagbot greetings send --date D`` plans them on the same path. In process
with a fake clock, the real ``telegram.Bot`` on the socket-free fake Bot API."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot

from bot.config import load
from bot.driver import Driver
from bot.greetings import GreetingClock, driver_for
from bot.storage import Storage
from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer, InProcessRequest
from tests.helpers import TODAY
from tests.test_greetings_shell import env, in_thread, run_cli  # noqa: F401 (env: a fixture)
from tests.test_leadbook import ADVISOR, OTHER
from tests.test_leadbook import seed as seed_lead
from tests.test_outbox import SOLAR, TOKEN
from tests.test_outbox import seed as seed_client

TZ = ZoneInfo("Asia/Shanghai")
OLD = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # consent 22 days before TODAY: a 20万+ lead due for contact


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


@pytest.fixture
async def driver(tmp_path):
    async with Storage(tmp_path / "digest.sqlite3") as storage:
        await storage.add_advisor(ADVISOR, "王芳", "平安保险")
        await storage.add_advisor(OTHER, "张伟")
        yield Driver(storage, today=lambda: TODAY)


async def clock_for(driver: Driver, api: FakeBotAPI, moment: datetime, **settings) -> GreetingClock:
    bot = Bot(TOKEN, request=InProcessRequest(api))
    clock = GreetingClock(driver.storage, load(_env_file=None, telegram_bot_token=TOKEN, greeting_rate=1000,
                                               **settings),
                          bot=bot, now=lambda: moment, driver=driver)
    await clock.start()
    return clock


async def ticked(clock: GreetingClock, moment: datetime) -> None:
    clock.now = lambda: moment
    await clock.tick()
    if clock._task is not None:
        await clock._task


def digest_rows(driver: Driver) -> list[tuple]:
    with sqlite3.connect(driver.storage.path) as db:
        return db.execute("SELECT recipient, occurrence, day, status FROM outbox WHERE occasion = 'digest'"
                          " ORDER BY id").fetchall()


async def test_an_advisor_with_a_due_lead_gets_one_digest_a_day_from_digest_time(driver):
    lead = await seed_lead(driver, 9200, ADVISOR, name="冯先生", consent_at=OLD)
    api = FakeBotAPI(TOKEN)
    clock = await clock_for(driver, api, at(TODAY, 8, 59))
    await ticked(clock, at(TODAY, 8, 59))
    assert api.sent == [] and digest_rows(driver) == []  # before DIGEST_TIME: nothing planned
    await ticked(clock, at(TODAY, 9, 0))
    [digest] = api.sent_to(ADVISOR)
    assert f"#{lead.id} 冯先生" in digest["text"] and "该联系了" in digest["text"]
    assert api.sent_to(OTHER) == []  # nothing due for the other advisor: no digest
    # Ticks and re-plans later the same day: still one.
    for hh, mm in ((9, 1), (9, 10), (12, 0), (23, 59)):
        await ticked(clock, at(TODAY, hh, mm))
    assert len(api.sent_to(ADVISOR)) == 1
    # The next day, one more (the lead is still due).
    tomorrow = date(2026, 11, 24)
    await ticked(clock, at(tomorrow, 8, 0))
    assert len(api.sent_to(ADVISOR)) == 1
    await ticked(clock, at(tomorrow, 9, 0))
    assert len(api.sent_to(ADVISOR)) == 2
    assert digest_rows(driver) == [(ADVISOR, "2026-11-23", "2026-11-23", "sent"),
                                   (ADVISOR, "2026-11-24", "2026-11-24", "sent")]
    await clock.stop()


async def test_digest_time_is_its_own_setting(driver):
    await seed_lead(driver, 9200, ADVISOR, consent_at=OLD)
    api = FakeBotAPI(TOKEN)
    clock = await clock_for(driver, api, at(TODAY, 7, 30), digest_time="07:30", greeting_time="10:00")
    await ticked(clock, at(TODAY, 7, 29))
    assert api.sent == []
    await ticked(clock, at(TODAY, 7, 30))
    assert len(api.sent_to(ADVISOR)) == 1 and len(api.sent) == 1  # the digest; greetings wait for 10:00
    await clock.stop()


async def test_a_bot_down_at_digest_time_catches_up_that_day_but_never_the_next(driver):
    await seed_lead(driver, 9200, ADVISOR, consent_at=OLD)
    api = FakeBotAPI(TOKEN)
    clock = await clock_for(driver, api, at(TODAY, 15, 0))
    await ticked(clock, at(TODAY, 15, 0))  # the first tick of the day, long after 09:00
    assert len(api.sent_to(ADVISOR)) == 1
    await clock.stop()
    # Planned, never sent (a 429 storm, then the bot down until the next day): it expires.
    await driver.storage.write([("UPDATE outbox SET status = 'pending'", ())])
    tomorrow = date(2026, 11, 24)
    late = await clock_for(driver, api, at(tomorrow, 8, 0))
    await ticked(late, at(tomorrow, 8, 0))
    assert len(api.sent) == 1 and digest_rows(driver) == [(ADVISOR, "2026-11-23", "2026-11-23", "expired")]
    await late.stop()


async def test_a_clock_without_the_driver_plans_no_digest(driver):
    await seed_lead(driver, 9200, ADVISOR, consent_at=OLD)
    api = FakeBotAPI(TOKEN)
    clock = await clock_for(driver, api, at(TODAY, 9, 0))
    clock.driver = None
    await ticked(clock, at(TODAY, 9, 0))
    assert api.sent == [] and digest_rows(driver) == []
    await clock.stop()


async def test_a_failing_digest_leaves_the_greetings_and_is_planned_again(driver, monkeypatch):
    from bot import leadbook

    await seed_lead(driver, 9200, ADVISOR, consent_at=OLD)
    real = leadbook.digests
    calls = []

    async def broken(*args, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("figures")
        return await real(*args, **kw)

    monkeypatch.setattr(leadbook, "digests", broken)
    await seed_client(driver.storage, SOLAR, born="1990-11-23")  # a birthday today
    api = FakeBotAPI(TOKEN)
    clock = await clock_for(driver, api, at(TODAY, 9, 0))
    await ticked(clock, at(TODAY, 9, 0))
    assert api.sent_to(ADVISOR) == [] and clock._digested is None
    assert "生日" in api.sent_to(SOLAR)[0]["text"]  # the greetings went all the same
    await ticked(clock, at(TODAY, 9, 1))  # the next tick tries again
    assert len(api.sent_to(ADVISOR)) == 1 and len(api.sent) == 2
    await clock.stop()


def test_digest_time_default_and_a_bad_value():
    assert load(_env_file=None).digest_time == time(9, 0)
    assert load(_env_file=None, digest_time="7:05").digest_time == time(7, 5)


def test_a_bad_digest_time_stops_the_command_with_one_line(env, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DIGEST_TIME", "25:00")
    assert run_cli("greetings", "status") == 2
    err = capsys.readouterr().err
    assert "DIGEST_TIME" in err and "HH:MM" in err and err.count("\n") == 1


# --- the operators' command: the same path ------------------------------------


async def test_greetings_send_plans_that_day_s_digests_once(env, capsys, monkeypatch):  # noqa: F811
    async with Storage(env) as storage:
        await storage.add_advisor(ADVISOR, "王芳", "平安保险")
        await seed_lead(Driver(storage, today=lambda: TODAY), 9200, ADVISOR, name="冯先生", consent_at=OLD)
    assert await in_thread("greetings", "plan", "--date", TODAY.isoformat()) == 0
    out = capsys.readouterr().out
    assert "also due: 0 review reminders, 1 advisors' digests" in out and "digest\t1" in out
    server = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    try:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
        assert await in_thread("greetings", "send", "--date", TODAY.isoformat()) == 0
        assert "1 newly planned; sent 1" in capsys.readouterr().out
        [digest] = server.api.sent_to(ADVISOR)
        assert "冯先生" in digest["text"]
        assert await in_thread("greetings", "send", "--date", TODAY.isoformat()) == 0
        assert "0 newly planned; sent 0" in capsys.readouterr().out
        assert len(server.api.sent) == 1
    finally:
        server.stop()
    assert await in_thread("greetings", "status") == 0
    assert "2026-11-23\tdigest\t1\t0\t0\t0\t0\t0" in capsys.readouterr().out


async def test_driver_for_renders_like_the_bot(env):  # noqa: F811
    async with Storage(env) as storage:
        d = driver_for(storage, load(_env_file=None, tz="Europe/Paris"))
        assert str(d.tz) == "Europe/Paris" and d.renderer.language == "zh_CN"


async def test_a_lead_without_figures_costs_its_advisor_the_digest_not_the_greetings(env, capsys, monkeypatch):  # noqa: F811
    """A lead whose stored result has no figures (never made by the bot: a
    bad row): that advisor's digest is left out (logged by its error's
    type), every other message goes as planned."""
    async with Storage(env) as storage:
        await seed_client(storage, SOLAR, born="1990-11-23", advisor=(ADVISOR, "王芳"))  # a lead, figures "{}"
    assert await in_thread("greetings", "plan", "--date", TODAY.isoformat()) == 0
    assert "1 greetings due" in capsys.readouterr().out
    server = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    try:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", server.base_url)
        assert await in_thread("greetings", "send", "--date", TODAY.isoformat()) == 0
        assert "sent 1" in capsys.readouterr().out
        assert len(server.api.sent_to(SOLAR)) == 1 and server.api.sent_to(ADVISOR) == []
    finally:
        server.stop()

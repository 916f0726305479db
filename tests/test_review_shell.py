"""The annual review (定期检视), the shell: planned with the greetings into
the outbox (occasion "review", the anniversary's year), once; a reminder
missed on its day expires; a birthday moves it a day; /delete takes the
pending ones; its button runs /edit through the driver; an unfinished
marriage is reminded the next day and a finished one is not; the advisor's
digest gets its line. In process, a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from telegram import Bot

from bot.callbacks import CardAction, EditAnswer, EditSection, Greetings, decode
from bot.driver import Driver
from bot.greetings import lead_reviews, plan, run_day
from bot.leadbook import book, who
from bot.sender import Sender
from bot.storage import Storage
from bot.storage_outbox import Outbox
from tests.fake_bot_api import FakeBotAPI, InProcessRequest
from tests.test_leadbook import ADVISOR, answer_all
from tests.test_leadbook import seed as seed_lead
from tests.test_outbox import DECLINED, LUNAR, SOLAR, TOKEN, seed

TZ = ZoneInfo("Asia/Shanghai")
ANNIVERSARY = date(2027, 11, 25)  # the seeds' results are stored on 2026-11-25 (08:00 in Shanghai)


@pytest.fixture
async def storage(tmp_path):
    async with Storage(tmp_path / "review.sqlite3") as storage:
        yield storage


def reviews(storage: Storage) -> list[tuple]:
    with sqlite3.connect(storage.path) as db:
        return db.execute("SELECT recipient, client_id, occurrence, day, status, payload FROM outbox"
                          " WHERE occasion = 'review' ORDER BY id").fetchall()


async def test_the_anniversary_is_planned_once_with_its_buttons(storage):
    await seed(storage, SOLAR, name="李女士", advisor=(9001, "王芳"))
    await seed(storage, DECLINED, ok=False)
    outbox = Outbox(storage)
    assert (await plan(outbox, ANNIVERSARY - timedelta(days=1), language="zh_CN")).reviews == 0
    first = await plan(outbox, ANNIVERSARY, language="zh_CN")
    assert (first.due, first.reviews, first.inserted, first.by_occasion) == (0, 1, 1, {"review": 1})
    [(recipient, client_id, occurrence, day, status, payload)] = reviews(storage)
    assert (recipient, client_id, occurrence, day, status) == (SOLAR, SOLAR, "2027", "2027-11-25", "pending")
    payload = json.loads(payload)
    assert payload["text"].startswith("李女士,您好!\n距离您上次做保险需求诊断已经一年了。")
    assert "—— 您的顾问 王芳" in payload["text"]
    assert [[decode(b["callback_data"]) for b in row] for row in payload["keyboard"]] == [
        [CardAction("edit")], [Greetings("off")]]
    # Planned again the same day (the clock does every 10 minutes), and the days after: nothing new.
    again = await plan(outbox, ANNIVERSARY, language="zh_CN")
    assert (again.reviews, again.inserted) == (1, 0)
    for later in range(1, 8):
        assert (await plan(outbox, ANNIVERSARY + timedelta(days=later), language="zh_CN")).reviews == 0
    assert len(reviews(storage)) == 1


async def test_a_bot_down_on_the_anniversary_catches_up_within_the_week_and_a_missed_one_expires(storage):
    await seed(storage, SOLAR)
    await seed(storage, LUNAR)
    outbox = Outbox(storage)
    late = await plan(outbox, ANNIVERSARY + timedelta(days=3), language="zh_CN")  # first tick after 3 days down
    assert late.reviews == 2
    assert {(r[0], r[2], r[3]) for r in reviews(storage)} == {(SOLAR, "2027", "2027-11-28"),
                                                              (LUNAR, "2027", "2027-11-28")}
    # Planned on the 28th, never sent (the bot went down again): the 29th expires it, plans nothing new.
    api = FakeBotAPI(TOKEN)
    bot = Bot(TOKEN, request=InProcessRequest(api))
    await bot.initialize()
    expired, planned, drained = await run_day(outbox, Sender(outbox, bot, 1000.0), ANNIVERSARY + timedelta(days=4),
                                              language="zh_CN", today=ANNIVERSARY + timedelta(days=4))
    assert (expired, planned.reviews, drained.sent, api.sent) == (2, 0, 0, [])
    assert [r[4] for r in reviews(storage)] == ["expired", "expired"]
    # Past the week, nothing either.
    await storage.write([("DELETE FROM outbox", ())])
    assert (await plan(outbox, ANNIVERSARY + timedelta(days=7), language="zh_CN")).reviews == 0


async def test_a_greeting_on_the_anniversary_moves_the_review_to_the_next_day(storage):
    await seed(storage, SOLAR, born="1990-11-25")
    outbox = Outbox(storage)
    day = await plan(outbox, ANNIVERSARY, language="zh_CN")
    assert (day.due, day.reviews, day.by_occasion) == (1, 0, {"birthday": 1})
    after = await plan(outbox, ANNIVERSARY + timedelta(days=1), language="zh_CN")
    assert (after.due, after.reviews) == (0, 1)
    assert [(r[2], r[3]) for r in reviews(storage)] == [("2027", "2027-11-26")]


async def test_delete_removes_the_client_s_pending_reviews(storage):
    await seed(storage, SOLAR)
    await seed(storage, LUNAR)
    await plan(Outbox(storage), ANNIVERSARY, language="zh_CN")
    assert len(reviews(storage)) == 2
    await storage.delete_user(SOLAR)
    assert [r[1] for r in reviews(storage)] == [LUNAR]


async def test_a_dry_run_counts_reviews_and_writes_nothing(storage):
    await seed(storage, SOLAR)
    report = await plan(Outbox(storage), ANNIVERSARY, language="zh_CN", dry_run=True)
    assert (report.reviews, report.inserted, str(report)) == (1, 0, "due=0 new=0 reviews=1")
    assert reviews(storage) == []


# --- through the driver: a real interview -----------------------------------------------


@pytest.fixture
async def driver(storage):
    await storage.add_advisor(ADVISOR, "王芳", "平安保险")
    return Driver(storage)


CLIENT = 7301


async def diagnosed(driver: Driver, user: int = CLIENT) -> None:
    """A quick diagnosis to its end (single, greetings yes), no advisor's call."""
    outs = await driver.command(user, "start")
    await answer_all(driver, user, outs, contact=False, typed={"greetings_ok": "是"})
    assert (await driver.storage.current_session(user)).state.status == "done"


async def results_on(storage: Storage, user: int, moment: str) -> None:
    await storage.write([("UPDATE results SET created_at = ? WHERE user_id = ?", (moment, user))])


async def test_the_reminder_s_button_runs_edit(driver):
    await diagnosed(driver)
    await results_on(driver.storage, CLIENT, "2026-11-25T02:00:00+00:00")
    await plan(driver.outbox, ANNIVERSARY, language="zh_CN")
    [row] = reviews(driver.storage)
    review_button = json.loads(row[5])["keyboard"][0][0]
    assert review_button["text"] == "重新检视"
    outs = await driver.button(CLIENT, review_button["callback_data"])
    pressed = [b.press for o in outs for line in o.buttons for b in line]
    assert pressed and all(isinstance(p, EditSection | EditAnswer) for p in pressed)  # /edit's menu


async def test_an_unfinished_marriage_is_reminded_the_next_day_and_a_finished_one_is_not(driver):
    storage = driver.storage
    await diagnosed(driver)
    today = datetime.now(TZ).date()
    # /edit → 婚姻状况 → 已婚, then the questions the change brings are left open.
    await driver.button(CLIENT, EditAnswer("marital").encode())
    outs = await driver.text(CLIENT, "已婚")
    assert any(o.question_step for o in outs)
    assert (await storage.current_session(CLIENT)).state.status == "active"
    outbox = Outbox(storage)
    assert (await plan(outbox, today, language="zh_CN")).reviews == 0  # today: the client may still finish
    tomorrow = await plan(outbox, today + timedelta(days=1), language="zh_CN")
    assert tomorrow.reviews == 1
    [row] = reviews(storage)
    assert (row[0], row[2], row[3]) == (CLIENT, f"family-{today.isoformat()}", (today + timedelta(days=1)).isoformat())
    payload = json.loads(row[5])
    assert "(结婚)" in payload["text"] and "/start" in payload["text"]
    assert [[decode(b["callback_data"]) for b in line] for line in payload["keyboard"]] == [[Greetings("off")]]
    # Once a week at most: not again the day after.
    assert (await plan(outbox, today + timedelta(days=2), language="zh_CN")).reviews == 0
    # The change finished (a new result holds the marriage): nothing to remind, even once the week is over.
    await answer_all(driver, CLIENT, await driver.command(CLIENT, "start"), contact=False)
    assert (await storage.current_session(CLIENT)).state.status == "done"
    await storage.write([("DELETE FROM outbox", ())])
    assert (await plan(outbox, today + timedelta(days=1), language="zh_CN")).reviews == 0


async def test_an_unfinished_change_that_is_no_life_event_is_not_reminded(driver):
    await diagnosed(driver)
    today = datetime.now(TZ).date()
    await driver.button(CLIENT, EditAnswer("marital").encode())
    await driver.text(CLIENT, "离异")
    assert (await plan(Outbox(driver.storage), today + timedelta(days=1), language="zh_CN")).reviews == 0


async def test_a_client_who_declined_greetings_gets_no_life_event_reminder(driver):
    outs = await driver.command(CLIENT, "start")
    await answer_all(driver, CLIENT, outs, contact=False)  # greetings: the default, no
    await driver.button(CLIENT, EditAnswer("marital").encode())
    await driver.text(CLIENT, "已婚")
    today = datetime.now(TZ).date()
    assert (await plan(Outbox(driver.storage), today + timedelta(days=1), language="zh_CN")).reviews == 0


# --- the advisor's digest ---------------------------------------------------------------


async def test_the_digest_line_for_a_lead_whose_review_is_due(driver):
    lead = await seed_lead(driver, 7401, ADVISOR, name="王先生")
    other = await seed_lead(driver, 7402, ADVISOR, name="赵女士")
    await results_on(driver.storage, 7401, "2026-11-25T02:00:00+00:00")
    await results_on(driver.storage, 7402, "2026-12-25T02:00:00+00:00")
    entries = await book(driver, ADVISOR)
    found = await lead_reviews(driver, entries, date(2027, 11, 27), who)
    assert [(n, driver.renderer(line)) for n, line in found] == [
        (lead.id, f"🔁 #{lead.id} 王先生:诊断满一年,建议约一次检视")]
    assert other.id not in {n for n, _ in found}


async def test_no_digest_line_once_the_advisor_got_in_touch_since_the_anniversary(driver):
    lead = await seed_lead(driver, 7401, ADVISOR, name="王先生")
    today = datetime.now(TZ).date()
    year_ago = date(today.year - 1, today.month, min(today.day, 28))
    await results_on(driver.storage, 7401, f"{year_ago.isoformat()}T02:00:00+00:00")
    assert len(await lead_reviews(driver, await book(driver, ADVISOR), today, who)) == 1
    await driver.leads.log_contact(lead.id, ADVISOR, "T")  # now: on or after the anniversary
    assert await lead_reviews(driver, await book(driver, ADVISOR), today, who) == []

"""The outbox and its sender (issue 11, steps 3–4): planning twice inserts
nothing twice; at most once — a 429 is retried and sent once, a timeout is
``unknown`` and never resent, a 403 is ``failed`` and the client unreachable;
a crash's ``sending`` rows become ``unknown``; a greeting past its day
expires; nothing in the logs names a client.

Unit tests, in process: the real ``telegram.Bot`` on the socket-free
``InProcessRequest`` of the fake Bot API, a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from datetime import date

import pytest
from telegram import Bot
from telegram.error import TimedOut

from bot.greetings import plan, run_day
from bot.sender import RateLimiter, Sender
from bot.storage import Storage
from bot.storage_outbox import NewMessage, Outbox
from tests.fake_bot_api import FakeBotAPI, InProcessRequest, blocked, flood

TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuvwxyz"
MID_AUTUMN = date(2027, 9, 15)
PLAIN_DAY = date(2027, 3, 3)
NOW = "2026-11-25T00:00:00+00:00"

# Client ids chosen so that none of them is a substring of another, of a
# message id or of a log line's figures.
SOLAR, LUNAR, DECLINED, BLOCKED, PROSPECT = 700001, 700002, 700003, 700004, -700005


async def seed(storage: Storage, client_id: int, *, born: str | None = "1990-03-03", ok: bool | None = True,
               calendar: str = "solar", name: str | None = None, unreachable: bool = False,
               advisor: tuple[int, str] | None = None, via: str = "lead", finished: bool = True,
               language: str = "zh_CN") -> int:
    """A client as the bot stores one: a client row, an interview (a session
    with its answers) and, when ``finished``, its result. Returns the session id."""
    answers = {"birth_date": born, "greetings_ok": ok, "birthday_calendar": calendar, "name": name}
    [(sid,)] = await storage.write_returning([
        ("INSERT INTO clients (user_id, language, consent_at, created_at, unreachable_since) VALUES (?, ?, ?, ?, ?)"
         " ON CONFLICT(user_id) DO NOTHING", (client_id, language, NOW, NOW, 1 if unreachable else None)),
        ("INSERT INTO sessions (user_id, flow, state, status, started_at, updated_at) VALUES (?, 'diagnosis', '{}',"
         " 'done', ?, ?) RETURNING id", (client_id, NOW, NOW)),
    ])
    statements = [("INSERT INTO answers (session_id, key, value, answered_at) VALUES (?, ?, ?, ?)",
                   (sid, key, json.dumps(value, ensure_ascii=False), NOW))
                  for key, value in answers.items() if value is not None]
    if finished:
        statements.append(("INSERT INTO results (session_id, user_id, created_at, figures) VALUES (?, ?, ?, '{}')",
                           (sid, client_id, NOW)))
    if advisor is not None:
        advisor_id, advisor_name = advisor
        statements.append(("INSERT INTO advisors (telegram_user_id, name, referral_token, created_at) VALUES"
                           " (?, ?, ?, ?) ON CONFLICT DO NOTHING", (advisor_id, advisor_name, f"t{advisor_id}", NOW)))
        if via == "lead":
            statements.append(("INSERT INTO leads (client_id, advisor_id, source, consent_at, created_at, updated_at)"
                               " VALUES (?, ?, 'link', ?, ?, ?)", (client_id, advisor_id, NOW, NOW, NOW)))
        else:
            statements.append(("INSERT INTO referrals (client_id, advisor_id, created_at) VALUES (?, ?, ?)",
                               (client_id, advisor_id, NOW)))
    await storage.write(statements)
    return sid


class TimingOut(InProcessRequest):
    """Answers like the Bot API, except that sends to some chats time out
    (after the message was delivered: a timeout can hide a delivery)."""

    def __init__(self, api: FakeBotAPI, chats: set[int]) -> None:
        super().__init__(api)
        self.chats = chats

    async def do_request(self, url, method, request_data=None, **kw):
        answer = await super().do_request(url, method, request_data, **kw)
        params = request_data.parameters if request_data else {}
        if url.endswith("/sendMessage") and int(params.get("chat_id", 0)) in self.chats:
            raise TimedOut("Timed out")
        return answer


@pytest.fixture
async def storage(tmp_path):
    async with Storage(tmp_path / "outbox.sqlite3") as storage:
        yield storage


@pytest.fixture
def api():
    return FakeBotAPI(TOKEN)


async def bot_on(request) -> Bot:
    bot = Bot(TOKEN, request=request)
    await bot.initialize()
    return bot


async def sender_for(storage: Storage, request, rate: float = 1000.0) -> Sender:
    return Sender(Outbox(storage), await bot_on(request), rate)


def rows(storage: Storage) -> list[tuple]:
    with sqlite3.connect(storage.path) as db:
        return db.execute("SELECT recipient, occasion, occurrence, day, status, message_id, attempts FROM outbox"
                          " ORDER BY id").fetchall()


def status_of(storage: Storage, recipient: int) -> list[str]:
    return [r[4] for r in rows(storage) if r[0] == recipient]


def message(recipient: int, occasion: str = "mid_autumn", day: date = MID_AUTUMN, client_id: int | None = None,
            text: str = "中秋快乐") -> NewMessage:
    return NewMessage(recipient, recipient if client_id is None else client_id, occasion, day.isoformat(), day,
                      {"text": text})


async def test_planning_a_day_twice_inserts_nothing_twice(storage):
    await seed(storage, SOLAR)
    await seed(storage, LUNAR, born="1985-09-29", calendar="lunar")
    outbox = Outbox(storage)
    first = await plan(outbox, MID_AUTUMN, language="zh_CN")
    assert (first.due, first.inserted) == (2, 2)
    assert first.by_occasion == {"mid_autumn": 1, "birthday+mid_autumn": 1}
    again = await plan(outbox, MID_AUTUMN, language="zh_CN")
    assert (again.due, again.inserted) == (2, 0)
    assert [(r[0], r[1], r[2], r[4]) for r in rows(storage)] == [
        (SOLAR, "mid_autumn", "2027-09-15", "pending"), (LUNAR, "birthday+mid_autumn", "2027-09-15", "pending")]
    # The same key in a bigger batch (chunks of INSERT_CHUNK) is still ignored; new keys go in.
    extra = [message(800000 + i) for i in range(2500)] + [message(SOLAR)]
    assert await outbox.add(extra) == 2500
    assert await outbox.add(extra) == 0


async def test_a_day_is_sent_once_with_the_message_ids_kept(storage, api):
    await seed(storage, SOLAR, name="李女士", advisor=(9001, "王芳"))
    await seed(storage, LUNAR, born="1985-09-29", calendar="lunar")
    sender = await sender_for(storage, InProcessRequest(api))
    expired, planned, drained = await run_day(Outbox(storage), sender, MID_AUTUMN, language="zh_CN")
    assert (expired, planned.inserted, drained.sent, drained.unknown, drained.failed) == (0, 2, 2, 0, 0)
    solar, lunar = api.sent_to(SOLAR), api.sent_to(LUNAR)
    assert len(solar) == 1 and len(lunar) == 1
    assert solar[0]["text"].startswith("李女士,") and "中秋" in solar[0]["text"] and "—— 您的顾问 王芳" in solar[0]["text"]
    assert "农历生日" in lunar[0]["text"] and "中秋" in lunar[0]["text"]
    stop = {"inline_keyboard": [[{"text": "不再接收祝福", "callback_data": "g|off"}]]}
    assert solar[0]["reply_markup"] == stop and lunar[0]["reply_markup"] == stop
    assert {(r[0], r[4], r[5]) for r in rows(storage)} == {(SOLAR, "sent", solar[0]["message_id"]),
                                                          (LUNAR, "sent", lunar[0]["message_id"])}
    # Idempotent: the same day again sends nothing new.
    again = await run_day(Outbox(storage), sender, MID_AUTUMN, language="zh_CN")
    assert (again[1].inserted, again[2].sent) == (0, 0) and len(api.sent) == 2


async def test_the_client_who_declined_gets_nothing(storage, api):
    await seed(storage, DECLINED, born="1985-09-29", calendar="lunar", ok=False)
    await seed(storage, SOLAR, ok=None)  # never answered the greetings question: no
    await seed(storage, LUNAR, finished=False)  # no finished interview: no settings yet
    await seed(storage, PROSPECT)  # an advisor's offline prospect (a negative id): never greeted
    sender = await sender_for(storage, InProcessRequest(api))
    _, planned, drained = await run_day(Outbox(storage), sender, MID_AUTUMN, language="zh_CN")
    assert planned.due == 0 and drained.sent == 0 and api.sent == [] and rows(storage) == []


async def test_a_429_is_honoured_retried_and_sent_once(storage, api):
    await seed(storage, SOLAR)
    await seed(storage, LUNAR, born="1985-09-29", calendar="lunar")
    api.fail("sendMessage", flood(1))
    sender = await sender_for(storage, InProcessRequest(api))
    clock = sender.limiter.clock
    started = clock()
    _, _, drained = await run_day(Outbox(storage), sender, MID_AUTUMN, language="zh_CN")
    assert (drained.sent, drained.retried, drained.unknown) == (2, 1, 0)
    assert clock() - started >= 1.0  # retry_after was waited out, by both sends
    assert len(api.sent_to(SOLAR)) == 1 and len(api.sent_to(LUNAR)) == 1
    assert [r[4] for r in rows(storage)] == ["sent", "sent"]


async def test_a_429_that_outlasts_the_retries_leaves_the_row_pending_for_the_next_drain(storage, api):
    await seed(storage, SOLAR)
    api.fail("sendMessage", flood(1), times=2)
    outbox = Outbox(storage)
    sender = Sender(outbox, await bot_on(InProcessRequest(api)), 1000.0, max_retries=1)
    _, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN")
    assert (drained.sent, drained.released, drained.retried) == (0, 1, 2)
    assert status_of(storage, SOLAR) == ["pending"] and api.sent == []
    _, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN")  # the next tick
    assert drained.sent == 1 and len(api.sent_to(SOLAR)) == 1
    assert rows(storage)[0][6] == 2  # claimed twice, sent once


async def test_a_timeout_is_unknown_and_never_sent_again(storage, api):
    await seed(storage, SOLAR)
    await seed(storage, LUNAR, born="1985-09-29", calendar="lunar")
    outbox = Outbox(storage)
    sender = await sender_for(storage, TimingOut(api, {SOLAR}))
    _, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN")
    assert (drained.sent, drained.unknown) == (1, 1)
    assert status_of(storage, SOLAR) == ["unknown"] and status_of(storage, LUNAR) == ["sent"]
    assert len(api.sent_to(SOLAR)) == 1  # it did arrive: the timeout hid it
    healthy = await sender_for(storage, InProcessRequest(api))
    for _ in range(2):  # later ticks, another process: never again
        await outbox.recover()
        _, _, drained = await run_day(outbox, healthy, MID_AUTUMN, language="zh_CN")
        assert drained.sent == 0
    assert len(api.sent_to(SOLAR)) == 1 and status_of(storage, SOLAR) == ["unknown"]


async def test_a_403_fails_the_row_marks_the_client_unreachable_and_sends_them_nothing_more(storage, api):
    await seed(storage, BLOCKED, born="1985-09-29", calendar="lunar")
    await seed(storage, SOLAR)
    outbox = Outbox(storage)
    # Another message already planned for the same chat (a reminder, say): not sent either.
    await outbox.add([message(BLOCKED, occasion="review", client_id=BLOCKED)])
    api.fail("sendMessage", blocked())
    sender = await sender_for(storage, InProcessRequest(api))
    _, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN")
    assert (drained.sent, drained.failed) == (1, 2)  # its two rows, one send tried
    assert api.calls.count("sendMessage") == 2
    assert status_of(storage, BLOCKED) == ["failed", "failed"] and api.sent_to(BLOCKED) == []
    assert await storage.unreachable_since(BLOCKED) is not None
    assert len(api.sent_to(SOLAR)) == 1
    # Another day: the plan leaves them out.
    new_year = date(2028, 1, 1)
    _, planned, drained = await run_day(outbox, sender, new_year, language="zh_CN")
    assert planned.due == 1 and drained.sent == 1 and api.sent_to(BLOCKED) == []


async def test_a_403_from_an_advisor_marks_the_advisor_not_the_client_the_card_is_about(storage, api):
    await seed(storage, SOLAR)
    await seed(storage, 9001, ok=False)  # the advisor has a client row of their own
    outbox = Outbox(storage)
    card = NewMessage(9001, SOLAR, "lead_card", "7", MID_AUTUMN,
                      {"text": "新线索 #7", "keyboard": [[{"text": "打开", "callback_data": "lo|7"}]]})
    await outbox.add([card])
    api.fail("sendMessage", blocked())
    sender = await sender_for(storage, InProcessRequest(api))
    drained = await sender.drain(MID_AUTUMN)
    assert drained.failed == 1 and status_of(storage, 9001) == ["failed"]
    assert await storage.unreachable_since(9001) is not None and await storage.unreachable_since(SOLAR) is None
    # The client's own greeting goes; a card to a blocked advisor planned later is failed, not sent.
    await outbox.add([NewMessage(9001, SOLAR, "lead_card", "8", MID_AUTUMN, {"text": "新线索 #8"})])
    _, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN")
    assert drained.sent == 1 and len(api.sent_to(SOLAR)) == 1 and api.sent_to(9001) == []
    assert status_of(storage, 9001) == ["failed", "failed"]


async def test_a_payload_keyboard_is_sent_as_an_inline_keyboard(storage, api):
    outbox = Outbox(storage)
    keyboard = [[{"text": "打开", "callback_data": "lo|7"}], [{"text": "聊天", "url": "tg://user?id=5"}]]
    await outbox.add([NewMessage(9001, None, "lead_card", "7", MID_AUTUMN, {"text": "新线索", "keyboard": keyboard}),
                      NewMessage(9002, None, "lead_card", "8", MID_AUTUMN, {"text": "新线索", "keyboard": []})])
    drained = await (await sender_for(storage, InProcessRequest(api))).drain(MID_AUTUMN)
    assert drained.sent == 2
    assert api.sent_to(9001)[0]["reply_markup"] == {"inline_keyboard": keyboard}
    assert "reply_markup" not in api.sent_to(9002)[0]


async def test_a_client_found_blocked_after_planning_gets_nothing(storage, api):
    await seed(storage, SOLAR)
    outbox = Outbox(storage)
    await plan(outbox, MID_AUTUMN, language="zh_CN")
    await storage.mark_unreachable(SOLAR, 1)  # the interactive bot met a 403 meanwhile
    sender = await sender_for(storage, InProcessRequest(api))
    _, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN")
    assert drained.sent == 0 and api.sent == [] and status_of(storage, SOLAR) == ["failed"]


async def test_recover_turns_rows_left_sending_into_unknown_never_sent(storage, api):
    outbox = Outbox(storage)
    await outbox.add([message(800001), message(800002), message(800003)])
    claimed = await outbox.claim(MID_AUTUMN, 2)  # then the process died
    assert [r.recipient for r in claimed] == [800001, 800002] and all(r.attempts == 1 for r in claimed)
    assert [r[4] for r in rows(storage)] == ["sending", "sending", "pending"]
    assert await outbox.recover() == 2
    sender = await sender_for(storage, InProcessRequest(api))
    drained = await sender.drain(MID_AUTUMN)
    assert drained.sent == 1 and [m["chat"]["id"] for m in api.sent] == [800003]
    assert [r[4] for r in rows(storage)] == ["unknown", "unknown", "sent"]


async def test_two_senders_never_claim_the_same_row(storage):
    outbox = Outbox(storage)
    await outbox.add([message(800000 + i) for i in range(50)])
    claims = await asyncio.gather(*(outbox.claim(MID_AUTUMN, 7) for _ in range(10)))
    ids = [r.id for claim in claims for r in claim]
    assert len(ids) == 50 == len(set(ids))


async def test_a_greeting_past_its_day_expires_and_is_never_sent_late(storage, api):
    await seed(storage, SOLAR)
    outbox = Outbox(storage)
    await plan(outbox, MID_AUTUMN, language="zh_CN")  # planned, never sent (the bot was down all day)
    sender = await sender_for(storage, InProcessRequest(api))
    national_day = date(2027, 10, 1)
    expired, _, drained = await run_day(outbox, sender, national_day, language="zh_CN", today=national_day)
    assert expired == 1 and drained.sent == 1
    assert [(r[1], r[4]) for r in rows(storage)] == [("mid_autumn", "expired"), ("national_day", "sent")]
    assert "国庆" in api.sent_to(SOLAR)[0]["text"] and len(api.sent) == 1
    # Rehearsing an earlier date: relative to that date nothing of 15 Sep is "late", but it expired already.
    _, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN", today=national_day)
    assert drained.sent == 0 and len(api.sent) == 1


async def test_a_drain_stops_at_the_end_of_its_day_and_leaves_the_rest_pending(storage, api):
    from datetime import UTC, datetime

    outbox = Outbox(storage)
    await outbox.add([message(800000 + i) for i in range(5)])
    moments = iter([datetime(2027, 9, 15, 23, 59, 59, tzinfo=UTC)] * 3 + [datetime(2027, 9, 16, tzinfo=UTC)] * 99)
    sender = Sender(outbox, await bot_on(InProcessRequest(api)), 1000.0, now=lambda: next(moments))
    drained = await sender.drain(MID_AUTUMN, until=datetime(2027, 9, 16, tzinfo=UTC))
    assert drained.sent == 2 and drained.released == 3
    assert [r[4] for r in rows(storage)] == ["sent", "sent", "pending", "pending", "pending"]
    assert await outbox.expire(date(2027, 9, 16)) == 3


async def test_status_counts_per_day_and_occasion(storage, api):
    outbox = Outbox(storage)
    await outbox.add([message(800001), message(800002), message(800003), message(800004),
                      message(800005, occasion="birthday", day=PLAIN_DAY)])
    api.fail("sendMessage", blocked())
    sender = Sender(outbox, await bot_on(TimingOut(api, {800002})), 1000.0)
    await sender.drain(MID_AUTUMN)
    await outbox.expire(date(2027, 9, 16))
    table = {(s.day, s.occasion): s.counts for s in await outbox.status()}
    assert table == {
        ("2027-09-15", "mid_autumn"): {"sent": 2, "unknown": 1, "failed": 1, "expired": 0, "pending": 0, "sending": 0},
        ("2027-03-03", "birthday"): {"sent": 0, "unknown": 0, "failed": 0, "expired": 1, "pending": 0, "sending": 0},
    }
    assert [s.day for s in await outbox.status()] == ["2027-09-15", "2027-03-03"]  # newest first
    assert [s.occasion for s in await outbox.status(PLAIN_DAY)] == ["birthday"]


async def test_a_deleted_client_leaves_no_outbox_row(storage, api):
    await seed(storage, SOLAR)
    await plan(Outbox(storage), MID_AUTUMN, language="zh_CN")
    await storage.delete_user(SOLAR)
    assert rows(storage) == []


async def test_logs_name_no_client_chat_name_or_text(storage, api, caplog):
    caplog.set_level(logging.DEBUG)
    await seed(storage, SOLAR, name="李女士", advisor=(9001, "王芳"))
    await seed(storage, LUNAR, born="1985-09-29", calendar="lunar", name="王先生")
    await seed(storage, BLOCKED, name="赵先生")
    await seed(storage, 700006, name="钱女士")
    api.fail("sendMessage", flood(1))
    api.fail("sendMessage", blocked())
    sender = Sender(Outbox(storage), await bot_on(TimingOut(api, {700006})), 1000.0)
    _, _, drained = await run_day(Outbox(storage), sender, MID_AUTUMN, language="zh_CN")
    assert drained.retried == 1 and drained.failed == 1 and drained.unknown == 1 and drained.sent == 2
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("diagbot"))
    assert "drain" in logged and "blocked" in logged and "TimedOut" in logged
    for secret in ("7000", "李女士", "王先生", "赵先生", "钱女士", "王芳", "中秋", "1990-03-03", "1985-09-29"):
        assert secret not in logged, secret


async def test_the_rate_limiter_paces_and_honours_a_pause():
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(10, burst=1, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        await limiter.acquire()
    assert now[0] == pytest.approx(0.4)  # 5 tokens at 10/s: the first at once, then every 0.1 s
    limiter.pause(2.0)
    await limiter.acquire()
    assert now[0] == pytest.approx(2.4)
    await limiter.acquire()
    assert now[0] == pytest.approx(2.5)  # no burst after a pause
    # A burst saved up while idle: up to ``burst`` at once, then the rate.
    bursty = RateLimiter(100, burst=5, clock=lambda: now[0], sleep=sleep)
    now[0] += 10
    start = now[0]
    for _ in range(5):
        await bursty.acquire()
    assert now[0] == start
    await bursty.acquire()
    assert now[0] == pytest.approx(start + 0.01)


# --- SQL that PostgreSQL accepts too (the later PostgreSQL step swaps the driver, not the SQL) ---


def test_the_outbox_sql_uses_no_sqlite_only_json():
    from pathlib import Path

    source = (Path(__file__).resolve().parent.parent / "bot" / "storage_outbox.py").read_text(encoding="utf-8")
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    for sqlite_only in ("->>", "json_each", "json_extract", "+outbox.", "INSERT OR "):
        assert sqlite_only not in code, sqlite_only


async def test_marks_in_several_chunks_keep_each_row_s_message_id(storage):
    from bot.storage_outbox import IN_CHUNK

    outbox = Outbox(storage)
    n = 2 * IN_CHUNK + 7
    await outbox.add([message(800000 + i) for i in range(n)])
    claimed = await outbox.claim(MID_AUTUMN, n)
    assert await outbox.mark_sent_many([(r.id, 5000 + r.recipient) for r in claimed]) == n
    found = rows(storage)
    assert all(status == "sent" and message_id == 5000 + recipient
               for recipient, _, _, _, status, message_id, _ in found) and len(found) == n
    assert await outbox.mark_sent_many([]) == 0


def test_answers_are_decoded_in_python():
    from bot.storage_outbox import _decode

    for value in (True, False, None, 0, 12.5, "1990-03-03", "李女士", 'say "hi"', "a\\b", "", [5, 3],
                  {"savings": 1}):
        assert _decode(json.dumps(value, ensure_ascii=False)) == value
    assert _decode(None) is None and _decode("not json") is None


async def test_a_name_with_quotes_is_read_back_whole(storage):
    await seed(storage, SOLAR, name='"老王"')
    [client], _ = await Outbox(storage).greeting_clients("diagnosis", {"name": "name", "greetings": "greetings_ok"})
    assert client.name == '"老王"' and client.opted_in is True


# --- hostile-test fixes: expiry against the real today, undated lead cards, one greeting a day, stop --------

ADVISOR = 9001


def lead_card(day: date, occasion: str = "lead_card", occurrence: str = "1") -> NewMessage:
    return NewMessage(ADVISOR, SOLAR if occasion == "lead_card" else None, occasion, occurrence, day,
                      {"text": "🧾 线索 #1"})


async def test_a_rehearsal_of_a_later_day_never_expires_today_s_rows_and_sends_the_lead_card(storage, api):
    await seed(storage, SOLAR)
    outbox = Outbox(storage)
    await plan(outbox, MID_AUTUMN, language="zh_CN")  # today's greeting, not sent yet
    await outbox.add([lead_card(MID_AUTUMN)])  # a lead card posted today
    sender = await sender_for(storage, InProcessRequest(api))
    national_day = date(2027, 10, 1)
    expired, _, drained = await run_day(outbox, sender, national_day, language="zh_CN", today=MID_AUTUMN)
    assert expired == 0
    found = {r[1]: r for r in rows(storage)}
    assert found["mid_autumn"][4] == "pending"  # today's greeting: still today's, the clock sends it
    assert found["lead_card"][4] == "sent" and found["national_day"][4] == "sent"
    assert drained.sent == 2 and len(api.sent_to(ADVISOR)) == 1


async def test_a_lead_card_of_a_day_the_bot_was_down_is_carried_to_today_a_greeting_expires(storage, api):
    await seed(storage, SOLAR)
    outbox = Outbox(storage)
    before = date(2027, 9, 14)
    await outbox.add([lead_card(before), lead_card(before, "lead_withdrawn", "2"), message(SOLAR, day=before),
                      NewMessage(ADVISOR, None, "digest", before.isoformat(), before, {"text": "今日"})])
    sender = await sender_for(storage, InProcessRequest(api))
    expired, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN", greetings=False,
                                        today=MID_AUTUMN)
    assert expired == 2  # the greeting and the digest of the 14th: never a day late
    assert {r[1]: (r[3], r[4]) for r in rows(storage)} == {
        "lead_card": ("2027-09-15", "sent"), "lead_withdrawn": ("2027-09-15", "sent"),
        "mid_autumn": ("2027-09-14", "expired"), "digest": ("2027-09-14", "expired")}
    assert drained.sent == 2 and len(api.sent_to(ADVISOR)) == 2 and api.sent_to(SOLAR) == []


async def test_a_catch_up_of_an_earlier_day_sends_that_day_and_expires_nothing_of_today(storage, api):
    await seed(storage, SOLAR)
    outbox = Outbox(storage)
    await plan(outbox, MID_AUTUMN, language="zh_CN")  # the 15th, planned; the bot went down
    today = date(2027, 9, 16)
    await outbox.add([message(LUNAR, occasion="review", day=today)])
    sender = await sender_for(storage, InProcessRequest(api))
    expired, _, drained = await run_day(outbox, sender, MID_AUTUMN, language="zh_CN", today=today)
    assert expired == 0 and drained.sent == 1  # asked for: the operator's catch-up
    assert status_of(storage, LUNAR) == ["pending"]


async def test_one_greeting_per_client_a_day_even_when_the_birthday_changed_between_two_plans(storage):
    await seed(storage, SOLAR, born="1990-03-03")
    await seed(storage, LUNAR, born="1990-03-03")
    outbox = Outbox(storage)
    first = await plan(outbox, MID_AUTUMN, language="zh_CN")
    assert (first.due, first.inserted) == (2, 2)
    await storage.write([("UPDATE outbox SET status = 'sent' WHERE recipient = ?", (LUNAR,))])  # any status
    # Both now say they were born on 15 Sep: a birthday on 中秋, after the day was planned.
    await storage.write([
        ("UPDATE answers SET value = '\"1990-09-15\"' WHERE key = 'birth_date'", ()),
    ])
    again = await plan(outbox, MID_AUTUMN, language="zh_CN")
    assert again.inserted == 0
    assert [(r[0], r[1]) for r in rows(storage)] == [(SOLAR, "mid_autumn"), (LUNAR, "mid_autumn")]


async def test_cancel_pending_deletes_the_client_s_pending_greetings_and_reviews_only(storage):
    outbox = Outbox(storage)
    later = date(2027, 10, 1)
    await outbox.add([
        message(SOLAR),  # a greeting: deleted
        message(SOLAR, occasion="birthday+mid_autumn+national_day", day=later),  # deleted
        message(SOLAR, occasion="review", day=later),  # a review reminder: deleted
        message(SOLAR, occasion="new_year", day=date(2027, 1, 1)),  # sent already: kept
        lead_card(MID_AUTUMN),  # about SOLAR, to the advisor: kept
        NewMessage(ADVISOR, None, "digest", "2027-09-15", MID_AUTUMN, {"text": "今日"}),  # kept
        message(LUNAR),  # another client's: kept
    ])
    await storage.write([("UPDATE outbox SET status = 'sent' WHERE occasion = 'new_year'", ())])
    assert await outbox.cancel_pending(SOLAR) == 3
    assert [(r[0], r[1], r[4]) for r in rows(storage)] == [
        (SOLAR, "new_year", "sent"), (ADVISOR, "lead_card", "pending"), (ADVISOR, "digest", "pending"),
        (LUNAR, "mid_autumn", "pending")]
    assert await outbox.cancel_pending(SOLAR) == 0


async def test_an_idle_drain_logs_nothing_at_info(storage, api, caplog):
    outbox = Outbox(storage)
    sender = await sender_for(storage, InProcessRequest(api))
    with caplog.at_level(logging.INFO, logger="diagbot"):
        await run_day(outbox, sender, MID_AUTUMN, language="zh_CN", greetings=False, today=MID_AUTUMN)
        await run_day(outbox, sender, MID_AUTUMN, language="zh_CN", today=MID_AUTUMN)  # nobody to greet
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []
    await outbox.add([message(SOLAR)])
    with caplog.at_level(logging.INFO, logger="diagbot"):
        await run_day(outbox, sender, MID_AUTUMN, language="zh_CN", greetings=False, today=MID_AUTUMN)
    assert any("sent=1" in r.getMessage() for r in caplog.records)

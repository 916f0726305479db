"""Scheduled greetings at scale: planning a day, sending at a steady rate,
and a crash in the middle of sending (issue 11, step 8).

1. A real SQLite file with N opted-in clients (default 100,000), inserted
   directly as the bot stores them: clients, interview sessions with their
   answers (the four greeting answers among ~18), results; some with an
   advisor (a lead or a referral). (The crash test's leads get a real
   result's figures: its sender plans the advisors' digests, which read them.)
2. In a process of its own (so its memory is its own): the time to read the
   clients' settings (one SQL read), plan 中秋 (every client is due), render
   and insert the rows; planning the same day again (nothing new); planning
   an ordinary day (birthdays only); the first anniversary of every
   client's diagnosis (定期检视: 100,000 review reminders). Then sending through the real
   ``telegram.Bot`` with the socket-free ``InProcessRequest`` at a configured
   rate (default 1,000/s) until ``--send`` messages went: the achieved rate as
   a % of the configured one (target ≥ 95%), messages per CPU second, peak RSS.
3. The crash test: the fake Bot API over HTTP in this process; the sender is
   a real process (``python -m bot greetings send --date D``: greetings and
   the 50 advisors' daily digests), killed with
   SIGKILL at a random moment while it sends, then started again. Counted:
   duplicates (a chat that received a day's greeting twice; target 0) and
   greetings neither sent nor marked ``unknown`` (target 0). The price of at
   most once is shown too: ``unknown`` rows that never arrived.

    python bench/bench_greetings.py                       # the default run, under ~2 minutes
    python bench/bench_greetings.py --clients 100000 --send 100000 --crash-clients 3000 --crash-rounds 7

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.storage import Storage  # noqa: E402

TOKEN = "123456:BENCH-token_abcdefghijklmnopqrstuvwxyz"
MID_AUTUMN = date(2027, 9, 15)  # a holiday: every opted-in client is due
PLAIN_DAY = date(2027, 3, 3)  # birthdays only
REVIEW_DAY = date(2027, 11, 25)  # a year after every result (NOW): every opted-in client's annual review
CRASH_DAYS = ("2027-09-15", "2027-10-01", "2028-01-01", "2028-01-26", "2028-02-09", "2028-05-01", "2028-05-28")
NAMES = ("李女士", "王先生", "张姐", "刘总", "陈老师", None, None, None)
FILLER = {  # the other answers of a quick diagnosis, as stored (JSON)
    "consent": True, "marital": "married", "spouse_income": 150000, "children": [5], "income": 400000,
    "living_cost": 200000, "mortgage": 1500000, "resources": {"savings": 600000, "life": 500000, "ci": 200000},
    "budget": 100000, "contact_ok": False, "depth": "quick", "gender": "female", "social_medical": True,
    "million_medical": False,
}
NOW = "2026-11-25T00:00:00+00:00"


# --- 1. the database ---------------------------------------------------------------


def real_figures() -> str:
    """A quick diagnosis's figures as the bot stores them (a 20万–100万 client): what a lead card is made of."""
    from flows.diagnosis_report import REPORT
    from tests.helpers import interview

    _, _, outcome, _ = interview(["同意", "1986-05-12", "未婚", "无", "30万", "12万", "0", "存款50万,寿险0,重疾0", "3万"])
    return json.dumps(REPORT.figures(outcome), ensure_ascii=False)


def build(path: Path, clients: int, seed: int = 7, first_id: int = 10_000_001, lead_figures: bool = False) -> float:
    """Insert ``clients`` opted-in clients; returns the seconds it took.
    ``lead_figures``: the leads' results hold a real result's figures (else "{}")."""
    started = time.perf_counter()
    asyncio.run(_migrate(path))
    figures = real_figures() if lead_figures else "{}"
    rng = random.Random(seed)
    state = json.dumps({"flow": "diagnosis", "status": "done", "turn": 14, "answers": FILLER, "pad": "x" * 600})
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.executemany("INSERT INTO advisors (telegram_user_id, name, referral_token, created_at) VALUES (?, ?, ?, ?)",
                       [(900 + i, f"顾问{i}", f"tok{i}", NOW) for i in range(50)])
        chunk = 10_000
        filler = [(k, json.dumps(v, ensure_ascii=False)) for k, v in FILLER.items()]
        for start in range(0, clients, chunk):
            ids = range(first_id + start, first_id + min(clients, start + chunk))
            db.executemany("INSERT INTO clients (user_id, language, consent_at, created_at) VALUES (?, 'zh_CN', ?, ?)",
                           [(i, NOW, NOW) for i in ids])
            db.executemany("INSERT INTO sessions (id, user_id, flow, state, status, started_at, updated_at,"
                           " completed_at) VALUES (?, ?, 'diagnosis', ?, 'done', ?, ?, ?)",
                           [(i, i, state, NOW, NOW, NOW) for i in ids])
            answers = []
            for i in ids:
                born = date.fromordinal(rng.randint(date(1950, 1, 1).toordinal(), date(2005, 12, 31).toordinal()))
                mine = {"birth_date": born.isoformat(), "greetings_ok": True,
                        "birthday_calendar": "lunar" if rng.random() < 0.3 else "solar", "name": rng.choice(NAMES)}
                answers += [(i, k, json.dumps(v, ensure_ascii=False), NOW) for k, v in mine.items() if v is not None]
                answers += [(i, k, v, NOW) for k, v in filler]
            db.executemany("INSERT INTO answers (session_id, key, value, answered_at) VALUES (?, ?, ?, ?)", answers)
            draw = [(i, rng.random(), 900 + rng.randrange(50)) for i in ids]
            db.executemany("INSERT INTO results (session_id, user_id, created_at, figures) VALUES (?, ?, ?, ?)",
                           [(i, i, NOW, figures if p < 0.3 else "{}") for i, p, _ in draw])
            db.executemany("INSERT INTO leads (client_id, advisor_id, source, consent_at, created_at, updated_at)"
                           " VALUES (?, ?, 'link', ?, ?, ?)", [(i, a, NOW, NOW, NOW) for i, p, a in draw if p < 0.3])
            db.executemany("INSERT INTO referrals (client_id, advisor_id, created_at) VALUES (?, ?, ?)",
                           [(i, a, NOW) for i, p, a in draw if 0.3 <= p < 0.5])
        db.commit()
    return time.perf_counter() - started


async def _migrate(path: Path) -> None:
    async with Storage(path):
        pass


# --- 2. planning and sending, in a process of its own --------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


async def measure(db: Path, send: int, rate: float) -> dict:
    from collections import Counter

    from telegram import Bot

    from bot.greetings import plan, render
    from bot.sender import Sender
    from bot.storage_outbox import Outbox
    from flows.greetings.plan import plan_day
    from flows.registry import FLOWS
    from tests.fake_bot_api import FakeBotAPI, InProcessRequest

    figures: dict = {}
    async with Storage(db) as storage:
        outbox = Outbox(storage)
        t0 = time.perf_counter()
        clients, languages = await outbox.greeting_clients("diagnosis", FLOWS["diagnosis"].facts)
        t1 = time.perf_counter()
        greetings = plan_day(clients, MID_AUTUMN)
        t2 = time.perf_counter()
        rows = render(greetings, languages, "zh_CN")
        t3 = time.perf_counter()
        inserted = await outbox.add(rows)
        t4 = time.perf_counter()
        figures.update(clients=len(clients), due=len(greetings), inserted=inserted,
                       occasions=dict(Counter(g.occasion for g in greetings)),
                       read_ms=(t1 - t0) * 1000, plan_ms=(t2 - t1) * 1000, render_ms=(t3 - t2) * 1000,
                       insert_ms=(t4 - t3) * 1000, plan_total_ms=(t4 - t0) * 1000)
        t0 = time.perf_counter()
        again = await plan(outbox, MID_AUTUMN, language="zh_CN")
        figures["replan_ms"] = (time.perf_counter() - t0) * 1000
        figures["replan_inserted"] = again.inserted
        t0 = time.perf_counter()
        plain = await plan(outbox, PLAIN_DAY, language="zh_CN", dry_run=True)
        figures["plain_day_ms"] = (time.perf_counter() - t0) * 1000
        figures["plain_day_due"] = plain.due
        t0 = time.perf_counter()
        review = await plan(outbox, REVIEW_DAY, language="zh_CN")
        figures["review_ms"] = (time.perf_counter() - t0) * 1000
        figures.update(review_due=review.reviews, review_greetings=review.due, review_inserted=review.inserted)

        # Sending: the real Bot, no sockets; the fake API records nothing (its cost is not the sender's).
        api = FakeBotAPI(TOKEN, record=False)
        bot = Bot(TOKEN, request=InProcessRequest(api))
        await bot.initialize()
        class Counted(Sender):
            """Stops claiming once ``send`` messages were sent (the rest of the day stays pending)."""

            left = send

            def _mark_sent(self, row_id: int, message_id: int) -> None:
                super()._mark_sent(row_id, message_id)
                self.left -= 1
                if self.left <= 0:
                    self.stop()

        sender = Counted(outbox, bot, rate)
        cpu0, t0 = time.process_time(), time.perf_counter()
        report = await sender.drain(MID_AUTUMN)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        await bot.shutdown()
        figures.update(sent=report.sent, send_s=elapsed, send_cpu_s=cpu, rate=rate,
                       achieved=report.sent / elapsed, achieved_pct=100 * report.sent / elapsed / rate,
                       per_cpu_s=report.sent / cpu if cpu else float("inf"),
                       writer_batches=storage.batches, writes_per_batch=storage.batched_writes / max(1, storage.batches))
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


# --- 3. the crash test -------------------------------------------------------------


def crash_test(workdir: Path, clients: int, rounds: int, rate: float, seed: int) -> dict:
    from tests.fake_bot_api import FakeBotAPI, FakeBotAPIServer

    db = workdir / "crash.sqlite3"
    build(db, clients, seed=seed + 1, lead_figures=True)
    server = FakeBotAPIServer(FakeBotAPI(TOKEN)).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "GREETING_"))}
    env.update(PYTHONPATH=str(ROOT), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.base_url,
               DATABASE_PATH=str(db), GREETING_RATE=str(rate), LOG_LEVEL="WARNING")
    rng = random.Random(seed)
    totals = {"rounds": 0, "rows": 0, "duplicates": 0, "lost": 0, "sent": 0, "unknown": 0,
              "unknown_delivered": 0, "unknown_not_delivered": 0, "killed_after": []}
    try:
        for day in CRASH_DAYS[:rounds]:
            api = server.api
            with api._lock:
                api.sent.clear()
            kill_at = rng.randint(1, max(1, clients - 1))  # the n-th message received, then a random instant
            process = subprocess.Popen([sys.executable, "-m", "bot", "greetings", "send", "--date", day],
                                       cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            while len(api.sent) < kill_at and process.poll() is None:
                time.sleep(0.001)
            time.sleep(rng.random() * 0.02)
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed_after = len(api.sent)
            again = subprocess.run([sys.executable, "-m", "bot", "greetings", "send", "--date", day], cwd=workdir,
                                   env=env, capture_output=True, text=True, timeout=600)
            if again.returncode != 0:
                raise SystemExit(f"the restarted sender failed: {again.stderr[-2000:]}")
            received = {}
            for message in api.sent:
                received[message["chat"]["id"]] = received.get(message["chat"]["id"], 0) + 1
            with sqlite3.connect(db) as conn:
                rows = conn.execute("SELECT recipient, status FROM outbox WHERE day = ?", (day,)).fetchall()
            totals["rounds"] += 1
            totals["rows"] += len(rows)
            totals["killed_after"].append(killed_after)
            totals["duplicates"] += sum(n - 1 for n in received.values() if n > 1)
            for recipient, status in rows:
                got = received.get(recipient, 0)
                if status == "sent":
                    totals["sent"] += 1
                    totals["lost"] += got == 0  # marked sent, never arrived (cannot happen)
                elif status == "unknown":
                    totals["unknown"] += 1
                    totals["unknown_delivered" if got else "unknown_not_delivered"] += 1
                else:  # pending, sending, failed, expired: neither sent nor marked unknown
                    totals["lost"] += 1
    finally:
        server.stop()
    return totals


# --- the report --------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=100_000, help="opted-in clients in the database")
    parser.add_argument("--send", type=int, default=20_000, help="messages sent in the rate test")
    parser.add_argument("--rate", type=float, default=1000.0, help="configured rate, messages/s (≤ 1000)")
    parser.add_argument("--crash-clients", type=int, default=500, help="clients in the crash test's database")
    parser.add_argument("--crash-rounds", type=int, default=3, help=f"kills, one per day (≤ {len(CRASH_DAYS)})")
    parser.add_argument("--crash-rate", type=float, default=50.0,
                        help="GREETING_RATE of the crash test's sender (the fake Bot API over HTTP, a Python"
                             " server in this process, answers about 100 a second)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--phase", choices=("measure",), help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "measure":
        print(json.dumps(asyncio.run(measure(args.db, args.send, args.rate))))
        return

    with tempfile.TemporaryDirectory(prefix="bench-greetings-") as tmp:
        work = Path(tmp)
        db = work / "greetings.sqlite3"
        built = build(db, args.clients, seed=args.seed)
        size = db.stat().st_size / 2**20
        print(f"database: {args.clients:,} opted-in clients, {size:.0f} MB, built in {built:.1f} s")
        out = subprocess.run([sys.executable, __file__, "--phase", "measure", "--db", str(db), "--send",
                              str(args.send), "--rate", str(args.rate)], capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(out.stderr[-3000:])
        m = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\nplanning 中秋 {MID_AUTUMN} ({m['due']:,} due of {m['clients']:,}; {m['occasions']}):")
        print(f"  read settings (one SQL read)  {m['read_ms']:8.0f} ms")
        print(f"  plan_day (pure)               {m['plan_ms']:8.0f} ms")
        print(f"  render                        {m['render_ms']:8.0f} ms")
        print(f"  insert {m['inserted']:,} rows{'':11}{m['insert_ms']:8.0f} ms")
        print(f"  total                         {m['plan_total_ms']:8.0f} ms")
        print(f"  the same day again            {m['replan_ms']:8.0f} ms ({m['replan_inserted']} new rows)")
        print(f"  an ordinary day (dry run)     {m['plain_day_ms']:8.0f} ms ({m['plain_day_due']} birthdays)")
        print(f"\nplanning {REVIEW_DAY}, a year after every diagnosis: {m['review_due']:,} review reminders"
              f" and {m['review_greetings']} birthday greetings (whose review waits a day)")
        print(f"  read, plan, render, insert    {m['review_ms']:8.0f} ms ({m['review_inserted']:,} rows)")
        print(f"\nsending {m['sent']:,} through the real Bot (InProcessRequest) at a configured {m['rate']:,.0f}/s:")
        print(f"  achieved                      {m['achieved']:8.0f} /s = {m['achieved_pct']:.1f}% of configured"
              f" (target ≥ 95%)")
        print(f"  CPU                           {m['send_cpu_s']:8.1f} s for {m['send_s']:.1f} s"
              f" → {m['per_cpu_s']:,.0f} messages per CPU second")
        print(f"  writes per SQLite commit      {m['writes_per_batch']:8.1f}")
        print(f"  peak RSS (plan + send)        {m['peak_rss_mb']:8.0f} MB")

        if args.crash_rounds > 0:
            started = time.perf_counter()
            c = crash_test(work, args.crash_clients, min(args.crash_rounds, len(CRASH_DAYS)), args.crash_rate,
                           args.seed)
            print(f"\ncrash test: {c['rounds']} × (sender process SIGKILLed while sending at {args.crash_rate:,.0f}/s,"
                  f" then restarted), {c['rows']:,} greetings, {time.perf_counter() - started:.0f} s:")
            print(f"  killed after                  {', '.join(f'{n:,}' for n in c['killed_after'])} messages")
            print(f"  duplicates                    {c['duplicates']:8d} (target 0)")
            print(f"  neither sent nor unknown      {c['lost']:8d} (target 0)")
            print(f"  sent                          {c['sent']:8,d}")
            print(f"  unknown (at most once)        {c['unknown']:8d}: {c['unknown_delivered']} had arrived,"
                  f" {c['unknown_not_delivered']} had not (claimed, not yet sent at the kill)")


if __name__ == "__main__":
    main()

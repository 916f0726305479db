"""Throughput, latency and memory of the bot, against a bare echo bot.

Drives N simulated clients through full quick interviews through the real
python-telegram-bot Application, in one process. The Bot API is answered in
process by a ``BaseRequest`` subclass (no sockets), so the figures are the
bot's own cost; persistence is a real SQLite file. Then opens 10,000
interviews and reports peak RSS. The same load runs through a bare PTB echo
bot (same Application setup, one handler that sends the text back), each bot
in its own process so their memory does not mix, and the script prints the
ratio.

    python bench/bench_updates.py                 # both bots, then the ratio
    python bench/bench_updates.py --clients 300 --open 10000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import ApplicationBuilder, TypeHandler  # noqa: E402

from bot.config import load  # noqa: E402
from bot.driver import Driver  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.telegram_app import PerChatUpdateProcessor, build_application  # noqa: E402
from tests.fake_bot_api import FakeBotAPI, InProcessRequest  # noqa: E402
from tests.helpers import TODAY  # noqa: E402

TOKEN = "123456:BENCH-token_abcdefghijklmnopqrstuvwxyz"

# A quick interview: buttons where the bot shows buttons, typed text elsewhere.
# A button's data names its question's copy (bot/callbacks.py: a|<turn>|<step>|<option>;
# the turn counts the questions sent, 1 for consent). Every scripted update is
# taken and asks the next question, so the question the n-th update answers
# (counting /start as the 0th) is copy n: the turns follow from the order.
STEPS: list[tuple[str, str]] = [
    ("text", "/start"), ("button", "consent|yes"), ("text", "1988-04-02"), ("button", "marital|married"),
    ("text", "15万"), ("text", "6"), ("text", "{income}"), ("text", "20万"), ("text", "150万"),
    ("text", "{savings} 50万 20万"), ("text", "10万"), ("button", "contact_ok|no"), ("button", "greetings_ok|no"),
]
SCRIPT: list[tuple[str, str]] = [(kind, f"a|{n}|{payload}" if kind == "button" else payload)
                                 for n, (kind, payload) in enumerate(STEPS)]
LATENCY_CLIENTS = 50
OPEN_PREFIX = 5  # updates each "open" interview receives: /start … the spouse's income, then it waits


class Load:
    """Builds updates as Telegram would send them and times their handling."""

    def __init__(self, app) -> None:
        self.app = app
        self.update_id = 0
        self.message_id = 0
        self.started: dict[int, float] = {}
        self.durations: list[float] = []
        self.pending: set[int] = set()
        self.idle = asyncio.Event()
        app.add_handler(TypeHandler(Update, self._start), group=-1)
        app.add_handler(TypeHandler(Update, self._end), group=99)

    async def _start(self, update, context) -> None:
        self.started[update.update_id] = time.perf_counter()

    async def _end(self, update, context) -> None:
        self.durations.append(time.perf_counter() - self.started.pop(update.update_id))
        self.pending.discard(update.update_id)
        if not self.pending:
            self.idle.set()

    def update(self, user: int, kind: str, payload: str) -> Update:
        # Amounts differ from client to client, as they would: no formatting is reused.
        payload = payload.format(income=f"{300_000 + user % 997 * 113}", savings=f"{user % 89 + 1}.5万")
        self.update_id += 1
        self.message_id += 1
        chat = {"id": user, "type": "private", "first_name": "C"}
        sender = {"id": user, "is_bot": False, "first_name": "C"}
        message = {"message_id": self.message_id, "date": 0, "chat": chat, "from": sender}
        if kind == "text":
            data = {"update_id": self.update_id, "message": {**message, "text": payload}}
            if payload.startswith("/"):
                data["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(payload)}]
        else:
            bot_msg = {**message, "from": {"id": 1, "is_bot": True, "first_name": "B"}, "text": "问题",
                       "reply_markup": {"inline_keyboard": [[{"text": "是", "callback_data": payload}]]}}
            data = {"update_id": self.update_id,
                    "callback_query": {"id": str(self.update_id), "from": sender, "chat_instance": "1",
                                       "data": payload, "message": bot_msg}}
        return Update.de_json(data, self.app.bot)

    async def run_round(self, users: range, step: int, script=SCRIPT) -> None:
        """Every user sends its ``step``-th update at once; wait for all."""
        self.idle.clear()
        updates = [self.update(u, *script[step]) for u in users]
        self.pending |= {u.update_id for u in updates}
        for update in updates:
            await self.app.update_queue.put(update)
        await self.idle.wait()


def echo_application(api: FakeBotAPI):
    async def echo(update: Update, context) -> None:
        if update.callback_query:
            await update.callback_query.answer()
            await context.bot.send_message(update.effective_chat.id, update.callback_query.data)
        elif update.message and update.message.text:
            await context.bot.send_message(update.effective_chat.id, update.message.text)

    app = (ApplicationBuilder().token(TOKEN).request(InProcessRequest(api))
           .get_updates_request(InProcessRequest(api)).concurrent_updates(PerChatUpdateProcessor(256)).build())
    app.add_handler(TypeHandler(Update, echo))
    return app


async def measure(kind: str, clients: int, open_interviews: int, db_dir: str) -> dict:
    api = FakeBotAPI(TOKEN, record=False)
    storage = None
    if kind == "diagbot":
        settings = load(telegram_bot_token=TOKEN, database_path=Path(db_dir) / "bench.sqlite3", _env_file=None)
        storage = await Storage(settings.database_path).open()
        app = build_application(settings, storage, request=InProcessRequest(api),
                                get_updates_request=InProcessRequest(api),
                                driver=Driver(storage, today=lambda: TODAY))
    else:
        app = echo_application(api)
    load_ = Load(app)
    await app.initialize()
    await app.start()
    process = psutil.Process()
    peak = process.memory_info().rss

    # 1. Time per update, one update in flight at a time (no queueing in the
    #    figure): LATENCY_CLIENTS full interviews one after the other.
    for user in range(1, LATENCY_CLIENTS + 1):
        for step in range(len(SCRIPT)):
            await load_.run_round(range(user, user + 1), step)
    durations = sorted(load_.durations)

    # 2. Throughput: `clients` full interviews, every client's next answer arriving at once.
    users = range(10_000, 10_000 + clients)
    t0 = time.perf_counter()
    for step in range(len(SCRIPT)):
        await load_.run_round(users, step)
        peak = max(peak, process.memory_info().rss)
    elapsed = time.perf_counter() - t0
    answers = clients * len(SCRIPT)
    if storage:
        # Every scripted answer must have been taken (a stale turn in SCRIPT
        # would be ignored, and the figures would time nothing).
        for user in users:
            session = await storage.current_session(user)
            if session is None or session.state.status != "done":
                raise SystemExit(f"client {user} did not finish the interview: is SCRIPT out of date?")

    # 3. Many interviews open at once (each stopped mid-way), in batches.
    base = 1_000_000
    batch = 1000
    for start in range(0, open_interviews, batch):
        group = range(base + start, base + min(start + batch, open_interviews))
        for step in range(OPEN_PREFIX):
            await load_.run_round(group, step)
        peak = max(peak, process.memory_info().rss)

    await app.stop()
    await app.shutdown()
    if storage:
        await storage.close()
    return {
        "bot": kind,
        "clients": clients,
        "updates": answers,
        "seconds": round(elapsed, 3),
        "answers_per_s": round(answers / elapsed, 1),
        "p50_ms": round(statistics.median(durations) * 1000, 3),
        "p99_ms": round(durations[int(len(durations) * 0.99) - 1] * 1000, 3),
        "mean_ms": round(statistics.fmean(durations) * 1000, 3),
        "ms_per_update_under_load": round(elapsed / answers * 1000, 3),
        "open_interviews": open_interviews,
        "peak_rss_mb": round(peak / 2**20, 1),
        "writes_per_commit": round(storage.batched_writes / storage.batches, 2) if storage else None,
    }


def run_child(kind: str, clients: int, open_interviews: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--only", kind, "--clients", str(clients), "--open", str(open_interviews)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=300, help="clients taken through a full quick interview")
    parser.add_argument("--open", type=int, default=10_000, help="interviews left open for the memory figure")
    parser.add_argument("--only", choices=("diagbot", "echo"), help="run one bot in this process, print JSON")
    args = parser.parse_args()
    if args.only:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(asyncio.run(measure(args.only, args.clients, args.open, tmp))))
        return
    ours = run_child("diagbot", args.clients, args.open)
    echo = run_child("echo", args.clients, args.open)
    rows = (("updates", f"updates ({args.clients} clients)"), ("answers_per_s", "answers/s"),
            ("ms_per_update_under_load", "ms/update under load"), ("p50_ms", "p50 ms/update (seq.)"),
            ("p99_ms", "p99 ms/update (seq.)"), ("peak_rss_mb", f"peak RSS MB ({args.open} open)"))
    print(f"{'':30}{'diagbot':>12}{'echo bot':>12}")
    for key, label in rows:
        print(f"{label:30}{ours[key]:>12}{echo[key]:>12}")
    print(f"cost per update vs echo: {ours['ms_per_update_under_load'] / echo['ms_per_update_under_load']:.2f}x"
          f" under load, {ours['p50_ms'] / echo['p50_ms']:.2f}x at p50 sequentially")
    print(f"diagbot: {ours['writes_per_commit']} writes per SQLite commit (group commit, whole run)")
    print(f"cpu count {os.cpu_count()}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()

"""``diagbot greetings plan|send|status``: the operators' view of scheduled greetings.

Each command opens the bot's SQLite file (``DATABASE_PATH``) through the same
``Storage`` as the bot, so it works whether or not the bot is running.

- ``plan --date D``: a dry run: how many greetings are due on D, per
  occasion (annual review reminders and advisors' digests too), and the
  first few recipients as pseudonyms (a keyed hash, never an id or a name).
  Writes nothing.
- ``send --date D``: plans D (greetings, review reminders, advisors' digests)
  and sends what is pending for D now, through the same ``run_day`` as the
  bot's own clock, for any D (operators rehearse and catch up; one line on
  stderr says so when D is not today, or when it is today before
  GREETING_TIME). Rows expire only before the real today (and before D):
  a rehearsal of a later day never expires today's rows; pending lead cards
  never expire and go with this drain. Idempotent: a second run sends
  nothing new.
- ``status``: per date and occasion, how many were sent / unknown / failed /
  expired (and still pending or being sent).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .config import Settings

SHOWN_RECIPIENTS = 5
YEARS = (1900, 2100)  # --date: the calendar's range (lunar-python's and any plan's)


class BadInput(ValueError):
    """One line for the operator (exit status 2)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    greetings = sub.add_parser("greetings", help="plan, send or count scheduled greetings (works while the bot runs)")
    actions = greetings.add_subparsers(dest="action", required=True, metavar="{plan,send,status}")
    dry = actions.add_parser("plan", help="dry run: greetings due on a date, per occasion (recipients pseudonymous)")
    dry.add_argument("--date", help="YYYY-MM-DD (default: today in TZ)")
    send = actions.add_parser("send", help="plan a date and send what is due now (a second run sends nothing new)")
    send.add_argument("--date", help="YYYY-MM-DD (default: today in TZ)")
    status = actions.add_parser("status", help="per date and occasion: sent / unknown / failed / expired / pending")
    status.add_argument("--date", help="only this date (YYYY-MM-DD)")


def day_of(text: str | None, today: date) -> date:
    if text is None:
        return today
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        day = None
    if day is None or not YEARS[0] <= day.year <= YEARS[1]:
        raise BadInput(f"--date {text!r} is not a date as YYYY-MM-DD (years {YEARS[0]}–{YEARS[1]}),"
                       f" e.g. 2027-09-15")
    return day


def tag(chat_id: int, secret: str) -> str:
    from .telegram_app import chat_tag  # the logs' pseudonym: one definition

    return chat_tag(chat_id, secret)


def _quiet_stdout() -> None:
    """The reader of our output went away (``| head -1``): what is left of it
    goes nowhere, and the exit's flush raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """One greetings command; raises BadInput before touching the database.
    A closed pipe on stdout (``… | head -1``) ends it quietly."""
    try:
        code = await _run(settings, args)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    return code


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    # Imported here: `diagbot` starts no slower for the other commands.
    from telegram.error import EndPointNotFound, InvalidToken, TelegramError

    from .greetings import driver_for, end_of, plan, plan_digests, run_day
    from .sender import Sender, make_bot
    from .storage import Storage
    from .storage_outbox import STATUSES, Outbox

    tz = ZoneInfo(settings.tz)
    today = datetime.now(tz).date()
    if args.action == "status":
        only = day_of(args.date, today) if args.date else None
        async with Storage(settings.database_path) as storage:
            rows = await Outbox(storage).status(only)
        if not rows:
            print("No greetings planned" + (f" for {only.isoformat()}." if only else " yet."), file=sys.stderr)
            return 0
        print("\t".join(("day", "occasion", *STATUSES)))
        for row in rows:
            print("\t".join((row.day, row.occasion, *(str(row.counts[s]) for s in STATUSES))))
        return 0
    day = day_of(args.date, today)
    # The pseudonyms' key: the token (as the bot's logs), else a secret of this run (never a fixed key).
    secret = settings.token or secrets.token_hex(32)
    if args.action == "plan":
        async with Storage(settings.database_path) as storage:
            outbox = Outbox(storage)
            report = await plan(outbox, day, language=settings.language, dry_run=True, tz=tz)
            try:
                report.digests, _ = await plan_digests(outbox, driver_for(storage, settings), day, dry_run=True)
            except Exception as err:  # the greetings' figures still count; the reason by its type only
                digest_error = type(err).__name__
            else:
                digest_error = None
                if report.digests:
                    report.by_occasion["digest"] += report.digests
            already = await outbox.planned(day)
        print(f"{day.isoformat()} (dry run, nothing written): {report.due} greetings due;"
              f" {already} already in the outbox for that day")
        if report.reviews or report.digests:
            print(f"also due: {report.reviews} review reminders, {report.digests or 0} advisors' digests")
        for occasion, count in sorted(report.by_occasion.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"{occasion}\t{count}")
        if report.recipients:
            shown = ", ".join(tag(chat, secret) for chat in report.recipients[:SHOWN_RECIPIENTS])
            more = len(report.recipients) - SHOWN_RECIPIENTS
            print(f"first recipients (pseudonyms): {shown}" + (f" and {more} more" if more > 0 else ""))
        if digest_error:
            print(f"diagbot: the advisors' digests could not be worked out ({digest_error})", file=sys.stderr)
            return 1
        return 0
    # send
    if not settings.token:
        raise BadInput("TELEGRAM_BOT_TOKEN is not set: `greetings send` sends through the Bot API"
                       " (set it in .env or the environment)")
    from .telegram_app import configure_logging  # counts and error types only, on stderr

    configure_logging(settings.log_level)
    bot = make_bot(settings, settings.greeting_rate)
    async with Storage(settings.database_path) as storage:
        try:
            await bot.initialize()  # getMe: a wrong token or an unreachable API stops here, before any claim
        except (InvalidToken, EndPointNotFound) as err:
            print(f"diagbot: the Bot API refused the token ({type(err).__name__}): check TELEGRAM_BOT_TOKEN"
                  f" and TELEGRAM_API_BASE_URL", file=sys.stderr)
            return 2
        except TelegramError as err:
            print(f"diagbot: cannot reach the Bot API at TELEGRAM_API_BASE_URL ({type(err).__name__});"
                  f" nothing was sent", file=sys.stderr)
            return 1
        # Any D, as asked (operators rehearse and catch up): one line says what this is.
        if day != today:
            print(f"diagbot: sending the messages of {day.isoformat()} on {today.isoformat()}:"
                  f" a rehearsal or a catch-up", file=sys.stderr)
        elif datetime.now(tz).time() < settings.greeting_time:
            print(f"diagbot: before GREETING_TIME ({settings.greeting_time:%H:%M}): sending now as asked",
                  file=sys.stderr)
        try:
            outbox = Outbox(storage)
            recovered = await outbox.recover()
            sender = Sender(outbox, bot, settings.greeting_rate, now=lambda: datetime.now(tz))
            until = end_of(day, tz) if day == today else None  # today's greetings stop at midnight
            # The bot's own tick: greetings, review reminders and the advisors' digests, one path.
            expired, planned, drained = await run_day(outbox, sender, day, language=settings.language,
                                                      until=until, digests=driver_for(storage, settings), tz=tz,
                                                      today=today)
        finally:
            await bot.shutdown()
    assert planned is not None  # greetings=True: always planned
    print(f"{day.isoformat()}: {planned.due} greetings due, {planned.inserted} newly planned;"
          f" sent {drained.sent}, unknown {drained.unknown}, failed {drained.failed},"
          f" left pending {drained.released}; expired (earlier days) {expired}"
          + (f"; found {recovered} left sending by a stopped sender: marked unknown" if recovered else ""))
    if planned.reviews or planned.digests:
        print(f"also due: {planned.reviews} review reminders, {planned.digests or 0} advisors' digests"
              f" (in the counts above)")
    if drained.error:
        print(f"diagbot: sending stopped: {drained.error} (is TELEGRAM_BOT_TOKEN right?)", file=sys.stderr)
        return 1
    if planned.digests is None:
        print("diagbot: the advisors' digests could not be planned (see the log); the rest was sent",
              file=sys.stderr)
        return 1
    return 0

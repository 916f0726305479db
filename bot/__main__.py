"""``diagbot`` / ``python -m bot``: run (Telegram, or the console when no
token is set), console, advisors (add, list, remove), or greetings (plan,
send, status)."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from typing import NoReturn

from . import advisors_cli, greetings_cli
from .config import SettingsError, load


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line (and exit status 2), not the usage block."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="diagbot", description="保险需求诊断 bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (long polling); the console when no token is set")
    console = sub.add_parser("console", help="run the interview in this terminal")
    console.add_argument("--user", metavar="TELEGRAM_USER_ID", default=None,
                         help="play this Telegram user (an advisor, an admin, a client); default: a local user")
    advisors_cli.add_parser(sub)
    greetings_cli.add_parser(sub)
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, or a bad argument (already reported)
        return done.code if isinstance(done.code, int) else 0
    try:
        settings = load()
    except SettingsError as err:
        print(f"diagbot: {err}", file=sys.stderr)
        return 2
    command = args.command or "run"
    try:
        if command == "advisors":
            return asyncio.run(advisors_cli.run(settings, args))
        if command == "leads":
            return asyncio.run(advisors_cli.run_leads(settings, args))
        if command == "greetings":
            return asyncio.run(greetings_cli.run(settings, args))
        if command == "console" or not settings.token:
            if command == "run":
                print("diagbot: TELEGRAM_BOT_TOKEN is not set — starting the terminal console instead.\n",
                      file=sys.stderr)
            from .console import main as console_main

            user = advisors_cli.user_id(args.user) if getattr(args, "user", None) else 0
            asyncio.run(console_main(settings, user))
        else:
            from .telegram_app import run_polling

            run_polling(settings)
    except (advisors_cli.BadInput, greetings_cli.BadInput) as err:
        print(f"diagbot: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    except (OSError, sqlite3.Error) as err:  # e.g. DATABASE_PATH in a folder we may not write
        print(f"diagbot: cannot use the database {settings.database_path}: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

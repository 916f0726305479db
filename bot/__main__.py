"""``diagbot`` / ``python -m bot``: run (Telegram, or the console when no
token is set), console, or check."""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys

from .config import SettingsError, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="diagbot", description="保险需求诊断 bot")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (long polling); the console when no token is set")
    sub.add_parser("console", help="run the interview in this terminal")
    args = parser.parse_args(argv)
    try:
        settings = load()
    except SettingsError as err:
        print(f"diagbot: {err}", file=sys.stderr)
        return 2
    command = args.command or "run"
    try:
        if command == "console" or not settings.token:
            if command == "run":
                print("diagbot: TELEGRAM_BOT_TOKEN is not set — starting the terminal console instead.\n",
                      file=sys.stderr)
            from .console import main as console_main

            asyncio.run(console_main(settings))
        else:
            from .telegram_app import run_polling

            run_polling(settings)
    except KeyboardInterrupt:
        pass
    except (OSError, sqlite3.Error) as err:  # e.g. DATABASE_PATH in a folder we may not write
        print(f"diagbot: cannot use the database {settings.database_path}: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

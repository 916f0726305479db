"""``diagbot advisors add|list|remove|reassign`` and ``diagbot leads
unassigned|assign``: manage advisors and their leads from the command line.

Each command opens the same SQLite file as the bot (whether or not the bot is
running: the database is the truth, and the bot reads advisors from it on
every use) and closes it again.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata

from telegram.helpers import create_deep_linked_url

from .config import Settings
from .storage import Advisor, Storage
from .storage_leads import LeadStore

NAME_MAX = 64
COMPANY_MAX = 100
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{2,30}$")
USER_ID_MAX = 2**53 - 1  # Telegram user ids have at most 52 significant bits


class BadInput(ValueError):
    """One line for the operator (exit status 2)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    advisors = sub.add_parser("advisors", help="add, list or remove advisors (works while the bot runs)")
    actions = advisors.add_subparsers(dest="action", required=True, metavar="{add,list,remove,reassign}")
    add = actions.add_parser("add", help="add an advisor (or update one) and print their referral link")
    add.add_argument("user_id", metavar="TELEGRAM_USER_ID")
    add.add_argument("--name", required=True, help="the advisor's name, e.g. 王芳")
    add.add_argument("--company", help="e.g. 平安保险")
    add.add_argument("--phone", help="e.g. +86 138 0000 0000")
    actions.add_parser("list", help="the active advisors: id, name, company, referral link")
    remove = actions.add_parser("remove", help="remove an advisor (their leads are kept)")
    remove.add_argument("user_id", metavar="TELEGRAM_USER_ID")
    reassign = actions.add_parser("reassign", help="give every lead of one advisor (e.g. a removed one) to another")
    reassign.add_argument("from_id", metavar="FROM")
    reassign.add_argument("to_id", metavar="TO")
    leads = sub.add_parser("leads", help="leads of no advisor: list them, assign one (works while the bot runs)")
    lead_actions = leads.add_subparsers(dest="action", required=True, metavar="{unassigned,assign}")
    lead_actions.add_parser("unassigned", help="leads of no active advisor: number, consent time")
    assign = lead_actions.add_parser("assign", help="give a lead of no active advisor to an advisor")
    assign.add_argument("lead", metavar="LEAD_NUMBER")
    assign.add_argument("to_id", metavar="TELEGRAM_USER_ID")


def user_id(text: str) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= USER_ID_MAX:
        raise BadInput(f"{text!r} is not a Telegram user id (a positive whole number, e.g. 123456789)")
    return int(text)


def _text(label: str, value: str | None, limit: int, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise BadInput(f"{label} must not be empty")
        return None
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise BadInput(f"{label} must be one line without control characters")
    if len(value) > limit:
        raise BadInput(f"{label} is {len(value)} characters long; at most {limit}")
    return value


def phone(value: str | None) -> str | None:
    value = _text("--phone", value, 32)
    if value is not None and not _PHONE.match(value):
        raise BadInput(f"--phone {value!r} does not look like a phone number (digits, spaces, +, -, parentheses)")
    return value


def link(settings: Settings, advisor: Advisor) -> str | None:
    """The advisor's referral link, or None while BOT_USERNAME is not set."""
    if not settings.bot_username:
        return None
    return create_deep_linked_url(settings.bot_username, advisor.referral_token)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """One advisors command; raises BadInput before touching the database."""
    if args.action == "add":
        uid = user_id(args.user_id)
        name = _text("--name", args.name, NAME_MAX, required=True)
        company = _text("--company", args.company, COMPANY_MAX)
        tel = phone(args.phone)
        async with Storage(settings.database_path) as storage:
            before = await storage.advisor(uid)
            advisor = await storage.add_advisor(uid, name, company, tel)
        url = link(settings, advisor)
        print(url or advisor.referral_token)
        what = ("added" if before is None else "updated" if before.active else "added again (same referral link)")
        who = advisor.name + (f" ({advisor.company})" if advisor.company else "")
        if url is None:
            print("diagbot: BOT_USERNAME is not set, so the line above is only the referral token; set "
                  "BOT_USERNAME (the bot's username) and run `diagbot advisors list` to get the link.",
                  file=sys.stderr)
        print(f"Advisor {who}, Telegram user {advisor.telegram_user_id}: {what}. They must open the bot once "
              f"(send it /start) before it can send them anything: Telegram lets a bot message only people "
              f"who started it.", file=sys.stderr)
        return 0
    if args.action == "list":
        async with Storage(settings.database_path) as storage:
            advisors = await storage.advisors()
        for advisor in advisors:
            url = link(settings, advisor) or f"(token {advisor.referral_token}; set BOT_USERNAME for the link)"
            print(f"{advisor.telegram_user_id}\t{advisor.name}\t{advisor.company or '-'}\t{url}")
        if not advisors:
            print("No advisors yet: add one with `diagbot advisors add TELEGRAM_USER_ID --name …`.",
                  file=sys.stderr)
        return 0
    if args.action == "reassign":
        source, target = user_id(args.from_id), user_id(args.to_id)
        if source == target:
            raise BadInput("FROM and TO are the same advisor")
        async with Storage(settings.database_path) as storage:
            to = await storage.advisor(target)
            if to is None or not to.active:
                raise BadInput(f"no active advisor with Telegram user id {target}: add them first")
            if await storage.advisor(source) is None:
                raise BadInput(f"no advisor with Telegram user id {source}")
            moved = await LeadStore(storage).reassign(source, target)
        print(f"Moved {moved} lead(s) from {source} to {to.name} ({target}): they are in {to.name}'s /leads now.")
        return 0
    # remove
    uid = user_id(args.user_id)
    async with Storage(settings.database_path) as storage:
        advisor = await storage.advisor(uid)
        removed = await storage.remove_advisor(uid)
    if removed:
        print(f"Removed advisor {advisor.name}, Telegram user {uid}: their referral link no longer names "
              f"them; their leads are kept.")
        return 0
    print(f"No active advisor with Telegram user id {uid}: nothing removed.")
    return 1


def lead_number(text: str) -> int:
    text = text.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise BadInput(f"{text!r} is not a lead number (the N of /lead N, e.g. 12)")
    return int(text)


async def run_leads(settings: Settings, args: argparse.Namespace) -> int:
    """``diagbot leads unassigned|assign``: the leads of no active advisor
    (clients who agreed to be contacted without a referral, or whose advisor
    was removed). No client's figures are printed: numbers and times only."""
    if args.action == "unassigned":
        async with Storage(settings.database_path) as storage:
            waiting = await LeadStore(storage).unassigned()
        for lead in waiting:
            print(f"{lead.id}\t{lead.source}\t{lead.consent_at}")
        if not waiting:
            print("No lead is waiting for an advisor.", file=sys.stderr)
        return 0
    number, target = lead_number(args.lead), user_id(args.to_id)
    async with Storage(settings.database_path) as storage:
        to = await storage.advisor(target)
        if to is None or not to.active:
            raise BadInput(f"no active advisor with Telegram user id {target}")
        if not await LeadStore(storage).assign(number, target):
            print(f"No lead #{number} waiting for an advisor: nothing assigned (see `diagbot leads unassigned`).")
            return 1
        # The card goes through the outbox: the running bot sends it at its next tick.
        from .advisors import AdvisorsRoom
        from .driver import Driver

        driver = Driver(storage, timezone=settings.tz, language=settings.language)
        room = next(r for r in driver.rooms if isinstance(r, AdvisorsRoom))
        await room.push_card_of_lead(number, target)
    print(f"Lead #{number} assigned to {to.name} ({target}): it is in their /leads now, and the running bot "
          f"sends them its card within a minute.")
    return 0

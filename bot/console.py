"""The terminal channel: the same driver and flow as Telegram, for a user
without a token and for demos. Answers are stored in the same SQLite file,
so quitting and running again resumes at the same question."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from flows.messages import msg

from .callbacks import (
    DETAIL_MENU,
    Aside,
    CardAction,
    Choose,
    DeleteChoice,
    EditAnswer,
    EditSection,
    GoBack,
    RestartChoice,
    ShowDetail,
    SkipStep,
    TakeDefault,
    decode,
)
from .driver import Driver
from .presenter import Button, Outgoing, edit_section
from .storage import Storage

CONSOLE_USER_ID = 0  # Telegram user ids are positive, so this never collides
QUIT_WORDS = {"quit", "exit", "q", "退出"}


# Back and skip get letters, so that typing a number always means the number
# (or the numbered option), never "go back".
NAV_KEYS = {GoBack: "b", SkipStep: "s", TakeDefault: "t"}
# The result card's buttons: 查看计算明细, 修改答案, 完整诊断 (letters, so they stay
# usable while the closing question under the card takes the numbers).
CARD_KEYS = {"edit": "e", "deepen": "f"}
CARD_LETTERS = ("d", *CARD_KEYS.values())
# Buttons of a one-shot prompt: once one is used, the prompt's keys are gone
# (the keys before it come back, unless everything was deleted).
ONE_SHOT = (DeleteChoice, RestartChoice)
MENU_SEP = " → "  # an edit menu button reads "<question> → <value>" (bot.presenter.edit_menu)


def letter(press) -> str | None:
    """The letter of a navigation or result-card button, None for an option."""
    if isinstance(press, Aside):  # a side conversation's button: as its inner press
        press = decode(press.press)
    if isinstance(press, CardAction):
        return CARD_KEYS.get(press.action)
    if isinstance(press, ShowDetail) and press.section == DETAIL_MENU:
        return "d"
    return NAV_KEYS.get(type(press))


def render(out: Outgoing) -> tuple[str, dict[str, Button]]:
    """Text with the buttons labelled [1] [2] … or with letters ([b]/[s],
    the card's [d]/[e]/[f]), and the key of each."""
    keys: dict[str, Button] = {}
    lines = [out.text]
    n = 0
    for row in out.buttons:  # a row of buttons is a line, as in Telegram
        shown = []
        for b in row:
            if b.url is not None:  # a link: shown, nothing to press here
                shown.append(f"{b.label}: {b.url}")
                continue
            key = letter(b.press)
            if key is None:
                n += 1
                key = str(n)
            keys[key] = b
            shown.append(f"[{key}] {b.label}")
        lines.append("   " + "   ".join(shown))
    return "\n".join(lines), keys


async def run_console(storage: Storage, driver: Driver, read: Callable[[], str | None] | None = None,
                      write: TextIO | None = None, user: int = CONSOLE_USER_ID) -> None:
    """``user``: whose chat this is (``diagbot console --user ID`` plays a
    Telegram user: an advisor, an admin, a client)."""
    write = write or sys.stdout
    read = read or _stdin_line
    r = driver.renderer

    def show(outs: list[Outgoing]) -> dict[str, Button]:
        shown: dict[str, Button] = {}
        for out in outs:
            text, buttons = render(out)
            if out.attachment is not None:
                text += "\n" + r(msg("console.file_saved", path=_save(out.attachment, files)))
            print(text, end="\n\n", file=write, flush=True)
            if buttons:
                shown = buttons
            # The card's keys stay usable (as its buttons do in Telegram)
            # under the questions that follow it, until a newer card.
            card_keys.update({k: b for k, b in buttons.items() if k in CARD_LETTERS})
        return shown

    card_keys: dict[str, Button] = {}
    # Pictures and documents (a QR code, a CSV export) are saved beside the database.
    files = Path(storage.path).parent if storage.path != ":memory:" else Path(".")

    print(r.text("console.welcome"), end="\n\n", file=write)
    buttons = show(await driver.command(user, "start"))
    before_prompt: dict[str, Button] = {}  # the keys a one-shot prompt replaced
    while True:
        line = read()
        if line is None or line.strip().lower() in QUIT_WORDS:
            print(r.text(await _goodbye(storage, user)), file=write)
            return
        text = line.strip()
        word, _, arg = text.lstrip("/").partition(" ")
        word = word.lower()
        pressed = buttons.get(text.lower()) or card_keys.get(text.lower())
        # The command words: bot.routing; a word with more after it is a
        # command only when typed with its slash (/lead 3), else it is text.
        command = driver.routes.known(word) and (not arg or text.startswith("/"))
        if pressed is None and not command and text.startswith("/") and word:
            # As in Telegram: a slash command that is none of ours.
            print(r.text("unknown.command"), end="\n\n", file=write, flush=True)
            continue
        if pressed is None and not command:
            pressed = menu_pick(text, buttons, await _every_edit_item(driver, buttons, user))
        acted = False
        if pressed is not None:
            outs = await driver.button(user, pressed.data)
            acted = bool(outs)
            if not acted:  # an expired button: Telegram shows this as a toast
                outs = [Outgoing(r.text("button.stale"))]
        elif command:
            outs = await driver.command(user, word, arg.strip())
        else:
            outs = await driver.text(user, line)
        new_buttons = show(outs)
        # A reply that asks something (or offers buttons) replaces the keys;
        # one that only informs (summary, help) leaves the question's keys usable.
        # A result card alone (/summary) only adds its lettered keys: the
        # numbers still answer what was asked before it (a confirmation…).
        card_only = bool(new_buttons) and set(new_buttons) <= set(CARD_LETTERS)
        if (new_buttons and not card_only) or any(out.question_step for out in outs):
            if any(isinstance(b.press, ONE_SHOT) for b in new_buttons.values()):
                before_prompt = buttons
            buttons = new_buttons
        elif pressed is not None and isinstance(pressed.press, ONE_SHOT):
            # Used once: its keys go; after a deletion nothing is left to press.
            deleted = acted and isinstance(pressed.press, DeleteChoice) and pressed.press.confirmed
            buttons = {} if deleted else before_prompt
            before_prompt = {}
            if deleted:
                card_keys.clear()
        elif _answered_last(outs, buttons) and await _interview_done(storage, user):
            # The last question answered: its keys are spent; a number typed
            # now is a message (the bot says the diagnosis is complete).
            buttons = {}


def _save(attachment, folder: Path) -> str:
    """A picture or a document, written to a file; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / attachment.filename
    path.write_bytes(attachment.content)
    return str(path)


def _answered_last(outs: list[Outgoing], buttons: dict[str, Button]) -> bool:
    """A reply with nothing to press after a question's keys were showing."""
    return bool(outs) and any(isinstance(b.press, (Choose, SkipStep, GoBack)) for b in buttons.values())


async def _interview_done(storage: Storage, user: int) -> bool:
    session = await storage.current_session(user)
    return session is not None and session.state.status == "done"


async def _goodbye(storage: Storage, user: int) -> str:
    """Say what is saved: nothing before consent or after /delete; a finished
    diagnosis; or answers to go on with."""
    session = await storage.current_session(user)
    if session is None:
        return "console.bye_nothing_saved"
    return "console.bye_done" if session.state.status == "done" else "console.bye"


async def _every_edit_item(driver: Driver, buttons: dict[str, Button], user: int) -> list[Button]:
    """At the edit menu's list of sections, the items of every section: a
    question's label typed there picks it, as on one long menu."""
    if not any(isinstance(b.press, EditSection) for b in buttons.values()):
        return []
    return [b for row in edit_section(await driver.edit_items(user), driver.renderer).buttons for b in row]


def menu_pick(text: str, buttons: dict[str, Button], more: Sequence[Button] = ()) -> Button | None:
    """At an edit menu, the item whose label the client typed: the whole
    label, the question's label, or a prefix of exactly one question label;
    at its list of sections, a section's title too (``more``: the items of
    every section). Anything else (an answer to the current question) is None."""
    text = text.strip()
    shown = list(buttons.values())
    titled = [b for b in shown if isinstance(b.press, EditSection) and b.label == text]
    if titled:
        return titled[0]
    items = [b for b in shown + list(more) if isinstance(b.press, EditAnswer)]
    if not items or not text:
        return None
    whole = [b for b in items if text in (b.label, b.label.split(MENU_SEP, 1)[0])]
    if whole:
        return whole[0]
    prefixed = [b for b in items if b.label.split(MENU_SEP, 1)[0].startswith(text)]
    return prefixed[0] if len(prefixed) == 1 else None


def _stdin_line() -> str | None:
    try:
        print("> ", end="", flush=True)
        return input()
    except EOFError:
        return None


async def main(settings, user: int = CONSOLE_USER_ID) -> None:
    async with Storage(settings.database_path) as storage:
        driver = Driver(storage, timezone=settings.tz, language=settings.language,
                        admin_ids=settings.admin_user_ids, bot_username=settings.bot_username)
        await run_console(storage, driver, user=user)

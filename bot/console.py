"""The terminal channel: the same driver and flow as Telegram, for a user
without a token and for demos. Answers are stored in the same SQLite file,
so quitting and running again resumes at the same question."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from .callbacks import DeleteChoice, EditAnswer, GoBack, SkipStep
from .driver import Driver
from .presenter import Button, Outgoing
from .storage import Storage

CONSOLE_USER_ID = 0  # Telegram user ids are positive, so this never collides
QUIT_WORDS = {"quit", "exit", "q", "退出"}
COMMAND_WORDS = ("back", "skip", "edit", "restart", "deepen", "summary", "mydata", "delete", "help", "start", "cancel")


# Back and skip get letters, so that typing a number always means the number
# (or the numbered option), never "go back".
NAV_KEYS = {GoBack: "b", SkipStep: "s"}
# Buttons of a one-shot prompt: once one is used, the prompt's keys are gone
# (the keys before it come back, unless everything was deleted).
ONE_SHOT = (DeleteChoice,)
MENU_SEP = " → "  # an edit menu button reads "<question> → <value>" (bot.presenter.edit_menu)


def render(out: Outgoing) -> tuple[str, dict[str, Button]]:
    """Text with the buttons labelled [1] [2] … or [b]/[s], and the key of each."""
    keys: dict[str, Button] = {}
    lines = [out.text]
    n = 0
    for row in out.buttons:  # a row of buttons is a line, as in Telegram
        shown = []
        for b in row:
            key = NAV_KEYS.get(type(b.press))
            if key is None:
                n += 1
                key = str(n)
            keys[key] = b
            shown.append(f"[{key}] {b.label}")
        lines.append("   " + "   ".join(shown))
    return "\n".join(lines), keys


async def run_console(storage: Storage, driver: Driver, read: Callable[[], str | None] | None = None,
                      write: TextIO | None = None) -> None:
    write = write or sys.stdout
    read = read or _stdin_line
    r = driver.renderer

    def show(outs: list[Outgoing]) -> dict[str, Button]:
        shown: dict[str, Button] = {}
        for out in outs:
            text, buttons = render(out)
            print(text, end="\n\n", file=write, flush=True)
            if buttons:
                shown = buttons
        return shown

    print(r.text("console.welcome"), end="\n\n", file=write)
    buttons = show(await driver.command(CONSOLE_USER_ID, "start"))
    before_prompt: dict[str, Button] = {}  # the keys a one-shot prompt replaced
    while True:
        line = read()
        if line is None or line.strip().lower() in QUIT_WORDS:
            print(r.text("console.bye"), file=write)
            return
        text = line.strip()
        word = text.lstrip("/").lower()
        pressed = buttons.get(text.lower())
        if pressed is None and word not in COMMAND_WORDS:
            pressed = menu_pick(text, buttons)
        acted = False
        if pressed is not None:
            outs = await driver.button(CONSOLE_USER_ID, pressed.data)
            acted = bool(outs)
            if not acted:  # an expired button: Telegram shows this as a toast
                outs = [Outgoing(r.text("button.stale"))]
        elif word in COMMAND_WORDS:
            outs = await driver.command(CONSOLE_USER_ID, word)
        else:
            outs = await driver.text(CONSOLE_USER_ID, line)
        new_buttons = show(outs)
        # A reply that asks something (or offers buttons) replaces the keys;
        # one that only informs (summary, help) leaves the question's keys usable.
        if new_buttons or any(out.question_step for out in outs):
            if any(isinstance(b.press, ONE_SHOT) for b in new_buttons.values()):
                before_prompt = buttons
            buttons = new_buttons
        elif pressed is not None and isinstance(pressed.press, ONE_SHOT):
            # Used once: its keys go; after a deletion nothing is left to press.
            deleted = acted and getattr(pressed.press, "confirmed", False)
            buttons = {} if deleted else before_prompt
            before_prompt = {}


def menu_pick(text: str, buttons: dict[str, Button]) -> Button | None:
    """At an edit menu, the item whose label the client typed: the whole
    label, the question's label, or a prefix of exactly one question label.
    Anything else (an answer to the current question) is None."""
    items = [b for b in buttons.values() if isinstance(b.press, EditAnswer)]
    text = text.strip()
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


async def main(settings) -> None:
    async with Storage(settings.database_path) as storage:
        driver = Driver(storage, timezone=settings.tz, language=settings.language)
        await run_console(storage, driver)

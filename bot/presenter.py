"""From engine replies to channel-neutral outgoing messages (text + buttons).

Telegram turns the buttons into an inline keyboard; the console numbers them.
A button's callback data (``bot.callbacks``) names the step and the turn (the
copy of the question) it belongs to, so a press on an older copy, or a second
tap, is recognized by the engine and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.engine import EditItem, Question, Reply
from flows.messages import msg
from flows.summary import summary_blocks

from .callbacks import CallbackData, Choose, EditAnswer, GoBack, SkipStep
from .i18n import Renderer

TELEGRAM_TEXT_LIMIT = 4096


@dataclass(frozen=True)
class Button:
    label: str
    press: CallbackData
    data: str = field(init=False)  # the callback data, encoded once (encoding checks the 64-byte limit)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data", self.press.encode())


@dataclass
class Outgoing:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    question_step: str | None = None  # set on the message that asks a question
    turn: int | None = None  # the copy of that question (State.turn when asked)
    # The message id of an older question message whose buttons this one
    # supersedes (set by the driver when a question is asked again or the
    # client navigated away); the channel removes that keyboard.
    replaces: int | None = None


def present(reply: Reply, r: Renderer, limit: int = TELEGRAM_TEXT_LIMIT) -> list[Outgoing]:
    out: list[Outgoing] = []
    notes = r.lines(reply.notes) if reply.notes else ""
    if reply.outcome is not None:
        if notes:
            out.append(Outgoing(notes))
            notes = ""
        out += [Outgoing(t) for t in summary_texts(reply.outcome, r, limit)]
    if reply.edit_menu is not None:
        out.append(edit_menu(reply.edit_menu, r))
    if reply.question is not None:
        # A note ("没能看懂这个金额…", "已按每月…换算") travels with the question it is about.
        asked = question(reply.question, r)
        if notes:
            asked.text = f"{notes}\n\n{asked.text}"
            notes = ""
        out.append(asked)
    if notes:
        out.append(Outgoing(notes))
    return out


def summary_texts(outcome, r: Renderer, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """The summary, packed into as few messages as fit the limit, never
    splitting a block (a risk's breakdown stays together) unless one block
    alone is over the limit, in which case it is split between lines."""
    blocks = [r.lines(block) for block in summary_blocks(outcome)]
    return pack(blocks, limit)


def pack(blocks: list[str], limit: int) -> list[str]:
    pieces: list[str] = []
    for block in blocks:
        pieces += _split_long(block, limit)
    messages: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = piece
    if current:
        messages.append(current)
    return messages


def _split_long(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    parts, current = [], ""
    for line in text.split("\n"):
        while len(line) > limit:  # one absurdly long line: cut it hard
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = line
    if current:
        parts.append(current)
    return parts


def question(q: Question, r: Renderer) -> Outgoing:
    progress = msg("ui.progress", n=q.progress[0], total=q.progress[1], section=q.section or "")
    lines = [r(progress), r(q.text)]
    if q.hint and q.kind not in ("choice", "yes_no"):
        lines.append(r(q.hint))
    buttons: list[list[Button]] = []
    if q.kind in ("choice", "yes_no"):
        # Two short options sit side by side; longer lists one per row.
        row = [Button(r(o.label), Choose(q.turn, q.step, o.id)) for o in q.options]
        buttons += [row] if len(row) <= 2 else [[b] for b in row]
    nav: list[Button] = []
    if q.can_back:
        nav.append(Button(r.text("ui.back"), GoBack(q.turn, q.step)))
    if q.default is not None:
        label_key = "ui.keep" if q.keeps_previous else "ui.default"
        nav.append(Button(r(msg(label_key, value=q.default)), SkipStep(q.turn, q.step)))
    if nav:
        buttons.append(nav)
    return Outgoing("\n".join(lines), buttons, question_step=q.step, turn=q.turn)


def edit_menu(items: list[EditItem], r: Renderer) -> Outgoing:
    buttons = [[Button(_short(f"{r(i.question)} → {r(i.value)}"), EditAnswer(i.key))] for i in items]
    return Outgoing(r.text("edit.menu"), buttons)


def _short(text: str, n: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"

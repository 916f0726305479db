"""From engine replies to channel-neutral outgoing messages (text + buttons).

Telegram turns the buttons into an inline keyboard; the console numbers them.
A button's callback data (``bot.callbacks``) names the step and the turn (the
copy of the question) it belongs to, so a press on an older copy, or a second
tap, is recognized by the engine and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows.engine import EditItem, Question, Reply
from flows.flow import Report
from flows.messages import msg

from . import callbacks  # the result card's buttons: callbacks.ShowDetail, callbacks.CardAction
from .callbacks import (
    ALL_SECTIONS,
    CallbackData,
    Choose,
    EditAnswer,
    EditSection,
    GoBack,
    SkipStep,
    TakeDefault,
)
from .i18n import Renderer

TELEGRAM_TEXT_LIMIT = 4096


@dataclass(frozen=True)
class Button:
    label: str
    press: CallbackData | None
    data: str = field(init=False)  # the callback data, encoded once (encoding checks the 64-byte limit)
    url: str | None = None  # a link button (e.g. tg://user?id=… opens a chat) instead of a press

    def __post_init__(self) -> None:
        if (self.press is None) == (self.url is None):
            raise ValueError("a button is either a press or a link")
        object.__setattr__(self, "data", self.press.encode() if self.press is not None else "")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: a picture (``photo``: the text is its
    caption) or a document (a CSV export)."""

    kind: str  # "photo" or "document"
    filename: str
    content: bytes


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
    # A question that asks for a phone number: Telegram shows its buttons as a
    # reply keyboard under the typing field, with this label on a first button
    # that shares the client's own number (the console types it instead).
    request_contact: str | None = None
    # This message takes that reply keyboard away (it has no buttons of its own).
    remove_reply_keyboard: bool = False
    # A picture or a document sent with the text (the text is its caption).
    attachment: Attachment | None = None
    # The user's roles changed (an advisor signed up): the channel sets the
    # chat's command menu again.
    menu_changed: bool = False
    # The id whose interview asked this question, when not the chat's own (a
    # side conversation's subject): the channel records the question there.
    owner: int | None = None


CLOSING_NOTES = "done."


def present(reply: Reply, report: Report | None, r: Renderer, limit: int = TELEGRAM_TEXT_LIMIT) -> list[Outgoing]:
    """``report``: how the outcome of the reply's flow is shown (None: the
    flow has no card; its notes are said all the same)."""
    out: list[Outgoing] = []
    notes = r.lines(reply.notes) if reply.notes else ""
    if reply.outcome is not None and report is not None:
        # Notes about the answer (a re-check, a conversion) come before the
        # card; the closing ones ("诊断已完成…") after it.
        before = [n for n in reply.notes if not n.key.startswith(CLOSING_NOTES)]
        after = [n for n in reply.notes if n.key.startswith(CLOSING_NOTES)]
        if before:
            out.append(Outgoing(r.lines(before)))
        out.append(result_card(report, reply.outcome, r))
        notes = r.lines(after) if after else ""
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


def summary_texts(report: Report, outcome, r: Renderer, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """The full breakdown (查看计算明细 → 全部), packed into as few messages
    as fit the limit, never splitting a block (a risk's breakdown stays
    together) unless one block alone is over the limit, in which case it is
    split between lines."""
    blocks = [r.lines(block) for block in report.full(outcome)]
    return pack(blocks, limit)


# --- the result card and its detail ---------------------------------------------


def figures_mark(report: Report, outcome) -> str:
    """A short fingerprint of a result's figures, carried by the card's detail
    buttons: a press on an old card can tell that the result has changed."""
    return report.fingerprint(outcome)


def card_actions(report: Report, outcome, r: Renderer) -> list[Button]:
    """修改答案 (as /edit) and, where the report offers it (after a quick
    diagnosis), 完整诊断 (as /deepen)."""
    actions = [Button(r.text("card.button.edit"), callbacks.CardAction("edit"))]
    if report.offers_deepen(outcome):
        actions.append(Button(r.text("card.button.deepen"), callbacks.CardAction("deepen")))
    return actions


def result_card(report: Report, outcome, r: Renderer) -> Outgoing:
    """The result on one screen, with 查看计算明细 / 修改答案 / 完整诊断 (where offered)."""
    detail = Button(r.text("card.button.detail"),
                    callbacks.ShowDetail(figures_mark(report, outcome), callbacks.DETAIL_MENU))
    return Outgoing(r.lines(report.card(outcome)), [[detail], card_actions(report, outcome, r)])


def detail_buttons(report: Report, outcome, r: Renderer) -> list[list[Button]]:
    """The section picker, in the report's rows."""
    mark = figures_mark(report, outcome)
    return [[Button(r.text(f"detail.section.{s}"), callbacks.ShowDetail(mark, s)) for s in row]
            for row in report.sections]


def detail_menu(report: Report, outcome, r: Renderer) -> Outgoing:
    """The section picker; the card's other buttons come along (in Telegram a
    pressed card loses its keyboard)."""
    return Outgoing(r.text("detail.pick"), detail_buttons(report, outcome, r) + [card_actions(report, outcome, r)])


def detail_messages(report: Report, outcome, section: str, r: Renderer,
                    limit: int = TELEGRAM_TEXT_LIMIT) -> list[Outgoing]:
    """One section of the breakdown (or all of it), the section picker under
    the last message so the next section is one tap away."""
    if section == callbacks.DETAIL_MENU:
        return [detail_menu(report, outcome, r)]
    texts = pack([r.lines(block) for block in report.detail(outcome, section)], limit)
    outs = [Outgoing(t) for t in texts]
    outs[-1].buttons = detail_buttons(report, outcome, r)
    return outs


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
    # Where the client is: the section and how many questions are left, never
    # a total that jumps; a closing question (after the result) its section only.
    section = q.section or msg("value.text", text="")
    if q.remaining is None:
        progress = q.section
    elif q.remaining == 0:
        progress = msg("ui.progress.last", section=section)
    else:
        progress = msg("ui.progress", section=section, left=q.remaining)
    lines = [r(q.text)] if progress is None else [r(progress), r(q.text)]
    if q.hint and q.kind not in ("choice", "yes_no"):
        lines.append(r(q.hint))
    buttons: list[list[Button]] = []
    if q.kind == "phone":
        return _phone_question(q, lines, r)
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
    if q.also_default is not None:  # 保持 offered, and a different default that fits too
        nav.append(Button(r(msg("ui.default", value=q.also_default)), TakeDefault(q.turn, q.step)))
    if nav:
        buttons.append(nav)
    return Outgoing("\n".join(lines), buttons, question_step=q.step, turn=q.turn)


def _phone_question(q: Question, lines: list[str], r: Renderer) -> Outgoing:
    """Its options (不留电话) and 上一步 only: a reply keyboard sends a button's
    label as text, which the step reads; a skip button would be a second
    不留电话."""
    buttons = [[Button(r(o.label), Choose(q.turn, q.step, o.id))] for o in q.options]
    if q.can_back:
        buttons.append([Button(r.text("ui.back"), GoBack(q.turn, q.step))])
    return Outgoing("\n".join(lines), buttons, question_step=q.step, turn=q.turn,
                    request_contact=r.text("label.contact_share"))


def section_of(item: EditItem) -> str:
    """The id of an item's section (its message id), as EditSection names it."""
    return item.section.key if item.section is not None else NO_SECTION


NO_SECTION = "-"  # steps declared without a section


def edit_menu(items: list[EditItem], r: Renderer) -> Outgoing:
    """A button per section that has answers; with one section, its items."""
    sections = {section_of(i): i.section for i in items}
    if len(sections) <= 1:
        return edit_section(items, r, with_back=False)
    buttons = [[Button(r(title) if title else r.text("edit.other"), EditSection(key))]
               for key, title in sections.items()]
    return Outgoing(r.text("edit.sections"), buttons)


def edit_section(items: list[EditItem], r: Renderer, with_back: bool = True) -> Outgoing:
    """The items of one section (``items`` already chosen), and 返回 to the sections."""
    buttons = [[Button(_short(f"{r(i.question)} → {r(i.value)}"), EditAnswer(i.key))] for i in items]
    if with_back:
        buttons.append([Button(r.text("edit.back_to_sections"), EditSection(ALL_SECTIONS))])
    return Outgoing(r.text("edit.menu"), buttons)


def _short(text: str, n: int = 60) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"

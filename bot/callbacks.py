"""Callback data of inline buttons: one typed codec.

A button's callback data is ``<prefix>|<field>|…``; each kind of button is a
small frozen dataclass whose fields, in order, are the fields of the data
(``int``, ``bool`` as ``yes``/``no``, or ``str``; only the last ``str`` field may
contain ``|``). Telegram allows at most 64 bytes: ``encode`` refuses more.

    a|<turn>|<step>|<option>   Choose: answer the question with an option
    s|<turn>|<step>            SkipStep: take the default (or keep the earlier answer)
    t|<turn>|<step>            TakeDefault: the default, offered beside 保持
    b|<turn>|<step>            GoBack: the previous question
    e|<key>                    EditAnswer: ask that question again
    d|<yes|no>|<session id>|<turn>
                               DeleteChoice: confirm or cancel /delete
    r|<yes|no>|<session id>|<turn>
                               RestartChoice: confirm or cancel /restart
    es|<section>               EditSection: the edit menu's items of one section
                               (empty: the list of sections)
    v|<figures>|<section>      ShowDetail: a section of the result's breakdown
                               (``DETAIL_MENU``: the list of sections)
    c|<action>                 CardAction: a result card's edit / deepen button
    lp|<page>|<filter>         LeadPage: a page of the advisor's /leads (filter: see bot.leadbook)
    lo|<lead>                  LeadOpen: one lead (the same as /lead N)
    ls|<lead>|<stage>          LeadStage: move a lead to a stage
    lc|<lead>|<kind>           LeadContact: log a contact (T / E / M), then an optional note
    g|<action>                 Greetings: stop / start them, or solar / lunar birthday
    w|<yes|no>                 Withdraw: confirm or cancel withdrawing the consent to be contacted
    le|<lead>|<ask|yes|no>     LeadErase: erase an offline lead (the advisor entered it), asked first
    x|<subject>|<press>        Aside: a question button of a side conversation (an advisor's
                               sign-up, a note, an offline pre-qualification): ``press``
                               (a/s/t/b above) acts only while that conversation is the chat's

``turn`` names the copy of the question the button sits under (the engine's
``State.turn``), so a press on an older copy changes nothing. A delete
confirmation names the session and the state's turn when it was shown: after
/restart (the same session row) or any question since, it has expired. Data that does
not decode (a button from before this format, a forged press) is ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

MAX_BYTES = 64  # Telegram's limit for callback_data
SEP = "|"


class CallbackData:
    prefix: ClassVar[str]

    def encode(self) -> str:
        values = [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]
        texts = [("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values]
        if any(SEP in t for t in texts[:-1]):
            raise ValueError(f"{type(self).__name__}: a field other than the last contains {SEP!r}")
        data = SEP.join([self.prefix, *texts])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{type(self).__name__}: callback data over {MAX_BYTES} bytes ({len(data.encode())})")
        return data


@dataclass(frozen=True)
class Choose(CallbackData):
    prefix: ClassVar[str] = "a"
    turn: int
    step: str
    option: str


@dataclass(frozen=True)
class SkipStep(CallbackData):
    prefix: ClassVar[str] = "s"
    turn: int
    step: str


@dataclass(frozen=True)
class TakeDefault(CallbackData):
    """跳过 beside 保持: the step's default rather than the earlier answer."""

    prefix: ClassVar[str] = "t"
    turn: int
    step: str


@dataclass(frozen=True)
class GoBack(CallbackData):
    prefix: ClassVar[str] = "b"
    turn: int
    step: str


@dataclass(frozen=True)
class EditAnswer(CallbackData):
    prefix: ClassVar[str] = "e"
    key: str


@dataclass(frozen=True)
class DeleteChoice(CallbackData):
    prefix: ClassVar[str] = "d"
    confirmed: bool
    session: int
    turn: int


@dataclass(frozen=True)
class RestartChoice(CallbackData):
    """Confirm or cancel /restart; like DeleteChoice, it names the session and
    the turn it was shown at, so an old confirmation does nothing."""

    prefix: ClassVar[str] = "r"
    confirmed: bool
    session: int
    turn: int


@dataclass(frozen=True)
class EditSection(CallbackData):
    """The edit menu: one section's items; ``ALL_SECTIONS`` lists the sections."""

    prefix: ClassVar[str] = "es"
    section: str


ALL_SECTIONS = ""


@dataclass(frozen=True)
class ShowDetail(CallbackData):
    """A result card's 查看计算明细: one section of the breakdown. It names no
    session: a press on an old card shows the client's *current* result;
    ``figures`` (a short fingerprint of the result the card showed) tells
    whether that result has changed since, so the reply can say so."""

    prefix: ClassVar[str] = "v"
    figures: str
    section: str


DETAIL_MENU = "menu"


@dataclass(frozen=True)
class CardAction(CallbackData):
    """A result card's 修改答案 (``edit``) or 完整诊断 (``deepen``): the same as /edit, /deepen."""

    prefix: ClassVar[str] = "c"
    action: str


@dataclass(frozen=True)
class LeadPage(CallbackData):
    """A page of the advisor's lead book; ``filter`` is the filter's text (bot.leadbook)."""

    prefix: ClassVar[str] = "lp"
    page: int
    filter: str


@dataclass(frozen=True)
class LeadOpen(CallbackData):
    prefix: ClassVar[str] = "lo"
    lead: int


@dataclass(frozen=True)
class LeadStage(CallbackData):
    prefix: ClassVar[str] = "ls"
    lead: int
    stage: str


@dataclass(frozen=True)
class LeadContact(CallbackData):
    """Log a contact with a lead: ``kind`` T (phone), E (e-mail) or M (meeting)."""

    prefix: ClassVar[str] = "lc"
    lead: int
    kind: str


@dataclass(frozen=True)
class Greetings(CallbackData):
    """A greeting's stop button, and /greetings' switches: ``off``, ``on``, ``solar``, ``lunar``."""

    prefix: ClassVar[str] = "g"
    action: str


@dataclass(frozen=True)
class Withdraw(CallbackData):
    """/privacy: confirm or cancel withdrawing the consent to be contacted."""

    prefix: ClassVar[str] = "w"
    confirmed: bool


@dataclass(frozen=True)
class LeadErase(CallbackData):
    """An offline lead (entered by the advisor) erased with all its data:
    ``ask`` shows the confirmation, ``yes`` / ``no`` answer it."""

    prefix: ClassVar[str] = "le"
    lead: int
    step: str


@dataclass(frozen=True)
class Aside(CallbackData):
    """A question's button in a side conversation: the inner press, tagged
    with the conversation's subject (as a positive number), so that it never
    answers the chat's own interview, nor another side conversation, which
    share step keys and turns with it."""

    prefix: ClassVar[str] = "x"
    subject: int
    press: str


KINDS: dict[str, type[CallbackData]] = {c.prefix: c for c in (Choose, SkipStep, TakeDefault, GoBack, EditAnswer, DeleteChoice,
                                                              RestartChoice, EditSection, ShowDetail,
                                                              CardAction, LeadPage, LeadOpen, LeadStage,
                                                              LeadContact, Greetings, Withdraw, Aside, LeadErase)}


def decode(data: str) -> CallbackData | None:
    prefix, _, rest = data.partition(SEP)
    kind = KINDS.get(prefix)
    if kind is None or len(data.encode()) > MAX_BYTES:
        return None
    names = fields(kind)  # type: ignore[arg-type]
    parts = rest.split(SEP, len(names) - 1)
    if len(parts) != len(names):
        return None
    values: list[object] = []
    for f, raw in zip(names, parts, strict=True):
        if f.type == "int":
            if not (raw.isascii() and raw.isdigit()):
                return None
            values.append(int(raw))
        elif f.type == "bool":
            if raw not in ("yes", "no"):
                return None
            values.append(raw == "yes")
        else:
            values.append(raw)
    return kind(*values)

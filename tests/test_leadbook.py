"""Issue 10, the lead book (bot/leadbook.py), in process through the driver:
a client's consent makes a lead of the advisor whose link they opened;
/leads (pages, filters, typed filters), /lead N (the card, the summary, the
contact log; another advisor's lead reads like none), stage and contact
buttons (a note as a side conversation), persistence across a new Driver,
/export read back with csv, /due on a fixed clock, the daily digest, and
bad input (a 5,000-character note, /lead abc, double taps)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.callbacks import Aside, Choose, LeadContact, LeadOpen, LeadPage, LeadStage, SkipStep, decode
from bot.driver import Driver
from bot.leadbook import BookFilter, book, digests, read_filter
from bot.presenter import Button, Outgoing
from bot.storage import Storage
from flows.diagnosis_report import REPORT
from flows.greetings.calendar import next_birthday
from flows.leads import EXPORT_HEADER, STAGES, card_lines
from flows.messages import msg
from flows.registry import DIAGNOSIS
from tests.helpers import TODAY, ZH, interview

ADVISOR = 5001
OTHER = 5002
TYPED = ["1986-05-12", "30万", "5", "70", "0", "王"]  # tried in turn where a question has no default


def presses(out: Outgoing) -> list:
    """The buttons; a side conversation's (``Aside``) as its inner press, with
    the data it is sent with."""
    found = []
    for row in out.buttons:
        for b in row:
            if isinstance(b.press, Aside):
                seen = Button(b.label, decode(b.press.press))
                object.__setattr__(seen, "data", b.data)
                b = seen
            found.append(b)
    return found


def of_type(outs: list[Outgoing], kind) -> list:
    return [b.press for o in outs for b in presses(o) if isinstance(b.press, kind)]


def text_of(outs: list[Outgoing]) -> str:
    return "\n".join(o.text for o in outs)


def asked(outs: list[Outgoing]) -> Outgoing | None:
    return next((o for o in outs if o.question_step), None)


async def press(driver: Driver, user: int, data) -> list[Outgoing]:
    """Press a button; a question's, during a side conversation, as the
    side conversation's (the driver tags those buttons with it)."""
    if isinstance(data, Choose | SkipStep):
        focus = await driver.leads.focus(user)
        if focus is not None:
            data = Aside(-focus.subject_id, data.encode())
    return await driver.button(user, data.encode())


async def answer_all(driver: Driver, user: int, outs: list[Outgoing], *, contact: bool = True,
                     typed: dict[str, str] | None = None) -> list[Outgoing]:
    """Answer whatever is asked (a given typed answer, the consent yes, the
    default, the first option, or an answer that passes) until no question is left."""
    typed = typed or {}
    side = await driver.leads.focus(user) is not None
    for _ in range(80):
        q = asked(outs)
        if q is None or (side and await driver.leads.focus(user) is None):
            return outs  # the end (of the side conversation: the chat's own question may follow)
        buttons = presses(q)
        skip = next((b for b in buttons if isinstance(b.press, SkipStep)), None)
        options = [b for b in buttons if isinstance(b.press, Choose)]
        if q.question_step in typed:
            outs = await driver.text(user, typed[q.question_step])
        elif q.question_step == "contact_ok":
            outs = await driver.button(user, options[0 if contact else 1].data)
        elif q.question_step == "consent":
            outs = await driver.button(user, options[0].data)
        elif skip is not None:
            outs = await driver.button(user, skip.data)
        elif options:
            outs = await driver.button(user, options[0].data)
        else:
            for answer in TYPED:
                outs = await driver.text(user, answer)
                again = asked(outs)
                if again is None or again.question_step != q.question_step:
                    break
    raise AssertionError("the interview did not end")


QUICK = ["同意", "1986-05-12", "未婚", "无", "30万", "12万", "0", "存款{savings},寿险0,重疾0", "3万"]
SAVINGS = {"below_20w": "19万", "20w_100w": "50万", "100w_500w": "150万", "500w_plus": "600万"}


async def seed(driver: Driver, client: int, advisor: int | None, *, tier: str = "20w_100w", name: str | None = None,
               consent_at: datetime | None = None, born: str = "1986-05-12", lunar: bool = False):
    """A client with a stored quick result and a lead (as the driver keeps
    them), without running the chat: fast enough for a book of 23."""
    answers = [a.format(savings=SAVINGS[tier]) for a in QUICK]
    answers[1] = born
    state, _, outcome, _ = interview(answers)
    state = state.model_copy(update={"answers": {**state.answers, "contact_ok": True, "greetings_ok": lunar,
                                                 **({"birthday_calendar": "lunar"} if lunar else {})},
                                     "flow": DIAGNOSIS.name})
    await driver.storage.save_session(client, None, state, dict(state.answers), [], REPORT.figures(outcome),
                                      consented=True)
    lead, _ = await driver.leads.create_lead(client, advisor, "link", name,
                                             consent_at=consent_at or datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    return lead


@pytest.fixture
async def driver(tmp_path):
    async with Storage(tmp_path / "book.sqlite3") as storage:
        await storage.add_advisor(ADVISOR, "王芳", "平安保险")
        await storage.add_advisor(OTHER, "张伟")
        yield Driver(storage, today=lambda: TODAY)


# --- a lead is made through the driver -------------------------------------------------


async def test_a_client_who_opens_the_link_and_agrees_becomes_the_advisors_lead(driver):
    advisor = await driver.storage.advisor(ADVISOR)
    outs = await driver.command(7001, "start", advisor.referral_token)
    outs = await answer_all(driver, 7001, outs)
    lead = await driver.leads.lead_of_client(7001)
    assert lead is not None and lead.advisor_id == ADVISOR and lead.source == "link"
    page = await driver.command(ADVISOR, "leads")
    assert f"#{lead.id} " in page[-1].text and LeadOpen(lead.id) in of_type(page, LeadOpen)
    # The other advisor's book does not show it; /lead N reads like a lead that does not exist.
    other = await driver.command(OTHER, "leads")
    assert f"#{lead.id} " not in text_of(other) and ZH.text("book.empty") == other[0].text
    theirs = await driver.command(OTHER, "lead", str(lead.id))
    nowhere = await driver.command(OTHER, "lead", "999999")
    assert theirs[0].text == ZH(msg("book.not_found", n=lead.id))
    assert theirs[0].text.replace(str(lead.id), "N") == nowhere[0].text.replace("999999", "N")
    assert "找不到" in theirs[0].text and len(theirs) == len(nowhere) == 1
    assert await press(driver, OTHER, LeadOpen(lead.id)) == theirs
    # The card's figures are the client's summary's: the card in the book equals the one pushed.
    shown = await driver.command(ADVISOR, "lead", str(lead.id))
    entry = (await book(driver, ADVISOR))[0]
    assert shown[0].text == ZH.lines(card_lines(entry.card))
    summary = text_of(shown[1:-1])
    assert "寿险" in summary and "重疾" in summary and "养老" in summary
    assert "还没有联系记录" in shown[-1].text
    assert {p.stage for p in of_type(shown[-1:], LeadStage)} == {"contacted", "proposal", "won", "lost"}
    assert [p.kind for p in of_type(shown[-1:], LeadContact)] == ["T", "E", "M"]


# --- /leads: pages and filters ---------------------------------------------------------


async def test_leads_pages_23_leads_ten_a_page_newest_first(driver):
    for k in range(23):
        await seed(driver, 8000 + k, ADVISOR, name=f"客户{k}")
    await seed(driver, 8100, OTHER, name="别人的")
    first = await driver.command(ADVISOR, "leads")
    [out] = first
    lines = out.text.splitlines()
    assert "共 23 条" in lines[0] and "第 1/3 页" in lines[0]
    assert len(lines) == 11 and "客户22" in lines[1] and "客户13" in lines[10]
    assert "别人的" not in out.text
    opened = of_type(first, LeadOpen)
    assert len(opened) == 10 and max(len(row) for row in out.buttons) <= 5
    pages = of_type(first, LeadPage)
    nxt = next(p for p in pages if p.page == 1)
    second = await press(driver, ADVISOR, nxt)
    assert "第 2/3 页" in second[0].text and "客户12" in second[0].text and "客户3" in second[0].text
    third = await press(driver, ADVISOR, LeadPage(2, ""))
    assert len(third[0].text.splitlines()) == 4 and "客户0" in third[0].text
    assert not any(p.page == 3 for p in of_type(third, LeadPage) if p.filter == "")
    # A page past the end (the book shrank) shows the last page.
    assert (await press(driver, ADVISOR, LeadPage(9, "")))[0].text == third[0].text


async def test_filters_by_tier_rating_stage_and_due_typed_or_pressed(driver):
    leads = {}
    for k, tier in enumerate(["below_20w", "20w_100w", "100w_500w", "500w_plus"]):
        leads[tier] = await seed(driver, 8200 + k, ADVISOR, tier=tier, name=f"{tier}先生",
                                 consent_at=datetime(2026, 11, 22, 2, 0, tzinfo=UTC))
    await driver.leads.set_stage(leads["20w_100w"].id, ADVISOR, "contacted")

    async def names(arg: str = "", f: str | None = None) -> set[str]:
        outs = await (driver.command(ADVISOR, "leads", arg) if f is None else press(driver, ADVISOR, LeadPage(0, f)))
        return {t for t in leads if f"{t}先生" in text_of(outs)}

    assert await names() == set(leads)
    assert await names("100万+") == {"100w_500w", "500w_plus"}
    assert await names("20万+") == {"20w_100w", "100w_500w", "500w_plus"}
    assert await names("500万+") == {"500w_plus"}
    assert await names("100万-500万") == {"100w_500w"}
    assert await names("已联系") == {"20w_100w"}
    assert await names("新线索 100万+") == {"100w_500w", "500w_plus"}
    assert await names("全部") == set(leads)
    assert await names(f="100w_up") == {"100w_500w", "500w_plus"}
    # Nothing is due the day after consent; 15 days on, every 20万+ lead is.
    assert await names("到期") == set()
    driver._today = lambda: date(2026, 12, 7)
    assert await names("到期") == {"20w_100w", "100w_500w", "500w_plus"}
    assert await names(f="due") == {"20w_100w", "100w_500w", "500w_plus"}
    # The rating the lines show is the filter's.
    entries = await book(driver, ADVISOR)
    for rating, word in (("hot", "热"), ("warm", "温"), ("cold", "冷")):
        assert await names(word) == {t for t in leads if next(e for e in entries if e.lead.id == leads[t].id)
                                     .card.rating == rating}
    # An unknown word explains the words; it is no crash and no unknown command.
    [help_] = await driver.command(ADVISOR, "leads", "暖和")
    assert "暖和" in help_.text and "100万+" in help_.text and "到期" in help_.text
    # The current filter's button is marked; its pages keep it.
    [page] = await driver.command(ADVISOR, "leads", "热")
    assert any(b.label.startswith("✓") and b.press == LeadPage(0, "hot") for b in presses(page))


def test_a_filter_round_trips_through_its_button_and_reads_typed_words():
    f = read_filter("热 100万+ 已联系 到期", ZH.words)
    assert isinstance(f, BookFilter) and f.encode() == "100w_up,hot,contacted,due"
    assert BookFilter.decode(f.encode()) == f
    assert BookFilter.decode("nonsense,hot") == read_filter("🔥", ZH.words)
    assert read_filter("热,冷", ZH.words) == read_filter("冷", ZH.words)  # the later of one kind wins
    assert read_filter("热\uff0c100万+、到期", ZH.words) == read_filter("100万+ 热 到期", ZH.words)  # full-width comma
    assert read_filter("20万", ZH.words) == "20万"  # ambiguous: explained, not guessed
    assert len(LeadPage(999, "100w_500w,warm,contacted,due").encode()) <= 64


async def test_an_empty_book_says_how_leads_arrive(driver):
    [out] = await driver.command(ADVISOR, "leads")
    assert "/link" in out.text and "/newlead" in out.text
    assert "/link" in (await driver.command(ADVISOR, "export"))[0].text
    assert "今天没有到期" in (await driver.command(ADVISOR, "due"))[0].text


# --- /lead N: bad input -------------------------------------------------------------------


@pytest.mark.parametrize("arg", ["", "abc", "1.5", "-3", "#", "12 13"])
async def test_lead_without_a_number_gets_the_usage_line(driver, arg):
    [out] = await driver.command(ADVISOR, "lead", arg)
    assert out.text == ZH.text("book.usage")


@pytest.mark.parametrize("arg", ["999999", "#999999", "99999999999999999999999"])
async def test_lead_of_no_such_number_is_not_found(driver, arg):
    [out] = await driver.command(ADVISOR, "lead", arg)
    assert out.text.startswith("找不到线索 #") and "/leads" in out.text


async def test_lead_accepts_a_hash_and_wide_digits(driver):
    lead = await seed(driver, 8300, ADVISOR, name="李女士")
    for arg in (f"#{lead.id}", f"＃{lead.id}", str(lead.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))):
        outs = await driver.command(ADVISOR, "lead", arg)
        assert "李女士" in outs[0].text, arg


# --- stages and the contact log, across a restart -----------------------------------------------


async def test_stage_and_contact_log_persist_across_a_new_driver(driver, tmp_path):
    lead = await seed(driver, 8400, ADVISOR, name="赵先生")
    moved = await press(driver, ADVISOR, LeadStage(lead.id, "contacted"))
    assert "新线索 → 已联系" in moved[0].text
    assert {p.stage for p in of_type(moved, LeadStage)} == {"proposal", "won", "lost"}
    # The same press again (a double tap, a stale button) changes nothing and says nothing.
    assert await press(driver, ADVISOR, LeadStage(lead.id, "contacted")) == []
    assert await press(driver, ADVISOR, LeadStage(lead.id, "new")) == []  # not a move from 已联系
    assert await press(driver, ADVISOR, LeadStage(lead.id, "nonsense")) == []
    # Another advisor's press (forged) reads like a lead that does not exist.
    assert "找不到" in (await press(driver, OTHER, LeadStage(lead.id, "won")))[0].text
    outs = await press(driver, ADVISOR, LeadContact(lead.id, "T"))
    assert "📞 电话 已记下" in outs[0].text and asked(outs).question_step == "note"
    assert await press(driver, ADVISOR, LeadContact(lead.id, "T")) == []  # a double tap logs nothing twice
    done = await driver.text(ADVISOR, "客户想先了解重疾险,下周二再聊")
    logged = next(o for o in done if o.text.startswith("已记录"))
    assert "📞 电话" in logged.text and "客户想先了解重疾险,下周二再聊" in logged.text
    outs = await press(driver, ADVISOR, LeadContact(lead.id, "M"))
    skipped = await press(driver, ADVISOR, next(p for p in of_type(outs, SkipStep)))
    assert any(o.text.startswith("已记录:线索") and "🤝 面谈" in o.text for o in skipped)
    assert await driver.leads.focus(ADVISOR) is None
    # The note's side conversation left no rows behind.
    subjects = await driver.storage.db.execute_fetchall("SELECT COUNT(*) FROM sessions WHERE user_id < 0")
    assert subjects[0][0] == 0
    again = Driver(driver.storage, today=lambda: TODAY)
    shown = await again.command(ADVISOR, "lead", str(lead.id))
    log = shown[-1].text
    assert "阶段 已联系" in log and log.index("📞 电话") < log.index("🤝 面谈")
    assert "客户想先了解重疾险" in log
    async with Storage(tmp_path / "book.sqlite3") as fresh:
        entries = await fresh.db.execute_fetchall("SELECT kind, note FROM contact_log ORDER BY id")
        stage = await fresh.db.execute_fetchall("SELECT stage FROM leads WHERE id = ?", (lead.id,))
    assert [k for k, _ in entries] == ["T", "M"] and entries[1][1] is None and stage[0][0] == "contacted"


async def test_a_note_of_5000_characters_is_refused_and_asked_again(driver):
    lead = await seed(driver, 8500, ADVISOR)
    await press(driver, ADVISOR, LeadContact(lead.id, "E"))
    outs = await driver.text(ADVISOR, "很" * 5000)
    assert "请不超过 500 个字" in outs[0].text and asked(outs).question_step == "note"
    [entry] = await driver.leads.contacts(lead.id, ADVISOR)
    assert entry.note is None
    done = await driver.text(ADVISOR, "很" * 500)
    assert any(o.text.startswith("已记录") for o in done)
    [entry] = await driver.leads.contacts(lead.id, ADVISOR)
    assert entry.note == "很" * 500


async def test_the_note_is_skipped_by_its_button_or_the_word(driver):
    lead = await seed(driver, 8550, ADVISOR)
    for kind in ("T", "E"):
        await press(driver, ADVISOR, LeadContact(lead.id, kind))
        outs = await driver.text(ADVISOR, "跳过")
        assert any(o.text.startswith("已记录") for o in outs) and await driver.leads.focus(ADVISOR) is None
    assert [(e.kind, e.note) for e in await driver.leads.contacts(lead.id, ADVISOR)] == [("T", None), ("E", None)]


async def test_a_reading_command_during_the_note_leaves_it_waiting_and_cancel_keeps_the_contact(driver):
    lead = await seed(driver, 8600, ADVISOR)
    await press(driver, ADVISOR, LeadContact(lead.id, "T"))
    outs = await driver.command(ADVISOR, "leads")  # reading: the note question still waits
    assert "共 1 条" in outs[0].text and "已退出" not in text_of(outs)
    await driver.text(ADVISOR, "看完列表再写备注")
    [entry] = await driver.leads.contacts(lead.id, ADVISOR)
    assert entry.kind == "T" and entry.note == "看完列表再写备注"
    # /cancel during a note: the contact stays logged, without a note, and says so.
    await press(driver, ADVISOR, LeadContact(lead.id, "E"))
    said = text_of(await driver.command(ADVISOR, "cancel"))
    assert "记下" in said and "没有加备注" in said and "没有保存" not in said
    assert [e.note for e in await driver.leads.contacts(lead.id, ADVISOR)] == ["看完列表再写备注", None]
    # The next typed message is no note: nothing more is logged.
    await driver.text(ADVISOR, "随便写点什么")
    assert len(await driver.leads.contacts(lead.id, ADVISOR)) == 2


async def test_a_contact_of_another_lead_while_a_note_is_asked_leaves_that_note(driver):
    a = await seed(driver, 8700, ADVISOR, name="甲")
    b = await seed(driver, 8701, ADVISOR, name="乙")
    await press(driver, ADVISOR, LeadContact(a.id, "T"))
    outs = await press(driver, ADVISOR, LeadContact(b.id, "T"))
    assert asked(outs).question_step == "note"
    await driver.text(ADVISOR, "乙的备注")
    assert [e.note for e in await driver.leads.contacts(a.id, ADVISOR)] == [None]
    assert [e.note for e in await driver.leads.contacts(b.id, ADVISOR)] == ["乙的备注"]


async def test_a_removed_advisors_presses_are_refused(driver):
    lead = await seed(driver, 8800, ADVISOR)
    await driver.storage.remove_advisor(ADVISOR)
    for p in (LeadOpen(lead.id), LeadStage(lead.id, "won"), LeadContact(lead.id, "T"), LeadPage(0, "")):
        [out] = await press(driver, ADVISOR, p)
        assert out.text == ZH.text("routing.only_advisor")
    assert (await driver.leads.lead_of_client(8800)).stage == "new"


# --- /export ---------------------------------------------------------------------------------


async def test_export_is_a_utf8_bom_csv_of_the_advisors_own_leads_with_the_gap_figures(driver):
    mine = [await seed(driver, 8900 + k, ADVISOR, tier=t, name=n)
            for k, (t, n) in enumerate([("20w_100w", "=HYPERLINK()"), ("500w_plus", "钱女士")])]
    await seed(driver, 8950, OTHER, name="别人的")
    await driver.leads.log_contact(mine[1].id, ADVISOR, "T", at=datetime(2026, 11, 21, 2, 30, tzinfo=UTC))
    [out] = await driver.command(ADVISOR, "export")
    doc = out.attachment
    assert doc.kind == "document" and doc.filename == "leads-20261123.csv" and doc.filename.isascii()
    assert doc.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(doc.content.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == EXPORT_HEADER and len(rows) == 3
    by_id = {row[0]: dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {str(lead.id) for lead in mine}  # newest first, no other advisor's
    assert rows[1][0] == str(mine[1].id)
    entries = {e.lead.id: e.card for e in await book(driver, ADVISOR)}
    for lead in mine:
        row, card = by_id[str(lead.id)], entries[lead.id]
        assert row["寿险缺口(元)"] == str(int(card.gaps.life))
        assert row["重疾缺口(元)"] == str(int(card.gaps.ci))
        assert row["养老缺口(元)"] == str(int(card.gaps.retirement))
    assert by_id[str(mine[0].id)]["称呼"] == "'=HYPERLINK()"  # no formula in a spreadsheet
    assert by_id[str(mine[1].id)]["联系次数"] == "1" and by_id[str(mine[1].id)]["最近联系"] == "2026-11-21 10:30"
    assert by_id[str(mine[1].id)]["同意联系时间"] == "2026-11-20 10:00"  # local time (Asia/Shanghai)


# --- /due on a fixed clock ---------------------------------------------------------------------


async def test_due_at_15_days_not_at_14(driver):
    lead = await seed(driver, 9000, ADVISOR, name="孙先生", consent_at=datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    await driver.leads.log_contact(lead.id, ADVISOR, "T", at=datetime(2026, 11, 9, 2, 0, tzinfo=UTC))
    [none] = await driver.command(ADVISOR, "due")
    assert "今天没有到期" in none.text  # 14 days
    driver._today = lambda: date(2026, 11, 24)
    [due] = await driver.command(ADVISOR, "due")
    assert f"#{lead.id} 孙先生" in due.text and "15 天" in due.text and "该联系了" in due.text
    assert of_type([due], LeadOpen) == [LeadOpen(lead.id)]


async def test_due_lists_birthdays_and_visits_by_tier(driver):
    rich = await seed(driver, 9100, ADVISOR, tier="500w_plus", name="周总", born="1970-11-25",
                      consent_at=datetime(2026, 5, 1, 2, 0, tzinfo=UTC))
    mid = await seed(driver, 9101, ADVISOR, tier="100w_500w", name="吴女士", born="1980-11-26",
                     consent_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    small = await seed(driver, 9102, ADVISOR, tier="below_20w", name="郑先生", born="1990-11-24",
                       consent_at=datetime(2026, 1, 1, 2, 0, tzinfo=UTC))
    await driver.leads.log_contact(rich.id, ADVISOR, "T", at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC))
    [due] = await driver.command(ADVISOR, "due")
    text = due.text
    assert f"🎂 #{rich.id} 周总:2 天后生日" in text and f"🎂 #{mid.id} 吴女士:3 天后生日" in text
    assert f"🤝 #{rich.id} 周总" in text  # no meeting for six months
    assert f"#{small.id}" not in text  # below 20万: no reminder at all
    assert f"📞 #{rich.id}" not in text  # contacted three days ago


async def test_a_lunar_birthday_is_announced_by_the_lunar_calendar(driver):
    """The client chose a lunar birthday (the diagnosis's birthday_calendar):
    /due names it, on its lunar date this year, not on the solar one."""
    born = next(date(1970, 1, 1) + timedelta(days=k) for k in range(3000)
                if next_birthday(date(1970, 1, 1) + timedelta(days=k), True, TODAY) == TODAY + timedelta(days=2)
                and (next_birthday(date(1970, 1, 1) + timedelta(days=k), False, TODAY) - TODAY).days > 3)
    lunar = await seed(driver, 9150, ADVISOR, tier="100w_500w", name="卫女士", born=born.isoformat(), lunar=True)
    solar = await seed(driver, 9151, ADVISOR, tier="100w_500w", name="蒋女士", born=born.isoformat())
    [due] = await driver.command(ADVISOR, "due")
    assert f"🎂 #{lunar.id} 卫女士:2 天后过农历生日(农历十月十七,今年是11月25日)" in due.text
    assert f"#{solar.id}" not in due.text


# --- the daily digest --------------------------------------------------------------------------


async def test_the_digest_names_due_leads_and_yesterdays_new_ones_without_figures(driver):
    old = await seed(driver, 9200, ADVISOR, name="冯先生", consent_at=datetime(2026, 11, 1, 2, 0, tzinfo=UTC))
    new = await seed(driver, 9201, ADVISOR, name="陈女士", consent_at=datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
    today = await seed(driver, 9202, ADVISOR, name="褚先生", consent_at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    await seed(driver, 9203, OTHER, tier="below_20w", consent_at=datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    messages = await digests(driver, TODAY)
    [digest] = messages  # the other advisor has nothing today
    assert (digest.recipient, digest.client_id, digest.occasion, digest.occurrence, digest.day) == (
        ADVISOR, None, "digest", "2026-11-23", TODAY)
    text = digest.payload["text"]
    assert f"#{old.id} 冯先生" in text and "该联系了" in text
    assert f"🆕 昨天的新线索 1 条:#{new.id} 陈女士" in text
    assert f"#{today.id}" not in text  # new today: tomorrow's digest names it
    assert "万" not in text and "¥" not in text  # no figures
    opened = {b["callback_data"] for row in digest.payload["keyboard"] for b in row}
    assert LeadOpen(old.id).encode() in opened
    # Put in the outbox twice, it is there once.
    await driver.post(messages)
    await driver.post(await digests(driver, TODAY))
    rows = await driver.storage.db.execute_fetchall("SELECT COUNT(*) FROM outbox WHERE occasion = 'digest'")
    assert rows[0][0] == 1
    # A removed advisor gets none.
    await driver.storage.remove_advisor(ADVISOR)
    assert await digests(driver, TODAY) == []


async def test_the_digest_is_capped(driver):
    for k in range(40):
        await seed(driver, 9300 + k, ADVISOR, name=f"客户{k}", consent_at=datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    [digest] = await digests(driver, TODAY)
    text = digest.payload["text"]
    assert len(text) < 3_200 and "还有 28 项" in text and "/due" in text
    assert sum(len(row) for row in digest.payload["keyboard"]) <= 10


def test_every_stage_has_a_move_label():
    for stage in STAGES:
        ZH.text(f"lead.stage.{stage}")

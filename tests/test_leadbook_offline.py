"""Issue 10 step 6: /newlead, the offline pre-qualification (flows/offline.py
run as a side conversation by bot/leadbook.py). The advisor confirms that the
prospect agreed, runs the quick diagnosis for them, and the result is the
advisor's lead (source 线下); it never mixes with the advisor's own diagnosis."""

from __future__ import annotations

import pytest

from bot.callbacks import CardAction, Choose, LeadContact, LeadErase, LeadOpen, ShowDetail
from bot.driver import Driver
from bot.storage import Storage
from flows import engine
from flows.offline import OFFLINE
from flows.registry import DIAGNOSIS, FLOWS
from tests.helpers import CTX, TODAY, ZH, interview
from tests.test_leadbook import ADVISOR, answer_all, asked, of_type, press, presses, text_of

PROSPECT = {"name": "钱先生", "contact_phone": "138-1234-5678", "resources": "存款150万,寿险0,重疾0"}


@pytest.fixture
async def driver(tmp_path):
    async with Storage(tmp_path / "offline.sqlite3") as storage:
        await storage.add_advisor(ADVISOR, "王芳", "平安保险")
        yield Driver(storage, today=lambda: TODAY)


async def subject_rows(driver: Driver) -> int:
    found = await driver.storage.db.execute_fetchall("SELECT COUNT(*) FROM sessions WHERE user_id < 0")
    return found[0][0]


async def newlead(driver: Driver, **typed) -> list:
    outs = await driver.command(ADVISOR, "newlead")
    assert "线下预审" in outs[0].text
    return await answer_all(driver, ADVISOR, outs, typed={**PROSPECT, **typed})


# --- the flow, as data -----------------------------------------------------------------------


def test_the_offline_flow_is_the_diagnosis_with_the_advisors_consent_a_name_and_a_typed_phone():
    assert FLOWS[OFFLINE.name] is OFFLINE and OFFLINE.report is DIAGNOSIS.report
    keys = [s.key for s in engine.applicable(OFFLINE, {})]
    assert keys[:4] == ["consent", "name", "contact_phone", "birth_date"]
    assert not {"contact_ok", "contact_time", "greetings_ok", "birthday_calendar"} & {
        s.key for s in OFFLINE.expand({})}
    assert "contact_ok" not in OFFLINE.facts and "greetings" not in OFFLINE.facts
    assert OFFLINE.facts["phone"] == DIAGNOSIS.facts["phone"]  # the lead card reads the phone there
    consent = next(s for s in OFFLINE.items if getattr(s, "key", None) == "consent")
    assert consent.strict and ZH.text(consent.prompt).count("客户") >= 2
    # A quick run reaches the diagnosis's outcome, keeping every invariant of the engine.
    state, reply, outcome, asked_ = interview(
        ["客户已同意,开始", "钱先生", "13812345678", "1980-03-01", "已婚", "0", "8, 5", "40万", "20万", "0",
         "存款150万,寿险0,重疾0", "4万"], flow=OFFLINE)
    assert state.status == "done" and outcome is not None and outcome.name == "钱先生"
    assert engine.invariant_violations(OFFLINE, state, CTX) == []


def test_the_phone_is_optional_and_only_a_phone_number():
    step = next(s for s in OFFLINE.items if getattr(s, "key", None) == "contact_phone")
    assert step.check("138 1234 5678", {}, CTX) is None and step.check("", {}, CTX) is None
    assert step.check("+852 9123 4567", {}, CTX) is None
    for bad in ("12345", "138 1234 5678 / 139 0000 0000", "不留"):
        assert step.check(bad, {}, CTX).key == "error.offline_phone", bad


# --- end to end through the driver -------------------------------------------------------------


async def test_newlead_end_to_end_makes_an_offline_lead_and_leaves_the_advisors_own_diagnosis_alone(driver):
    # The advisor's own diagnosis, half done: consent and a birth date.
    await driver.command(ADVISOR, "start")
    await driver.text(ADVISOR, "同意")
    [own_q] = await driver.text(ADVISOR, "1975-01-01")
    assert own_q.question_step == "marital"
    own_before = (await driver.storage.current_session(ADVISOR)).state
    mydata_before = text_of(await driver.command(ADVISOR, "mydata"))

    outs = await driver.command(ADVISOR, "newlead")
    consent = asked(outs)
    assert consent.question_step == "consent" and consent.owner is not None and consent.owner < 0
    assert [b.label for b in presses(consent) if isinstance(b.press, Choose)] == ["客户已同意,开始", "客户没有同意"]
    outs = await answer_all(driver, ADVISOR, outs, typed=PROSPECT)
    lead = (await driver.leads.leads(ADVISOR))[0]
    assert (lead.source, lead.advisor_id, lead.display_name) == ("offline", ADVISOR, "钱先生")
    assert lead.client_id < 0 and await driver.leads.focus(ADVISOR) is None
    done = text_of(outs)
    assert f"已保存为您的线索 #{lead.id}" in done and "来源:线下" in done and "电话 138-1234-5678" in done
    assert "100万–500万" in done  # the tier of 150万
    assert LeadOpen(lead.id) in of_type(outs, LeadOpen) and of_type(outs, LeadContact)
    # The prospect's rows stay (the advisor's lead); the card's figures are the stored result's.
    assert await subject_rows(driver) == 1
    shown = await driver.command(ADVISOR, "lead", str(lead.id))
    assert "钱先生" in shown[0].text and "线下" in shown[0].text and "寿险" in text_of(shown[1:-1])
    assert not [b for o in shown for b in presses(o) if b.url]  # a prospect has no Telegram chat to open

    # The advisor's own interview is as it was, its question asked again
    # after the card: the next answer goes to it, at the same question.
    own_after = (await driver.storage.current_session(ADVISOR)).state
    assert own_after.answers == own_before.answers and own_after.history == own_before.history
    assert asked(outs).question_step == "marital" and asked(outs).owner is None
    assert text_of(await driver.command(ADVISOR, "mydata")) == mydata_before
    assert "钱先生" not in mydata_before
    [own_next] = await driver.text(ADVISOR, "未婚")
    assert own_next.question_step == "children"
    assert "钱先生" not in text_of(await driver.command(ADVISOR, "summary"))
    edit = text_of(await driver.command(ADVISOR, "edit"))
    assert "钱先生" not in edit and "138" not in edit


async def test_the_advisors_own_result_stays_theirs(driver):
    outs = await driver.command(ADVISOR, "start")
    await answer_all(driver, ADVISOR, outs, contact=False)
    summary = text_of(await driver.command(ADVISOR, "summary"))
    await newlead(driver)
    assert text_of(await driver.command(ADVISOR, "summary")) == summary
    assert await driver.leads.lead_of_client(ADVISOR) is None  # the advisor is nobody's lead


async def test_declining_keeps_nothing(driver):
    outs = await driver.command(ADVISOR, "newlead")
    no = next(b for b in presses(asked(outs)) if b.label == "客户没有同意")
    outs = await driver.button(ADVISOR, no.data)
    assert ZH.text("book.newlead_declined") in text_of(outs)
    assert await subject_rows(driver) == 0 and await driver.leads.leads(ADVISOR) == []
    assert await driver.leads.focus(ADVISOR) is None


@pytest.mark.parametrize("leave", ["cancel", "restart", "newlead"])
async def test_leaving_midway_deletes_the_partial_prospect(driver, leave):
    outs = await driver.command(ADVISOR, "newlead")
    yes = next(b for b in presses(asked(outs)) if b.label.startswith("客户已同意"))
    await driver.button(ADVISOR, yes.data)
    [q] = await driver.text(ADVISOR, "孙女士")
    assert q.question_step == "contact_phone"
    assert await subject_rows(driver) == 1
    outs = await driver.command(ADVISOR, leave)
    assert outs[0].text == ZH.text("book.newlead_left")
    assert await driver.leads.leads(ADVISOR) == []
    answers = await driver.storage.db.execute_fetchall("SELECT COUNT(*) FROM answers WHERE value LIKE '%孙女士%'")
    assert answers[0][0] == 0


@pytest.mark.parametrize("reading", ["leads", "summary", "mydata", "help", "start"])
async def test_a_reading_command_midway_leaves_the_prospect_waiting(driver, reading):
    outs = await driver.command(ADVISOR, "newlead")
    yes = next(b for b in presses(asked(outs)) if b.label.startswith("客户已同意"))
    await driver.button(ADVISOR, yes.data)
    await driver.text(ADVISOR, "孙女士")
    outs = await driver.command(ADVISOR, reading)
    assert await subject_rows(driver) == 1 and await driver.leads.focus(ADVISOR) is not None
    if reading == "start":  # /start resumes what is under way: the prospect's question again
        assert asked(outs).question_step == "contact_phone"
    [q] = await driver.text(ADVISOR, "13812345678")
    assert q.question_step != "contact_phone"  # the typed phone went to the prospect


async def test_the_name_is_required_and_the_phone_checked_then_skippable(driver):
    outs = await driver.command(ADVISOR, "newlead")
    yes = next(b for b in presses(asked(outs)) if b.label.startswith("客户已同意"))
    [q] = await driver.button(ADVISOR, yes.data)
    assert q.question_step == "name"
    again = await driver.text(ADVISOR, "不想说")
    assert "称呼" in text_of(again) and asked(again).question_step == "name"
    [q] = await driver.text(ADVISOR, "李先生")
    assert q.question_step == "contact_phone"
    again = await driver.text(ADVISOR, "12345")
    assert "没能认出这个手机号" in text_of(again) and asked(again).question_step == "contact_phone"
    assert asked(again).request_contact is None  # no share-contact button: it would share the advisor's own
    [q] = await driver.text(ADVISOR, "跳过")
    assert q.question_step == "birth_date"
    outs = await answer_all(driver, ADVISOR, [q], typed=PROSPECT)
    lead = (await driver.leads.leads(ADVISOR))[0]
    assert lead.display_name == "李先生" and "电话" not in text_of(outs).split("来源")[1]


async def test_a_contact_logged_during_a_newlead_keeps_the_newlead_going(driver):
    first = (await driver.leads.create_lead(9901, ADVISOR, "link", "旧客户"))[0]
    outs = await driver.command(ADVISOR, "newlead")
    yes = next(b for b in presses(asked(outs)) if b.label.startswith("客户已同意"))
    await driver.button(ADVISOR, yes.data)
    outs = await press(driver, ADVISOR, LeadContact(first.id, "T"))
    assert outs[0].text.startswith("已记录") and asked(outs) is None
    assert (await driver.leads.focus(ADVISOR)).flow == OFFLINE.name
    [q] = await driver.text(ADVISOR, "孙女士")
    assert q.question_step == "contact_phone"
    assert len(await driver.leads.contacts(first.id, ADVISOR)) == 1


async def test_the_end_of_a_side_conversation_is_the_rooms_to_say(driver):
    outs = await newlead(driver)
    assert "诊断已完成" not in text_of(outs) and "/deepen" not in text_of(outs)
    assert not of_type(outs, ShowDetail) and not of_type(outs, CardAction)
    lead = (await driver.leads.leads(ADVISOR))[0]
    await press(driver, ADVISOR, LeadContact(lead.id, "T"))
    outs = await driver.text(ADVISOR, "打过电话了")
    assert [o.text.split(":")[0] for o in outs] == ["已记录"]


async def test_an_offline_lead_can_be_erased_by_its_advisor_and_by_no_one_else(driver):
    await newlead(driver)
    [lead] = await driver.leads.leads(ADVISOR)
    await driver.leads.log_contact(lead.id, ADVISOR, "M", "见过面")
    shown = await driver.command(ADVISOR, "lead", str(lead.id))
    [erase] = [b for o in shown for b in presses(o) if isinstance(b.press, LeadErase)]
    assert "找不到线索" in text_of(await driver.button(ADVISOR + 1, erase.data))  # another chat: as if none
    [confirm] = await driver.button(ADVISOR, erase.data)
    no = next(b for b in presses(confirm) if b.press == LeadErase(lead.id, "no"))
    assert "没有删除" in text_of(await driver.button(ADVISOR, no.data))
    assert await driver.leads.leads(ADVISOR) != []
    yes = next(b for b in presses(confirm) if b.press == LeadErase(lead.id, "yes"))
    assert "已删除" in text_of(await driver.button(ADVISOR, yes.data))
    assert await driver.leads.leads(ADVISOR) == [] and await subject_rows(driver) == 0
    for table in ("contact_log", "answers", "results", "subjects"):
        found = await driver.storage.db.execute_fetchall(f"SELECT COUNT(*) FROM {table}")
        assert found[0][0] == 0, table
    assert await driver.button(ADVISOR, yes.data) == []  # a second tap

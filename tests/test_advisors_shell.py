"""Issue 10, the advisors' room (bot.advisors) through the real driver and a
real SQLite file: invitations and the sign-up flow, referral links (first
touch), the lead made on consent and its card pushed through the outbox,
/privacy withdrawal, /delete cascading, /assign. The lead book has its own
tests (tests/test_leadbook*.py)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.advisors import AdvisorsRoom, qr_png
from bot.callbacks import Aside, Choose, SkipStep, Withdraw, decode
from bot.driver import Driver
from bot.storage import Storage
from tests.helpers import TODAY, ZH
from tests.test_shell_issue9 import asked, finish, presses, text_of

ADMIN = 900_001
ADVISOR_A = 800_001
ADVISOR_B = 800_002
CLIENT = 700_001
OTHER = 700_002


@pytest.fixture
async def storage(tmp_path):
    async with Storage(tmp_path / "adv.sqlite3") as s:
        yield s


@pytest.fixture
def driver(storage):
    return Driver(storage, today=lambda: TODAY, admin_ids=[ADMIN], bot_username="diag_test_bot")


def rows(storage, sql, *params):
    with sqlite3.connect(storage.path) as db:
        return db.execute(sql, params).fetchall()


async def press(driver, user, outs, *, option=None, skip=False):
    q = asked(outs)
    assert q is not None, text_of(outs)
    for b in presses(q):
        inner = decode(b.press.press) if isinstance(b.press, Aside) else b.press  # a side conversation's
        if skip and isinstance(inner, SkipStep):
            return await driver.button(user, b.data)
        if option is not None and isinstance(inner, Choose) and inner.option == option:
            return await driver.button(user, b.data)
    raise AssertionError(f"no such button under {q.question_step}: {[b.label for b in presses(q)]}")


async def agree_to_contact(driver, user, *, phone="13812345678"):
    """From the contact question to the end: yes, weekend, a phone, no greetings."""
    outs = await press(driver, user, await finish(driver, user), option="yes")
    assert asked(outs).question_step == "contact_time"
    outs = await press(driver, user, outs, option="weekend")
    outs = await driver.text(user, phone) if phone else await press(driver, user, outs, option="none")
    outs = await press(driver, user, outs, option="no")  # greetings
    return outs


async def signed_up(driver, storage, user=ADVISOR_A, name="王芳", company="平安人寿"):
    [invite] = await driver.command(ADMIN, "invite")
    token = invite.text.split("start=")[1].split()[0]
    outs = await driver.command(user, "start", token)
    assert asked(outs).question_step == "name", text_of(outs)
    outs = await driver.text(user, name)
    outs = await driver.text(user, company)
    outs = await press(driver, user, outs, option="none")
    advisor = await storage.advisor(user)
    assert advisor is not None and advisor.active
    return advisor, outs


# --- invitations and the sign-up flow ------------------------------------------------


async def test_an_admin_invites_and_the_invitee_signs_up_through_a_flow(driver, storage):
    assert "管理员" in (await driver.command(CLIENT, "invite"))[0].text  # not for clients
    advisor, outs = await signed_up(driver, storage)
    assert (advisor.name, advisor.company, advisor.phone) == ("王芳", "平安人寿", None)
    text = text_of(outs)
    assert "注册完成" in text and f"start={advisor.referral_token}" in text
    assert any(o.menu_changed for o in outs)  # the channel sets the advisor's menu
    assert [o.attachment.kind for o in outs if o.attachment] == ["photo"]  # /link's QR code
    # The sign-up's answers are not kept as an interview of anyone.
    assert rows(storage, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert await storage.current_session(ADVISOR_A) is None
    assert await driver.roles_of(ADVISOR_A) == {"client", "advisor"}


async def test_an_invitation_works_once_and_for_seven_days(driver, storage):
    [invite] = await driver.command(ADMIN, "invite")
    token = invite.text.split("start=")[1].split()[0]
    assert "7 天" in invite.text
    await driver.command(ADVISOR_A, "start", token)  # opened: held by A
    used = text_of(await driver.command(ADVISOR_B, "start", token))
    assert "已经被使用" in used and await storage.advisor(ADVISOR_B) is None
    # Expired: claimed eight days later by nobody.
    old = await driver.leads.create_invitation(ADMIN, now=datetime.now(UTC) - timedelta(days=8))
    assert "过期" in text_of(await driver.command(ADVISOR_B, "start", old))
    assert await storage.advisor(ADVISOR_B) is None
    # A finished sign-up spends it even for its holder.
    await driver.text(ADVISOR_A, "王芳")
    await driver.text(ADVISOR_A, "跳过")
    await driver.text(ADVISOR_A, "跳过")
    assert (await storage.advisor(ADVISOR_A)).name == "王芳"
    assert "已经是顾问" in text_of(await driver.command(ADVISOR_A, "start", token))


async def test_the_sign_up_refuses_an_empty_name_and_cancel_leaves_nothing(driver, storage):
    [invite] = await driver.command(ADMIN, "invite")
    token = invite.text.split("start=")[1].split()[0]
    await driver.command(ADVISOR_A, "start", token)
    outs = await driver.text(ADVISOR_A, "不想说")
    assert "姓名" in text_of(outs) and asked(outs).question_step == "name"
    outs = await driver.text(ADVISOR_A, "x" * 5000)
    assert asked(outs).question_step == "name"
    assert "已退出" in text_of(await driver.command(ADVISOR_A, "cancel"))
    assert rows(storage, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert rows(storage, "SELECT COUNT(*) FROM conversations") == [(0,)]
    # After leaving, their messages are an ordinary client's again.
    assert asked(await driver.command(ADVISOR_A, "start")).question_step == "consent"


# --- referral links ----------------------------------------------------------------------


async def test_link_shows_the_referral_link_and_a_qr_code(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳", "平安人寿")
    [out] = await driver.command(ADVISOR_A, "link")
    assert f"https://t.me/diag_test_bot?start={advisor.referral_token}" in out.text
    assert str(ADVISOR_A) not in out.text  # an opaque token, never the id
    assert out.attachment.kind == "photo" and out.attachment.content.startswith(b"\x89PNG")
    assert qr_png("x") != qr_png("y")
    assert "顾问" in (await driver.command(CLIENT, "link"))[0].text  # refused to a client


async def test_a_referred_client_sees_the_advisor_named_and_becomes_their_lead(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳", "平安人寿")
    first = text_of(await driver.command(CLIENT, "start", advisor.referral_token))
    assert "王芳(平安人寿)邀请您做一次保险需求诊断" in first
    contact_question = await finish(driver, CLIENT)
    assert "您的顾问是 王芳(平安人寿)" in text_of(contact_question)
    assert rows(storage, "SELECT COUNT(*) FROM leads") == [(0,)]  # no lead before the client agrees
    await agree_to_contact(driver, CLIENT)
    [(lead_id, advisor_id, source)] = rows(storage, "SELECT id, advisor_id, source FROM leads")
    assert (advisor_id, source) == (ADVISOR_A, "link")
    # The card is in the outbox for the advisor, once, naming the three gaps
    # with the figures of the client's own card.
    [(recipient, payload)] = rows(storage, "SELECT recipient, payload FROM outbox WHERE occasion = 'lead_card'")
    card = json.loads(payload)
    assert recipient == ADVISOR_A
    client_card = text_of(await driver.command(CLIENT, "summary"))
    for risk in ("寿险", "重疾", "养老"):
        assert risk in card["text"]
    life_gap = client_card.split("寿险缺口 ")[1].split(":")[0]
    assert f"寿险缺口 {life_gap}" in card["text"]
    assert "13812345678" in card["text"]
    assert any(b.get("url") == f"tg://user?id={CLIENT}" for row in card["keyboard"] for b in row)


async def test_first_touch_a_second_advisors_link_does_not_take_the_client(driver, storage):
    a = await storage.add_advisor(ADVISOR_A, "王芳")
    b = await storage.add_advisor(ADVISOR_B, "李雷")
    await driver.command(CLIENT, "start", a.referral_token)
    second = text_of(await driver.command(CLIENT, "start", b.referral_token))
    assert "李雷" not in second and "王芳" in second
    await agree_to_contact(driver, CLIENT)
    assert rows(storage, "SELECT advisor_id FROM leads") == [(ADVISOR_A,)]
    assert rows(storage, "SELECT recipient FROM outbox") == [(ADVISOR_A,)]  # B is never told


async def test_a_payload_that_matches_nothing_is_an_ordinary_start(driver, storage):
    plain = text_of(await driver.command(OTHER, "start"))
    for payload in ("nosuchtoken", "inv_nosuch", "x" * 64, "王芳"):
        odd = text_of(await driver.command(CLIENT, "start", payload))
        assert odd == plain, payload
    assert rows(storage, "SELECT COUNT(*) FROM referrals") == [(0,)]


async def test_an_advisor_opening_their_own_link_is_not_their_own_lead(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    await driver.command(ADVISOR_A, "start", advisor.referral_token)
    assert rows(storage, "SELECT COUNT(*) FROM referrals") == [(0,)]


# --- no referral: a lead of no advisor until an admin assigns it ---------------------------


async def test_a_client_without_referral_is_told_and_waits_for_an_admin(driver, storage):
    contact_question = await finish(driver, CLIENT)
    assert "还没有专属顾问" in text_of(contact_question)
    await agree_to_contact(driver, CLIENT, phone=None)
    [(lead_id, advisor_id, source)] = rows(storage, "SELECT id, advisor_id, source FROM leads")
    assert advisor_id is None and source == "direct"
    assert rows(storage, "SELECT COUNT(*) FROM outbox") == [(0,)]  # nobody to send a card to
    listing = text_of(await driver.command(ADMIN, "assign"))
    assert f"#{lead_id}" in listing and "待分配" in listing
    await storage.add_advisor(ADVISOR_A, "王芳")
    assert "找不到在职的顾问" in text_of(await driver.command(ADMIN, "assign", f"{lead_id} {ADVISOR_B}"))
    assert "已分配给 王芳" in text_of(await driver.command(ADMIN, "assign", f"{lead_id} {ADVISOR_A}"))
    assert rows(storage, "SELECT advisor_id FROM leads") == [(ADVISOR_A,)]
    assert rows(storage, "SELECT recipient FROM outbox WHERE occasion = 'lead_card'") == [(ADVISOR_A,)]
    assert "找不到待分配的线索" in text_of(await driver.command(ADMIN, "assign", f"{lead_id} {ADVISOR_A}"))
    assert "管理员" in text_of(await driver.command(ADVISOR_A, "assign"))


# --- withdrawal and deletion --------------------------------------------------------------------


async def test_privacy_withdrawal_removes_the_lead_and_tells_the_advisor_without_figures(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳", "平安人寿")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    [lead_id] = [r[0] for r in rows(storage, "SELECT id FROM leads")]
    await driver.leads.log_contact(lead_id, ADVISOR_A, "T", "打过电话")
    [out] = await driver.command(CLIENT, "privacy")
    assert "王芳(平安人寿)" in out.text
    withdraw = next(b for row in out.buttons for b in row if b.press == Withdraw(True))
    done = text_of(await driver.button(CLIENT, withdraw.data))
    assert "已撤回" in done
    assert rows(storage, "SELECT COUNT(*) FROM leads") == [(0,)]
    assert rows(storage, "SELECT COUNT(*) FROM contact_log") == [(0,)]
    [notice] = [json.loads(p)["text"] for (p,) in rows(storage,
                "SELECT payload FROM outbox WHERE occasion = 'lead_withdrawn'")]
    assert f"#{lead_id}" in notice and "万" not in notice and "缺口" not in notice
    assert await driver.button(CLIENT, withdraw.data) == []  # a second tap changes nothing
    # The answer says so: /mydata shows no consent to be contacted, and no advisor sees the data.
    mydata = text_of(await driver.command(CLIENT, "mydata"))
    assert "目前没有任何顾问能看到您的数据" in mydata
    assert "没有顾问" not in text_of(await driver.command(CLIENT, "summary"))  # the result stays


async def test_changing_the_contact_answer_to_no_withdraws_too(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    assert rows(storage, "SELECT COUNT(*) FROM leads") == [(1,)]
    outs = await driver.command(CLIENT, "edit", "contact_ok")
    if asked(outs) is None or asked(outs).question_step != "contact_ok":
        pytest.skip("the contact answer is not editable by key")
    await press(driver, CLIENT, outs, option="no")
    assert rows(storage, "SELECT COUNT(*) FROM leads") == [(0,)]


async def test_delete_removes_the_lead_its_log_the_referral_and_the_outbox_rows(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    [lead_id] = [r[0] for r in rows(storage, "SELECT id FROM leads")]
    await driver.leads.log_contact(lead_id, ADVISOR_A, "M", "见面")
    [confirm] = await driver.command(CLIENT, "delete")
    await driver.button(CLIENT, confirm.buttons[0][0].data)
    for table in ("leads", "contact_log", "referrals", "outbox", "sessions", "answers", "results", "clients"):
        assert rows(storage, f"SELECT COUNT(*) FROM {table}") == [(0,)], table


async def test_mydata_names_the_advisor_who_sees_the_data(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳", "平安人寿")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    assert "您的顾问 王芳(平安人寿) 能看到" in text_of(await driver.command(CLIENT, "mydata"))


async def test_a_removed_advisors_link_no_longer_attributes(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    await storage.remove_advisor(ADVISOR_A)
    out = text_of(await driver.command(CLIENT, "start", advisor.referral_token))
    assert "王芳" not in out and rows(storage, "SELECT COUNT(*) FROM referrals") == [(0,)]
    assert ZH.text("routing.only_advisor") == text_of(await driver.command(ADVISOR_A, "link"))


# --- found by review: side conversations, restarts, referrals before consent -----------------


async def test_a_side_conversations_old_button_never_answers_the_chats_own_interview(driver, storage):
    await storage.add_advisor(ADVISOR_A, "王芳")
    [intro, consent] = await driver.command(ADVISOR_A, "newlead")
    agree = next(b for row in consent.buttons for b in row if "已同意" in b.label)
    await driver.command(ADVISOR_A, "cancel")
    assert await driver.button(ADVISOR_A, agree.data) == []  # expired: nothing answered, nothing stored
    assert await storage.current_session(ADVISOR_A) is None
    assert rows(storage, "SELECT COUNT(*) FROM clients WHERE user_id = ?", ADVISOR_A) == [(0,)]
    # And the other way: the advisor's own question's button while /newlead runs.
    own = await driver.command(ADVISOR_A, "start")
    own_yes = next(b for b in presses(asked(own)) if isinstance(b.press, Choose) and b.press.option == "yes")
    await driver.command(ADVISOR_A, "newlead")
    assert await driver.button(ADVISOR_A, own_yes.data) == []
    assert await storage.current_session(ADVISOR_A) is None


async def test_a_restarted_interview_answering_no_withdraws_the_lead(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    assert rows(storage, "SELECT COUNT(*) FROM leads") == [(1,)]
    [confirm] = await driver.command(CLIENT, "restart")
    await driver.button(CLIENT, confirm.buttons[0][0].data)
    outs = await finish(driver, CLIENT)
    await press(driver, CLIENT, outs, option="no")
    assert rows(storage, "SELECT COUNT(*) FROM leads") == [(0,)]
    assert rows(storage, "SELECT COUNT(*) FROM outbox WHERE occasion = 'lead_withdrawn'") == [(1,)]


async def test_a_referral_before_consent_is_shown_by_mydata_and_deleted_by_delete(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳", "平安人寿")
    await driver.command(CLIENT, "start", advisor.referral_token)
    assert "王芳(平安人寿) 的链接" in text_of(await driver.command(CLIENT, "mydata"))
    [confirm] = await driver.command(CLIENT, "delete")
    done = await driver.button(CLIENT, confirm.buttons[0][0].data)
    assert "删除" in text_of(done)
    assert rows(storage, "SELECT COUNT(*) FROM referrals") == [(0,)]
    assert text_of(await driver.command(CLIENT, "mydata")) == ZH.text("mydata.none")


async def test_delete_during_a_side_conversation_leaves_no_orphan(driver, storage):
    await storage.add_advisor(ADVISOR_A, "王芳")
    await finish(driver, ADVISOR_A)  # the advisor's own diagnosis
    [confirm] = await driver.command(ADVISOR_A, "delete")
    outs = (await driver.command(ADVISOR_A, "newlead"))
    await press(driver, ADVISOR_A, outs, option="yes")
    await driver.text(ADVISOR_A, "张先生")
    await driver.button(ADVISOR_A, confirm.buttons[0][0].data)
    assert rows(storage, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert rows(storage, "SELECT COUNT(*) FROM answers") == [(0,)]
    assert rows(storage, "SELECT COUNT(*) FROM conversations") == [(0,)]
    assert await driver.leads.focus(ADVISOR_A) is None


async def test_a_shared_contact_answers_the_sign_ups_phone_question(driver, storage):
    [invite] = await driver.command(ADMIN, "invite")
    token = invite.text.split("start=")[1].split()[0]
    await driver.command(ADVISOR_A, "start", token)
    await driver.text(ADVISOR_A, "王芳")
    await driver.text(ADVISOR_A, "跳过")
    outs = await driver.contact(ADVISOR_A, "8613812345678")
    assert "注册完成" in text_of(outs)
    assert (await storage.advisor(ADVISOR_A)).phone == "13812345678"  # the parser keeps the national number


async def test_a_stage_press_from_an_old_card_does_not_undo_a_newer_move(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    [lead_id] = [r[0] for r in rows(storage, "SELECT id FROM leads")]
    assert await driver.leads.set_stage(lead_id, ADVISOR_A, "proposal", from_stage="new")
    assert not await driver.leads.set_stage(lead_id, ADVISOR_A, "contacted", from_stage="new")
    assert not await driver.leads.set_stage(lead_id, ADVISOR_B, "won")  # not theirs
    assert rows(storage, "SELECT stage FROM leads") == [("proposal",)]
    await storage.remove_advisor(ADVISOR_A)
    assert await driver.leads.log_contact(lead_id, ADVISOR_A, "T") is None  # removed: nothing written


async def test_recover_makes_the_lead_a_crash_left_out(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    # As if the process had died between the answer's commit and the lead's.
    await storage.write([("DELETE FROM leads", ()), ("DELETE FROM outbox", ())])
    room = next(r for r in driver.rooms if isinstance(r, AdvisorsRoom))
    assert await room.recover() == 1
    assert rows(storage, "SELECT advisor_id FROM leads") == [(ADVISOR_A,)]
    assert rows(storage, "SELECT recipient FROM outbox WHERE occasion = 'lead_card'") == [(ADVISOR_A,)]
    assert await room.recover() == 0


async def test_help_lists_the_commands_of_each_role(driver, storage):
    client_help = text_of(await driver.command(CLIENT, "help"))
    assert "/privacy" in client_help and "/greetings" in client_help and "/leads" not in client_help
    await storage.add_advisor(ADVISOR_A, "王芳")
    advisor_help = text_of(await driver.command(ADVISOR_A, "help"))
    assert "顾问命令" in advisor_help and "/leads" in advisor_help and "/invite" not in advisor_help
    assert "/invite" in text_of(await driver.command(ADMIN, "help"))


@pytest.mark.parametrize("company", ["https://t.me/evil 加微信", "平安 @wangfang", "加微信 wf888"])
async def test_a_link_or_handle_never_reaches_the_clients_welcome(driver, storage, company):
    [invite] = await driver.command(ADMIN, "invite")
    token = invite.text.split("start=")[1].split()[0]
    await driver.command(ADVISOR_A, "start", token)
    assert asked(await driver.text(ADVISOR_A, "王芳 t.me/x")).question_step == "name"
    await driver.text(ADVISOR_A, "王芳")
    refused = await driver.text(ADVISOR_A, company)
    assert "网址" in text_of(refused) and asked(refused).question_step == "company"


async def test_assign_with_bad_arguments_says_how_to_write_it(driver):
    for arg in ("3", "abc 1", "3 -1", "1 2 3"):
        assert "/assign 线索编号" in text_of(await driver.command(ADMIN, "assign", arg)), arg


async def test_the_books_batched_read_equals_one_read_per_client(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    for client in (CLIENT, OTHER):
        await driver.command(client, "start", advisor.referral_token)
        await agree_to_contact(driver, client)
    many = await driver.leads.client_facts_many([CLIENT, OTHER, 12345])
    assert set(many) == {CLIENT, OTHER}
    for client in (CLIENT, OTHER):
        assert many[client] == await driver.leads.client_facts(client)


async def test_the_cards_name_falls_back_on_the_telegram_name(driver, storage):
    advisor = await storage.add_advisor(ADVISOR_A, "王芳")
    driver.saw_name(CLIENT, "  张伟\n ")
    await driver.command(CLIENT, "start", advisor.referral_token)
    await agree_to_contact(driver, CLIENT)
    assert rows(storage, "SELECT display_name FROM leads") == [("张伟",)]
    [(payload,)] = rows(storage, "SELECT payload FROM outbox WHERE occasion = 'lead_card'")
    assert "张伟" in json.loads(payload)["text"]

"""/greetings and the stop button under a greeting (bot.greetings_room): they
change the client's stored answers, which the scheduler reads."""

from __future__ import annotations

import pytest

from bot.callbacks import Greetings
from bot.driver import Driver
from bot.storage import Storage
from bot.storage_outbox import Outbox
from flows.registry import DIAGNOSIS
from tests.helpers import TODAY
from tests.test_advisors_shell import press
from tests.test_shell_issue9 import finish, text_of

CLIENT = 700_010


@pytest.fixture
async def storage(tmp_path):
    async with Storage(tmp_path / "g.sqlite3") as s:
        yield s


@pytest.fixture
def driver(storage):
    return Driver(storage, today=lambda: TODAY)


async def finished_with_greetings(driver, calendar="solar"):
    outs = await press(driver, CLIENT, await finish(driver, CLIENT), option="no")  # not contacted
    outs = await press(driver, CLIENT, outs, option="yes")  # greetings
    return await press(driver, CLIENT, outs, option=calendar)


async def settings(storage):
    clients, _ = await Outbox(storage).greeting_clients(DIAGNOSIS.name, DIAGNOSIS.facts)
    [mine] = [c for c in clients if c.client_id == CLIENT]
    return mine.opted_in, mine.lunar


async def test_greetings_before_a_result_says_how_to_get_one(driver):
    assert "完成诊断" in text_of(await driver.command(CLIENT, "greetings"))
    assert "完成诊断" in text_of(await driver.button(CLIENT, Greetings("off").encode()))


async def test_the_stop_button_and_greetings_switch_the_stored_answers(driver, storage):
    await finished_with_greetings(driver)
    assert await settings(storage) == (True, False)
    stopped = await driver.button(CLIENT, Greetings("off").encode())  # the button under a greeting
    assert "不再给您发送祝福" in text_of(stopped) and "已关闭" in text_of(stopped)
    assert await settings(storage) == (False, False)
    again = await driver.button(CLIENT, Greetings("off").encode())  # a second tap changes nothing
    assert "已关闭" in text_of(again) and "不再给您发送" not in text_of(again)
    [shown] = await driver.command(CLIENT, "greetings")
    assert "已关闭" in shown.text and "开启祝福" in [b.label for row in shown.buttons for b in row]
    await driver.button(CLIENT, Greetings("on").encode())
    await driver.button(CLIENT, Greetings("lunar").encode())
    assert await settings(storage) == (True, True)
    assert "农历" in text_of(await driver.command(CLIENT, "greetings"))
    # The result is untouched.
    assert "寿险缺口" in text_of(await driver.command(CLIENT, "summary"))


async def test_a_new_driver_reads_the_changed_setting(driver, storage):
    await finished_with_greetings(driver, "lunar")
    await driver.button(CLIENT, Greetings("off").encode())
    again = Driver(storage, today=lambda: TODAY)
    assert "已关闭" in text_of(await again.command(CLIENT, "greetings"))
    assert await settings(storage) == (False, True)


async def test_the_stop_button_takes_back_a_greeting_already_planned_for_today(driver, storage):
    from datetime import date

    from bot.storage_outbox import NewMessage

    await finished_with_greetings(driver)
    await Outbox(storage).add([
        NewMessage(CLIENT, CLIENT, "new_year", "2027-01-01", date(2027, 1, 1), {"text": "新年好"}),
        NewMessage(CLIENT, CLIENT, "lead_card", "1", date(2027, 1, 1), {"text": "卡片"})])
    await driver.button(CLIENT, Greetings("off").encode())
    left = await storage.db.execute_fetchall("SELECT occasion FROM outbox WHERE client_id = ?", (CLIENT,))
    assert [r[0] for r in left] == ["lead_card"]  # the greeting is gone; what is not a greeting stays

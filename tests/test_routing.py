"""The dispatch table (bot.routing) is the one place a command is spelled; the
words the bot reads for skip and back come from the catalog."""

import io
import re
from pathlib import Path

import pytest

from bot.console import run_console
from bot.driver import Driver
from bot.i18n import Renderer
from bot.routing import CLIENT, COMMANDS, TABLE, Command, Refused, Table
from bot.storage import Storage
from bot.telegram_app import menu_commands
from flows.registry import FLOWS, START
from tests.helpers import TODAY, ZH

ROOT = Path(__file__).resolve().parent.parent
NAMES = {c.name for c in COMMANDS}


@pytest.fixture
async def driver(tmp_path):
    async with Storage(tmp_path / "routing.sqlite3") as storage:
        yield Driver(storage, today=lambda: TODAY)


# --- the command list, spelled once ----------------------------------------------


def test_every_row_is_an_event_or_a_feature_with_a_description_in_the_catalog():
    for c in COMMANDS:
        assert (c.event is None) != (c.feature is None), c.name
        assert ZH.text(c.description), c.name  # strict: a missing id raises
    with pytest.raises(ValueError):
        Command("both", event=lambda _: None, feature="x")
    with pytest.raises(ValueError):
        Table([Command("help", feature="help"), Command("help", feature="help")])


def test_the_telegram_menu_is_the_tables_menu_rows_in_order():
    menu = menu_commands(TABLE, CLIENT, ZH)
    assert [(b.command, b.description) for b in menu] == [(c.name, ZH.text(c.description))
                                                         for c in TABLE.menu(CLIENT)]
    # The client's menu: ten, /skip and /deepen typed only.
    assert [b.command for b in menu] == ["start", "back", "edit", "summary", "mydata", "delete", "restart",
                                         "help", "cancel", "privacy"]


def test_no_other_shell_module_spells_a_command_list():
    """A tuple or set of three or more command names anywhere in bot/ but
    routing.py would be a second spelling of the list."""
    quoted = "|".join(re.escape(n) for n in NAMES)
    listing = re.compile(rf'"(?:{quoted})"\s*,\s*"(?:{quoted})"\s*,\s*"(?:{quoted})"')
    for path in (ROOT / "bot").glob("*.py"):
        if path.name == "routing.py":
            continue
        assert not listing.search(path.read_text(encoding="utf-8")), path.name


async def test_the_driver_runs_each_row_and_only_the_rows(driver):
    assert driver.routes is TABLE and TABLE.features() <= driver._features.keys()
    help_text = ZH.text("help.text")
    for name in TABLE.names(CLIENT):
        outs = await driver.command(99, name)
        assert outs, name
        assert (outs[0].text == help_text) == (name == "help"), name
    # A name that is no row: the help (as before), never an error.
    assert (await driver.command(99, "nosuchcommand"))[0].text == help_text


async def test_a_driver_refuses_a_table_whose_feature_it_cannot_run(tmp_path):
    table = Table([*COMMANDS, Command("audit", feature="audit", roles=frozenset({"advisor"}))])
    async with Storage(tmp_path / "t.sqlite3") as storage:
        with pytest.raises(ValueError, match="audit"):
            Driver(storage, routes=table)


async def test_the_console_reads_its_command_words_from_the_table(tmp_path):
    """Without /summary in the table, the console takes "summary" as an answer."""
    async def run(table):
        feed = iter(["1", "summary", "quit"])
        out = io.StringIO()
        async with Storage(tmp_path / f"c{len(table.rows)}.sqlite3") as storage:
            await run_console(storage, Driver(storage, today=lambda: TODAY, routes=table),
                              read=lambda: next(feed, None), write=out)
        return out.getvalue()

    as_command = await run(TABLE)
    as_answer = await run(Table(c for c in COMMANDS if c.name != "summary"))
    assert ZH.text("summary.none") in as_command
    assert ZH.text("summary.none") not in as_answer and as_answer.count("您的出生日期是?") == 2


# --- roles: a row for advisors only ------------------------------------------------


async def test_an_advisor_only_command_is_refused_politely_to_a_client(tmp_path):
    async with Storage(tmp_path / "a.sqlite3") as storage:
        driver = Driver(storage, today=lambda: TODAY)
        [refused] = await driver.command(5, "leads")
        assert "顾问" in refused.text and refused.text == ZH.text("routing.only_advisor")
        assert refused.text != ZH.text("unknown.command")
        assert await storage.current_session(5) is None  # a refusal stores nothing
        # The roles come from the database: once an advisor, /leads is served.
        await storage.add_advisor(5, "王芳")
        assert await driver.roles_of(5) == {"client", "advisor"}
        [served] = await driver.command(5, "leads")
        assert served.text != ZH.text("routing.only_advisor")
        await storage.remove_advisor(5)
        assert (await driver.command(5, "leads"))[0].text == ZH.text("routing.only_advisor")
    assert isinstance(TABLE.route("client", "LEADS"), Refused)
    assert TABLE.route({"client", "advisor"}, "leads").name == "leads"
    assert TABLE.route("advisor", "nosuch") is None
    # The menu follows the roles: a client's has no /leads; an advisor's adds the book to the client's.
    client_menu = [c.name for c in TABLE.menu("client")]
    advisor_menu = [c.name for c in TABLE.menu({"client", "advisor"})]
    assert "leads" not in client_menu and "invite" not in advisor_menu
    assert advisor_menu[:len(client_menu)] == client_menu
    assert {"leads", "lead", "due", "newlead", "link", "export"} <= set(advisor_menu)
    assert "invite" in [c.name for c in TABLE.menu({"client", "admin"})]


# --- skip and back words: the catalog's ----------------------------------------------


def test_the_catalog_lists_the_skip_and_back_words():
    assert {"跳过", "skip", "默认", "用默认"} == ZH.words("words.skip")
    assert "保持" in ZH.words("words.keep")  # 保持 keeps the earlier answer; 跳过 takes the default
    assert {"上一步", "返回", "back"} == ZH.words("words.back")


class OtherWords(Renderer):
    """A catalog whose skip and back words are other words."""

    WORDS = {"words.skip": "pass | Weiter", "words.back": "zurück"}

    def text(self, key):
        return self.WORDS.get(key) or super().text(key)


async def _at_marital(driver):
    await driver.command(1, "start")
    await driver.text(1, "1")  # consent
    [asked] = await driver.text(1, "1991-01-10")
    assert asked.question_step == "marital"


async def test_skip_and_back_are_the_words_the_catalog_gives(driver):
    driver.renderer = OtherWords("zh_CN")
    await _at_marital(driver)
    [skipped] = await driver.text(1, " WEITER ")  # a catalog word, any case, spaces around
    assert "不能跳过" in skipped.text and skipped.question_step == "marital"
    [not_a_skip] = await driver.text(1, "跳过")  # no longer in the catalog: an answer, not a skip
    assert "不能跳过" not in not_a_skip.text and not_a_skip.question_step == "marital"
    [back] = await driver.text(1, "zurück")
    assert back.question_step == "birth_date"


def test_the_registry_names_the_flow_a_newcomer_starts():
    assert START in FLOWS and FLOWS[START].name == START


async def test_storage_stamps_consent_from_the_drivers_word_not_an_answer_key(tmp_path):
    """Storage names no step: the driver says whether the flow's consent step
    is answered yes."""
    from flows.engine import State

    async with Storage(tmp_path / "c.sqlite3") as storage:
        state = State(flow=START, answers={"consent": True})
        await storage.save_session(1, None, state, dict(state.answers), [])
        await storage.save_session(2, None, state, dict(state.answers), [], consented=True)
        assert (await storage.user_data(1))["client"]["consent_at"] is None
        assert (await storage.user_data(2))["client"]["consent_at"]
        driver = Driver(storage, today=lambda: TODAY)
        assert driver._consented(state) and not driver._consented(State(flow=START, answers={"consent": False}))

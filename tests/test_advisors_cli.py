"""``diagbot advisors add|list|remove``: the command line opens the same SQLite
file as the bot; referral links carry an opaque token, never the user id."""

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import SettingsError, load
from bot.storage import MIGRATIONS, Storage

ROOT = Path(__file__).resolve().parent.parent
BOT = "demo_diag_bot"
LINK = f"https://t.me/{BOT}?start="


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no developer's .env
    for name in ("TELEGRAM_BOT_TOKEN", "ADMIN_USER_IDS", "BOT_USERNAME", "LANGUAGE", "TZ"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "data" / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(db))
    monkeypatch.setenv("BOT_USERNAME", BOT)
    return db


def cli(capsys, *argv):
    code = main(["advisors", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def stored(db, sql, params=()):
    with sqlite3.connect(db) as con:
        return con.execute(sql, params).fetchall()


def token_of(db, user_id):
    return stored(db, "SELECT referral_token FROM advisors WHERE telegram_user_id = ?", (user_id,))[0][0]


def test_add_prints_an_opaque_link_and_the_first_contact_note(env, capsys):
    code, out, err = cli(capsys, "add", "123456789", "--name", "王芳", "--company", "平安保险", "--phone",
                         "+86 138 0000 0000")
    assert code == 0
    link = out.strip().splitlines()[0]
    assert link.startswith(LINK)
    payload = link.removeprefix(LINK)
    assert "123456789" not in payload and payload == token_of(env, 123456789)
    assert len(payload) >= 16 and all(c.isalnum() or c in "-_" for c in payload)
    assert "open the bot once" in err and "started it" in err
    assert stored(env, "SELECT name, company, phone, active FROM advisors") == [
        ("王芳", "平安保险", "+86 138 0000 0000", 1)]


def test_tokens_differ_between_advisors(env, capsys):
    cli(capsys, "add", "1001", "--name", "王芳")
    cli(capsys, "add", "1002", "--name", "李雷")
    assert token_of(env, 1001) != token_of(env, 1002)


def test_adding_twice_keeps_the_token_and_updates(env, capsys):
    _, first, _ = cli(capsys, "add", "42", "--name", "王芳", "--company", "平安保险")
    code, second, err = cli(capsys, "add", "42", "--name", "王芳芳", "--phone", "13800000000")
    assert code == 0 and first == second and "updated" in err
    assert stored(env, "SELECT name, company, phone FROM advisors") == [("王芳芳", "平安保险", "13800000000")]


def test_list_remove_and_add_again(env, capsys):
    _, link, _ = cli(capsys, "add", "42", "--name", "王芳", "--company", "平安保险")
    cli(capsys, "add", "43", "--name", "李雷")
    code, out, _ = cli(capsys, "list")
    assert code == 0
    assert out.splitlines() == [f"42\t王芳\t平安保险\t{link.strip()}", f"43\t李雷\t-\t{LINK}{token_of(env, 43)}"]

    code, out, _ = cli(capsys, "remove", "42")
    assert code == 0 and "Removed" in out and "王芳" in out and "leads are kept" in out
    _, out, _ = cli(capsys, "list")
    assert [line.split("\t")[0] for line in out.splitlines()] == ["43"]
    assert stored(env, "SELECT active, removed_at IS NOT NULL FROM advisors WHERE telegram_user_id = 42") == [(0, 1)]
    code, out, _ = cli(capsys, "remove", "42")  # nobody left to remove
    assert code == 1 and "nothing removed" in out

    code, again, err = cli(capsys, "add", "42", "--name", "王芳")
    assert code == 0 and again == link and "again" in err
    _, out, _ = cli(capsys, "list")
    assert sorted(line.split("\t")[0] for line in out.splitlines()) == ["42", "43"]
    assert stored(env, "SELECT removed_at FROM advisors WHERE telegram_user_id = 42") == [(None,)]


def test_storage_api_and_a_second_connection(env):
    async def go():
        async with Storage(env) as one, Storage(env) as two:  # two processes' connections
            added = await one.add_advisor(7, "王芳", "平安保险", None)
            assert added.active and added.referral_token and "7" != added.referral_token
            assert await two.advisor_by_token(added.referral_token) == added
            assert [a.telegram_user_id for a in await two.advisors()] == [7]
            assert await two.remove_advisor(7) is True
            assert await one.advisor_by_token(added.referral_token) is None
            assert await one.advisors() == []
            [removed] = await one.advisors(active_only=False)
            assert not removed.active and removed.removed_at
            assert await one.remove_advisor(7) is False and await one.remove_advisor(8) is False
            back = await two.add_advisor(7, "王芳", None, None)
            assert back.referral_token == added.referral_token and back.company == "平安保险"
            assert back.active and back.removed_at is None and back.created_at == added.created_at
            assert await one.advisor_by_token("nothing-like-it") is None

    asyncio.run(go())


def test_an_advisor_added_on_the_command_line_is_seen_by_an_open_storage(env, capsys):
    async def go():
        async with Storage(env) as running_bot:
            assert await running_bot.advisors() == []
            # the command line runs its own event loop, as another process would
            _, out, _ = await asyncio.to_thread(cli, capsys, "add", "55", "--name", "王芳")
            advisor = await running_bot.advisor_by_token(out.strip().removeprefix(LINK))
            assert advisor is not None and advisor.name == "王芳"

    asyncio.run(go())


def test_another_process_lists_the_advisor_in_chinese(env, capsys):
    cli(capsys, "add", "77", "--name", "王芳", "--company", "中国人寿")
    proc_env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIO"))}
    proc_env.update(PYTHONPATH=str(ROOT), LANG="C", LC_ALL="C")  # even in the C locale
    done = subprocess.run([sys.executable, "-m", "bot", "advisors", "list"], env=proc_env, capture_output=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8").startswith("77\t王芳\t中国人寿\t" + LINK)


@pytest.mark.parametrize("argv, words", [
    (["add", "12a", "--name", "王芳"], "not a Telegram user id"),
    (["add", "-5", "--name", "王芳"], "not a Telegram user id"),
    (["add", "0", "--name", "王芳"], "not a Telegram user id"),
    (["add", "123"], "--name"),
    (["add", "123", "--name", "   "], "--name"),
    (["add", "123", "--name", "王" * 200], "at most"),
    (["add", "123", "--name", "王\n芳"], "one line"),
    (["add", "123", "--name", "王芳", "--company", "x\ty"], "one line"),
    (["add", "123", "--name", "王芳", "--phone", "call me"], "phone"),
    (["remove", "abc"], "not a Telegram user id"),
    ([], "required"),
])
def test_bad_input_is_one_line_and_changes_nothing(env, capsys, argv, words):
    code, out, err = cli(capsys, *argv)
    assert code == 2 and out == ""
    assert words in err and len(err.strip().splitlines()) == 1
    assert not env.exists() or stored(env, "SELECT COUNT(*) FROM advisors") == [(0,)]


def test_without_bot_username_the_advisor_is_added_and_the_token_printed(env, capsys, monkeypatch):
    monkeypatch.setenv("BOT_USERNAME", "")
    code, out, err = cli(capsys, "add", "9", "--name", "王芳")
    assert code == 0 and out.strip() == token_of(env, 9)
    assert "BOT_USERNAME" in err
    _, out, _ = cli(capsys, "list")
    assert "BOT_USERNAME" in out and token_of(env, 9) in out
    monkeypatch.setenv("BOT_USERNAME", BOT)
    _, out, _ = cli(capsys, "list")
    assert out.strip().endswith(LINK + token_of(env, 9))


def test_a_bad_setting_stops_the_command(env, capsys, monkeypatch):
    monkeypatch.setenv("ADMIN_USER_IDS", "12,abc")
    code, out, err = cli(capsys, "list")
    assert code == 2 and "ADMIN_USER_IDS" in err and out == ""


def test_admin_ids_and_bot_username_settings(env, monkeypatch):
    assert load(_env_file=None).admin_user_ids == ()
    monkeypatch.setenv("ADMIN_USER_IDS", " 123456789, 42 ,")
    monkeypatch.setenv("BOT_USERNAME", "@Diag_bot")
    s = load(_env_file=None)
    assert s.admin_user_ids == (123456789, 42) and s.bot_username == "Diag_bot"
    monkeypatch.setenv("BOT_USERNAME", "")
    assert load(_env_file=None).bot_username is None


@pytest.mark.parametrize("name, value", [
    ("ADMIN_USER_IDS", "abc"), ("ADMIN_USER_IDS", "12;34"), ("ADMIN_USER_IDS", "0"), ("ADMIN_USER_IDS", "-7"),
    ("ADMIN_USER_IDS", "1.5"), ("BOT_USERNAME", "1diagbot"), ("BOT_USERNAME", "abc"), ("BOT_USERNAME", "diag bot"),
    ("BOT_USERNAME", "x" * 33), ("BOT_USERNAME", "诊断bot"),
])
def test_bad_admin_ids_and_bot_username_are_named(env, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as err:
        load(_env_file=None)
    assert name in str(err.value) and "\n" not in str(err.value)


def test_migration_4_applies_to_a_version_3_database(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for number, script in enumerate(MIGRATIONS[:3], start=1):
            con.executescript(script)
            con.execute("INSERT INTO schema_version VALUES (?)", (number,))
        con.execute("INSERT INTO clients (user_id, created_at) VALUES (5, '2026-01-01T00:00:00+00:00')")
    con.close()

    async def go():
        async with Storage(path) as storage:
            assert await storage.schema_version() == len(MIGRATIONS) >= 4
            advisor = await storage.add_advisor(5, "王芳")
            assert await storage.advisor_by_token(advisor.referral_token) == advisor

    asyncio.run(go())
    assert stored(path, "SELECT user_id FROM clients") == [(5,)]

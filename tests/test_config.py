"""Settings are validated at start; a bad one is one clear line, not a traceback."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import DEFAULT_API_BASE_URL, SettingsError, load

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ_-0123"


def test_defaults_and_overrides(tmp_path):
    s = load(_env_file=None)
    assert s.telegram_api_base_url == DEFAULT_API_BASE_URL and s.tz == "Asia/Shanghai" and s.token is None
    s = load(_env_file=None, telegram_bot_token=TOKEN, telegram_api_base_url="http://127.0.0.1:8081/bot/",
             log_level="debug")
    assert s.token == TOKEN and s.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert s.base_file_url == "http://127.0.0.1:8081/file/bot" and s.log_level == "DEBUG"


def test_env_file_is_read(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nTZ=Asia/Hong_Kong\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "TZ"):
        monkeypatch.delenv(name, raising=False)
    s = load()
    assert s.token == TOKEN and s.tz == "Asia/Hong_Kong"


@pytest.mark.parametrize("field, value, words", [
    ("telegram_bot_token", "not-a-token", "TELEGRAM_BOT_TOKEN"),
    ("telegram_api_base_url", "ftp://x", "TELEGRAM_API_BASE_URL"),
    ("tick_seconds", "0.001", "from 1 to 3600"),  # would keep a CPU busy
    ("tick_seconds", "0", "TICK_SECONDS"),
    ("tick_seconds", "3601", "TICK_SECONDS"),
    ("tz", "Mars/Olympus", "TZ"),
    ("log_level", "LOUD", "LOG_LEVEL"),
    ("language", "xx_YY", "LANGUAGE"),
])
def test_bad_settings_are_named(field, value, words):
    with pytest.raises(SettingsError) as err:
        load(_env_file=None, **{field: value})
    assert words in str(err.value) and "\n" not in str(err.value)


def test_cli_prints_one_line_for_a_bad_setting(tmp_path):
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "oops", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_without_token_falls_back_to_the_console(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(tmp_path / "c.sqlite3"))
    done = subprocess.run([sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60, input="1\ndeepen\nquit\n")
    assert done.returncode == 0, done.stderr
    assert "starting the terminal console" in done.stderr
    assert "同意,开始诊断" in done.stdout and "完整诊断" in done.stdout
    # "1" pressed 同意: the quick diagnosis (the default) asks the birth date;
    # "deepen" switched to the full one, which starts with the name.
    assert "您的出生日期是" in done.stdout
    assert "我们怎么称呼您" in done.stdout.split("您的出生日期是", 1)[1]


def test_cli_says_so_in_one_line_when_the_database_cannot_be_opened(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(PYTHONPATH=str(ROOT), DATABASE_PATH=str(blocker / "db.sqlite3"))
    done = subprocess.run([sys.executable, "-m", "bot", "console"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "cannot use the database" in done.stderr and "Traceback" not in done.stderr


def test_tick_seconds_from_one_second():
    assert load(_env_file=None, tick_seconds="1").tick_seconds == 1.0
    assert load(_env_file=None, tick_seconds="3600").tick_seconds == 3600.0

"""Settings from the environment or ``.env``, validated at start.

A bad setting is reported as one clear line per problem (see ``load``), never
as a traceback.
"""

from __future__ import annotations

import math
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(None, description="from @BotFather; empty: console only")
    telegram_api_base_url: str = DEFAULT_API_BASE_URL
    database_path: Path = Path("data/diagbot.sqlite3")
    tz: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    language: str = "zh_CN"
    # Telegram user ids of the admins, comma-separated in the environment.
    admin_user_ids: Annotated[tuple[int, ...], NoDecode] = ()
    # The bot's @username without the @: referral and invitation links need it.
    bot_username: str | None = None
    # Scheduled greetings: sent from this local time (TZ) on, at most this many
    # messages a second; the bot's clock looks every tick_seconds.
    greeting_time: time = time(9, 0)
    greeting_rate: float = 20.0
    tick_seconds: float = 60.0
    # The advisors' daily digest: planned and sent from this local time (TZ) on.
    digest_time: time = time(9, 0)

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if not isinstance(v, str) or not _TOKEN.match(v.strip()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return v.strip()

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        if not re.match(r"^https?://[^\s/]+", v):
            raise ValueError("must be an http(s) URL such as https://api.telegram.org/bot")
        return v.rstrip("/")

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (e.g. Asia/Shanghai)") from None
        return v

    @field_validator("language")
    @classmethod
    def _language(cls, v: str) -> str:
        catalogs = Path(__file__).resolve().parent.parent / "locales"
        if not (catalogs / v / "LC_MESSAGES" / "diagbot.po").exists():
            have = ", ".join(sorted(p.name for p in catalogs.iterdir() if p.is_dir()))
            raise ValueError(f"no catalog for {v!r} under locales/ (have: {have})")
        return v

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _admins(cls, v: object) -> object:
        if v is None:
            return ()
        items = v.split(",") if isinstance(v, str) else v
        if not isinstance(items, (list, tuple, set)):
            raise ValueError("must be Telegram user ids separated by commas, e.g. 123456789,987654321")
        ids = []
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            if not text.isascii() or not text.isdigit() or int(text) <= 0:
                raise ValueError(f"{text!r} is not a Telegram user id (a positive whole number);"
                                 " separate ids with commas, e.g. 123456789,987654321")
            ids.append(int(text))
        return tuple(ids)

    @field_validator("bot_username", mode="before")
    @classmethod
    def _bot_username(cls, v: object) -> object:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        text = v.strip().removeprefix("@") if isinstance(v, str) else v
        if not isinstance(text, str) or not _BOT_USERNAME.match(text):
            raise ValueError("must be the bot's username without @ (4–32 characters: a letter, then letters, digits or _),"
                             " e.g. diagbot_demo_bot")
        return text

    @field_validator("greeting_time", "digest_time", mode="before")
    @classmethod
    def _time_of_day(cls, v: object) -> object:
        if isinstance(v, time):
            return v
        text = str(v).strip()
        match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{text!r} is not a time of day as HH:MM (24-hour, in TZ), e.g. 09:00")
        return time(int(match[1]), int(match[2]))

    @field_validator("greeting_rate", mode="before")
    @classmethod
    def _greeting_rate(cls, v: object) -> object:
        try:
            rate = float(str(v).strip())
        except ValueError:
            rate = math.nan
        if not 0 < rate <= 1000:  # NaN fails too
            raise ValueError(f"{v!r} is not a number of messages per second above 0 and at most 1000"
                             " (e.g. 20: below Telegram's ~30/s, so replies to clients keep headroom)")
        return rate

    @field_validator("tick_seconds", mode="before")
    @classmethod
    def _tick_seconds(cls, v: object) -> object:
        try:
            seconds = float(str(v).strip())
        except ValueError:
            seconds = math.nan
        if not 1 <= seconds <= 3600:  # below a second the clock would keep a CPU busy
            raise ValueError(f"{v!r} is not a number of seconds from 1 to 3600 (e.g. 60)")
        return seconds

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def base_file_url(self) -> str:
        # PTB wants the file URL too; a self-hosted server serves files under /file/bot.
        return re.sub(r"/bot$", "/file/bot", self.telegram_api_base_url)


class SettingsError(Exception):
    pass


def load(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as err:
        problems = []
        for e in err.errors():
            name = str(e["loc"][0]).upper() if e["loc"] else "SETTINGS"
            problems.append(f"{name}: {e['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid setting — " + "; ".join(problems)) from None

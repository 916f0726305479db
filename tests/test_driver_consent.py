"""Consent is given after the consent text was shown (driver level)."""

from __future__ import annotations

from bot.callbacks import Choose
from bot.driver import Driver
from bot.storage import Storage
from tests.helpers import TODAY


async def test_a_stale_press_shows_nothing_so_a_following_yes_is_not_consent(tmp_path):
    # Found in review: after /delete, pressing an old button (ignored, nothing
    # shown) marked the consent text as shown, and a typed "好" then consented.
    async with Storage(tmp_path / "c.sqlite3") as storage:
        driver = Driver(storage, today=lambda: TODAY)
        stale = Choose(turn=7, step="depth", option="quick").encode()
        assert await driver.button(5, stale) == []
        opened = await driver.text(5, "好")
        assert await storage.current_session(5) is None and "同意" in opened[-1].text
        await driver.text(5, "好")  # now the consent text has been shown
        session = await storage.current_session(5)
        assert session is not None and session.state.answers["consent"] is True

"""The advisor's daily digest names a lead whose client's annual review
(定期检视) is due: 「🔁 #N 王先生:诊断满一年,建议约一次检视」, with its #N
button, alongside what is due; nothing more once the advisor got in touch."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.callbacks import LeadOpen
from bot.driver import Driver
from bot.leadbook import digests
from bot.storage import Storage
from tests.helpers import TODAY
from tests.test_leadbook import ADVISOR
from tests.test_leadbook import seed as seed_lead


@pytest.fixture
async def driver(tmp_path):
    async with Storage(tmp_path / "digest.sqlite3") as storage:
        await storage.add_advisor(ADVISOR, "王芳", "平安保险")
        yield Driver(storage, today=lambda: TODAY)


async def test_the_digest_names_a_lead_whose_annual_review_is_due(driver):
    # A lead of today (nothing due, not yet "new"), whose client's last diagnosis was a year ago.
    lead = await seed_lead(driver, 9400, ADVISOR, name="王先生", consent_at=datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    assert await digests(driver, TODAY) == []
    await driver.storage.write([("UPDATE results SET created_at = '2025-11-22T02:00:00+00:00' WHERE user_id = 9400",
                                 ())])
    [digest] = await digests(driver, TODAY)
    assert f"🔁 #{lead.id} 王先生:诊断满一年,建议约一次检视" in digest.payload["text"]
    assert LeadOpen(lead.id).encode() in {b["callback_data"] for row in digest.payload["keyboard"] for b in row}
    assert await digests(driver, date(2026, 11, 30)) == []  # past the week

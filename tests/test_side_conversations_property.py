"""The class behind "an old /newlead button answered the advisor's own
diagnosis": whatever an advisor presses or types, in any order, a button
changes the answers of the conversation it was sent for and of no other (the
chat's own interview, or a side conversation's subject)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.driver import Driver
from bot.storage import Storage
from tests.helpers import TODAY

ADVISOR = 4242
ACTIONS = st.lists(st.one_of(
    st.tuples(st.just("command"), st.sampled_from(["newlead", "cancel", "start", "leads", "restart"])),
    st.tuples(st.just("type"), st.sampled_from(["同意", "1980-05-06", "张先生", "已婚", "30万", "不同意"])),
    st.tuples(st.just("press"), st.integers(min_value=0, max_value=200)),
), min_size=1, max_size=14)


def answers_by_owner(path: Path) -> dict[int, dict]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT s.user_id, a.key, a.value FROM sessions s JOIN answers a ON a.session_id = s.id")
        found: dict[int, dict] = {}
        for owner, key, value in rows:
            found.setdefault(owner, {})[key] = json.loads(value)
        return found


async def play(actions) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.sqlite3"
        async with Storage(path) as storage:
            await storage.add_advisor(ADVISOR, "王芳")
            driver = Driver(storage, today=lambda: TODAY)
            buttons: list[tuple[str, int]] = []  # (data, the conversation it was sent for)

            def keep(outs):
                for out in outs:
                    owner = out.owner if out.owner is not None else ADVISOR
                    buttons.extend((b.data, owner) for row in out.buttons for b in row if b.data)

            keep(await driver.command(ADVISOR, "start"))
            for kind, value in actions:
                if kind == "command":
                    keep(await driver.command(ADVISOR, value))
                elif kind == "type":
                    keep(await driver.text(ADVISOR, value))
                elif buttons:
                    data, owner = buttons[value % len(buttons)]
                    before = answers_by_owner(path)
                    keep(await driver.button(ADVISOR, data))
                    after = answers_by_owner(path)
                    for other in set(before) | set(after):
                        if other == owner:
                            continue
                        # Another conversation's answers neither appear nor change
                        # (they may go: /delete's confirmation erases everything).
                        assert other in before or other not in after, (data, owner, other)
                        if other in before and other in after:
                            assert before[other] == after[other], (data, owner, other)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_a_button_changes_only_the_conversation_it_was_sent_for(actions):
    asyncio.run(play(actions))

"""Message splitting and the storage's migrations and privacy operations."""

import sqlite3

from bot.presenter import pack
from bot.storage import MIGRATIONS, Storage
from flows.engine import State


def test_pack_keeps_blocks_whole_and_respects_the_limit():
    blocks = [f"block {i}\n" + "\n".join(f"line {i}.{j} " + "金" * 40 for j in range(20)) for i in range(6)]
    messages = pack(blocks, 4096)
    assert len(messages) > 1 and all(len(m) <= 4096 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)  # nothing lost, nothing reordered
    for block in blocks:
        assert any(block in m for m in messages)  # a block never straddles two messages


def test_pack_splits_an_oversized_block_between_lines_and_cuts_a_monster_line():
    block = "\n".join(f"第{i}行 " + "字" * 100 for i in range(100))
    messages = pack([block], 4096)
    assert all(len(m) <= 4096 for m in messages)
    assert all(m.startswith("第") for m in messages)  # every split is at a line start
    assert "\n".join(messages) == block
    monster = pack(["x" * 10_000], 4096)
    assert [len(m) for m in monster] == [4096, 4096, 1808]


async def test_migrations_bring_an_old_database_up_to_date(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:  # a database as version 1 left it
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        db.executescript(MIGRATIONS[0])
        db.execute("INSERT INTO schema_version VALUES (1)")
        db.execute("INSERT INTO clients (user_id, created_at) VALUES (7, 'x')")
        db.execute("INSERT INTO sessions (user_id, flow, state, status, started_at, updated_at)"
                   " VALUES (7, 'diagnosis', ?, 'active', 'x', 'x')", (State(flow="diagnosis").model_dump_json(),))
    async with Storage(path) as storage:
        assert await storage.schema_version() == len(MIGRATIONS)
        session = await storage.current_session(7)
        assert session is not None and session.last_update_id is None
    async with Storage(path) as storage:  # opening again changes nothing
        assert await storage.schema_version() == len(MIGRATIONS)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_save_and_delete_touch_only_that_user(tmp_path):
    async with Storage(tmp_path / "s.sqlite3") as storage:
        for user in (1, 2):
            state = State(flow="diagnosis", answers={"consent": True, "income": 100 * user})
            sid = await storage.save_session(user, None, state, dict(state.answers), [], update_id=10 * user)
            state.answers["income"] = 111 * user
            await storage.save_session(user, sid, state, {"income": 111 * user}, [], figures={"a": 1})
        data = await storage.user_data(1)
        assert data["sessions"][0]["answers"] == {"consent": True, "income": 111}
        assert data["client"]["consent_at"] and len(data["results"]) == 1
        assert (await storage.current_session(1)).has_seen(10) and not (await storage.current_session(1)).has_seen(11)
        await storage.delete_user(1)
        assert await storage.current_session(1) is None
        assert (await storage.user_data(1)) == {"client": None, "sessions": [], "results": []}
        assert (await storage.user_data(2))["sessions"][0]["answers"]["income"] == 222

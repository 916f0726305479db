"""Group commit: the writes of concurrent chats share transactions, each caller
returns only after its own write is committed, and one bad write does not
fail the others."""

from __future__ import annotations

import asyncio
import sqlite3

from bot.storage import Storage
from flows.engine import State


def state(n: int) -> State:
    return State(flow="diagnosis", answers={"consent": True, "income": n})


async def test_concurrent_saves_share_commits_and_are_on_disk_when_awaited(tmp_path):
    db = tmp_path / "w.sqlite3"
    async with Storage(db) as storage:
        ids = await asyncio.gather(*(storage.save_session(u, None, state(u), {"income": u}, []) for u in range(1, 51)))
        assert len(set(ids)) == 50
        assert storage.batches < 50 and storage.batched_writes == 50
        # Every awaited write is committed: a second connection sees all of them.
        with sqlite3.connect(db) as other:
            assert other.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 50
            assert other.execute("SELECT COUNT(*) FROM answers WHERE key = 'income'").fetchone()[0] == 50
        updates = [storage.save_session(u, sid, state(u * 2), {"income": u * 2}, [], update_id=u)
                   for u, sid in zip(range(1, 51), ids, strict=True)]
        await asyncio.gather(*updates)
        with sqlite3.connect(db) as other:
            values = dict(other.execute("SELECT session_id, value FROM answers WHERE key = 'income'").fetchall())
        assert values == {sid: str(u * 2) for u, sid in zip(range(1, 51), ids, strict=True)}


async def test_one_failing_write_does_not_fail_its_batch(tmp_path):
    async with Storage(tmp_path / "w.sqlite3") as storage:
        good = [storage.save_session(u, None, state(u), {"income": u}, []) for u in range(1, 6)]
        bad = storage._write([("INSERT INTO no_such_table VALUES (1)", ())])
        batches = storage.batches
        results = await asyncio.gather(*good, bad, return_exceptions=True)
        assert storage.batches == batches + len(good)  # they shared a batch, which failed, then each went alone
        assert all(isinstance(r, int) for r in results[:5])
        assert isinstance(results[5], sqlite3.OperationalError)
        assert len({(await storage.current_session(u)).id for u in range(1, 6)}) == 5
        # The writer keeps going after a failure.
        assert await storage.save_session(9, None, state(9), {"income": 9}, []) > 0


async def test_close_waits_for_writes_already_submitted(tmp_path):
    db = tmp_path / "w.sqlite3"
    storage = await Storage(db).open()
    pending = [asyncio.ensure_future(storage.save_session(u, None, state(u), {"income": u}, [])) for u in range(1, 21)]
    await asyncio.sleep(0)
    await storage.close()
    assert all(p.done() and not p.exception() for p in pending)
    with sqlite3.connect(db) as other:
        assert other.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 20


async def test_a_blocked_checkpoint_fails_no_write_and_is_retried_until_the_deleted_bytes_are_gone(tmp_path):
    # Found in review: a read left open on the connection made the deletion's
    # WAL checkpoint raise after the commit, failing every write of the batch
    # and leaving the deleted answer in the -wal file.
    db = tmp_path / "w.sqlite3"
    secret = "1987-06-05"
    async with Storage(db) as storage:
        await storage.save_session(1, None, State(flow="diagnosis", answers={"consent": True, "birth_date": secret}),
                                   {"birth_date": secret}, [])
        await storage.save_session(2, None, state(2), {"income": 2}, [])
        reader = await storage.db.execute("SELECT id FROM sessions")  # a read in progress
        await reader.fetchone()
        saved, deleted = await asyncio.gather(storage.save_session(3, None, state(3), {"income": 3}, []),
                                              storage.delete_user(1))
        assert saved > 0 and deleted is None and await storage.current_session(1) is None
        await reader.close()
        await storage.save_session(2, (await storage.current_session(2)).id, state(4), {"income": 4}, [])
        await storage.save_session(5, None, state(5), {"income": 5}, [])  # its batch runs after the retried checkpoint
        assert not storage._checkpoint_due
        for path in tmp_path.iterdir():
            assert secret.encode() not in path.read_bytes(), path.name


async def test_a_write_after_close_is_refused(tmp_path):
    storage = await Storage(tmp_path / "w.sqlite3").open()
    await storage.close()
    try:
        await storage.save_session(1, None, state(1), {"income": 1}, [])
    except RuntimeError:
        return
    raise AssertionError("a write after close must raise")


async def test_the_session_cache_always_reads_as_the_database(tmp_path):
    db = tmp_path / "w.sqlite3"
    async with Storage(db) as storage:
        sid = await storage.save_session(1, None, state(1), {"income": 1}, [], update_id=10)
        await storage.record_question(1, "income", 77)
        await storage.save_session(1, sid, state(2), {"income": 2}, [])
        await storage.mark_undelivered(1, 3)
        cached = await storage.current_session(1)
        await storage.save_session(1, sid, state(3), {"income": 3}, [], update_id=11)
        cached = await storage.current_session(1)
        storage._sessions.clear()  # what the database says
        fresh = await storage.current_session(1)
        assert cached == fresh and fresh.state.answers["income"] == 3
        assert (fresh.question_message_id, fresh.undelivered_turn, fresh.last_update_id) == (77, 3, 11)
        await storage.delete_user(1)
        assert await storage.current_session(1) is None

"""Message splitting and the storage's migrations and privacy operations."""

import sqlite3

import pytest

from bot.callbacks import MAX_BYTES, Choose, DeleteChoice, EditAnswer, GoBack, SkipStep, decode
from bot.presenter import Button, pack, question
from bot.storage import MIGRATIONS, Storage
from flows.engine import Option, Question, State
from flows.messages import msg
from tests.helpers import ZH


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
            sid = await storage.save_session(user, None, state, dict(state.answers), [], update_id=10 * user,
                                             consented=True)
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


def test_callback_data_round_trips_and_names_the_copy_of_the_question():
    for press in (Choose(7, "marital", "married"), SkipStep(12, "mortgage"), GoBack(3, "birth_date"),
                  EditAnswer("child_1_age"), DeleteChoice(True, 42, 9), DeleteChoice(False, 42, 9)):
        data = press.encode()
        assert len(data.encode()) <= MAX_BYTES and decode(data) == press
    assert Choose(7, "marital", "married").encode() == "a|7|marital|married"


def test_a_delete_confirmation_names_the_session_and_the_turn_it_was_shown_at():
    assert DeleteChoice(True, 42, 9).encode() == "d|yes|42|9"
    biggest = DeleteChoice(False, 2**63 - 1, 2**63 - 1)  # SQLite rowids and any turn fit in 64 bytes
    assert len(biggest.encode().encode()) <= MAX_BYTES and decode(biggest.encode()) == biggest
    # A confirmation shown before turns were in it (d|yes|42) no longer decodes: it deletes nothing.
    assert decode("d|yes|42") is None and decode("d|no|42") is None


@pytest.mark.parametrize("data", ["", "a", "a|marital|married", "s|mortgage", "b|birth_date", "a|x|marital|married",
                                  "a|-1|marital|married", "a|٣|marital|married", "d|yes", "d|maybe|4", "z|1|x",
                                  "a|1|" + "x" * 70 + "|y"])
def test_callback_data_that_does_not_decode_is_none(data):
    # The old formats (no turn), forged or truncated data: nothing to act on.
    assert decode(data) is None


def test_callback_data_over_64_bytes_is_refused_when_built():
    with pytest.raises(ValueError):
        Choose(1, "步" * 20, "yes").encode()
    with pytest.raises(ValueError):
        Button("x", EditAnswer("k" * 70))
    with pytest.raises(ValueError):
        Choose(1, "a|b", "yes").encode()  # only the last field may hold the separator


def test_a_questions_buttons_carry_its_turn():
    q = Question(step="smoker", text=msg("ask.consent"), kind="yes_no", section=None, remaining=6,
                 options=(Option("yes", msg("choice.yes")), Option("no", msg("choice.no"))),
                 default=msg("value.none"), turn=17)
    out = question(q, ZH)
    presses = [b.press for row in out.buttons for b in row]
    assert presses == [Choose(17, "smoker", "yes"), Choose(17, "smoker", "no"), GoBack(17, "smoker"),
                       SkipStep(17, "smoker")]
    assert out.question_step == "smoker" and out.turn == 17


async def test_delivery_marks(tmp_path):
    path = tmp_path / "d.sqlite3"
    async with Storage(path) as storage:
        state = State(flow="diagnosis", answers={"consent": True}, turn=5)
        await storage.save_session(1, None, state, dict(state.answers), [])
        await storage.record_question(1, "depth", 77)
        session = await storage.current_session(1)
        assert (session.question_step, session.question_message_id, session.undelivered) == ("depth", 77, False)
        await storage.mark_undelivered(1, 5)
        assert (await storage.current_session(1)).undelivered
        await storage.mark_undelivered(1, 4)  # an older copy: the current one was delivered
        assert not (await storage.current_session(1)).undelivered
        await storage.mark_unreachable(1, 1_800_000_000)
        await storage.mark_unreachable(2, 1_800_000_000)  # no client row (no consent): nothing is stored
        assert await storage.unreachable_since(2) is None
        assert (await storage.user_data(1))["client"]["unreachable_since"] == 1_800_000_000
    async with Storage(path) as storage:  # the mark is in the database, not in memory
        assert await storage.unreachable_since(1) == 1_800_000_000
        await storage.clear_unreachable(1)
        assert await storage.unreachable_since(1) is None
        assert await storage.schema_version() == len(MIGRATIONS)
        async with storage.db.execute("PRAGMA secure_delete") as cur:
            assert (await cur.fetchone())[0] == 1

"""A flow's result is shown through its ``Report`` (flows/flow.py): the shell
names no flow's internals, and any flow with a report gets a card, a detail
and its figures kept through the same driver and presenter."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot import callbacks
from bot.driver import Driver
from bot.storage import Storage
from flows.flow import Flow, Report, Step
from flows.messages import msg
from flows.registry import FLOWS
from tests.helpers import TODAY

BOT = Path(__file__).resolve().parent.parent / "bot"

# What only the diagnosis knows: its modules, and the attributes of its outcome.
FLOW_INTERNALS = re.compile(r"\bflows\.(summary|diagnosis|advice|calc|diagnosis_report)\b"
                            r"|\bfrom flows import [^#]*\b(summary|diagnosis|advice|calc|diagnosis_report)\b"
                            r"|\.diagnosis\.|\.profile\.|\boutcome\.(quick|profile|diagnosis|assumptions)\b")
# A line may name one when a comment on it says why (the marker, then the reason).
EXPLAINED = "# flow-internal:"


def test_the_shell_names_no_module_or_attribute_of_the_diagnosis():
    hits = [f"{path.name}:{n}: {line.strip()}"
            for path in sorted(BOT.glob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if FLOW_INTERNALS.search(line) and EXPLAINED not in line]
    assert hits == []


def test_the_scan_would_see_a_leak():
    for leak in ("from flows.summary import card_lines", "import flows.diagnosis", "if outcome.quick:",
                 "from flows import engine, summary",
                 "x = o.profile.children", "d = self.outcome.diagnosis.gaps"):
        assert FLOW_INTERNALS.search(leak), leak


def test_every_registered_flow_that_concludes_has_a_report():
    assert all(f.report is not None for f in FLOWS.values() if f.conclude is not None)


# --- a toy flow with its own tiny report ---------------------------------------------


@dataclass(frozen=True)
class Doubled:
    n: int


def _text(text: str):
    return msg("value.text", text=text)


TOY_REPORT = Report(
    card=lambda o: [_text(f"toy card: {o.n} × 2 = {o.n * 2}")],
    sections=(("first", "second"), ("every",)),
    detail=lambda o, section: ([[_text(f"toy {s}: {o.n}")] for s in ("first", "second")] if section == "every"
                               else [[_text(f"toy {section}: {o.n}")]]),
    full=lambda o: [[_text(f"toy all: {o.n}")]],
    offers_deepen=lambda o: o.n > 5,
    figures=lambda o: {"doubled": o.n * 2},
    fingerprint=lambda o: f"toy{o.n}",
)

TOY_ITEMS = (
    Step("consent", "ask.consent", "yes_no", quick=True, strict=True,
         labels={"yes": "consent.yes", "no": "consent.no"}),
    Step("n", "ask.parents_count", "whole", min=0, max=100, quick=True),
)
TOY = Flow("toy", TOY_ITEMS, consent_key="consent", report=TOY_REPORT,
           conclude=lambda values, assumed, ctx: Doubled(values["n"]))


async def _finish(driver: Driver, n: str) -> list:
    await driver.command(1, "start")
    [asked] = await driver.text(1, "是")
    assert asked.question_step == "n"
    return await driver.text(1, n)


def _labels(out) -> list[str]:
    return [b.label for row in out.buttons for b in row]


async def test_a_toy_flow_gets_its_card_and_detail_through_the_same_driver(tmp_path):
    async with Storage(tmp_path / "toy.sqlite3") as storage:
        driver = Driver(storage, flow=TOY, flows={TOY.name: TOY}, today=lambda: TODAY)
        outs = await _finish(driver, "7")
        [card] = [o for o in outs if o.text.startswith("toy card")]
        assert card.text == "toy card: 7 × 2 = 14"
        r = driver.renderer
        assert _labels(card) == [r.text("card.button.detail"), r.text("card.button.edit"),
                                 r.text("card.button.deepen")]  # 7 > 5: the toy offers its deepen
        assert callbacks.decode(card.buttons[0][0].data) == callbacks.ShowDetail("toy7", callbacks.DETAIL_MENU)

        # The section picker, in the toy's rows, with the card's actions under it.
        [menu] = await driver.button(1, card.buttons[0][0].data)
        assert [[b.press for b in row] for row in menu.buttons[:2]] == [
            [callbacks.ShowDetail("toy7", "first"), callbacks.ShowDetail("toy7", "second")],
            [callbacks.ShowDetail("toy7", "every")]]
        [second] = await driver.button(1, menu.buttons[0][1].data)
        assert second.text == "toy second: 7" and second.buttons == menu.buttons[:2]
        [every] = await driver.button(1, menu.buttons[1][0].data)
        assert every.text == "toy first: 7\n\ntoy second: 7"

        # /summary is the same card; the figures kept are the toy's.
        assert [o.text for o in await driver.command(1, "summary")] == [card.text]
        rows = await storage.db.execute_fetchall("SELECT figures FROM results")
        assert [json.loads(f) for (f,) in rows] == [{"doubled": 14}]

        # A card whose fingerprint is not the current result's says the result changed.
        [old] = await driver.button(1, callbacks.ShowDetail("toy3", "first").encode())
        assert old.text == f"{r.text('detail.updated')}\n\ntoy first: 7"


async def test_a_toy_result_that_offers_no_deepen_has_no_deepen_button(tmp_path):
    async with Storage(tmp_path / "toy.sqlite3") as storage:
        driver = Driver(storage, flow=TOY, flows={TOY.name: TOY}, today=lambda: TODAY)
        [card] = [o for o in await _finish(driver, "2") if o.text.startswith("toy card")]
        assert _labels(card) == [driver.renderer.text("card.button.detail"), driver.renderer.text("card.button.edit")]


async def test_a_flow_without_a_report_finishes_with_its_notes_and_no_card(tmp_path):
    plain = Flow("plain", TOY_ITEMS, consent_key="consent", conclude=lambda values, assumed, ctx: Doubled(values["n"]))
    async with Storage(tmp_path / "plain.sqlite3") as storage:
        driver = Driver(storage, flow=plain, flows={plain.name: plain}, today=lambda: TODAY)
        outs = await _finish(driver, "7")
        assert outs and not any(o.text.startswith("toy") or o.buttons for o in outs)
        assert await storage.db.execute_fetchall("SELECT figures FROM results") == []
        summary = await driver.command(1, "summary")
        assert summary and "toy" not in summary[0].text


async def test_a_driver_given_the_unregistered_diagnosis_object_runs_the_registered_one(tmp_path):
    # flows.diagnosis.DIAGNOSIS has no Report (the registry attaches it): a
    # driver given it by mistake still shows the card.
    from flows import diagnosis, registry
    async with Storage(tmp_path / "r.sqlite3") as storage:
        driver = Driver(storage, flow=diagnosis.DIAGNOSIS, today=lambda: TODAY)
        assert driver.flow is registry.DIAGNOSIS and driver.flow.report is not None

"""Helpers for driving the pure engine in tests."""

from __future__ import annotations

from datetime import date

from bot.i18n import Renderer
from flows import engine
from flows.assumptions import DEFAULT_ASSUMPTIONS
from flows.diagnosis import DIAGNOSIS
from flows.engine import Answer, Skip
from flows.flow import Context

TODAY = date(2026, 11, 23)
ZH = Renderer("zh_CN", strict=True)  # a missing message id fails the test
CTX = Context(today=TODAY, assumptions=DEFAULT_ASSUMPTIONS, label=ZH)
SKIP = object()


def interview(answers, flow=DIAGNOSIS, ctx=CTX):
    """Feed answers one by one, each must be accepted; returns (state, last
    reply, the outcome seen, the steps asked in order)."""
    state, reply = engine.start(flow, ctx)
    asked, outcome = [], None
    for answer in answers:
        assert reply.question is not None, f"no question left for answer {answer!r}"
        asked.append(reply.question.step)
        event = Skip() if answer is SKIP else Answer(str(answer))
        state, reply = engine.handle(flow, state, event, ctx)
        errors = [n.key for n in reply.notes if n.key.startswith("error.")]
        assert not errors, f"{asked[-1]} rejected {answer!r}: {errors}"
        outcome = reply.outcome or outcome
    return state, reply, outcome, asked


def step_of(reply):
    return reply.question.step if reply.question else None

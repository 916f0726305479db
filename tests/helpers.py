"""Helpers for driving the pure engine in tests."""

from __future__ import annotations

from datetime import date

from bot.i18n import Renderer
from flows import engine
from flows.assumptions import DEFAULT_ASSUMPTIONS
from flows.diagnosis import DIAGNOSIS
from flows.engine import Answer, Deepen, Skip
from flows.flow import Context

TODAY = date(2026, 11, 23)
ZH = Renderer("zh_CN", strict=True)  # a missing message id fails the test
CTX = Context(today=TODAY, assumptions=DEFAULT_ASSUMPTIONS, label=ZH)
SKIP = object()
# /deepen in an answer list: the full diagnosis from here on (the depth is
# never asked; a client switches with the command, as the consent text says).
DEEPEN = "/deepen"


def interview(answers, flow=DIAGNOSIS, ctx=CTX):
    """Feed answers one by one, each must be accepted; returns (state, last
    reply, the outcome seen, the steps asked in order). A DEEPEN is a /deepen
    between two answers, not an answer."""
    state, reply = engine.start(flow, ctx)
    asked, outcome = [], None
    for answer in answers:
        assert reply.question is not None, f"no question left for answer {answer!r}"
        if answer == DEEPEN:
            state, reply = engine.handle(flow, state, Deepen(), ctx)
            continue
        asked.append(reply.question.step)
        event = Skip() if answer is SKIP else Answer(str(answer))
        state, reply = engine.handle(flow, state, event, ctx)
        errors = [n.key for n in reply.notes if n.key.startswith("error.")]
        assert not errors, f"{asked[-1]} rejected {answer!r}: {errors}"
        outcome = reply.outcome or outcome
    return state, reply, outcome, asked


def step_of(reply):
    return reply.question.step if reply.question else None

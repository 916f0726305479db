"""The diagnosis's ``Report``: how its ``Outcome`` is shown (the card and the
breakdown of ``flows.summary``) and kept (its figures as JSON). The shell
asks this and never reads an ``Outcome`` itself.

Attached to the flow in ``flows.registry`` (``flows.summary`` imports
``flows.diagnosis``, so the diagnosis cannot import this module itself).
"""

from __future__ import annotations

import dataclasses
import hashlib
from decimal import Decimal
from typing import Any

from .diagnosis import Outcome
from .flow import Report
from .summary import ALL, SECTIONS, card_lines, detail_blocks, shared_blocks, summary_blocks

# The section picker: 寿险 重疾 养老 / 四大账户 财务健康 假设 / 全部
DETAIL_ROWS = (SECTIONS[:3], SECTIONS[3:], (ALL,))


def figures(o: Outcome) -> dict[str, Any]:
    """The outcome's figures as JSON-ready data (Decimal as strings)."""
    return {"diagnosis": _plain(o.diagnosis), "profile": _plain(o.profile),
            "assumptions": o.assumptions.model_dump(mode="json")}


def fingerprint(o: Outcome) -> str:
    """A short fingerprint of the result's figures (the profile and the diagnosis)."""
    return hashlib.sha256(repr((o.profile, o.diagnosis)).encode()).hexdigest()[:10]


def _plain(value):
    """Dataclasses, tuples and Decimals as JSON values; a direct walk, several
    times cheaper than ``dataclasses.asdict`` and a JSON round trip."""
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


REPORT = Report(
    card=card_lines,
    sections=DETAIL_ROWS,
    detail=detail_blocks,
    full=summary_blocks,
    offers_deepen=lambda o: o.quick,  # a quick diagnosis offers the full one (完整诊断)
    figures=figures,
    fingerprint=fingerprint,
    shared=shared_blocks,
)

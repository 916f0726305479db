"""Every flow the shell can run, by name (``State.flow`` names one).

A new conversation is a ``Flow`` and a line here; the driver runs it.
``START`` is the flow a newcomer's /start begins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType

from . import diagnosis
from .advisors import CONTACT_NOTE, SIGNUP
from .diagnosis_report import REPORT
from .flow import Flow
from .offline import OFFLINE

# The diagnosis with its report attached here: ``flows.summary`` (the report's
# card and breakdown) imports ``flows.diagnosis``, so the flow cannot name it
# itself. Run this one, not ``flows.diagnosis.DIAGNOSIS`` (which has no card).
DIAGNOSIS = replace(diagnosis.DIAGNOSIS, report=REPORT)

FLOWS: Mapping[str, Flow] = MappingProxyType({f.name: f for f in (DIAGNOSIS, SIGNUP, CONTACT_NOTE, OFFLINE)})
START = DIAGNOSIS.name


def flow_named(name: str) -> Flow:
    """The registered flow of this name (KeyError for an unknown one)."""
    return FLOWS[name]

"""Every flow the shell can run, by name (``State.flow`` names one).

A new conversation is a ``Flow`` and a line here; the driver runs it.
``START`` is the flow a newcomer's /start begins.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .diagnosis import DIAGNOSIS
from .flow import Flow

FLOWS: Mapping[str, Flow] = MappingProxyType({DIAGNOSIS.name: DIAGNOSIS})
START = DIAGNOSIS.name


def flow_named(name: str) -> Flow:
    """The registered flow of this name (KeyError for an unknown one)."""
    return FLOWS[name]

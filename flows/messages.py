"""Structured, not-yet-translated text.

The core never builds user-facing strings itself: it returns ``Msg`` objects
(a gettext message id plus parameters) and the shell renders them through the
locale catalogs. Parameters that are money or ratios are wrapped so that the
renderer can format them the Chinese way (万/亿) through Babel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal


@dataclass(frozen=True)
class Msg:
    key: str
    params: dict[str, Any] = field(default_factory=dict)


def msg(key: str, **params: Any) -> Msg:
    return Msg(key, params)


@dataclass(frozen=True)
class Money:
    """An amount in yuan; ``per`` tells the renderer to add 每年/每月."""

    yuan: Decimal
    per: Literal["", "year", "month"] = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "yuan", Decimal(self.yuan))


@dataclass(frozen=True)
class Percent:
    """A fraction shown as a percentage (0.05 → 5%)."""

    value: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", Decimal(self.value))


@dataclass(frozen=True)
class Number:
    """A plain decimal shown with at most ``digits`` fraction digits."""

    value: Decimal
    digits: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", Decimal(self.value))

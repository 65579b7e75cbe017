"""Allocation events (internal, derived): targets moved between collectors.

In: produced by the allocation actor. Out: consumed by the serving actor (view, metrics).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ta.core.allocation.allocator import Move


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationChanged:
    KIND: ClassVar[str] = "allocation.changed"
    VERSION: ClassVar[int] = 1

    seq: int
    strategy: str
    moves: tuple[Move, ...]
    collectors: tuple[str, ...]  # sorted; every collector, with or without targets
    counts: tuple[tuple[str, int], ...]  # targets per collector, sorted by name
    unassigned: int

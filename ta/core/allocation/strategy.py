"""The contract between the allocator's bookkeeping and an allocation strategy.

In: the collector set, the targets the allocator holds (``track``/``untrack``) and tally changes. Out: which
targets a membership change may move (``set_collectors``) and the collector a target belongs on (``choose``).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Protocol

from ta.core.model import Collector, Target

CONSISTENT_HASHING = "consistent-hashing"
LEAST_WEIGHTED = "least-weighted"
PER_NODE = "per-node"
STRATEGIES = (CONSISTENT_HASHING, LEAST_WEIGHTED, PER_NODE)


class Strategy(Protocol):
    def set_collectors(self, collectors: Mapping[str, Collector], unassigned: Set[int]) -> set[int]:
        """Adopt a new collector set; return the hashes whose collector may now differ.

        ``unassigned`` holds the targets that currently have no collector (including those just orphaned).
        """

    def track(self, target: Target) -> None:
        """Index a target the allocator now holds (before any ``choose`` for it)."""

    def untrack(self, target: Target) -> None:
        """Forget a target value (removed, or about to be replaced by a new value)."""

    def choose(self, target: Target, current: str) -> str:
        """The collector ``target`` belongs on given its ``current`` one; "" when none can take it."""

    def tally_changed(self, collector: str) -> None:
        """A count of ``collector`` changed (see ``Tally``)."""

"""The contract between the allocator's bookkeeping and an allocation strategy.

In: the collector set, the targets the allocator holds (``track``/``untrack``) and tally changes. Out: which
targets a membership change moves (``set_collectors``, as a ``Regroup``), the collector a target belongs on
(``choose``), and which other held targets adding or removing targets moved (``displaced``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Protocol

from ta.core.base.model import Collector, Target

CONSISTENT_HASHING = "consistent-hashing"
LEAST_WEIGHTED = "least-weighted"
PER_NODE = "per-node"
# Ours, not upstream's: see rendezvous_bounded.py.
RENDEZVOUS_BOUNDED = "rendezvous-bounded"
STRATEGIES = (CONSISTENT_HASHING, LEAST_WEIGHTED, PER_NODE, RENDEZVOUS_BOUNDED)
# What per-node may fall back on for a target whose node has no collector (upstream's two; not ours, nor itself).
FALLBACKS = (CONSISTENT_HASHING, LEAST_WEIGHTED)


@dataclass(frozen=True, slots=True)
class Regroup:
    """What a membership change means for the held targets.

    ``groups``: disjoint sets of hashes that each sit together on one collector (or are all unassigned) and now
    all belong on the given collector, so the allocator can move each set at once. ``rechoose``: hashes whose
    collector ``choose`` must decide one by one. The allocator reads both immediately and keeps no reference.
    """

    groups: tuple[tuple[Set[int], str], ...] = ()
    rechoose: Set[int] = frozenset()


class Strategy(Protocol):
    @property
    def ordered(self) -> bool:
        """Whether choices depend on earlier ones (through the tally): targets are then placed in (job, hash)
        order and the allocator keeps the tally. Otherwise placement order cannot change any result."""

    def set_collectors(self, collectors: Mapping[str, Collector], unassigned: Set[int]) -> Regroup:
        """Adopt a new collector set; say which held targets may now belong elsewhere.

        ``unassigned`` holds the targets that currently have no collector (including those just orphaned).
        """

    def track(self, targets: Iterable[Target]) -> None:
        """Index target values the allocator now holds (before any ``choose`` for them)."""

    def untrack(self, targets: Iterable[Target]) -> None:
        """Forget target values (removed, or about to be replaced by new values)."""

    def choose(self, target: Target, current: str) -> str:
        """The collector ``target`` belongs on given its ``current`` one; "" when none can take it."""

    def tally_changed(self, collector: str) -> None:
        """A count of ``collector`` changed (see ``Tally``); only called on ``ordered`` strategies."""

    def displaced(self) -> Regroup:
        """Held targets, other than those just tracked, whose collector the ``track``/``untrack`` calls since the
        last call changed (only a strategy that balances over the whole target set has any); as for
        ``set_collectors``, each group sits together on one collector. Called after every update, and after the
        rebuild that takes a failed step back (its report is empty then: every held target was just tracked)."""

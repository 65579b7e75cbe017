"""The per-node strategy: a target belongs to the collector running on its node; others go to a fallback.

In: collector sets (with their nodes), tracked targets, an optional fallback strategy. Out: per-target choices,
and on a membership change only the targets on nodes whose collector changed plus whatever the fallback reports.

Two collectors on one node: the smallest name serves it (upstream keeps the last in Go map order, i.e. random).
Targets without a node, and (unlike upstream, which leaves them unassigned) targets whose node has no
collector, go to the fallback when one is configured; otherwise they stay unassigned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

from ta.core.allocation.strategy import Regroup, Strategy
from ta.core.base.model import Collector, Target


class PerNode:
    def __init__(self, fallback: Strategy | None = None) -> None:
        self._fallback = fallback
        self.ordered = fallback is not None and fallback.ordered
        self._collector_on: dict[str, str] = {}
        self._by_node: dict[str, set[int]] = {}

    def set_collectors(self, collectors: Mapping[str, Collector], unassigned: Set[int]) -> Regroup:
        collector_on: dict[str, str] = {}
        for name in sorted(collectors):
            node = collectors[name].node
            if node and node not in collector_on:
                collector_on[node] = name
        old = self._collector_on
        self._collector_on = collector_on
        affected: set[int] = set()
        for node in old.keys() | collector_on.keys():
            if old.get(node) != collector_on.get(node):
                affected |= self._by_node.get(node, set())
        if self._fallback is not None:
            # The fallback's groups mix in targets this strategy placed by node, so they are not uniform here:
            # every target in them is chosen again (and those on a node with a collector stay put).
            fallback = self._fallback.set_collectors(collectors, unassigned)
            affected |= fallback.rechoose
            for hashes, _collector in fallback.groups:
                affected |= hashes
        return Regroup(rechoose=affected)

    def track(self, targets: Iterable[Target]) -> None:
        targets = list(targets)
        by_node = self._by_node
        for target in targets:
            hashes = by_node.get(target.node)
            if hashes is None:
                hashes = by_node[target.node] = set()
            hashes.add(target.hash)
        if self._fallback is not None:
            self._fallback.track(targets)

    def untrack(self, targets: Iterable[Target]) -> None:
        targets = list(targets)
        by_node = self._by_node
        for target in targets:
            hashes = by_node.get(target.node)
            if hashes is not None:
                hashes.discard(target.hash)
                if not hashes:
                    del by_node[target.node]
        if self._fallback is not None:
            self._fallback.untrack(targets)

    def choose(self, target: Target, current: str) -> str:
        on_node = self._collector_on.get(target.node, "") if target.node else ""
        if on_node or self._fallback is None:
            return on_node
        # A current collector can only be here through the fallback (or by having left this target's node), so a
        # sticky fallback may keep it.
        return self._fallback.choose(target, current)

    def tally_changed(self, collector: str) -> None:
        if self._fallback is not None:
            self._fallback.tally_changed(collector)

    def displaced(self) -> Regroup:
        # Only consistent-hashing or least-weighted can be the fallback, and neither displaces targets.
        return Regroup()

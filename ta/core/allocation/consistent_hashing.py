"""The consistent-hashing strategy: a target belongs to the ring owner of its pre-relabel address's partition.

In: collector sets and tracked targets. Out: per-target collector choices, and on a membership change only the
targets in partitions whose owner changed. Choices depend only on the collector names, never on history.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from ta.core.allocation.ring import TA_RING, partition_of, partition_owners
from ta.core.model import Collector, Target


class ConsistentHashing:
    def __init__(self) -> None:
        self._names: tuple[str, ...] = ()
        self._owners: tuple[str, ...] = ()
        self._by_partition: list[set[int]] = [set() for _ in range(TA_RING.partition_count)]
        self._partition: dict[int, int] = {}

    def set_collectors(self, collectors: Mapping[str, Collector], unassigned: Set[int]) -> set[int]:
        names = tuple(sorted(collectors))
        if names == self._names:
            return set()
        old = self._owners
        self._names = names
        self._owners = partition_owners(names)
        affected: set[int] = set()
        for part, hashes in enumerate(self._by_partition):
            if hashes and (not old or not self._owners or old[part] != self._owners[part]):
                affected |= hashes
        return affected

    def track(self, target: Target) -> None:
        part = partition_of(target.address)
        self._partition[target.hash] = part
        self._by_partition[part].add(target.hash)

    def untrack(self, target: Target) -> None:
        part = self._partition.pop(target.hash)
        self._by_partition[part].discard(target.hash)

    def choose(self, target: Target, current: str) -> str:
        if not self._owners:
            return ""
        part = self._partition.get(target.hash)
        return self._owners[partition_of(target.address) if part is None else part]

    def tally_changed(self, collector: str) -> None:
        pass

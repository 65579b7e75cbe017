"""The consistent-hashing strategy: a target belongs to the ring owner of its pre-relabel address's partition.

In: collector sets and tracked targets. Out: per-target collector choices, and on a membership change the
targets of each partition whose owner changed, one group per partition. Choices depend only on the collector
names, never on history or order.

Invariant the allocator relies on for the groups: every tracked target sits on its partition's owner (or
nowhere when there are no collectors), so a partition's targets always share one collector and move together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

from ta.core.allocation.ring import TA_RING, partition_of, partition_owners, partitions_of
from ta.core.allocation.strategy import Regroup
from ta.core.base.model import Collector, Target


class ConsistentHashing:
    def __init__(self) -> None:
        self.ordered = False
        self._names: tuple[str, ...] = ()
        self._owners: tuple[str, ...] = ()
        self._by_partition: list[set[int]] = [set() for _ in range(TA_RING.partition_count)]
        self._partition: dict[int, int] = {}

    def set_collectors(self, collectors: Mapping[str, Collector], unassigned: Set[int]) -> Regroup:
        names = tuple(sorted(collectors))
        if names == self._names:
            return Regroup()
        old = self._owners
        self._names = names
        self._owners = owners = partition_owners(names)
        if not owners:
            # Nothing can be placed; the allocator has already unassigned the departed collectors' targets.
            return Regroup()
        return Regroup(
            groups=tuple(
                (hashes, owners[part])
                for part, hashes in enumerate(self._by_partition)
                if hashes and (not old or old[part] != owners[part])
            )
        )

    def track(self, targets: Iterable[Target]) -> None:
        targets = list(targets)
        hashes = [target.hash for target in targets]
        parts = partitions_of([target.address for target in targets])
        self._partition.update(zip(hashes, parts, strict=True))
        by_partition = self._by_partition
        for target_hash, part in zip(hashes, parts, strict=True):
            by_partition[part].add(target_hash)

    def untrack(self, targets: Iterable[Target]) -> None:
        partition = self._partition
        by_partition = self._by_partition
        for target in targets:
            by_partition[partition.pop(target.hash)].discard(target.hash)

    def choose(self, target: Target, current: str) -> str:
        if not self._owners:
            return ""
        part = self._partition.get(target.hash)
        return self._owners[partition_of(target.address) if part is None else part]

    def tally_changed(self, collector: str) -> None:
        pass

    def displaced(self) -> Regroup:
        return Regroup()

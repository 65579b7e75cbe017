"""Test builders for allocation: targets and collectors shaped like upstream's test utilities, plus a mirror.

The mirror is what a view does with moves: ``{hash: (target, collector)}``; ``assert_mirrors`` checks that it
matches the allocator exactly.
"""

from __future__ import annotations

from collections.abc import Iterable

import xxhash

from ta.core.allocation.allocator import Allocator, Move
from ta.core.base.labels import LabelSet
from ta.core.base.model import Collector, Target


def make_target(
    i: int, *, job: str | None = None, node: str = "", address: str | None = None, extra: LabelSet = ()
) -> Target:
    job = f"test-job-{i}" if job is None else job
    labels: LabelSet = tuple(sorted((("i", str(i)), *extra)))
    return Target(
        job=job,
        address=f"test-url-{i}" if address is None else address,
        own=labels,
        # Identity is (job, i): label refreshes via ``extra`` keep it, as meta labels do upstream.
        hash=xxhash.xxh64_intdigest(f"{job}\x00{i}".encode()),
        node=node,
    )


def make_targets(n: int, start: int = 0, *, job: str | None = None, node: str = "") -> list[Target]:
    return [make_target(i, job=job, node=node) for i in range(start, start + n)]


def make_collectors(n: int, start: int = 0) -> list[Collector]:
    return [Collector(name=f"collector-{i}", node=f"node-{i}") for i in range(start, start + n)]


def counts(allocator: Allocator) -> dict[str, int]:
    return dict(allocator.assigned_counts())


class Mirror:
    def __init__(self) -> None:
        self.state: dict[int, tuple[Target, str]] = {}

    def apply(self, moves: Iterable[Move]) -> None:
        for move in moves:
            if move.removed:
                assert move.after == ""
                del self.state[move.target.hash]
            else:
                self.state[move.target.hash] = (move.target, move.after)

    def assert_mirrors(self, allocator: Allocator, held: Iterable[int]) -> None:
        assert sorted(self.state) == sorted(set(held))
        assert len(allocator) == len(self.state)
        for target_hash, (target, collector) in self.state.items():
            assert allocator.target(target_hash) == target
            assert allocator.collector_of(target_hash) == collector
        per_collector = {collector.name: 0 for collector in allocator.collectors()}
        unassigned = 0
        for _, collector in self.state.values():
            if collector:
                per_collector[collector] += 1
            else:
                unassigned += 1
        assert dict(allocator.assigned_counts()) == per_collector
        assert allocator.unassigned_count() == unassigned

"""The least-weighted strategy: keep a target where it is; place newcomers and orphans on the lightest collector.

In: collector sets, tally changes and targets to place. Out: per-target collector choices. "Lightest" is the
smallest (total targets, targets of the same job, name), which is upstream's comparison made total; upstream
scans a Go map, so only the order in which it places targets is random, and we place them sorted by (job, hash).

Ranking is incremental: a min-heap of (total, same-job, name) for the job being placed, fed a fresh entry on
every tally change; an entry is trusted only while it still equals the collector's current key. Placing a batch
of one job therefore costs O(log collectors) per target after an O(collectors) heap build.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Set

from ta.core.allocation.strategy import Regroup
from ta.core.allocation.tally import Tally
from ta.core.base.model import Collector, Target

_Key = tuple[int, int, str]


class LeastWeighted:
    def __init__(self, tally: Tally) -> None:
        self.ordered = True
        self._tally = tally
        self._collectors: Mapping[str, Collector] = {}
        self._job: str | None = None
        self._heap: list[_Key] = []

    def set_collectors(self, collectors: Mapping[str, Collector], unassigned: Set[int]) -> Regroup:
        self._collectors = collectors
        self._job = None
        self._heap = []
        # Assigned targets keep their collector while it exists; orphans are already in ``unassigned``.
        return Regroup(rechoose=set(unassigned))

    def track(self, targets: Iterable[Target]) -> None:
        pass

    def untrack(self, targets: Iterable[Target]) -> None:
        pass

    def choose(self, target: Target, current: str) -> str:
        if current and current in self._collectors:
            return current
        if not self._collectors:
            return ""
        return self._lightest(target.job)

    def tally_changed(self, collector: str) -> None:
        job = self._job
        if job is not None and collector in self._collectors:
            counts = self._tally.per_job.get(job)
            same_job = counts.get(collector, 0) if counts else 0
            heapq.heappush(self._heap, (self._tally.totals.get(collector, 0), same_job, collector))

    def _lightest(self, job: str) -> str:
        totals = self._tally.totals
        counts = self._tally.per_job.get(job) or {}
        if self._job != job or len(self._heap) > 4 * len(self._collectors) + 64:
            # Rebuilt per job, and when stale entries pile up, so the heap stays proportional to the collectors.
            self._job = job
            self._heap = [(totals.get(name, 0), counts.get(name, 0), name) for name in self._collectors]
            heapq.heapify(self._heap)
        heap = self._heap
        while True:
            total, same_job, name = heap[0]
            if name in self._collectors and total == totals.get(name, 0) and same_job == counts.get(name, 0):
                return name
            heapq.heappop(heap)

    def displaced(self) -> Regroup:
        return Regroup()

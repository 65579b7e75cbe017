"""Running target counts per collector and per (job, collector), shared by the allocator and its strategies.

In: one ``add``/``remove`` per assignment change (the allocator keeps a tally only for the least-weighted
strategy, alone or as per-node's fallback). Out: the counts least-weighted ranks collectors by; every change is
announced to an optional listener so rankings can stay incremental.
"""

from __future__ import annotations

from collections.abc import Callable


class Tally:
    """``totals[collector]`` and ``per_job[job][collector]``; absent means zero. Read directly, write via methods."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}
        self.per_job: dict[str, dict[str, int]] = {}
        self.listener: Callable[[str], None] | None = None

    def total(self, collector: str) -> int:
        return self.totals.get(collector, 0)

    def of_job(self, job: str, collector: str) -> int:
        counts = self.per_job.get(job)
        return counts.get(collector, 0) if counts else 0

    def add(self, collector: str, job: str) -> None:
        totals = self.totals
        totals[collector] = totals.get(collector, 0) + 1
        counts = self.per_job.get(job)
        if counts is None:
            counts = self.per_job[job] = {}
        counts[collector] = counts.get(collector, 0) + 1
        if self.listener is not None:
            self.listener(collector)

    def remove(self, collector: str, job: str) -> None:
        # Zero entries are dropped so memory follows live assignments, not history.
        left = self.totals[collector] - 1
        if left:
            self.totals[collector] = left
        else:
            del self.totals[collector]
        counts = self.per_job[job]
        left = counts[collector] - 1
        if left:
            counts[collector] = left
        else:
            del counts[collector]
            if not counts:
                del self.per_job[job]
        if self.listener is not None:
            self.listener(collector)

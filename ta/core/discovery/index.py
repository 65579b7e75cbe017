"""The target index: every job's targets per SD source, de-duplicated, with deltas.

In: the built targets (and dropped ones) of one (job, source) group at a time. Out: ``Delta`` values —
targets to upsert and hashes to remove — that turn the previous allocatable set into the new one.

Within a job, targets of equal identity collapse into one (upstream keeps "the last one", in an order that
depends on map iteration); here the one from the greatest source key wins, so the answer is deterministic.
A change to one group costs work proportional to that group's size.

Each actor step can be taken back whole (``begin``/``commit``/``rollback``): ``set_group`` records the group and
job count it replaces, and a rollback puts them back, rebuilds the touched jobs' provider index, and says what the
touched targets are now (a ``Delta``, for outputs already sent during a multi-step build).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ta.core.base.model import Target
from ta.core.base.multimap import Multimap
from ta.core.discovery.targets import DroppedTarget


@dataclass(slots=True)
class Delta:
    upserts: dict[int, Target] = field(default_factory=dict)
    removals: set[int] = field(default_factory=set)
    # (job, source) -> the group's dropped targets now, for groups whose dropped targets changed
    dropped: dict[tuple[str, str], tuple[DroppedTarget, ...]] = field(default_factory=dict)

    def upsert(self, target: Target) -> None:
        self.removals.discard(target.hash)
        self.upserts[target.hash] = target

    def remove(self, target_hash: int) -> None:
        self.upserts.pop(target_hash, None)
        self.removals.add(target_hash)

    def merge(self, other: Delta) -> None:
        for target_hash in sorted(other.removals):
            self.remove(target_hash)
        for target in other.upserts.values():
            self.upsert(target)
        self.dropped.update(other.dropped)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.removals)


# Dropped targets kept per (job, source) for the "why is my target missing" view. All of them are counted,
# but a ServiceMonitor sees every endpoint of its namespaces and drops most: keeping every one with its full
# labels cost hundreds of MiB in a large cluster, and a few examples per group answer the question.
DROPPED_KEPT_PER_GROUP = 10
# ... and one when the whole group went for a single reason (a ServiceMonitor's keep on service labels drops every
# slice of other services: the reason and one target say it all, times thousands of slices).


@dataclass(slots=True)
class _Group:
    targets: dict[int, Target]
    dropped: tuple[DroppedTarget, ...]
    discovered: int


class TargetIndex:
    def __init__(self) -> None:
        self._groups: dict[str, dict[str, _Group]] = {}
        # job -> hash -> sources that currently provide it (mostly one)
        self._providers: dict[str, Multimap[int, str]] = {}
        self._discovered: dict[str, int] = {}
        self.counts_version = 0  # bumped whenever a per-job discovered count changes
        # While a step is open: (job, source, replaced group, replaced job count), oldest first.
        self._records: list[tuple[str, str, _Group | None, int | None]] | None = None
        self._saved_version = 0

    def begin(self) -> None:
        self._records = []
        self._saved_version = self.counts_version

    def commit(self) -> None:
        self._records = None

    def rollback(self) -> Delta:
        """Back to ``begin``; the delta holds every touched target and group's dropped targets as they are now
        (upserted, or removed if gone): sent after outputs of the taken-back changes, it sets them right."""
        records, self._records = self._records, None
        delta = Delta()
        if not records:
            return delta
        touched: dict[str, set[int]] = {}
        sources: set[tuple[str, str]] = set()
        for job, source, old, discovered in reversed(records):
            sources.add((job, source))
            hashes = touched.setdefault(job, set())
            groups = self._groups.get(job)
            current = None if groups is None else groups.get(source)
            if current is not None:
                hashes.update(current.targets)
            if old is not None:
                hashes.update(old.targets)
                self._groups.setdefault(job, {})[source] = old
            elif groups is not None:
                groups.pop(source, None)
                if not groups:
                    del self._groups[job]
            if discovered is None:
                self._discovered.pop(job, None)
            else:
                self._discovered[job] = discovered
        for job in sorted(touched):
            providers: Multimap[int, str] = Multimap()
            for source, group in self._groups.get(job, {}).items():
                for target_hash in group.targets:
                    providers.add(target_hash, source)
            if job in self._groups:
                self._providers[job] = providers
            else:
                self._providers.pop(job, None)
            for target_hash in sorted(touched[job]):
                after = self._effective(job, target_hash)
                if after is None:
                    delta.remove(target_hash)
                else:
                    delta.upsert(after)
        for job, source in sorted(sources):
            restored = self._groups.get(job, {}).get(source)
            delta.dropped[(job, source)] = restored.dropped if restored is not None else ()
        self.counts_version = self._saved_version
        return delta

    def set_group(
        self,
        job: str,
        source: str,
        targets: tuple[Target, ...],
        dropped: tuple[DroppedTarget, ...] = (),
        dropped_count: int | None = None,
    ) -> Delta:
        """Replace the targets of one group; an empty group removes it.

        ``dropped`` may be a prefix of the group's dropped targets when ``dropped_count`` says how many there were.
        """
        records = self._records
        if records is not None:
            # Before any change, so even a failure half-way through is taken back whole.
            job_groups = self._groups.get(job)
            records.append(
                (job, source, None if job_groups is None else job_groups.get(source), self._discovered.get(job))
            )
        groups = self._groups.setdefault(job, {})
        providers = self._providers.setdefault(job, Multimap())
        old = groups.get(source)
        old_targets = old.targets if old is not None else {}
        old_dropped = old.dropped if old is not None else ()
        new_targets = {t.hash: t for t in targets}
        touched = sorted(old_targets.keys() | new_targets.keys())
        before = {h: self._effective(job, h) for h in touched}
        for h in old_targets.keys() - new_targets.keys():
            providers.discard(h, source)
        for h in new_targets:
            providers.add(h, source)
        discovered = len(targets) + (len(dropped) if dropped_count is None else dropped_count)
        dropped = dropped[: DROPPED_KEPT_PER_GROUP if targets or len({d.reason for d in dropped}) > 1 else 1]
        if discovered != (old.discovered if old else 0):
            self.counts_version += 1
        self._discovered[job] = self._discovered.get(job, 0) - (old.discovered if old else 0) + discovered
        if targets or dropped:
            groups[source] = _Group(targets=new_targets, dropped=dropped, discovered=discovered)
        else:
            groups.pop(source, None)
        if not groups:
            self._groups.pop(job, None)
            self._providers.pop(job, None)
            self._discovered.pop(job, None)
        delta = Delta()
        if dropped != old_dropped:
            delta.dropped[(job, source)] = dropped
        for h in touched:
            after = self._effective(job, h)
            if after is None:
                if before[h] is not None:
                    delta.remove(h)
            elif after != before[h]:
                delta.upsert(after)
        return delta

    def remove_job(self, job: str) -> Delta:
        delta = Delta()
        for source in sorted(self._groups.get(job, {})):
            delta.merge(self.set_group(job, source, ()))
        return delta

    def _effective(self, job: str, target_hash: int) -> Target | None:
        providers = self._providers.get(job)
        source = None if providers is None else providers.greatest(target_hash)
        return None if source is None else self._groups[job][source].targets[target_hash]

    # --- queries -------------------------------------------------------------------------------------

    def jobs(self) -> list[str]:
        return sorted(self._groups)

    def sources(self, job: str) -> list[str]:
        return sorted(self._groups.get(job, {}))

    def discovered_counts(self) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(self._discovered.items()))

    def remaining(self) -> int:
        return sum(len(providers) for providers in self._providers.values())

    def dropped(self, job: str) -> list[DroppedTarget]:
        groups = self._groups.get(job, {})
        return [d for source in sorted(groups) for d in groups[source].dropped]

"""The serving read model: who scrapes what, and the rendered answers, cached until something changes.

In: allocation moves and the collector list (from the allocation actor), the rendered ``/scrape_configs``
bodies (from discovery), readiness. Out: response bodies with ETags for the HTTP handlers.

Each answer is rendered at most once per change: a move invalidates only the (job, collector) answers and
job listings it touches, and the next request renders and caches them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import xxhash

from ta.core.model import Target
from ta.http import render


@dataclass(frozen=True, slots=True, kw_only=True)
class Body:
    data: bytes
    etag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """A target and the collector that serves it ("" = unassigned)."""

    target: Target
    collector: str


def _body(data: bytes) -> Body:
    return Body(data=data, etag=f'"{xxhash.xxh64_hexdigest(data)}"')


EMPTY_LIST = _body(b"[]\n")


class View:
    def __init__(self) -> None:
        self._jobs: dict[str, dict[int, Placement]] = {}
        self._pairs: dict[tuple[str, str], dict[int, Target]] = {}
        self._collectors: tuple[str, ...] = ()
        self._scrape_configs: tuple[Body, Body] | None = None  # (redacted, revealed)
        self._jobs_body: Body | None = None
        self._pair_bodies: dict[tuple[str, str], Body] = {}
        self._job_bodies: dict[str, Body] = {}

    # --- updates -------------------------------------------------------------------------------------

    def set_scrape_configs(self, redacted: bytes, revealed: bytes) -> None:
        self._scrape_configs = (_body(redacted), _body(revealed))

    def set_collectors(self, collectors: Iterable[str]) -> None:
        names = tuple(sorted(collectors))
        if names != self._collectors:
            self._collectors = names
            self._job_bodies.clear()

    def place(self, target: Target, collector: str, removed: bool) -> None:
        """Record where ``target`` is served now (``removed``: it is gone). The previous placement comes from
        the view's own record, so a stale "before" in a message can never leave a ghost behind."""
        job = target.job
        had_targets = bool(self._jobs.get(job))
        placements = self._jobs.setdefault(job, {})
        previous = placements.get(target.hash)
        if previous is not None and previous.collector:
            pair = self._pairs.get((job, previous.collector))
            if pair is not None:
                pair.pop(target.hash, None)
                if not pair:
                    del self._pairs[(job, previous.collector)]
            self._pair_bodies.pop((job, previous.collector), None)
        if removed:
            placements.pop(target.hash, None)
        else:
            placements[target.hash] = Placement(target=target, collector=collector)
            if collector:
                self._pairs.setdefault((job, collector), {})[target.hash] = target
                self._pair_bodies.pop((job, collector), None)
        if not placements:
            del self._jobs[job]
        if had_targets != (job in self._jobs):
            self._jobs_body = None
        self._job_bodies.pop(job, None)

    # --- queries -------------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._scrape_configs is not None

    def scrape_configs(self, *, reveal: bool) -> Body | None:
        if self._scrape_configs is None:
            return None
        return self._scrape_configs[1 if reveal else 0]

    def jobs(self) -> Body:
        if self._jobs_body is None:
            self._jobs_body = _body(render.render_jobs(sorted(self._jobs)))
        return self._jobs_body

    def targets_for(self, job: str, collector: str) -> Body:
        key = (job, collector)
        cached = self._pair_bodies.get(key)
        if cached is not None:
            return cached
        pair = self._pairs.get(key)
        if not pair:
            return EMPTY_LIST
        body = _body(render.render_targets(pair.values()))
        self._pair_bodies[key] = body
        return body

    def targets_by_collector(self, job: str) -> Body:
        cached = self._job_bodies.get(job)
        if cached is not None:
            return cached
        body = _body(
            render.render_job_by_collector(job, ((c, self._pairs.get((job, c), {}).values()) for c in self._collectors))
        )
        self._job_bodies[job] = body
        return body

    # --- summaries (replay, debug, metrics) ----------------------------------------------------------

    @property
    def collectors(self) -> tuple[str, ...]:
        return self._collectors

    def job_names(self) -> list[str]:
        return sorted(self._jobs)

    def job_size(self, job: str) -> int:
        return len(self._jobs.get(job, {}))

    def placements(self, job: str) -> list[Placement]:
        return [self._jobs[job][h] for h in sorted(self._jobs.get(job, {}))]

    def count_for(self, collector: str) -> int:
        return sum(len(targets) for (_, c), targets in self._pairs.items() if c == collector)

    def unassigned(self) -> int:
        return sum(1 for placements in self._jobs.values() for p in placements.values() if not p.collector)

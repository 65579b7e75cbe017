"""Self-metrics under the upstream TA's names, on a registry of our own.

In: observations from actors and the HTTP server (and the cache registry, read at scrape time). Out: Prometheus
text exposition for ``GET /metrics``.
Names and labels match upstream so dashboards keep working; histogram buckets suit sub-second timings,
and per-subject gauges are removed or zeroed when their subject goes away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ta.process.cache_metrics import CacheCollector
from ta.process.runtime_metrics import register_runtime

FAST_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

ACTORS = ("membership", "crs", "discovery", "allocation", "serving")

__all__ = ["CONTENT_TYPE", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        register_runtime(self.registry)
        self.registry.register(CacheCollector())
        r = self.registry
        self.targets = Gauge(
            "opentelemetry_allocator_targets",
            "Number of targets discovered per job, before filtering.",
            ["job_name"],
            registry=r,
        )
        self.targets_remaining = Gauge(
            "opentelemetry_allocator_targets_remaining", "Number of targets kept after filtering.", registry=r
        )
        self.targets_per_collector = Gauge(
            "opentelemetry_allocator_targets_per_collector",
            "The number of targets for each collector.",
            ["collector_name", "strategy"],
            registry=r,
        )
        self.targets_unassigned = Gauge(
            "opentelemetry_allocator_targets_unassigned", "Number of targets that could not be assigned.", registry=r
        )
        self.collectors_allocatable = Gauge(
            "opentelemetry_allocator_collectors_allocatable",
            "Number of collectors the allocator can use.",
            ["strategy"],
            registry=r,
        )
        self.collectors_discovered = Gauge(
            "opentelemetry_allocator_collectors_discovered", "Number of collectors discovered.", registry=r
        )
        self.time_to_allocate = Histogram(
            "opentelemetry_allocator_time_to_allocate",
            "Time in seconds to allocate targets.",
            ["method", "strategy"],
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.process_targets = Histogram(
            "opentelemetry_allocator_process_targets_duration_seconds",
            "Duration of processing targets.",
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.http_duration = Histogram(
            "opentelemetry_allocator_http_duration_seconds",
            "Duration of received HTTP requests.",
            ["path"],
            buckets=FAST_BUCKETS,
            registry=r,
        )
        self.events = Counter("opentelemetry_allocator_events", "Events received from sources.", ["source"], registry=r)
        self.journal_entries = Counter(
            "ta_journal_entries", "Input events admitted through the ingress sequencer.", ["kind"], registry=r
        )
        self.rejected = Counter(
            "ta_rejected_inputs", "Inputs skipped because they could not be used.", ["kind", "reason"], registry=r
        )
        self.http_client_errors = Counter(
            "ta_http_client_errors",
            "Requests a client got wrong or broke off (reason: bad_request, reset, gone_during_response).",
            ["reason"],
            registry=r,
        )
        self.http_connections_closed = Counter(
            "ta_http_connections_closed",
            "Connections the HTTP server closed on its own (reason: header_timeout, idle_timeout, over_limit, "
            "over_limit_refused).",
            ["reason"],
            registry=r,
        )
        self.step_failures = Counter(
            "ta_actor_step_failures",
            "Actor steps that raised; each one's input was not applied (its changes were taken back).",
            ["actor"],
            registry=r,
        )
        for actor in ACTORS:
            self.step_failures.labels(actor)  # at 0 from the start, so increase() and alerts see the first one
        self._strategy = ""
        self._per_collector: set[str] = set()
        self._job_counts: dict[str, int] = {}

    def watch_runtime(
        self,
        mailboxes: Callable[[], Mapping[str, int]],
        caches: Callable[[], Mapping[str, int]],
        tail_bytes: Callable[[], int],
    ) -> None:
        """Export the asyncio task count, each mailbox's depth, each cache's size and the ``/debug/events``
        tail's bytes, read at scrape time. A soak compares them before and after long churn: none may grow
        (the tail fills up to its bound first)."""
        self.registry.register(_RuntimeCollector(mailboxes, caches, tail_bytes))

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def set_collectors(self, strategy: str, counts: dict[str, int], discovered: int) -> None:
        if strategy != self._strategy and self._strategy:
            self.collectors_allocatable.remove(self._strategy)
            for name in sorted(self._per_collector):
                self.targets_per_collector.remove(name, self._strategy)
            self._per_collector.clear()
        self._strategy = strategy
        self.collectors_allocatable.labels(strategy).set(len(counts))
        self.collectors_discovered.set(discovered)
        for name in sorted(self._per_collector - set(counts)):
            # Back to 0, as upstream does for a removed collector, so dashboards see it empty out.
            self.targets_per_collector.labels(name, strategy).set(0)
        for name in sorted(counts):
            self.targets_per_collector.labels(name, strategy).set(counts[name])
        self._per_collector |= set(counts)

    def set_job_targets(self, counts: dict[str, int]) -> None:
        # Only what changed: this runs for every target change, and most jobs' counts stay put.
        last = self._job_counts
        for job in sorted(last.keys() - counts.keys()):
            self.targets.labels(job).set(0)
        for job, count in counts.items():
            if last.get(job) != count:
                self.targets.labels(job).set(count)
        self._job_counts = dict(counts)


class _RuntimeCollector(Collector):
    def __init__(
        self,
        mailboxes: Callable[[], Mapping[str, int]],
        caches: Callable[[], Mapping[str, int]],
        tail_bytes: Callable[[], int],
    ) -> None:
        self._mailboxes = mailboxes
        self._caches = caches
        self._tail_bytes = tail_bytes

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # The task count is ``ta_event_loop_tasks`` (ta.process.runtime_metrics), the go_goroutines counterpart.
        depth = GaugeMetricFamily("ta_mailbox_depth", "Messages waiting in each actor's mailbox.", labels=["actor"])
        for name, size in sorted(self._mailboxes().items()):
            depth.add_metric([name], size)
        yield depth
        entries = GaugeMetricFamily(
            "ta_store_entries", "Entries held by each long-lived store (answers, objects, the tail).", labels=["store"]
        )
        for name, size in sorted(self._caches().items()):
            entries.add_metric([name], size)
        yield entries
        yield GaugeMetricFamily(
            "ta_events_tail_bytes", "Bytes of journal lines kept for /debug/events.", value=self._tail_bytes()
        )

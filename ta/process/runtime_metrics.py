"""Runtime metrics: what a dashboard reads from the Go TA's ``go_*`` families, in Python terms and our own names.

In: the running process (the event loop that serves ``/metrics``, its threads, the garbage collector), read when
``/metrics`` is scraped. Out: ``ta_event_loop_tasks`` (the tasks alive in the event loop: Go's ``go_goroutines``
counts the goroutines, and each connection, stream and actor here is a task), ``ta_threads`` (Python threads:
Go's ``go_threads``), and prometheus_client's ``python_gc_*`` families (Go's ``go_gc_duration_seconds`` and
``go_memstats_*`` have no direct match; memory is ``process_resident_memory_bytes``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, GCCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class RuntimeCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None  # rendered outside the loop (a test, a dump): there are no tasks to count
        if loop is not None:
            yield GaugeMetricFamily(
                "ta_event_loop_tasks",
                "Tasks alive in the event loop (the counterpart of the Go TA's go_goroutines).",
                value=len(asyncio.all_tasks(loop)),
            )
        yield GaugeMetricFamily(
            "ta_threads",
            "Python threads alive in the process (the counterpart of the Go TA's go_threads).",
            value=threading.active_count(),
        )


def register_runtime(registry: CollectorRegistry) -> None:
    GCCollector(registry=registry)
    registry.register(RuntimeCollector())

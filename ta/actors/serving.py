"""The serving actor: the sink that keeps the HTTP read model and the self-metrics current.

In: ``AllocationChanged``, ``ScrapeConfigsChanged``, ``TargetsChanged`` counts, ``CollectorsChanged``
counts and ``InputRejected`` notes. Out: nothing downstream; it updates the ``View`` and the ``Diagnostics``
the HTTP handlers read and the gauges on ``/metrics``, and logs each problem once.
"""

from __future__ import annotations

from typing import assert_never

import structlog

from ta.events.allocation import AllocationChanged
from ta.events.discovery import ScrapeConfigsChanged, TargetsChanged
from ta.events.membership import CollectorsChanged
from ta.events.problems import InputRejected
from ta.http.diagnostics import Diagnostics
from ta.http.view import View
from ta.metrics import Metrics

Input = AllocationChanged | ScrapeConfigsChanged | TargetsChanged | CollectorsChanged | InputRejected

log = structlog.get_logger("ta.serving")


class ServingActor:
    def __init__(self, view: View, metrics: Metrics, diagnostics: Diagnostics | None = None) -> None:
        self.view = view
        self.metrics = metrics
        self.diagnostics = diagnostics if diagnostics is not None else Diagnostics()
        self._discovered = 0

    def step(self, message: Input) -> list[None]:
        match message:
            case AllocationChanged():
                self.view.apply(message.moves)
                self.view.set_collectors(message.collectors)
                self.metrics.set_collectors(message.strategy, dict(message.counts), self._discovered)
                self.metrics.targets_unassigned.set(message.unassigned)
                if message.moves:
                    log.debug("allocation.changed", seq=message.seq, moved=len(message.moves))
            case ScrapeConfigsChanged():
                self.view.set_scrape_configs(message.redacted, message.revealed)
            case TargetsChanged():
                self.metrics.set_job_targets(dict(message.discovered))
                self.metrics.targets_remaining.set(message.remaining)
                for job, source, dropped in message.dropped:
                    self.diagnostics.set_dropped(job, source, dropped)
            case CollectorsChanged():
                self._discovered = len(message.collectors)
                self.metrics.collectors_discovered.set(self._discovered)
                log.info("collectors.changed", seq=message.seq, collectors=[c.name for c in message.collectors])
            case InputRejected():
                self.metrics.rejected.labels(message.source.split(" ", 1)[0], "rejected").inc()
                self.diagnostics.add_problem(message.seq, message.source, message.reason)
                log.warning("input.rejected", seq=message.seq, source=message.source, reason=message.reason)
            case _:
                assert_never(message)
        return []

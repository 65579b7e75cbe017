"""The serving actor: the sink that keeps the HTTP read model and the self-metrics current.

In: ``AllocationChanged``, ``ScrapeConfigsChanged``, ``TargetsChanged`` counts, ``CollectorsChanged``
counts, ``InputRejected`` notes and ``StepFailed`` notes. Out: nothing downstream; it updates the ``View`` and the
``Diagnostics`` the HTTP handlers read and the gauges on ``/metrics``, logs each problem once, and counts failed
steps per actor (``ta_actor_step_failures_total``).

Its own steps are all or nothing too: a step that raises is taken back (the view's placements and collectors,
the dropped targets, the gauges as last set) and counted and listed like any other actor's failure.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import assert_never

import structlog

from ta.actors.failures import step_failed
from ta.core.base.model import Target
from ta.core.serving.diagnostics import Diagnostics
from ta.core.serving.view import View
from ta.events.allocation import AllocationChanged
from ta.events.discovery import ScrapeConfigsChanged, TargetsChanged
from ta.events.membership import CollectorsChanged
from ta.events.problems import InputRejected, StepFailed
from ta.process.metrics import Metrics

Input = AllocationChanged | ScrapeConfigsChanged | TargetsChanged | CollectorsChanged | InputRejected | StepFailed

log = structlog.get_logger("ta.serving")


class ServingActor:
    def __init__(self, view: View, metrics: Metrics, diagnostics: Diagnostics | None = None) -> None:
        self.view = view
        self.metrics = metrics
        self.diagnostics = diagnostics if diagnostics is not None else Diagnostics()
        self._discovered = 0
        # What the gauges were last set from, to set them again when a step is taken back.
        self._collector_gauges: tuple[str, dict[str, int], int, int] | None = None
        self._target_gauges: tuple[dict[str, int], int] | None = None
        self._undo: list[Callable[[], None]] = []

    def step(self, message: Input) -> list[None]:
        """All or nothing: a step that raises is taken back, then counted and listed as failed."""
        saved = (self._discovered, self._collector_gauges, self._target_gauges)
        self._undo = []
        try:
            self._step(message)
        except Exception as exc:
            for undo in reversed(self._undo):
                undo()
            self._discovered, self._collector_gauges, self._target_gauges = saved
            self._set_collector_gauges()
            self._set_target_gauges()
            self._note(step_failed("serving", message, exc))
        self._undo = []
        return []

    def _step(self, message: Input) -> None:
        match message:
            case AllocationChanged():
                view = self.view
                placed: list[Target | tuple[Target, str]] = []
                self._undo.append(functools.partial(view.take_back, placed))
                view.apply(message.moves, placed)
                collectors = view.collectors
                self._undo.append(lambda: view.set_collectors(collectors))
                view.set_collectors(message.collectors)
                self._collector_gauges = (
                    message.strategy,
                    dict(message.counts),
                    self._discovered,
                    message.unassigned,
                )
                self._set_collector_gauges()
                if message.moves:
                    log.debug("allocation.changed", seq=message.seq, moved=len(message.moves))
            case ScrapeConfigsChanged():
                self.view.set_scrape_configs(message.redacted, message.revealed)
            case TargetsChanged():
                self._target_gauges = (dict(message.discovered), message.remaining)
                self._set_target_gauges()
                diagnostics = self.diagnostics
                for job, source, dropped in message.dropped:
                    self._undo.append(
                        functools.partial(diagnostics.set_dropped, job, source, diagnostics.dropped_of(job, source))
                    )
                    diagnostics.set_dropped(job, source, dropped)
            case CollectorsChanged():
                self._discovered = len(message.collectors)
                self.metrics.collectors_discovered.set(self._discovered)
                log.info("collectors.changed", seq=message.seq, collectors=[c.name for c in message.collectors])
            case InputRejected() | StepFailed():
                self._note(message)
            case _:
                assert_never(message)

    def _set_collector_gauges(self) -> None:
        metrics = self.metrics
        if self._collector_gauges is not None:
            strategy, counts, discovered, unassigned = self._collector_gauges
            metrics.set_collectors(strategy, counts, discovered)
            metrics.targets_unassigned.set(unassigned)
        metrics.collectors_discovered.set(self._discovered)

    def _set_target_gauges(self) -> None:
        if self._target_gauges is not None:
            discovered_per_job, remaining = self._target_gauges
            self.metrics.set_job_targets(discovered_per_job)
            self.metrics.targets_remaining.set(remaining)

    def _note(self, message: InputRejected | StepFailed) -> None:
        """A problem: listed, then logged (a failed step was logged where it failed), then counted."""
        if isinstance(message, StepFailed):
            self.diagnostics.add_step_failure(message.seq, message.actor, message.input, message.error)
            self.metrics.step_failures.labels(message.actor).inc()
            return
        self.diagnostics.add_problem(message.seq, message.source, message.reason)
        log.warning("input.rejected", seq=message.seq, source=message.source, reason=message.reason)
        self.metrics.rejected.labels(message.source.split(" ", 1)[0], "rejected").inc()

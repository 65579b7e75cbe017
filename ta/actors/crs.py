"""The CR actor: Prometheus CRs, namespaces, Secrets and ConfigMaps in, generated scrape jobs out.

In: ``ConfigLoaded`` (the ``prometheus_cr`` section) and ``KubeObjectChanged``/``KubeObjectBatch`` for the CR resources,
namespaces, Secrets and ConfigMaps. Out: ``CRJobsChanged`` whenever the generated job list differs from the
last one sent, one ``InputRejected`` per invalid object (with the reason) each time it is (re)built, and a
``StepFailed`` note (instead of anything else) when a step raised: its changes are then taken back whole.

When the journal says which scopes are being listed (``KubeWatchesPlanned``), nothing is published until the
initial lists of the CR actor's own inputs are complete: 1 500 monitors arriving one by one would otherwise
make discovery reconfigure 1 500 times. Without a plan (hand-written journals), changes publish at once.
"""

from __future__ import annotations

from typing import assert_never

from ta.actors.failures import step_failed
from ta.actors.settings import settings_of
from ta.core.crs import RESOURCE_KINDS, CRState
from ta.core.resources import CONFIGMAPS, NAMESPACES, SECRETS
from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.events.cluster import (
    KubeListSynced,
    KubeObjectBatch,
    KubeObjectChanged,
    KubeResourceUnavailable,
    KubeWatchesPlanned,
)
from ta.events.config import ConfigLoaded
from ta.events.crs import CRJobsChanged
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse
from ta.events.inputs import input_of
from ta.events.problems import InputRejected, StepFailed
from ta.promcfg.scrape import ScrapeJob

Output = CRJobsChanged | InputRejected | StepFailed
RESOURCES = frozenset([*RESOURCE_KINDS, NAMESPACES, SECRETS, CONFIGMAPS])


class CRActor:
    def __init__(self) -> None:
        self.core = CRState()
        self._sent: tuple[ScrapeJob, ...] | None = None
        self._pending: set[tuple[str, str]] = set()  # planned scopes of our inputs not yet listed
        self._configured = False

    @property
    def holding(self) -> bool:
        """Whether the first job list is not known yet: no config applied, or planned first lists not in."""
        return not self._configured or bool(self._pending)

    def step(self, envelope: Envelope) -> list[Output]:
        """All or nothing: a step that raises leaves the state as it was before the input."""
        saved = (self._sent, self._pending, self._configured)
        if self._pending:  # a handful of scopes, changed in place only by discarding: copied, not recorded
            self._pending = set(self._pending)
        self.core.begin()
        try:
            out = self._step(envelope)
        except Exception as exc:
            self.core.rollback()
            self._sent, self._pending, self._configured = saved
            return [step_failed("crs", envelope, exc, self.core.secret_values())]
        self.core.commit()
        return out

    def _step(self, envelope: Envelope) -> list[Output]:
        event = input_of(envelope)
        match event:
            case ConfigLoaded():
                settings = settings_of(event)
                if isinstance(settings, str):
                    return [InputRejected(seq=envelope.seq, source="config", reason=settings)]
                self.core.configure(settings)
                self._configured = True
                self._sent = None  # always answer a config: discovery merges it with the file's jobs
            case KubeObjectChanged():
                if event.resource not in RESOURCES:
                    return []
                if not self.core.object_changed(event.resource, event.watch_type, event.obj(), event.secret_values):
                    return []
            case KubeObjectBatch():
                if event.resource not in RESOURCES:
                    return []
                changed = [
                    self.core.object_changed(c.resource, c.watch_type, c.obj(), c.secret_values) for c in event.changes
                ]
                if not any(changed):
                    return []
            case KubeWatchesPlanned():
                self._pending = {(r, ns) for r, ns in event.scopes if r in RESOURCES}
                return []
            case KubeListSynced() | KubeResourceUnavailable():
                if (event.resource, event.namespace) not in self._pending:
                    return []
                self._pending.discard((event.resource, event.namespace))
            case Tick() | FileRead() | HttpSDResponse():
                return []
            case _:
                assert_never(event)
        if self._pending:
            return []  # problems stay queued in the core and are reported once the lists are in
        out: list[Output] = [
            InputRejected(seq=envelope.seq, source=p.source, reason=p.reason) for p in self.core.take_problems()
        ]
        jobs = self.core.jobs()
        if jobs != self._sent:
            self._sent = jobs
            out.append(CRJobsChanged(seq=envelope.seq, jobs=jobs))
        return out

"""The CR actor: Prometheus CRs, namespaces, Secrets and ConfigMaps in, generated scrape jobs out.

In: the decoded config (``Configured``: the ``prometheus_cr`` section), the watch plan, and
``KubeObjectChanged``/``KubeObjectBatch`` and first lists for the CR resources, namespaces, Secrets and ConfigMaps
(only those: ``ta.actors.wiring``). Out: ``CRJobsChanged`` whenever the generated job list differs from the
last one sent, one ``InputRejected`` per invalid object (with the reason) each time it is (re)built, and a
``StepFailed`` note (instead of anything else) when a step raised: its changes are then taken back whole.

When the journal says which scopes are being listed (``KubeWatchesPlanned``), nothing is published until the
initial lists of the CR actor's own inputs are complete: 1 500 monitors arriving one by one would otherwise
make discovery reconfigure 1 500 times. Without a plan (hand-written journals), changes publish at once.
"""

from __future__ import annotations

from typing import assert_never

from ta.actors.failures import step_failed
from ta.actors.holdback import FirstLists
from ta.actors.settings import Configured
from ta.actors.wiring import BY_NAME, CR_RESOURCES, not_routed
from ta.core.crs import CRState
from ta.core.promcfg.scrape import ScrapeJob
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

Input = Envelope | Configured
Output = CRJobsChanged | InputRejected | StepFailed
RESOURCES = CR_RESOURCES
_OURS = BY_NAME["crs"].takes_resource(KubeListSynced)


class CRActor:
    def __init__(self) -> None:
        self.core = CRState()
        self._sent: tuple[ScrapeJob, ...] | None = None
        self._lists = FirstLists()  # planned scopes of our inputs not yet listed
        self._configured = False

    @property
    def holding(self) -> bool:
        """Whether the first job list is not known yet: no config applied, or planned first lists not in."""
        return not self._configured or self._lists.waiting

    def step(self, message: Input) -> list[Output]:
        """All or nothing: a step that raises leaves the state as it was before the input."""
        saved = (self._sent, self._lists, self._configured)
        self.core.begin()
        try:
            out = self._step(message)
        except Exception as exc:
            self.core.rollback()
            self._sent, self._lists, self._configured = saved
            return [step_failed("crs", message, exc, self.core.secret_values())]
        self.core.commit()
        return out

    def _step(self, message: Input) -> list[Output]:
        if isinstance(message, Configured):
            self.core.configure(message.settings)
            self._configured = True
            self._sent = None  # always answer a config: discovery merges it with the file's jobs
        else:
            event = input_of(message)
            match event:
                case KubeObjectChanged():
                    if not self.core.object_changed(event.resource, event.watch_type, event.obj(), event.secret_values):
                        return []
                case KubeObjectBatch():
                    changed = [
                        self.core.object_changed(c.resource, c.watch_type, c.obj(), c.secret_values)
                        for c in event.changes
                    ]
                    if not any(changed):
                        return []
                case KubeWatchesPlanned():
                    self._lists = self._lists.plan(event.scopes, _OURS)
                    return []
                case KubeListSynced() | KubeResourceUnavailable():
                    self._lists, complete = self._lists.listed(event.resource, event.namespace)
                    if not complete:
                        return []
                case ConfigLoaded() | Tick() | FileRead() | HttpSDResponse():
                    not_routed("crs", event)  # a config arrives decoded, as ``Configured``
                case _:
                    assert_never(event)
        if self._lists.waiting:
            return []  # problems stay queued in the core and are reported once the lists are in
        seq = message.seq
        out: list[Output] = [
            InputRejected(seq=seq, source=p.source, reason=p.reason) for p in self.core.take_problems()
        ]
        jobs = self.core.jobs()
        if jobs != self._sent:
            self._sent = jobs
            out.append(CRJobsChanged(seq=seq, jobs=jobs))
        return out

"""The membership actor: collector pods in, collector sets out.

In: the decoded config (``Configured``: namespace, selector, grace period) and journal envelopes carrying pod
``KubeObjectChanged`` events and ``KubeObjectBatch``es (answered once), the watch plan, the pod list's
``KubeListSynced`` and ``Tick``s (time passing can end a grace period); only those (``ta.actors.wiring``).
Out: ``CollectorsChanged`` whenever the set of collectors (name, node) differs from the last one sent,
``InputRejected`` notes, and a ``StepFailed`` note (instead of anything else) when a step raised: its changes
are then taken back whole, as if the input had never come.

When the journal says pods are being listed (``KubeWatchesPlanned``), nothing is published until that first
list is complete (or the pod watch is unavailable): 50 collectors arriving one by one would otherwise reshuffle
every target 50 times at start-up. That complete list is published at once; later, collectors arriving while
none is published wait out the core's settle window (the envelopes' ``ts``, ticks included, tell the time).
Without a plan (hand-written journals: no live watch, and time need not pass in them), changes publish at once.
"""

from __future__ import annotations

from typing import assert_never

from ta.actors.failures import step_failed
from ta.actors.holdback import FirstLists
from ta.actors.settings import Configured
from ta.actors.wiring import BY_NAME, not_routed
from ta.core.membership import Membership, MembershipSettings, PodFacts, pod_facts
from ta.core.objects.resources import PODS
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
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse
from ta.events.inputs import input_of
from ta.events.membership import CollectorsChanged
from ta.events.problems import InputRejected, StepFailed

Input = Envelope | Configured
Output = CollectorsChanged | InputRejected | StepFailed
_PODS = BY_NAME["membership"].takes_resource(KubeListSynced)


class MembershipActor:
    def __init__(self) -> None:
        self._core = Membership()
        self._configured = False
        # Planned pod scopes whose first list is not in yet; ``planned``: the journal plans a pod watch (``ta run``,
        # or a replayed capture).
        self._lists = FirstLists()

    @property
    def holding(self) -> bool:
        """Whether nothing can be published yet: no config applied, or a planned first pod list not in."""
        return not self._configured or self._lists.waiting

    def step(self, message: Input) -> list[Output]:
        """All or nothing: a step that raises leaves the state as it was before the input."""
        saved = (self._configured, self._lists)
        self._core.begin()
        try:
            out = self._step(message)
        except Exception as exc:
            self._core.rollback()
            self._configured, self._lists = saved
            return [step_failed("membership", message, exc)]
        self._core.commit()
        return out

    def _step(self, message: Input) -> list[Output]:
        out: list[Output] = []
        complete = False  # this input completes the planned first pod list
        if isinstance(message, Configured):
            settings = message.settings
            note = self._core.configure(
                MembershipSettings(
                    namespace=settings.collector_namespace,
                    selector=settings.collector_selector,
                    grace_period=settings.collector_not_ready_grace_period,
                )
            )
            if note is not None:
                # Not "config": the config was accepted; this is about pods seen before it.
                out.append(InputRejected(seq=message.seq, source="membership", reason=note))
            self._configured = True
        else:
            event = input_of(message)
            match event:
                case KubeObjectChanged():
                    if not self._pod_changed(event, out, message.seq):
                        return out
                case KubeObjectBatch():
                    applied = [self._pod_changed(change, out, message.seq) for change in event.changes]
                    if not any(applied):
                        return out
                case KubeWatchesPlanned():
                    self._lists = self._lists.plan(event.scopes, _PODS)
                case KubeListSynced() | KubeResourceUnavailable():
                    self._lists, complete = self._lists.listed(event.resource, event.namespace)
                case Tick():
                    pass
                case ConfigLoaded() | FileRead() | HttpSDResponse():
                    not_routed("membership", event)  # a config arrives decoded, as ``Configured``
                case _:
                    assert_never(event)
        if not self._configured or self._lists.waiting:
            return out
        changed = self._core.changed(message.ts, settled=complete or not self._lists.planned)
        if changed is not None:
            out.append(CollectorsChanged(seq=message.seq, collectors=changed))
        return out

    def _pod_changed(self, event: KubeObjectChanged, out: list[Output], seq: int) -> bool:
        """Apply one pod change; False when it cannot change the collectors (another namespace's pod, passed by
        without reading it, or a pod that is not understood, reported in ``out``)."""
        if not self._core.wants(event.namespace):
            return False
        facts = pod_facts(event.obj())
        if isinstance(facts, str):
            if self._configured:  # before the config any namespace's pods arrive: only ours are worth a report
                out.append(InputRejected(seq=seq, source=f"{PODS} {event.namespace}/{event.name}", reason=facts))
            return False
        self._apply(event, facts)
        return True

    def _apply(self, event: KubeObjectChanged, facts: PodFacts) -> None:
        self._core.apply(event.watch_type, facts)

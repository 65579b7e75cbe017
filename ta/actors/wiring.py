"""The pipeline's wiring, declared once: each actor, the inputs it takes, and where each of its outputs goes.

In: nothing (a declaration). Out: ``STAGES`` (one ``Stage`` per actor, in pipeline order) and ``Wiring``, which
the composition root uses to route journal inputs (``receivers``) and actor outputs (``destinations``), and which
the actors read for the resources whose first lists they hold back on (``takes``). Nothing else decides who
receives what: the router delivers an input only to the stages that take its kind and resource, so an actor
never filters again; a journaled ``ConfigLoaded`` is decoded once by the router (``ta.actors.settings``) and
reaches its takers as ``Configured``, or as a single ``InputRejected`` for the router's own destinations.

An input for several stages is delivered in ``STAGES`` order; a stage that sends to itself (discovery's
``BuildContinues``) lets the event loop run first. ``Wiring`` checks the declaration when built: every
destination exists and takes what is sent to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

from ta.core.crs import CR_ONLY_RESOURCES, INPUT_RESOURCES
from ta.core.objects.resources import PODS
from ta.events.allocation import AllocationChanged
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
from ta.events.discovery import BuildContinues, ScrapeConfigsChanged, TargetsChanged
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse
from ta.events.inputs import InputEvent
from ta.events.membership import CollectorsChanged
from ta.events.problems import InputRejected, StepFailed


@dataclass(frozen=True, slots=True)
class Resources:
    """A set of Kubernetes resources: ``only`` these (every one when ``None``), less those in ``but``."""

    only: frozenset[str] | None = None
    but: frozenset[str] = frozenset()

    def __call__(self, resource: str) -> bool:
        return (self.only is None or resource in self.only) and resource not in self.but


EVERY = Resources()
# What the CR actor reads; namespaces also feed kubernetes_sd's namespace metadata, the rest only the CR actor.
CR_RESOURCES = INPUT_RESOURCES
CR_ONLY = CR_ONLY_RESOURCES
POD_LISTS = Resources(only=frozenset([PODS]))
CR_INPUTS = Resources(only=CR_RESOURCES)
SD_INPUTS = Resources(but=CR_ONLY)

_TO_SERVING = ("serving",)
SCOPED_ROUTES_KEPT = 256


@dataclass(frozen=True, slots=True, kw_only=True)
class Stage:
    """One actor: the message kinds it takes (for the kinds naming one resource -- object changes, batches, first
    lists, unwatchable resources -- which resources) and, for each kind it outputs, the stages it goes to, in
    order. A ``ConfigLoaded`` taken arrives decoded as ``Configured``."""

    name: str
    takes: Mapping[type, Resources] = field(default_factory=dict)
    sends: Mapping[type, tuple[str, ...]] = field(default_factory=dict)

    def takes_resource(self, kind: type) -> Resources:
        """The resources of ``kind`` this stage reads (nothing when it does not take the kind)."""
        return self.takes.get(kind, Resources(only=frozenset()))


def _journal(**scoped: Resources) -> dict[type, Resources]:
    """Journal input kinds by name; unnamed resource-scoped kinds are not taken."""
    kinds: dict[str, type] = {
        "config": ConfigLoaded,
        "tick": Tick,
        "plan": KubeWatchesPlanned,
        "objects": KubeObjectChanged,
        "lists": KubeListSynced,
        "unavailable": KubeResourceUnavailable,
        "files": FileRead,
        "http_sd": HttpSDResponse,
    }
    taken = {kinds[name]: resources for name, resources in scoped.items()}
    if KubeObjectChanged in taken:
        taken[KubeObjectBatch] = taken[KubeObjectChanged]
    return taken


# The router's own outputs: the one note for a config that cannot be used.
ROUTER = Stage(name="router", sends={InputRejected: _TO_SERVING})

STAGES: tuple[Stage, ...] = (
    Stage(
        name="membership",
        takes=_journal(config=EVERY, tick=EVERY, plan=EVERY, objects=POD_LISTS, lists=POD_LISTS, unavailable=POD_LISTS),
        sends={CollectorsChanged: ("allocation", "serving"), InputRejected: _TO_SERVING, StepFailed: _TO_SERVING},
    ),
    Stage(
        name="crs",
        takes=_journal(config=EVERY, plan=EVERY, objects=CR_INPUTS, lists=CR_INPUTS, unavailable=CR_INPUTS),
        sends={CRJobsChanged: ("discovery",), InputRejected: _TO_SERVING, StepFailed: _TO_SERVING},
    ),
    Stage(
        name="discovery",
        takes={
            # Every unwatchable resource is reported here, the CR actor's too.
            **_journal(
                config=EVERY,
                plan=EVERY,
                objects=SD_INPUTS,
                lists=SD_INPUTS,
                unavailable=EVERY,
                files=EVERY,
                http_sd=EVERY,
            ),
            CRJobsChanged: EVERY,
            BuildContinues: EVERY,
        },
        sends={
            TargetsChanged: ("allocation", "serving"),
            ScrapeConfigsChanged: _TO_SERVING,
            BuildContinues: ("discovery",),
            InputRejected: _TO_SERVING,
            StepFailed: _TO_SERVING,
        },
    ),
    Stage(
        name="allocation",
        takes={**_journal(config=EVERY), CollectorsChanged: EVERY, TargetsChanged: EVERY},
        sends={AllocationChanged: _TO_SERVING, InputRejected: _TO_SERVING, StepFailed: _TO_SERVING},
    ),
    Stage(
        name="serving",
        takes={
            kind: EVERY
            for kind in (
                AllocationChanged,
                ScrapeConfigsChanged,
                TargetsChanged,
                CollectorsChanged,
                InputRejected,
                StepFailed,
            )
        },
    ),
)

BY_NAME: Mapping[str, Stage] = {stage.name: stage for stage in STAGES}


class WiringError(ValueError):
    """The declaration sends something where nothing takes it."""


def not_routed(stage: str, message: object) -> NoReturn:
    """An actor's answer to a kind its declaration does not take: a wiring mistake, failed loudly (the step is
    taken back and noted like any failure) rather than ignored."""
    raise WiringError(f"{stage} does not take {type(message).__name__} (see ta.actors.wiring)")


class Wiring:
    """Routing tables built from the declaration (checked), looked up per message."""

    def __init__(self, stages: Sequence[Stage] = STAGES, router: Stage = ROUTER) -> None:
        self.stages = tuple(stages)
        by_name = {stage.name: stage for stage in self.stages}
        for source in (router, *self.stages):
            for kind, targets in source.sends.items():
                for target in targets:
                    if target not in by_name or kind not in by_name[target].takes:
                        raise WiringError(f"{source.name} sends {kind.__name__} to {target}, which does not take it")
        self._router = router
        self._scoped: dict[tuple[type, str], tuple[str, ...]] = {}
        kinds = {kind for stage in self.stages for kind in stage.takes}
        self._unscoped: dict[type, tuple[str, ...]] = {
            kind: tuple(stage.name for stage in self.stages if kind in stage.takes) for kind in kinds
        }

    def receivers(self, event: InputEvent) -> tuple[str, ...]:
        """The stages a journal input goes to, in pipeline order."""
        kind = type(event)
        if isinstance(event, KubeObjectChanged | KubeObjectBatch | KubeListSynced | KubeResourceUnavailable):
            key = (kind, event.resource)
            found = self._scoped.get(key)
            if found is None:
                found = tuple(s.name for s in self.stages if kind in s.takes and s.takes[kind](event.resource))
                if len(self._scoped) < SCOPED_ROUTES_KEPT:  # resource names come from the journal: bounded
                    self._scoped[key] = found
            return found
        return self._unscoped.get(kind, ())

    def destinations(self, stage: str, kind: type) -> tuple[str, ...]:
        """Where ``stage``'s outputs of ``kind`` go (``router`` for the router's own)."""
        source = self._router if stage == self._router.name else next(s for s in self.stages if s.name == stage)
        targets = source.sends.get(kind)
        if targets is None:
            raise WiringError(f"{stage} has no route for {kind.__name__}")
        return targets

"""The discovery actor: config, CR jobs and SD inputs in, target changes and scrape configs out.

In: the decoded config (``Configured``: the Prometheus ``config:`` section, the filter strategy),
``CRJobsChanged`` (jobs generated from Prometheus CRs), ``FileRead`` (file SD contents), ``HttpSDResponse``,
the watch plan, and ``KubeObjectChanged``, ``KubeObjectBatch`` and first lists of the kubernetes_sd resources
(only those: ``ta.actors.wiring``), and every ``KubeResourceUnavailable`` (reported here).
Out: ``TargetsChanged`` (only what changed), ``ScrapeConfigsChanged`` (both ``/scrape_configs`` bodies,
re-rendered only for jobs that changed) and ``InputRejected`` for every job, file or object skipped.
While the planned initial lists are arriving, kubernetes_sd objects are only stored, and every group is built
once when the last list is in, in steps: each step's outputs end with a ``BuildContinues`` that the
composition root routes back here (after letting the event loop run) until the build is done. Which jobs are
served (a name clash) and how the build is stepped are the core's rules (``ta.core.discovery.policy``).

Steps are all or nothing: a step that raises is taken back whole (the core's changes and this actor's fields)
and answered with a ``StepFailed`` note instead. The first build is one unit across its steps: if a step of it
fails, the whole build is taken back (discovery waits for that list again, and readiness with it), and a
``TargetsChanged`` first sets right the targets its earlier steps already sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, assert_never

from ta.actors.failures import revealed_secrets, step_failed
from ta.actors.holdback import FirstLists
from ta.actors.settings import Configured
from ta.actors.wiring import BY_NAME, CR_ONLY, not_routed
from ta.core.config.model import TAConfig
from ta.core.discovery.index import Delta
from ta.core.discovery.jobs import Discovery, Problem, Result
from ta.core.discovery.policy import FirstBuild, served_jobs
from ta.core.objects.resources import known_resources
from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.render import CachedRenderer
from ta.core.promcfg.scrape import ParsedConfig, ScrapeJob, parse_prometheus_config
from ta.core.promcfg.tree import thaw
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
from ta.events.discovery import BuildContinues, ScrapeConfigsChanged, TargetsChanged
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse
from ta.events.inputs import input_of
from ta.events.problems import InputRejected, StepFailed

# Watched resources only the CR actor reads: their lists do not hold back kubernetes_sd evaluation.
NOT_OURS = CR_ONLY
KNOWN_RESOURCES = frozenset(known_resources())
_OURS = BY_NAME["discovery"].takes_resource(KubeListSynced)

Input = Envelope | Configured | CRJobsChanged | BuildContinues
Output = TargetsChanged | ScrapeConfigsChanged | InputRejected | BuildContinues | StepFailed


def _unknown(seq: int, event: KubeObjectChanged) -> InputRejected:
    where = f"{event.resource} {event.namespace}/{event.name}"
    return InputRejected(seq=seq, source=where, reason="unknown resource, skipped")


class DiscoveryActor:
    def __init__(self) -> None:
        self.core = Discovery()
        self._counts_sent = -1
        self._settings: TAConfig | None = None
        self._file = ParsedConfig()
        self._cr_jobs: tuple[ScrapeJob, ...] = ()
        self._renderer = CachedRenderer()
        self._lists = FirstLists()  # planned scopes whose first list is not in yet
        self._build: FirstBuild | None = None  # the first kubernetes_sd build, while in steps
        # The open unit of work: the message that opened it, this actor's fields then, and whether outputs of it
        # were sent already (a build's earlier steps).
        self._opened: Input | None = None
        self._saved: tuple[Any, ...] = ()
        self._sent_part = False

    @property
    def holding(self) -> bool:
        """Whether kubernetes_sd targets are not built yet: planned first lists not in, or the build not done."""
        return self._lists.waiting or self._build is not None

    def step(self, message: Input) -> list[Output]:
        """All or nothing (a first build in steps being one unit); see the module docstring."""
        if self._opened is None:
            self._opened = message
            self._saved = (
                self._counts_sent,
                self._settings,
                self._file,
                self._cr_jobs,
                self._lists,
            )
            self.core.begin()
        try:
            out = self._step(message)
        except Exception as exc:
            return self._failed(message, exc)
        if self._build is None:
            self.core.commit()
            self._opened, self._saved, self._sent_part = None, (), False
        else:
            self._sent_part = True
        return out

    def _failed(self, message: Input, exc: Exception) -> list[Output]:
        opened = self._opened if self._opened is not None else message
        delta = self.core.rollback()
        # The renderer's cache needs nothing: each entry is checked against the job it is asked to render.
        self._counts_sent, self._settings, self._file, self._cr_jobs, self._lists = self._saved
        self._build = None
        out: list[Output] = []
        if self._sent_part:
            # Earlier steps of this unit were sent: send what the taken-back targets are now.
            out = [o for o in self._outputs(opened.seq, Result(delta=delta)) if isinstance(o, TargetsChanged)]
        self._opened, self._saved, self._sent_part = None, (), False
        out.append(step_failed("discovery", opened, exc, self._secrets(message)))
        return out

    def _secrets(self, message: Input) -> set[str]:
        """Secret values in the jobs held or arriving: what a failure note must not show."""
        jobs: Iterable[ScrapeJob] = (*self._file.jobs, *self._cr_jobs)
        if isinstance(message, CRJobsChanged):
            jobs = (*jobs, *message.jobs)
        found: set[str] = set()
        for job in jobs:
            found |= revealed_secrets(thaw(job.rendered, reveal_secrets=True), thaw(job.rendered, reveal_secrets=False))
        return found

    def _step(self, message: Input) -> list[Output]:
        if isinstance(message, BuildContinues):
            return self._build_step(message.seq)
        if self._build is not None:
            # Cannot happen while the sequencer holds the next entry back until a build is done; if it did,
            # finishing the build first keeps the order of changes.
            finished = self._finish_build(message.seq)
            return [*finished, *self._step(message)]
        if isinstance(message, CRJobsChanged):
            self._cr_jobs = message.jobs
            return self._reconfigure(message.seq)
        seq = message.seq
        if isinstance(message, Configured):
            settings = message.settings
            raw = settings.prometheus_config.value() if settings.prometheus_config is not None else {}
            try:
                parsed = parse_prometheus_config(raw)
            except PromConfigError as exc:
                return [InputRejected(seq=seq, source="config", reason=f"config: {exc}")]
            self._settings, self._file = settings, parsed
            return self._reconfigure(seq)
        event = input_of(message)
        match event:
            case FileRead():
                return self._outputs(seq, self.core.file_read(event.path, event.content))
            case KubeObjectChanged():
                if event.resource not in KNOWN_RESOURCES:
                    return [_unknown(seq, event)]
                changed = self.core.kube_object(event.resource, event.watch_type, event.obj(), event.body)
                return self._outputs(seq, changed)
            case KubeObjectBatch():
                if event.resource not in KNOWN_RESOURCES:
                    return [_unknown(seq, change) for change in event.changes]
                delta = Delta()
                problems: list[Problem] = []
                for change in event.changes:
                    one = self.core.kube_object(change.resource, change.watch_type, change.obj(), change.body)
                    delta.merge(one.delta)
                    problems.extend(one.problems)
                return self._outputs(seq, Result(delta=delta, problems=tuple(problems)))
            case KubeResourceUnavailable():
                where = f"{event.resource} {event.namespace or '*'}"
                rejected = InputRejected(seq=seq, source=where, reason=f"cannot watch, skipped: {event.reason}")
                return [rejected, *self._listed(seq, event.resource, event.namespace)]
            case HttpSDResponse():
                result = self.core.http_sd_response(
                    event.url, event.status, event.content_type, event.body, event.error
                )
                return self._outputs(seq, result)
            case KubeWatchesPlanned():
                self._lists = self._lists.plan(event.scopes, _OURS)
                self.core.kube_deferred = self._lists.waiting
                return []
            case KubeListSynced():
                return self._listed(seq, event.resource, event.namespace)
            case ConfigLoaded() | Tick():
                not_routed("discovery", event)  # a config arrives decoded, as ``Configured``
            case _:
                assert_never(event)

    def _listed(self, seq: int, resource: str, namespace: str) -> list[Output]:
        """A planned scope's first list is in; when it was the last one, build what was deferred."""
        self._lists, complete = self._lists.listed(resource, namespace)
        if not complete or not self.core.kube_deferred:
            return []
        self._build = FirstBuild(self.core)
        return self._build_step(seq)

    def _build_step(self, seq: int) -> list[Output]:
        """One step of the first build, and a request for the next while there is one."""
        if self._build is None:
            return []
        result = self._build.step()
        if result is None:
            self._build = None
            return []
        return [*self._outputs(seq, result), BuildContinues(seq=seq)]

    def _finish_build(self, seq: int) -> list[Output]:
        out: list[Output] = []
        while self._build is not None:
            out.extend(o for o in self._build_step(seq) if not isinstance(o, BuildContinues))
        return out

    def _reconfigure(self, seq: int) -> list[Output]:
        if self._settings is None:
            return []  # CR jobs before any config: kept, applied with the config
        merged = served_jobs(self._file, self._cr_jobs)
        settings = self._settings
        result = self.core.configure(
            merged,
            filter_relabel=settings.relabel_filtering,
            own_namespace=settings.collector_namespace,
        )
        redacted, revealed = self._renderer.render(self.core.jobs)
        return [*self._outputs(seq, result), ScrapeConfigsChanged(seq=seq, redacted=redacted, revealed=revealed)]

    def _outputs(self, seq: int, result: Result) -> list[Output]:
        out: list[Output] = [InputRejected(seq=seq, source=src, reason=why) for src, why in result.problems]
        delta = result.delta
        index = self.core.index
        if not delta and not delta.dropped and index.counts_version == self._counts_sent:
            return out
        self._counts_sent = index.counts_version
        out.append(
            TargetsChanged(
                seq=seq,
                upserts=tuple(delta.upserts[h] for h in sorted(delta.upserts)),
                removals=tuple(sorted(delta.removals)),
                discovered=index.discovered_counts(),
                remaining=index.remaining(),
                dropped=tuple((job, source, d) for (job, source), d in sorted(delta.dropped.items())),
            )
        )
        return out

"""The composition root: builds every mailbox and actor, wires them, and supervises them in one TaskGroup.

In: a clock, an optional journal writer, sources (coroutines that submit input events) and HTTP listen
addresses. Out: a running pipeline

    sources -> sequencer (journal) -> membership ───────────────┐
                                  ├-> crs -> discovery ──────────┴-> allocation -> serving (view, metrics) <- HTTP
                                  └-> (SD inputs) ──┘

(who takes which input, and where each output goes, is declared once in ``ta.actors.wiring``)
and an ordered, bounded shutdown: sources stop first, then the sequencer drains its inbox (closing the
journal), then the actors drain in pipeline order, and the HTTP servers stop last.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import ssl
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import structlog

from ta.actors.allocation import AllocationActor
from ta.actors.crs import CRActor
from ta.actors.discovery import DiscoveryActor
from ta.actors.ingress import Sequencer
from ta.actors.membership import MembershipActor
from ta.actors.runtime import InFlight, Mailbox, run_actor
from ta.actors.serving import ServingActor
from ta.actors.settings import Configured, decode_config
from ta.actors.wiring import Wiring
from ta.core.allocation.allocator import Move
from ta.core.config.load import LoadedConfig
from ta.core.config.mapping import config_to_mapping
from ta.core.gocompat import jsonbytes
from ta.core.objects import secrets
from ta.core.promcfg.scrape import parse_prometheus_config
from ta.core.serving.view import View
from ta.core.watches import CR_RESOURCES, SyncTracker, needed_scopes
from ta.events.base import Envelope
from ta.events.cluster import KubeListSynced, KubeResourceUnavailable, KubeWatchesPlanned
from ta.events.config import ConfigLoaded
from ta.events.inputs import input_of
from ta.events.problems import InputRejected
from ta.http.connections import Limits, limits_from_env
from ta.http.server import ServerState, build_app, serve
from ta.http.tls import ReloadingTLS, serve_https
from ta.journal.writer import JournalWriter
from ta.kube.client import build_api_client
from ta.kube.discovery import served_resources
from ta.process.digestkey import process_digester
from ta.process.metrics import Metrics
from ta.sources.clock import run_clock
from ta.sources.files import run_files
from ta.sources.httpsd import endpoints, run_http_sd
from ta.sources.kube import run_kube

log = structlog.get_logger("ta.app")

TICK_SECONDS = 1.0

Source = Callable[[], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Listener:
    host: str
    port: int


def tune_gc() -> None:
    """Collect young objects less often. A TA holds hundreds of thousands of long-lived label tuples and
    targets; with CPython's default thresholds the collector rescans them over and over while a large change
    builds new ones (measured ~15% of the CPU of a first allocation). Cycles are rare in this code."""
    gc.set_threshold(100_000, 50, 100)


class LoadGC:
    """Cyclic garbage collection paused while a watch plan's first lists load, then resumed over a frozen heap.

    The initial lists of a large cluster build a few million long-lived objects (pod facts, label tuples,
    targets); every full collection meanwhile rescans all of them, ~20% of the start-up CPU at 100k pods.
    Loading makes (almost) no cyclic garbage, so the collector is off until the first lists are processed;
    then what was loaded is frozen (``gc.freeze``: later collections skip it; plain reference counting still
    frees it) and collection resumes. If the lists never complete, collection resumes after ``limit_s``.
    """

    def __init__(self, active: bool, limit_s: float = 600.0) -> None:
        self._active = active
        self._limit_s = limit_s
        self._since: float | None = None

    def planned(self, ts: float) -> None:
        if self._active and self._since is None and gc.isenabled():
            gc.disable()
            self._since = ts

    def settled(self, ts: float, loaded: bool) -> None:
        if self._since is None or not (loaded or ts - self._since > self._limit_s):
            return
        self.end(loaded)

    def end(self, loaded: bool = False) -> None:
        """Resume collection now (also when the pipeline stops before the lists completed)."""
        if self._since is None:
            return
        gc.freeze()
        gc.enable()
        self._since = None
        self._active = False
        structlog.get_logger("ta").info("gc.resumed", frozen_objects=gc.get_freeze_count(), loaded=loaded)


def parse_listen_addr(addr: str) -> Listener:
    """Go-style ``host:port`` (``:8080`` = every interface, ``[::1]:8080`` for IPv6)."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"listen address {addr!r} is not host:port")
    return Listener(host=host.strip("[]"), port=int(port))


@dataclass(slots=True)
class Pipeline:
    inflight: InFlight
    sequencer: Sequencer
    view: View
    metrics: Metrics
    membership: MembershipActor
    crs: CRActor
    discovery: DiscoveryActor
    allocation: AllocationActor
    serving: ServingActor
    # One mailbox per stage of ``ta.actors.wiring.STAGES``; each holds what its actor's ``Input`` names.
    boxes: dict[str, Mailbox[Any]]
    wiring: Wiring
    sync: SyncTracker = field(default_factory=SyncTracker)
    gc_phase: LoadGC = field(default_factory=lambda: LoadGC(False))

    def is_ready(self) -> bool:
        """Ready once the first full picture is served: scrape configs rendered and the first list of every
        watched scope processed (each journal entry is fully processed before the next is admitted). A failed
        step that took back part of that first picture (the config, a first list, the first build) keeps the TA
        not ready until a later input completes it; failures after it never change readiness."""
        return (
            self.view.ready
            and self.sync.complete
            and not (self.membership.holding or self.crs.holding or self.discovery.holding)
        )

    def steps(self) -> dict[str, Callable[[Any], Iterable[Any]]]:
        """Each stage's step, by the name the wiring gives it."""
        return {
            "membership": self.membership.step,
            "crs": self.crs.step,
            "discovery": self.discovery.step,
            "allocation": self.allocation.step,
            "serving": self.serving.step,
        }


def build_pipeline(
    *, clock: Callable[[], float], journal: JournalWriter | None = None, load_gc: bool = False
) -> Pipeline:
    """The actors, mailboxes and router; ``load_gc`` pauses cyclic GC during the first lists (see ``LoadGC``)."""
    inflight = InFlight()
    metrics = Metrics()
    sync = SyncTracker()
    view = View()
    wiring = Wiring()
    # Serving is the sink every stage feeds: a deeper mailbox so a burst of notes does not stall the others.
    boxes: dict[str, Mailbox[Any]] = {
        stage.name: Mailbox(stage.name, inflight, maxsize=8192 if stage.name == "serving" else 1024)
        for stage in wiring.stages
    }

    gc_phase = LoadGC(load_gc)
    discovery = DiscoveryActor()
    metrics.watch_runtime(
        lambda: {name: len(box) for name, box in boxes.items()},
        lambda: {
            **view.cache_sizes(),
            "kube_objects": discovery.core.kube.objects.count(),
            "events_tail": sequencer.tail_entries,
        },
        lambda: sequencer.tail_bytes,
    )
    entry_counters: dict[str, Any] = {}  # per kind: the labelled child, looked up once (one per journal entry)

    async def route(envelope: Envelope) -> None:
        event = input_of(envelope)
        counter = entry_counters.get(event.KIND)
        if counter is None:
            counter = entry_counters[event.KIND] = metrics.journal_entries.labels(event.KIND)
        counter.inc()
        if isinstance(event, KubeWatchesPlanned):
            sync.expect(event.scopes)
            if event.scopes:
                gc_phase.planned(envelope.ts)
        receivers = wiring.receivers(event)
        message: Envelope | Configured = envelope
        if isinstance(event, ConfigLoaded) and receivers:
            decoded = decode_config(envelope)
            if isinstance(decoded, InputRejected):
                # Decoded once here: one bad config is one rejection, whoever reads the config.
                for name in wiring.destinations("router", InputRejected):
                    await boxes[name].put(decoded)
                return
            message = decoded
        for name in receivers:
            await boxes[name].put(message)

    def settled(envelope: Envelope) -> None:
        # A scope counts as listed once its list's last entry is fully processed -- including a first build
        # that runs in steps -- so /readyz never reports a half-built picture.
        event = input_of(envelope)
        if isinstance(event, KubeListSynced | KubeResourceUnavailable):
            sync.observe(event.resource, event.namespace)
        gc_phase.settled(envelope.ts, sync.complete)

    sequencer = Sequencer(inflight=inflight, router=route, clock=clock, journal=journal, settled=settled)

    def timer(method: str, strategy: str, call: Callable[[], tuple[Move, ...]]) -> tuple[Move, ...]:
        with metrics.time_to_allocate.labels(method, strategy).time():
            return call()

    return Pipeline(
        inflight=inflight,
        sequencer=sequencer,
        view=view,
        metrics=metrics,
        membership=MembershipActor(),
        crs=CRActor(),
        discovery=discovery,
        allocation=AllocationActor(timer),
        serving=ServingActor(view, metrics),
        boxes=boxes,
        wiring=wiring,
        sync=sync,
        gc_phase=gc_phase,
    )


def _emitter(p: Pipeline, stage: str) -> Callable[[Any], Awaitable[None]]:
    """Where ``stage``'s outputs go, by the wiring; a stage feeding itself lets the event loop run first (the
    steps of a long first build, so probes and metrics are served between them)."""
    routes: dict[type, tuple[Mailbox[Any], ...]] = {}
    own = p.boxes[stage]

    async def emit(out: Any) -> None:
        kind = type(out)
        targets = routes.get(kind)
        if targets is None:
            targets = routes[kind] = tuple(p.boxes[name] for name in p.wiring.destinations(stage, kind))
        for box in targets:
            if box is own:
                await asyncio.sleep(0)
            await box.put(out)

    return emit


async def _run_actors(p: Pipeline, tg: asyncio.TaskGroup) -> list[tuple[Mailbox[Any], asyncio.Task[None]]]:
    # Pipeline order: each stage's mailbox is closed only after every stage feeding it has finished.
    steps = p.steps()
    return [
        (
            p.boxes[stage.name],
            tg.create_task(run_actor(stage.name, p.boxes[stage.name], steps[stage.name], _emitter(p, stage.name))),
        )
        for stage in p.wiring.stages
    ]


async def run_pipeline(
    p: Pipeline,
    *,
    sources: Sequence[Source],
    listeners: Sequence[Listener],
    stop: asyncio.Event,
    https: tuple[Listener, ReloadingTLS] | None = None,
    allow_insecure_auth_secrets: bool = False,
    shutdown_timeout: float = 10.0,
    started: asyncio.Event | None = None,
    http_limits: Limits | None = None,
    debug_events_on_plain_port: bool = False,
) -> None:
    """Run until ``stop`` is set, then shut down in order within ``shutdown_timeout`` seconds. The HTTP
    listeners share the connection budget of ``http_limits`` (timeouts and cap, see ``ta.http.connections``)."""
    http_stop = asyncio.Event()
    state = ServerState(
        view=p.view,
        metrics=p.metrics,
        sequencer=p.sequencer,
        allow_insecure_auth_secrets=allow_insecure_auth_secrets,
        is_ready=p.is_ready,
        diagnostics=p.serving.diagnostics,
        debug_events_on_plain_port=debug_events_on_plain_port,
    )
    async with asyncio.TaskGroup() as tg:
        stages = await _run_actors(p, tg)
        sequencer_task = tg.create_task(p.sequencer.run())
        n = len(listeners) + (https is not None)
        http_tasks = [
            tg.create_task(serve(build_app(state), lst.host, lst.port, http_stop, limits=http_limits, listeners=n))
            for lst in listeners
        ]
        if https is not None:
            # Same routes on the mTLS server; requests there count as secure and may see secret values.
            listener, tls = https
            http_tasks.append(
                tg.create_task(
                    serve_https(
                        build_app(state), listener.host, listener.port, tls, http_stop, limits=http_limits, listeners=n
                    )
                )
            )
        source_tasks = [tg.create_task(source()) for source in sources]
        if started is not None:
            started.set()
        await stop.wait()
        log.info("shutdown.started")
        try:
            async with asyncio.timeout(shutdown_timeout):
                for task in source_tasks:
                    task.cancel()
                await asyncio.gather(*source_tasks, return_exceptions=True)
                await p.sequencer.inbox.close()
                await sequencer_task
                for box, task in stages:
                    await box.close()
                    await task
                http_stop.set()
                await asyncio.gather(*http_tasks)
        except TimeoutError:
            log.error("shutdown.timeout", seconds=shutdown_timeout)
            for task in [*source_tasks, sequencer_task, *(t for _, t in stages), *http_tasks]:
                task.cancel()
    p.gc_phase.end()
    log.info("shutdown.finished", last_seq=p.sequencer.last_seq)


def config_event(loaded: LoadedConfig) -> ConfigLoaded:
    """The journal gets the config with secrets as keyed digests; the actors get the values, in memory only."""
    mapping = config_to_mapping(loaded.config)
    return ConfigLoaded(
        body=jsonbytes.dumps(secrets.redact(mapping, process_digester()), option=orjson.OPT_SORT_KEYS),
        source=loaded.config_file,
        plain=jsonbytes.dumps(mapping, option=orjson.OPT_SORT_KEYS),
    )


async def run_live(loaded: LoadedConfig) -> int:
    """``ta run``: the live sources (config, clock, Kubernetes, files, HTTP SD) feeding the pipeline."""
    tune_gc()
    log = structlog.get_logger("ta")
    config = loaded.config
    raw_prom = config.prometheus_config_dict() or {}
    parsed = parse_prometheus_config(raw_prom)
    patterns = tuple(sorted({f for job in parsed.jobs for sd in job.file_sd_configs for f in sd.files}))
    try:
        api = await build_api_client(kubeconfig=config.kube_config_file_path or None)
    except Exception as exc:  # kubernetes-asyncio raises several unrelated types for a bad or missing config
        print(f"Failed to create Kubernetes client: {exc}", file=sys.stderr)
        return 1
    served: frozenset[str] | tuple[str, ...] = CR_RESOURCES
    if config.prometheus_cr.enabled:
        try:
            served = await served_resources(api)
        except Exception as exc:  # fail open, as upstream: watch them all, a missing CRD reports itself
            log.warning("crds.discovery_failed", error=str(exc))
        log.info("crds.served", resources=sorted(served))
    scopes = needed_scopes(config, parsed.jobs, served)
    https: tuple[Listener, ReloadingTLS] | None = None
    if config.https.enabled:
        try:
            https = (parse_listen_addr(config.https.listen_addr), ReloadingTLS.from_config(config.https))
        except (OSError, ValueError, ssl.SSLError) as exc:
            print(f"Failed to load TLS material for the HTTPS server: {exc}", file=sys.stderr)
            return 1
    try:
        http_limits = limits_from_env(os.environ)
    except ValueError as exc:
        print(f"Failed to read the HTTP limits: {exc}", file=sys.stderr)
        return 1
    journal = JournalWriter(loaded.journal_path) if loaded.journal_path else None
    pipeline = build_pipeline(clock=time.time, journal=journal, load_gc=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    submit = pipeline.sequencer.submit

    async def ticks() -> None:
        await run_clock(submit, TICK_SECONDS)

    async def files() -> None:
        await run_files(submit, patterns)

    async def kube() -> None:
        await run_kube(submit, api, scopes)

    http_endpoints = endpoints(parsed.jobs)

    async def http_sd() -> None:
        await run_http_sd(submit, http_endpoints)

    # The config is the journal's first entry: queued before any source starts.
    await submit(config_event(loaded))
    await submit(KubeWatchesPlanned(scopes=scopes))
    sources = [ticks, kube]
    if patterns:
        sources.append(files)
    if http_endpoints:
        sources.append(http_sd)
    log.info(
        "ta.starting",
        config_file=loaded.config_file,
        listen_addr=config.listen_addr,
        strategy=config.allocation_strategy,
        journal=loaded.journal_path,
        jobs=len(parsed.jobs),
        watches=[f"{r} {ns or '*'}" for r, ns in scopes],
    )
    await run_pipeline(
        pipeline,
        sources=sources,
        listeners=[parse_listen_addr(config.listen_addr)],
        https=https,
        stop=stop,
        allow_insecure_auth_secrets=config.allow_insecure_auth_secrets,
        http_limits=http_limits,
        debug_events_on_plain_port=loaded.debug_events_on_plain_port,
    )
    return 0

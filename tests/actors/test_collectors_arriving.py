"""Collectors that become ready one at a time, after targets are waiting for them (a fresh install), are placed
together once membership has settled, for every strategy; a replay of the recorded journal ends the same way."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from ta.app import Pipeline, build_pipeline, run_pipeline
from ta.core.allocation.strategy import STRATEGIES
from ta.core.membership import SETTLE_SECONDS
from ta.events.base import Envelope, Journaled
from ta.events.clock import Tick
from ta.events.cluster import KubeListSynced, KubeObjectChanged, KubeWatchesPlanned
from ta.events.config import ConfigLoaded
from ta.journal.reader import read_journal
from ta.journal.writer import JournalWriter
from ta.replay import answers

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z
NODES = ("n1", "n2", "n3")
TARGETS = 30


def config(strategy: str) -> ConfigLoaded:
    targets = [
        {"targets": [f"10.0.{i}.1:9100"], "labels": {"__meta_kubernetes_pod_node_name": NODES[i % len(NODES)]}}
        for i in range(TARGETS)
    ]
    body = {
        "collector_namespace": "otel",
        "allocation_strategy": strategy,
        "config": {"scrape_configs": [{"job_name": "node", "static_configs": targets}]},
    }
    return ConfigLoaded(body=orjson.dumps(body), source="test")


def collector(name: str, node: str) -> KubeObjectChanged:
    obj = {
        "metadata": {"name": name, "namespace": "otel", "labels": {"app": "col"}},
        "spec": {"nodeName": node},
        "status": {
            "phase": "Running",
            "startTime": "2026-01-01T00:00:00Z",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}],
        },
    }
    return KubeObjectChanged(
        watch_type="ADDED", resource="v1/pods", namespace="otel", name=name, body=orjson.dumps(obj)
    )


PODS = [collector(f"collector-{i}", node) for i, node in enumerate(NODES)]


class Run:
    """A live-like pipeline: the sequencer stamps each input with a clock the test moves."""

    def __init__(self, journal: Path | None = None) -> None:
        self.now = START
        self.pipeline = build_pipeline(clock=lambda: self.now, journal=JournalWriter(journal) if journal else None)
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Run:
        started = asyncio.Event()
        p = self.pipeline
        self.task = asyncio.create_task(run_pipeline(p, sources=[], listeners=[], stop=self.stop, started=started))
        await started.wait()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        assert self.task is not None
        await self.task

    async def send(self, event: Journaled | Envelope, *, after: float = 0.0) -> None:
        self.now += after
        await self.pipeline.sequencer.submit(event)
        await self.pipeline.sequencer.wait_drained()

    async def ticks(self, seconds: int) -> None:
        for _ in range(seconds):
            await self.send(Tick(), after=1.0)

    def counts(self) -> dict[str, int]:
        view = self.pipeline.view
        return {name: view.count_for(name) for name in view.collectors}


async def fresh_install(run: Run, strategy: str, arrivals: list[KubeObjectChanged], gap: float) -> None:
    """The TA starts before its collectors: the first pod list is empty, targets wait, then pods arrive."""
    await run.send(config(strategy))
    await run.send(KubeWatchesPlanned(scopes=(("v1/pods", "otel"),)))
    await run.send(KubeListSynced(resource="v1/pods", namespace="otel", resource_version="1"))
    assert run.pipeline.view.unassigned() == TARGETS
    for pod in arrivals:
        await run.send(pod, after=gap)


async def together(strategy: str) -> dict[str, int]:
    """The reference: the same collectors in the first, complete pod list."""
    async with Run() as run:
        await run.send(config(strategy))
        await run.send(KubeWatchesPlanned(scopes=(("v1/pods", "otel"),)))
        for pod in PODS:
            await run.send(pod)
        await run.send(KubeListSynced(resource="v1/pods", namespace="otel", resource_version="1"))
        return run.counts()


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_collectors_arriving_one_by_one_get_what_arriving_together_gets(strategy: str) -> None:
    expected = await together(strategy)
    assert sorted(expected) == ["collector-0", "collector-1", "collector-2"]
    assert sum(expected.values()) == TARGETS and min(expected.values()) > 0
    async with Run() as run:
        await fresh_install(run, strategy, PODS, gap=0.4)
        # Within the settle window nothing is placed: no collector gets every target.
        assert run.pipeline.view.collectors == () and run.pipeline.view.unassigned() == TARGETS
        await run.ticks(int(SETTLE_SECONDS))
        assert run.counts() == expected
        assert run.pipeline.view.unassigned() == 0


async def test_least_weighted_two_collectors_in_the_same_second_split_evenly() -> None:
    # Upstream's case: 6 waiting targets, two collectors ready as separate pod events: 3/3, not 6/0.
    async with Run() as run:
        await run.send(config("least-weighted"))
        await run.send(KubeWatchesPlanned(scopes=(("v1/pods", "otel"),)))
        await run.send(KubeListSynced(resource="v1/pods", namespace="otel", resource_version="1"))
        await run.send(PODS[0], after=0.1)
        await run.send(PODS[1], after=0.1)
        await run.ticks(int(SETTLE_SECONDS))
        counts = run.counts()
    assert counts == {"collector-0": TARGETS // 2, "collector-1": TARGETS // 2}


async def test_a_collector_arriving_after_the_window_is_a_later_change_and_applies_at_once() -> None:
    async with Run() as run:
        await fresh_install(run, "consistent-hashing", PODS[:2], gap=0.5)
        await run.ticks(int(SETTLE_SECONDS))
        assert sorted(run.counts()) == ["collector-0", "collector-1"]
        await run.send(PODS[2], after=0.2)  # a scale-up: no settle window, upstream would take up to 5 s
        assert sorted(run.counts()) == ["collector-0", "collector-1", "collector-2"]
    assert run.counts() == await together("consistent-hashing")


@pytest.mark.parametrize("strategy", STRATEGIES)
async def test_replaying_the_recorded_journal_reproduces_the_allocation(tmp_path: Path, strategy: str) -> None:
    journal = tmp_path / "journal.jsonl"
    async with Run(journal) as run:
        await fresh_install(run, strategy, PODS, gap=1.3)  # spans ticks' worth of time between arrivals
        await run.ticks(int(SETTLE_SECONDS) + 1)
        live = answers(run.pipeline)
        live_counts = run.counts()
    assert min(live_counts.values()) > 0
    envelopes = [e for e in read_journal(journal.read_bytes()) if isinstance(e, Envelope)]
    assert any(isinstance(e.event, Tick) for e in envelopes)
    replayed: Pipeline
    async with Run() as again:
        for envelope in envelopes:
            await again.send(envelope)
        replayed = again.pipeline
        assert answers(replayed) == live
        assert again.counts() == live_counts

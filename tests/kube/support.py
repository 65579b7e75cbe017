"""Helpers for the live-watch tests: a fake API server, an ApiClient on it, an event recorder."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

from ta.events.cluster import KubeListSynced, KubeObjectBatch, KubeObjectChanged, KubeResourceUnavailable
from ta.kube.backoff import Backoff
from ta.kube.client import client_for_url
from ta.kube.watch import KubeEvent, WatchTuning
from ta.testing.fake_apiserver import FakeApiServer

SAFETY_S = 20.0  # only a safety net: every wait is on a condition
FAST = WatchTuning(page_size=2, watch_timeout_s=(60, 60), unavailable_retry_s=0.02)


def fast_backoff() -> Backoff:
    return Backoff(initial=0.005, cap=0.02, jitter=0.0)


class Recorder:
    """An ``emit`` that keeps every event and lets a test await a condition on them."""

    def __init__(self) -> None:
        self.events: list[KubeEvent] = []
        self._changed = asyncio.Condition()

    async def __call__(self, event: KubeEvent) -> None:
        self.events.append(event)
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[list[KubeEvent]], bool]) -> None:
        async with asyncio.timeout(SAFETY_S), self._changed:
            await self._changed.wait_for(lambda: predicate(self.events))

    async def wait_synced(self, count: int = 1) -> None:
        await self.wait_for(lambda evs: len(self.synced()) >= count)

    def objects(self) -> list[KubeObjectChanged]:
        """Every object change, batches (a list page's changes) flattened in order."""
        out: list[KubeObjectChanged] = []
        for e in self.events:
            if isinstance(e, KubeObjectBatch):
                out.extend(e.changes)
            elif isinstance(e, KubeObjectChanged):
                out.append(e)
        return out

    def changes(self) -> list[tuple[str, str, str]]:
        return [(e.watch_type, e.namespace, e.name) for e in self.objects()]

    def synced(self) -> list[KubeListSynced]:
        return [e for e in self.events if isinstance(e, KubeListSynced)]

    def unavailable(self) -> list[KubeResourceUnavailable]:
        return [e for e in self.events if isinstance(e, KubeResourceUnavailable)]

    def clear(self) -> None:
        self.events.clear()


def pod(name: str, namespace: str = "ns", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {"nodeName": "node-1", "containers": [{"name": "c", "env": [{"name": "PW", "value": "hunter2"}]}]},
        "status": {"phase": "Running"},
    }


@contextlib.asynccontextmanager
async def running(coro: Coroutine[Any, Any, None]) -> AsyncIterator[asyncio.Task[None]]:
    """Run a never-ending coroutine for the block, then cancel it and check it stopped by cancellation only."""
    task = asyncio.create_task(coro)
    try:
        yield task
    finally:
        task.cancel()
        async with asyncio.timeout(SAFETY_S):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        assert task.cancelled()


@pytest.fixture
async def server() -> AsyncIterator[FakeApiServer]:
    async with FakeApiServer() as s:
        yield s


@pytest.fixture
async def api(server: FakeApiServer) -> AsyncIterator[Any]:
    client = client_for_url(server.url)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()

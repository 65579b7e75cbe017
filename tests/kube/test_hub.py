"""Tests for ta.kube.hub: one watch per scope whatever the number of subscribers; bounded shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

from ta.events.cluster import KubeListSynced
from ta.kube.hub import WatchHub
from ta.kube.scope import WatchScope
from ta.kube.watch import KubeEvent
from ta.testing.fake_apiserver import FakeApiServer
from tests.kube.support import FAST, SAFETY_S, Recorder, fast_backoff, pod, running

SLICES = WatchScope(resource="discovery.k8s.io/v1/endpointslices")


def _slice(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "ns"}, "endpoints": [{"addresses": ["10.0.0.1"]}]}


async def test_many_subscribers_share_one_watch(server: FakeApiServer, api: Any) -> None:
    server.add(SLICES.resource, _slice("a"))
    hub = WatchHub(api, backoff_factory=fast_backoff, tuning=FAST)
    recorders = [Recorder() for _ in range(500)]
    async with running(hub.run()):
        for r in recorders[:250]:
            await hub.subscribe(SLICES, r)
        await recorders[0].wait_synced()
        await server.wait_until(lambda: server.open_watches(SLICES.resource) == 1)
        # Late subscribers get the current state first, then live events like everyone else.
        for r in recorders[250:]:
            await hub.subscribe(SLICES, r)
        server.add(SLICES.resource, _slice("b"))
        for r in recorders:
            await r.wait_for(lambda evs: len(evs) == 3)
        assert server.count("list", SLICES.resource) == 1
        assert server.count("watch", SLICES.resource) == 1
        assert hub.scopes == (SLICES,)
        assert hub.subscriber_count(SLICES) == 500
        expected = recorders[0].events
        assert [e for e in expected if isinstance(e, KubeListSynced)] == recorders[0].synced()
        for r in recorders:
            assert r.changes() == [("ADDED", "ns", "a"), ("ADDED", "ns", "b")]
            assert r.synced() == recorders[0].synced()


async def test_distinct_scopes_get_distinct_watches_and_last_unsubscribe_stops_it(
    server: FakeApiServer, api: Any
) -> None:
    server.add("v1/pods", pod("a", app="x"))
    server.add("v1/pods", pod("b", app="y"))
    hub = WatchHub(api, backoff_factory=fast_backoff, tuning=FAST)
    selected = WatchScope(resource="v1/pods", label_selector="app=x")
    everything = WatchScope(resource="v1/pods")
    r1, r2, r3 = Recorder(), Recorder(), Recorder()
    # Subscribing before run() starts is fine: the watches start with it.
    s1 = await hub.subscribe(selected, r1)
    s2 = await hub.subscribe(everything, r2)
    s3 = await hub.subscribe(everything, r3)
    async with running(hub.run()):
        await r1.wait_synced()
        await r2.wait_synced()
        await r3.wait_synced()
        await server.wait_until(lambda: server.open_watches("v1/pods") == 2)
        assert r1.changes() == [("ADDED", "ns", "a")]
        assert r2.changes() == r3.changes() == [("ADDED", "ns", "a"), ("ADDED", "ns", "b")]

        await hub.unsubscribe(s2)
        assert server.open_watches("v1/pods") == 2  # r3 still listens
        server.add("v1/pods", pod("c", app="x"))
        await r3.wait_for(lambda evs: len(r3.objects()) == 3)
        await r1.wait_for(lambda evs: len(r1.objects()) == 2)
        assert len(r2.objects()) == 2  # unsubscribed: nothing more

        await hub.unsubscribe(s3)
        await hub.unsubscribe(s1)
        await server.wait_until(lambda: server.open_watches("v1/pods") == 0)
        assert hub.scopes == ()


async def test_a_failing_subscriber_does_not_starve_the_others(server: FakeApiServer, api: Any) -> None:
    server.add("v1/pods", pod("a"))
    hub = WatchHub(api, backoff_factory=fast_backoff, tuning=FAST)
    calls = 0

    async def broken(event: KubeEvent) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("consumer bug")

    good = Recorder()
    async with running(hub.run()):
        await hub.subscribe(WatchScope(resource="v1/pods"), broken)
        await hub.subscribe(WatchScope(resource="v1/pods"), good)
        await good.wait_synced()
        server.add("v1/pods", pod("b"))
        await good.wait_for(lambda evs: len(evs) == 3)
    assert good.changes() == [("ADDED", "ns", "a"), ("ADDED", "ns", "b")]
    assert calls >= 2


async def test_cancelling_run_closes_every_watch(server: FakeApiServer, api: Any) -> None:
    hub = WatchHub(api, backoff_factory=fast_backoff, tuning=FAST)
    resources = ("v1/pods", "v1/services", "v1/endpoints", SLICES.resource)
    task = asyncio.create_task(hub.run())
    for resource in resources:
        await hub.subscribe(WatchScope(resource=resource), Recorder())
    await server.wait_until(lambda: server.open_watches() == len(resources))
    task.cancel()
    async with asyncio.timeout(SAFETY_S):
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()
    await server.wait_until(lambda: server.open_watches() == 0)
    assert server.open_watches() == 0

"""The router delivers each input to every actor that reads it (checked through the real pipeline)."""

import asyncio

import orjson
import pytest

from ta.app import build_pipeline, run_pipeline
from ta.core.discovery import policy as discovery_policy
from ta.events.cluster import KubeListSynced, KubeObjectChanged, KubeWatchesPlanned
from ta.events.config import ConfigLoaded


async def test_watch_plan_reaches_membership_crs_and_discovery() -> None:
    p = build_pipeline(clock=lambda: 0.0)
    stop = asyncio.Event()
    started = asyncio.Event()
    task = asyncio.create_task(run_pipeline(p, sources=[], listeners=[], stop=stop, started=started))
    await started.wait()
    await p.sequencer.submit(
        ConfigLoaded(body=orjson.dumps({"prometheus_cr": {"enabled": True}, "config": {}}), source="test")
    )
    await p.sequencer.wait_drained()
    assert not p.crs.holding  # configured, no plan yet: the CR actor is not waiting
    monitors = "monitoring.coreos.com/v1/servicemonitors"
    pods, slices = ("v1/pods", "otel"), ("discovery.k8s.io/v1/endpointslices", "")
    plan = KubeWatchesPlanned(scopes=(pods, slices, (monitors, "")))
    await p.sequencer.submit(plan)
    await p.sequencer.wait_drained()
    # Each actor holds back on exactly the scopes of the resources it takes.
    assert p.discovery.core.kube_deferred and p.discovery._lists.pending == {pods, slices}  # pods: kubernetes_sd too
    assert p.membership._lists.pending == {pods}
    assert p.crs._lists.pending == {(monitors, "")} and p.crs.holding
    assert not p.sync.complete
    for resource, namespace in plan.scopes:
        await p.sequencer.submit(KubeListSynced(resource=resource, namespace=namespace, resource_version="1"))
    await p.sequencer.wait_drained()
    assert not p.discovery.core.kube_deferred and not p.membership._lists.waiting and p.sync.complete
    assert not p.crs.holding
    stop.set()
    await task


async def test_a_first_build_in_steps_lets_the_loop_run_and_is_not_ready_until_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discovery_policy, "BUILD_STEP_TARGETS", 2)
    p = build_pipeline(clock=lambda: 0.0)
    stop = asyncio.Event()
    started = asyncio.Event()
    task = asyncio.create_task(run_pipeline(p, sources=[], listeners=[], stop=stop, started=started))
    await started.wait()
    config = {
        "collector_namespace": "otel",
        "config": {"scrape_configs": [{"job_name": "k", "kubernetes_sd_configs": [{"role": "endpointslice"}]}]},
    }
    await p.sequencer.submit(ConfigLoaded(body=orjson.dumps(config), source="test"))
    scopes = (("discovery.k8s.io/v1/endpointslices", ""),)
    await p.sequencer.submit(KubeWatchesPlanned(scopes=scopes))
    for i in range(6):
        obj = {
            "metadata": {"name": f"s{i}", "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [f"10.0.0.{i}"]}],
            "ports": [{"name": "http", "port": 80}],
        }
        await p.sequencer.submit(
            KubeObjectChanged(
                watch_type="ADDED", resource=scopes[0][0], namespace="ns", name=f"s{i}", body=orjson.dumps(obj)
            )
        )
    samples: list[tuple[bool, bool]] = []  # (build in progress, ready), sampled by another task

    async def sample() -> None:
        while True:
            samples.append((p.discovery._build is not None, p.is_ready()))
            await asyncio.sleep(0)

    sampler = asyncio.create_task(sample())
    await p.sequencer.submit(KubeListSynced(resource=scopes[0][0], namespace="", resource_version="1"))
    await p.sequencer.wait_drained()
    sampler.cancel()
    assert any(building for building, _ in samples)  # the loop ran while the build was in steps
    assert not any(building and ready for building, ready in samples)
    assert p.is_ready() and p.view.job_size("k") == 6
    stop.set()
    await task


async def test_a_batch_of_changes_ends_where_the_same_changes_one_by_one_end() -> None:
    from ta.events.cluster import KubeObjectBatch

    config = {
        "collector_namespace": "otel",
        "config": {"scrape_configs": [{"job_name": "k", "kubernetes_sd_configs": [{"role": "pod"}]}]},
    }

    def pod(name: str, ns: str, ip: str) -> KubeObjectChanged:
        obj = {
            "metadata": {"name": name, "namespace": ns, "labels": {"app": "x"}},
            "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
            "status": {"phase": "Running", "podIP": ip},
        }
        return KubeObjectChanged(
            watch_type="ADDED", resource="v1/pods", namespace=ns, name=name, body=orjson.dumps(obj)
        )

    changes = [pod("collector-0", "otel", "10.0.0.1"), pod("app-0", "shop", "10.0.1.1"), pod("app-1", "shop", "")]

    async def run(batched: bool) -> tuple[object, ...]:
        p = build_pipeline(clock=lambda: 0.0)
        stop = asyncio.Event()
        started = asyncio.Event()
        task = asyncio.create_task(run_pipeline(p, sources=[], listeners=[], stop=stop, started=started))
        await started.wait()
        await p.sequencer.submit(ConfigLoaded(body=orjson.dumps(config), source="test"))
        await p.sequencer.submit(KubeWatchesPlanned(scopes=(("v1/pods", ""),)))
        if batched:
            await p.sequencer.submit(KubeObjectBatch(resource="v1/pods", changes=tuple(changes)))
        else:
            for change in changes:
                await p.sequencer.submit(change)
        await p.sequencer.submit(KubeListSynced(resource="v1/pods", namespace="", resource_version="1"))
        await p.sequencer.wait_drained()
        result = (p.view.collectors, p.view.jobs().data, p.view.targets_for("k", "collector-0").data)
        stop.set()
        await task
        return result

    singles, batch = await run(False), await run(True)
    assert singles == batch
    assert batch[0] == ("collector-0",) and b"10.0.1.1:80" in batch[2]

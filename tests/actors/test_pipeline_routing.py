"""The router delivers each input to every actor that reads it (checked through the real pipeline)."""

import asyncio

from ta.app import build_pipeline, run_pipeline
from ta.events.base import Envelope
from ta.events.cluster import KubeListSynced, KubeWatchesPlanned


async def test_watch_plan_reaches_membership_crs_and_discovery() -> None:
    p = build_pipeline(clock=lambda: 0.0)
    stop = asyncio.Event()
    started = asyncio.Event()
    task = asyncio.create_task(run_pipeline(p, sources=[], listeners=[], stop=stop, started=started))
    await started.wait()
    plan = KubeWatchesPlanned(scopes=(("v1/pods", "otel"), ("discovery.k8s.io/v1/endpointslices", "")))
    await p.sequencer.submit(Envelope(seq=1, ts=0.0, event=plan))
    await p.sequencer.wait_drained()
    assert p.discovery.core.kube_deferred
    assert p.membership._waiting == {("v1/pods", "otel")}
    assert not p.sync.complete
    for resource, namespace in plan.scopes:
        await p.sequencer.submit(KubeListSynced(resource=resource, namespace=namespace, resource_version="1"))
    await p.sequencer.wait_drained()
    assert not p.discovery.core.kube_deferred and not p.membership._waiting and p.sync.complete
    stop.set()
    await task

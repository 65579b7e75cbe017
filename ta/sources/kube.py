"""The Kubernetes source: list/watch every needed scope and submit what the API serves as input events.

In: an ``ApiClient`` and the (resource, namespace) scopes. Out: ``KubeObjectChanged``, ``KubeListSynced`` and
``KubeResourceUnavailable`` events (already sanitised by the watcher) submitted to the sequencer. One shared
watch per scope; retries, re-lists and backoff live in ``ta.kube``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from kubernetes_asyncio.client import ApiClient

from ta.core.watches import Scope
from ta.events.base import Journaled
from ta.kube.hub import WatchHub
from ta.kube.scope import WatchScope
from ta.kube.watch import KubeEvent, RawObserver


async def run_kube(
    submit: Callable[[Journaled], Awaitable[None]],
    api: ApiClient,
    scopes: Sequence[Scope],
    raw_observer: RawObserver | None = None,
) -> None:
    hub = WatchHub(api, raw_observer=raw_observer)

    async def emit(event: KubeEvent) -> None:
        await submit(event)

    try:
        for resource, namespace in scopes:
            await hub.subscribe(WatchScope(resource=resource, namespace=namespace), emit)
        await hub.run()
    finally:
        await api.close()

"""The Kubernetes source: list/watch every needed scope and submit what the API serves as input events.

In: an ``ApiClient`` and the (resource, namespace) scopes. Out: ``KubeObjectChanged``, ``KubeListSynced`` and
``KubeResourceUnavailable`` events (already sanitised by the watcher) submitted to the sequencer. One shared
watch per scope; retries, re-lists and backoff live in ``ta.kube``. The real values of a Secret or a
ConfigMap are read from the unsanitised object as it passes and ride along on the event in memory only
(``secret_values``); the journal sees keyed digests (``ta.core.objects.sanitize``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from kubernetes_asyncio.client import ApiClient

from ta.core.objects.resources import CONFIGMAPS, SECRETS
from ta.core.objects.sanitize import configmap_values, secret_values
from ta.core.watches import Scope
from ta.events.base import Journaled
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged, WatchType
from ta.kube.hub import WatchHub
from ta.kube.scope import WatchScope
from ta.kube.watch import KubeEvent

_HOLDS_VALUES = (SECRETS, CONFIGMAPS)


class SecretValues:
    """The latest values of every Secret and ConfigMap seen, by (resource, namespace, name); process memory only."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {}

    def observe(self, watch_type: WatchType, resource: str, obj: Mapping[str, Any]) -> None:
        if resource not in _HOLDS_VALUES:
            return
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(meta, Mapping)
        key = (resource, str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        if watch_type == "DELETED":
            self._values.pop(key, None)
            return
        if resource == SECRETS:
            decoded = secret_values(obj)
            self._values[key] = tuple(sorted((k, v.decode("utf-8", "surrogateescape")) for k, v in decoded.items()))
        else:
            self._values[key] = tuple(sorted(configmap_values(obj).items()))

    def attach(self, event: KubeEvent) -> KubeEvent:
        if event.resource not in _HOLDS_VALUES:
            return event
        if isinstance(event, KubeObjectBatch):
            return dataclasses.replace(event, changes=tuple(self._attach(change) for change in event.changes))
        if isinstance(event, KubeObjectChanged):
            return self._attach(event)
        return event

    def _attach(self, event: KubeObjectChanged) -> KubeObjectChanged:
        if event.watch_type == "DELETED":
            return event
        values = self._values.get((event.resource, event.namespace, event.name), ())
        return dataclasses.replace(event, secret_values=values)


async def run_kube(
    submit: Callable[[Journaled], Awaitable[None]],
    api: ApiClient,
    scopes: Sequence[Scope],
) -> None:
    secrets = SecretValues()
    # Every scope is subscribed here, before the watches run: no late subscriber needs bodies kept for it.
    hub = WatchHub(api, raw_observer=secrets.observe, keep_bodies=False)

    async def emit(event: KubeEvent) -> None:
        await submit(secrets.attach(event))

    try:
        for resource, namespace in scopes:
            await hub.subscribe(WatchScope(resource=resource, namespace=namespace), emit)
        await hub.run()
    finally:
        await api.close()

"""Cluster input events: what the Kubernetes API served, as it served it (minus what must not leak).

In: watch/list results from the Kubernetes watcher, or objects read from a ``kubectl get -o json|yaml`` file.
Out (journaled): ``KubeWatchesPlanned`` (the scopes about to be listed and watched, so readiness and
"wait for the initial lists" replay exactly), ``KubeObjectChanged`` (one ADDED/MODIFIED/DELETED object),
``KubeObjectBatch`` (the changes one list page found, in order; ``changes_v`` records their ``k8s.object``
version when it is not 1),
``KubeListSynced`` (a watch scope finished its initial list, or a re-list), ``KubeResourceUnavailable``
(403, CRD not installed, ...).

``body`` holds the object as compact JSON bytes, already sanitised (see ``ta.core.objects.sanitize``): bytes are
immutable, cheap to journal, and each consumer decodes only what it reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Self

import orjson

from ta.core.gocompat import jsonbytes
from ta.events.base import NO_UPCASTERS, Upcaster, decode_data, register

WatchType = Literal["ADDED", "MODIFIED", "DELETED"]
WATCH_TYPES: tuple[WatchType, ...] = ("ADDED", "MODIFIED", "DELETED")


def _watch_type(value: object) -> WatchType:
    for wt in WATCH_TYPES:
        if value == wt:
            return wt
    raise ValueError(f"watch type must be one of {', '.join(WATCH_TYPES)}, got {value!r}")


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class KubeObjectChanged:
    """``resource`` is ``<group/version>/<plural>`` (``v1/pods``, ``discovery.k8s.io/v1/endpointslices``)."""

    KIND: ClassVar[str] = "k8s.object"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    watch_type: WatchType
    resource: str
    namespace: str
    name: str
    body: bytes
    # A Secret's decoded values (a ConfigMap's ``data``), in memory only: never journaled, never compared, never
    # printed. Empty in a replay, where only the keyed digests in ``body`` are known.
    secret_values: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)
    # ``body`` decoded, when the source had it at hand (the live watcher encoded it from this very dict): saves
    # every consumer a decode. In memory only, like ``secret_values``; consumers must treat it as read-only.
    decoded: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def obj(self) -> dict[str, Any]:
        """The object; shared between consumers, so never to be changed in place."""
        if self.decoded is not None:
            return self.decoded
        decoded = orjson.loads(self.body)
        if not isinstance(decoded, dict):
            raise ValueError("object body is not a JSON object")
        return decoded

    def to_data(self) -> dict[str, Any]:
        return {
            "type": self.watch_type,
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
            "object": orjson.Fragment(self.body),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        obj = data["object"]
        if not isinstance(obj, dict):
            raise ValueError("object must be a JSON object")
        return cls(
            watch_type=_watch_type(data["type"]),
            resource=str(data["resource"]),
            namespace=str(data.get("namespace", "")),
            name=str(data.get("name", "")),
            body=jsonbytes.dumps(obj),
        )


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class KubeObjectBatch:
    """Several object changes of one resource that arrived together: the changes one page of a (re-)list found.

    One journal entry (and one trip through the pipeline) per page rather than per object: a large cluster's
    initial lists are ~100 000 objects. Consumers apply the changes in order, as if they came one by one, and
    may answer once for the whole batch.
    """

    KIND: ClassVar[str] = "k8s.objects"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    resource: str
    changes: tuple[KubeObjectChanged, ...]  # all of ``resource``

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"resource": self.resource}
        if KubeObjectChanged.VERSION != 1:  # absent means 1: the journals written before nested versions
            data["changes_v"] = KubeObjectChanged.VERSION
        data["changes"] = [change.to_data() for change in self.changes]
        return data

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        resource = str(data["resource"])
        raw = data.get("changes") or []
        if not isinstance(raw, list) or not all(isinstance(c, Mapping) for c in raw):
            raise ValueError("changes must be a list of objects")
        # The changes upcast through ``k8s.object``'s own chain, from the version the batch was written with.
        changes_v = data.get("changes_v", 1)
        changes = tuple(decode_data(KubeObjectChanged, c, changes_v) for c in raw)
        if any(c.resource != resource for c in changes):
            raise ValueError("every change of a batch must be of the batch's resource")
        return cls(resource=resource, changes=changes)


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class KubeWatchesPlanned:
    """Every (resource, namespace) scope that will be listed; "" = all namespaces or cluster-scoped."""

    KIND: ClassVar[str] = "k8s.planned"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    scopes: tuple[tuple[str, str], ...]

    def to_data(self) -> dict[str, Any]:
        return {"scopes": [{"resource": r, "namespace": ns} for r, ns in self.scopes]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        scopes = data.get("scopes") or []
        if not isinstance(scopes, list):
            raise ValueError("scopes must be a list")
        return cls(
            scopes=tuple((str(s["resource"]), str(s.get("namespace", ""))) for s in scopes if isinstance(s, Mapping))
        )


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class KubeListSynced:
    """The initial list (or a re-list after a broken watch) of one watch scope has been fully delivered."""

    KIND: ClassVar[str] = "k8s.synced"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    resource: str
    namespace: str  # "" = all namespaces
    resource_version: str

    def to_data(self) -> dict[str, Any]:
        return {"resource": self.resource, "namespace": self.namespace, "resource_version": self.resource_version}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(
            resource=str(data["resource"]),
            namespace=str(data.get("namespace", "")),
            resource_version=str(data.get("resource_version", "")),
        )


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class KubeResourceUnavailable:
    """A resource cannot be watched (RBAC 403, CRD not served, ...); it is skipped, nothing else stops."""

    KIND: ClassVar[str] = "k8s.unavailable"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    resource: str
    namespace: str
    reason: str

    def to_data(self) -> dict[str, Any]:
        return {"resource": self.resource, "namespace": self.namespace, "reason": self.reason}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls(resource=str(data["resource"]), namespace=str(data.get("namespace", "")), reason=str(data["reason"]))

"""``KubeObjects``: the current Kubernetes objects per resource, with the reverse indexes incremental SD needs.

In: watch events ``(resource, watch_type, obj[, body])`` (``ADDED``/``MODIFIED``/``DELETED``; ``BOOKMARK`` ignored)
or whole relists. Out: lookups by namespace/name, sorted listings, and reverse indexes: which EndpointSlices/Endpoints
reference a Pod or Node, which Pods run on a Node, which EndpointSlices belong to a Service; and ``derive``, what a
function computes from an object's current version, remembered until the object changes. One store can be shared
by every config; it is unfiltered (configs apply namespaces and selectors themselves).

Objects are kept as their compact JSON (the event's own ``body`` bytes when given; pods cut down to what SD reads,
``ta.core.k8s_sd.slim``; pods, EndpointSlices and Endpoints compressed, ``ta.core.k8s_sd.packing``) and decoded on
lookup: a decoded pod is ~4x its JSON, and a big cluster has 100 000 of them, while what SD reads from one (its
labels, ports ...) is derived once per version and kept in that form.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from ta.core.base.multimap import Multimap
from ta.core.gocompat import jsonbytes
from ta.core.k8s_sd.meta import Obj, as_list, as_map, as_str, labels_of, name_of, namespace_of, opt_str
from ta.core.k8s_sd.packing import Packer
from ta.core.k8s_sd.resources import ENDPOINTS, ENDPOINTSLICES, PODS
from ta.core.k8s_sd.slim import slim

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
SLIMMED = frozenset({PODS})  # kept as ``slim`` cuts them down (see ta.core.k8s_sd.slim)
# Kept compressed (``ta.core.k8s_sd.packing``): the resources a big cluster has thousands of, large or many.
PACKED = frozenset({PODS, ENDPOINTSLICES, ENDPOINTS})

T = TypeVar("T")

# (resource, namespace, name) of an object that refers to another one.
Ref = tuple[str, str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One object's transition, as fed to ``KubeSD.affected_sources``; None means absent."""

    resource: str
    namespace: str
    name: str
    before: Obj | None
    after: Obj | None


def _endpoint_refs(resource: str, obj: Obj) -> Iterator[tuple[str, str, str]]:
    """``("pod"|"node", namespace, name)`` of what an EndpointSlice/Endpoints object refers to."""
    entries: list[Mapping[str, object]] = []
    if resource == ENDPOINTSLICES:
        entries = [as_map(e) for e in as_list(obj.get("endpoints"))]
    else:
        for subset in as_list(obj.get("subsets")):
            for field in ("addresses", "notReadyAddresses"):
                entries.extend(as_map(a) for a in as_list(as_map(subset).get(field)))
    for entry in entries:
        ref = as_map(entry.get("targetRef"))
        kind = ref.get("kind")
        if kind == "Pod":
            # Kept in the reference index: one string per namespace, not one per endpoint.
            yield "pod", sys.intern(as_str(ref.get("namespace"))), as_str(ref.get("name"))
        elif kind == "Node":
            yield "node", "", as_str(ref.get("name"))
        node_name = opt_str(entry.get("nodeName"))
        if node_name is not None:
            yield "node", "", node_name


class KubeObjects:
    """Mutable store of the latest object per (resource, namespace, name)."""

    def __init__(self) -> None:
        self._objects: dict[str, dict[str, dict[str, bytes]]] = {}
        self._pod_refs: Multimap[tuple[str, str], Ref] = Multimap()
        self._node_refs: Multimap[str, Ref] = Multimap()
        self._service_slices: Multimap[tuple[str, str], str] = Multimap()
        # (resource, compute function) -> namespace -> name -> its result for the stored version. Not one dict per
        # object (most have one derived value, and 100 000 small dicts cost ~25 MiB), nor a key tuple per value.
        self._derived: dict[tuple[str, Callable[[Obj], Any]], dict[str, dict[str, Any]]] = {}
        # resource -> functions to derive as each object arrives (what every build will ask for anyway)
        self.eager: dict[str, tuple[Callable[[Obj], Any], ...]] = {}
        self._packers = {resource: Packer() for resource in PACKED}

    def apply(self, resource: str, watch_type: str, obj: Obj, body: bytes | None = None) -> None:
        """Apply one change; ``body`` is ``obj`` as compact JSON when the caller has it already."""
        if watch_type in ("BOOKMARK", "ERROR"):
            return
        if watch_type not in ("ADDED", "MODIFIED", "DELETED"):
            raise ValueError(f"unknown watch event type {watch_type!r}")
        namespace, name = namespace_of(obj), name_of(obj)
        self._unindex(resource, namespace, name)
        by_ns = self._objects.setdefault(resource, {})
        if watch_type == "DELETED":
            names = by_ns.get(namespace)
            if names is not None:
                names.pop(name, None)
                if not names:
                    del by_ns[namespace]
            return
        packer = self._packers.get(resource)
        if packer is not None:
            if body is None or resource in SLIMMED:
                body = orjson.dumps(slim(resource, obj))  # of a pod, what SD reads: under half of it
            body = packer.pack(body)
        by_ns.setdefault(namespace, {})[name] = body if body is not None else jsonbytes.dumps(obj)
        self._index(resource, namespace, name, obj)
        for compute in self.eager.get(resource, ()):
            # Derived now, from the object at hand, rather than decoded again at the first lookup.
            self._derived_names(resource, compute, namespace)[name] = compute(obj)

    def replace(self, resource: str, objects: Iterable[Obj]) -> tuple[Change, ...]:
        """Replace all objects of ``resource`` (a relist); returns the changes, sorted by namespace/name."""
        fresh = {(namespace_of(o), name_of(o)): o for o in objects}
        old = {(ns, n): b for ns, names in self._objects.get(resource, {}).items() for n, b in names.items()}
        changes: list[Change] = []
        for key in sorted(old.keys() | fresh.keys()):
            old_body, after = old.get(key), fresh.get(key)
            before = None if old_body is None else self._decode(resource, old_body)
            if before == (None if after is None else slim(resource, after)):
                continue
            if after is None:
                assert before is not None
                self.apply(resource, "DELETED", before)
            else:
                self.apply(resource, "MODIFIED", after)
            changes.append(Change(resource=resource, namespace=key[0], name=key[1], before=before, after=after))
        return tuple(changes)

    def count(self) -> int:
        """How many objects are stored, over every resource."""
        return sum(len(names) for by_ns in self._objects.values() for names in by_ns.values())

    def get(self, resource: str, namespace: str, name: str) -> Obj | None:
        """The object as stored, decoded afresh (callers may keep or change it)."""
        body = self._objects.get(resource, {}).get(namespace, {}).get(name)
        return None if body is None else self._decode(resource, body)

    def contains(self, resource: str, namespace: str, name: str) -> bool:
        return name in self._objects.get(resource, {}).get(namespace, {})

    def derive(self, resource: str, namespace: str, name: str, compute: Callable[[Obj], T]) -> T | None:
        """``compute(object)`` for the stored object (None when absent), computed once per object version."""
        table = self._derived.get((resource, compute))
        names = None if table is None else table.get(namespace)
        if names is not None and name in names:
            found: T = names[name]
            return found
        obj = self.get(resource, namespace, name)
        if obj is None:
            return None  # nothing kept for an absent object (namespaces come and go)
        value = self._derived_names(resource, compute, namespace)[name] = compute(obj)
        return value

    def _derived_names(self, resource: str, compute: Callable[[Obj], Any], namespace: str) -> dict[str, Any]:
        table = self._derived.get((resource, compute))
        if table is None:
            table = self._derived[(resource, compute)] = {}
        names = table.get(namespace)
        if names is None:
            names = table[namespace] = {}
        return names

    def in_namespace(self, resource: str, namespace: str) -> tuple[Obj, ...]:
        names = self._objects.get(resource, {}).get(namespace, {})
        return tuple(self._decode(resource, names[n]) for n in sorted(names))

    def all(self, resource: str) -> tuple[Obj, ...]:
        return tuple(self.iter_all(resource))

    def iter_all(self, resource: str) -> Iterator[Obj]:
        """Every object of ``resource`` in namespace/name order, decoded one at a time."""
        by_ns = self._objects.get(resource, {})
        for ns in sorted(by_ns):
            names = by_ns.get(ns, {})
            for n in sorted(names):
                body = names.get(n)
                if body is not None:  # removed meanwhile (the caller may apply changes between steps)
                    yield self._decode(resource, body)

    def referencing_pod(self, namespace: str, name: str) -> tuple[Ref, ...]:
        """EndpointSlices/Endpoints whose endpoints have a Pod targetRef to namespace/name."""
        return self._pod_refs.sorted((namespace, name))

    def referencing_node(self, name: str) -> tuple[Ref, ...]:
        """EndpointSlices/Endpoints naming the node (nodeName or Node targetRef), and Pods scheduled on it."""
        return self._node_refs.sorted(name)

    def slices_of_service(self, namespace: str, name: str) -> tuple[str, ...]:
        return self._service_slices.sorted((namespace, name))

    def _refs_of(self, resource: str, namespace: str, obj: Obj) -> tuple[set[tuple[str, str]], set[str], str | None]:
        pods: set[tuple[str, str]] = set()
        nodes: set[str] = set()
        service: str | None = None
        if resource in (ENDPOINTS, ENDPOINTSLICES):
            for kind, ref_namespace, ref_name in _endpoint_refs(resource, obj):
                if kind == "pod":
                    pods.add((ref_namespace, ref_name))
                else:
                    nodes.add(ref_name)
        if resource == ENDPOINTSLICES:
            service = labels_of(obj).get(SERVICE_NAME_LABEL)
        if resource == PODS:
            node = as_str(as_map(obj.get("spec")).get("nodeName"))
            if node:
                nodes.add(node)
        return pods, nodes, service

    def _index(self, resource: str, namespace: str, name: str, obj: Obj) -> None:
        ref = (resource, namespace, name)
        pods, nodes, service = self._refs_of(resource, namespace, obj)
        for pod in pods:
            self._pod_refs.add(pod, ref)
        for node in nodes:
            self._node_refs.add(node, ref)
        if service is not None:
            self._service_slices.add((namespace, service), name)

    def _decode(self, resource: str, stored: bytes) -> Obj:
        packer = self._packers.get(resource)
        obj = orjson.loads(stored if packer is None else packer.unpack(stored))
        assert isinstance(obj, dict)
        return obj

    def _unindex(self, resource: str, namespace: str, name: str) -> None:
        for (derived_from, _), table in self._derived.items():
            if derived_from == resource:
                names = table.get(namespace)
                if names is not None:
                    names.pop(name, None)
                    if not names:
                        del table[namespace]
        old = self.get(resource, namespace, name)
        if old is None:
            return
        ref = (resource, namespace, name)
        pods, nodes, service = self._refs_of(resource, namespace, old)
        for pod in pods:
            self._pod_refs.discard(pod, ref)
        for node in nodes:
            self._node_refs.discard(node, ref)
        if service is not None:
            self._service_slices.discard((namespace, service), name)

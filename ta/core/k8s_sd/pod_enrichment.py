"""Pod enrichment shared by the ``endpoints`` and ``endpointslice`` roles.

In: endpoint targets that reference a visible Pod, with the endpoint port each used. Out: the pod and matching
container-port labels for those targets, and the extra targets for every container port of each referenced pod
that no endpoint port covered (pods in first-reference order; Prometheus uses random map order).

What a pod contributes is derived once per pod object (``PodFacts``, memoised by the store through
``Related.derive``) as label pairs that every target of that pod shares: the pod's ~30 labels are built once
instead of once per endpoint port per SD config, and the targets hold the same pair objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

from ta.core.base.cache import CLEAR_WHEN_FULL, BoundedCache
from ta.core.base.labels import LabelSet
from ta.core.k8s_sd.meta import (
    ADDRESS_LABEL,
    Obj,
    join_host_port,
    name_of,
    namespace_of,
)
from ta.core.k8s_sd.pod import (
    CONTAINER_IMAGE,
    CONTAINER_INIT,
    CONTAINER_NAME,
    CONTAINER_PORT_NAME,
    CONTAINER_PORT_NUMBER,
    CONTAINER_PORT_PROTOCOL,
    ContainerPort,
    container_ports,
    pod_ip,
    pod_label_parts,
)
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import PODS

CONTAINER_LABEL_NAMES = frozenset(
    (
        CONTAINER_NAME,
        CONTAINER_IMAGE,
        CONTAINER_INIT,
        CONTAINER_PORT_NAME,
        CONTAINER_PORT_NUMBER,
        CONTAINER_PORT_PROTOCOL,
    )
)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class PodFacts:
    """What endpoint targets take from one Pod object (kept per pod: small, its pairs shared where they repeat)."""

    key: tuple[str, str]  # namespace, name
    ip: str
    # Prometheus ``podLabels`` (the namespace is a group label) in two parts (``pod_label_parts``): one tuple shared
    # by the pods of a workload on one node, and the pod's own three pairs (~0.2 KB less a pod than one set).
    shared: LabelSet
    unique: LabelSet
    ports: tuple[ContainerPort, ...]  # containers' then init containers' ports, in declaration order
    own: tuple[LabelSet, ...]  # each port's container labels with the container port's own protocol
    names: frozenset[str]  # every label name a target of this pod can get from it

    def matching_port(self, number: int) -> int | None:
        """The index of the container port an endpoint port number maps to.

        Prometheus stops at the first match within a container but keeps scanning later containers, so when several
        containers declare the number the last such container wins.
        """
        found: int | None = None
        for i, port in enumerate(self.ports):
            if port.number == number:
                previous = None if found is None else self.ports[found]
                if previous is None or (previous.container, previous.is_init) != (port.container, port.is_init):
                    found = i
        return found

    def enriched(self, number: int | None, protocol_from_endpoint: str | None) -> LabelSet:
        """The pod labels plus, if a container declares ``number``, its container labels (unsorted: disjoint names).

        ``protocol_from_endpoint`` is the endpoint port's protocol for the endpoints role (which labels the container
        with it); None means the container port's own protocol (endpointslice role).
        """
        index = None if number is None else self.matching_port(number)
        if index is None:
            return self.shared + self.unique
        if protocol_from_endpoint is None:
            return self.shared + self.unique + self.own[index]
        return self.shared + self.unique + _container_pairs(self.ports[index], protocol_from_endpoint)


_NAME = itemgetter(0)
_INIT = {False: (CONTAINER_INIT, "false"), True: (CONTAINER_INIT, "true")}
# Interning tables (``ta.core.base.cache``, cleared when full: identity is only about memory, never about results).
_SHARED = "a cluster's workloads declare far fewer distinct ports than the bound; a full table means they changed"
_owns: BoundedCache[ContainerPort, LabelSet] = BoundedCache(
    "k8s_sd.port_labels", bound=1 << 17, policy=CLEAR_WHEN_FULL, reason=_SHARED
)
_ports: BoundedCache[ContainerPort, ContainerPort] = BoundedCache(
    "k8s_sd.ports", bound=1 << 17, policy=CLEAR_WHEN_FULL, reason=_SHARED
)
_port_sets: BoundedCache[tuple[ContainerPort, ...], tuple[tuple[ContainerPort, ...], tuple[LabelSet, ...]]] = (
    BoundedCache("k8s_sd.port_sets", bound=1 << 17, policy=CLEAR_WHEN_FULL, reason=_SHARED)
)
# The label names of a pod's labels -> one shared frozenset (pods of one workload have the same names).
_names: BoundedCache[tuple[str, ...], frozenset[str]] = BoundedCache(
    "k8s_sd.pod_label_names",
    bound=4096,
    policy=CLEAR_WHEN_FULL,
    reason="one entry per distinct label-name tuple (a workload kind); far fewer than the bound",
)


def _container_pairs(port: ContainerPort, protocol: str) -> LabelSet:
    """A port's ``__meta_kubernetes_pod_container_*`` labels as pairs, in name order (image, init, name, port_*)."""
    return (
        (CONTAINER_IMAGE, port.image),
        _INIT[port.is_init],
        (CONTAINER_NAME, port.container),
        (CONTAINER_PORT_NAME, port.name),
        (CONTAINER_PORT_NUMBER, str(port.number)),
        (CONTAINER_PORT_PROTOCOL, protocol),
    )


def _shared_port(port: ContainerPort) -> ContainerPort:
    """One ``ContainerPort`` object for every pod declaring the same port (the replicas of a workload)."""
    return _ports.intern(port)


def _own(port: ContainerPort) -> LabelSet:
    """A port's container labels with its own protocol, shared by every pod with the same container port."""
    found = _owns.get(port)
    if found is None:
        found = _owns.put(port, _container_pairs(port, port.protocol))
    return found


def _shared_ports(ports: tuple[ContainerPort, ...]) -> tuple[tuple[ContainerPort, ...], tuple[LabelSet, ...]]:
    """One ``(ports, own)`` pair of tuples for every pod declaring the same container ports (a workload's replicas)."""
    found = _port_sets.get(ports)
    if found is None:
        shared = tuple(_shared_port(port) for port in ports)
        found = _port_sets.put(ports, (shared, tuple(_own(p) for p in shared)))
    return found


def pod_facts(pod: Obj) -> PodFacts:
    ports, own = _shared_ports(tuple(container_ports(pod)))
    shared, unique = pod_label_parts(pod)
    key = tuple(map(_NAME, shared + unique))
    names = _names.get(key)
    if names is None:
        names = _names.put(key, frozenset(key) | CONTAINER_LABEL_NAMES)
    return PodFacts(
        key=(namespace_of(pod), name_of(pod)),
        ip=pod_ip(pod),
        shared=shared,
        unique=unique,
        ports=ports,
        own=own,
        names=names,
    )


def related_pod(related: Related, namespace: str, name: str) -> PodFacts | None:
    return related.derive(PODS, namespace, name, pod_facts)


class SeenPods:
    """Accumulates, per referenced pod, the endpoint ports already turned into targets (mutable, build-local)."""

    def __init__(self) -> None:
        self._pods: dict[tuple[str, str], tuple[PodFacts, set[int]]] = {}

    def see(self, pod: PodFacts, port: int | None) -> None:
        seen = self._pods.get(pod.key)
        if seen is None:
            seen = self._pods[pod.key] = (pod, set())
        if port is not None:
            seen[1].add(port)

    def uncovered_targets(self) -> list[LabelSet]:
        out: list[LabelSet] = []
        for pod, covered in self._pods.values():
            # A starting or evicted pod has no IP to build an address from.
            if not pod.ip:
                continue
            for port, own in zip(pod.ports, pod.own, strict=True):
                if port.number in covered:
                    continue
                address = (ADDRESS_LABEL, join_host_port(pod.ip, port.number))
                out.append(tuple(sorted((address, *own, *pod.shared, *pod.unique))))
        return out

    def names(self) -> frozenset[str]:
        """Every label name the uncovered targets can carry (with ``__address__``)."""
        out: set[str] = {ADDRESS_LABEL}
        for pod, _ in self._pods.values():
            out |= pod.names
        return frozenset(out)

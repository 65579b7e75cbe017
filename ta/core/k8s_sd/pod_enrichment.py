"""Pod enrichment shared by the ``endpoints`` and ``endpointslice`` roles.

In: endpoint targets that reference a visible Pod, with the endpoint port each used. Out: the pod and matching
container-port labels for those targets, and the extra targets for every container port of each referenced pod
that no endpoint port covered (pods in first-reference order; Prometheus uses random map order).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ta.core.k8s_sd.meta import ADDRESS_LABEL, Obj, join_host_port, name_of, namespace_of
from ta.core.k8s_sd.pod import container_port_labels, container_ports, matching_container_port, pod_ip, pod_labels
from ta.core.labels import LabelSet, label_set


@dataclass(slots=True)
class _Seen:
    pod: Obj
    ports: list[int | None] = field(default_factory=list)


class SeenPods:
    """Accumulates, per referenced pod, the endpoint ports already turned into targets (mutable, build-local)."""

    def __init__(self) -> None:
        self._pods: dict[tuple[str, str], _Seen] = {}

    def enrich(self, target: dict[str, str], pod: Obj, port: int | None, protocol_from_endpoint: str | None) -> None:
        """Add pod labels and, if a container declares ``port``, its container labels to ``target`` in place.

        ``protocol_from_endpoint`` is the endpoint port's protocol for the endpoints role (which labels the container
        with it); None means use the container port's own protocol (endpointslice role).
        """
        key = (namespace_of(pod), name_of(pod))
        seen = self._pods.setdefault(key, _Seen(pod=pod))
        target.update(pod_labels(pod))
        if port is not None:
            match = matching_container_port(pod, port)
            if match is not None:
                protocol = match.protocol if protocol_from_endpoint is None else protocol_from_endpoint
                target.update(container_port_labels(match, protocol))
        seen.ports.append(port)

    def uncovered_targets(self) -> list[LabelSet]:
        out: list[LabelSet] = []
        for seen in self._pods.values():
            ip = pod_ip(seen.pod)
            # A starting or evicted pod has no IP to build an address from.
            if not ip:
                continue
            covered = {p for p in seen.ports if p is not None}
            labels = pod_labels(seen.pod)
            for cport in container_ports(seen.pod):
                if cport.number in covered:
                    continue
                target = {ADDRESS_LABEL: join_host_port(ip, cport.number)}
                target.update(container_port_labels(cport, cport.protocol))
                target.update(labels)
                out.append(label_set(target))
        return out

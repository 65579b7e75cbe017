"""The ``endpoints`` role (core ``v1`` Endpoints).

In: an Endpoints object (plain dict) and a ``Related`` view (the same-named Service, referenced Pods, Nodes, the
Namespace). Out: the ``endpoints/<ns>/<name>`` group: per subset, per port, first the ready ``addresses``
(``endpoint_ready="true"``) then ``notReadyAddresses`` (``"false"``), with pod enrichment (container protocol taken
from the endpoint port) and extra targets for pod container ports no endpoint port covered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.base.labels import LabelSet, label_set
from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.meta import (
    ADDRESS_LABEL,
    META,
    NAMESPACE_LABEL,
    Obj,
    add_object_meta,
    as_list,
    as_map,
    as_str,
    join_host_port,
    name_of,
    namespace_meta,
    namespace_of,
    node_meta,
    opt_int,
    opt_str,
)
from ta.core.k8s_sd.pod_enrichment import PodFacts, SeenPods, related_pod
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import source_for
from ta.core.k8s_sd.service import service_group_labels

# This role's group sources are ``endpoints/<namespace>/<name>`` (Prometheus' names; ``roles.Role.prefix``).
SOURCE_PREFIX = "endpoints"

E = META + "endpoint_"


def _address_labels(addr: Mapping[str, Any], port: Mapping[str, Any], number: int, ready: str) -> dict[str, str]:
    target = {
        ADDRESS_LABEL: join_host_port(as_str(addr.get("ip")), number),
        E + "port_name": as_str(port.get("name")),
        E + "port_protocol": as_str(port.get("protocol")),
        E + "ready": ready,
    }
    ref = addr.get("targetRef")
    if isinstance(ref, Mapping):
        target[E + "address_target_kind"] = as_str(ref.get("kind"))
        target[E + "address_target_name"] = as_str(ref.get("name"))
    node_name = opt_str(addr.get("nodeName"))
    if node_name is not None:
        target[E + "node_name"] = node_name
    hostname = as_str(addr.get("hostname"))
    if hostname:
        target[E + "hostname"] = hostname
    return target


def _node_for(addr: Mapping[str, Any]) -> str | None:
    # nodeName takes precedence over a Node targetRef here (the endpointslice role does the opposite).
    node_name = opt_str(addr.get("nodeName"))
    if node_name is not None:
        return node_name
    ref = addr.get("targetRef")
    if isinstance(ref, Mapping) and ref.get("kind") == "Node":
        return as_str(ref.get("name"))
    return None


def _pod_for(addr: Mapping[str, Any], related: Related) -> PodFacts | None:
    ref = addr.get("targetRef")
    if not isinstance(ref, Mapping) or ref.get("kind") != "Pod":
        return None
    return related_pod(related, as_str(ref.get("namespace")), as_str(ref.get("name")))


def build_endpoints_group(
    endpoints: Obj, related: Related, *, attach_node: bool = False, attach_namespace: bool = False
) -> TargetGroup:
    namespace = namespace_of(endpoints)
    name = name_of(endpoints)
    labels = {NAMESPACE_LABEL: namespace}
    service = related.service(namespace, name)
    if service is not None:
        labels.update(service_group_labels(service))
    add_object_meta(labels, endpoints, "endpoints")
    if attach_namespace:
        labels.update(namespace_meta(related.namespace(namespace)))

    targets: list[LabelSet] = []
    seen = SeenPods()
    for raw_subset in as_list(endpoints.get("subsets")):
        subset = as_map(raw_subset)
        for raw_port in as_list(subset.get("ports")):
            port = as_map(raw_port)
            # A non-pointer int32 in the API: absent reads as 0.
            number = opt_int(port.get("port")) or 0
            for field, ready in (("addresses", "true"), ("notReadyAddresses", "false")):
                for raw_addr in as_list(subset.get(field)):
                    addr = as_map(raw_addr)
                    target = _address_labels(addr, port, number, ready)
                    if attach_node:
                        node = _node_for(addr)
                        if node is not None:
                            target.update(node_meta(related.node(node)))
                    pod = _pod_for(addr, related)
                    if pod is not None:
                        seen.see(pod, number)
                        target.update(pod.enriched(number, as_str(port.get("protocol"))))
                    targets.append(label_set(target))
    targets.extend(seen.uncovered_targets())
    source = source_for(SOURCE_PREFIX, namespace, name)
    return TargetGroup(source=source, targets=tuple(targets), labels=label_set(labels))

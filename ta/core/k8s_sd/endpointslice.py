"""The ``endpointslice`` role (``discovery.k8s.io/v1`` EndpointSlices; what ServiceMonitors use).

In: an EndpointSlice object (plain dict) and a ``Related`` view (its Service via ``kubernetes.io/service-name``,
referenced Pods, Nodes, the Namespace). Out: the ``endpointslice/<ns>/<name>`` target group: one target per
endpoint x port x address (in that nesting order), not-ready/terminating endpoints kept with their condition labels,
pod enrichment, extra targets for uncovered pod container ports; no targets for the secondary-family slice of a
dual-stack Service.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import itemgetter
from typing import Any

from ta.core.base.labels import LabelSet, label_set
from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.meta import (
    ADDRESS_LABEL,
    META,
    NAMESPACE_LABEL,
    PRESENT,
    Obj,
    add_object_meta,
    as_list,
    as_map,
    as_str,
    go_bool,
    join_host_port,
    labels_of,
    name_of,
    namespace_meta,
    namespace_of,
    node_meta,
    opt_int,
    opt_str,
    sanitize_label_name,
    shared_pair,
    str_map,
)
from ta.core.k8s_sd.pod_enrichment import PodFacts, SeenPods, related_pod
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import NODES, SERVICES, source_for
from ta.core.k8s_sd.service import service_group_labels

# This role's group sources are ``endpointslice/<namespace>/<name>`` (Prometheus' names; ``roles.Role.prefix``).
SOURCE_PREFIX = "endpointslice"

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
_LABEL_NAME = itemgetter(0)
P = META + "endpointslice_"


def service_name_of(eps: Obj) -> str | None:
    """The owning Service's name, or None when the slice has no ``kubernetes.io/service-name`` label."""
    labels = labels_of(eps)
    return labels.get(SERVICE_NAME_LABEL)


def _is_secondary_family(service: Obj | None, eps: Obj) -> bool:
    """A dual-stack Service's slice of its non-primary family would duplicate the primary slice's targets."""
    if service is None:
        return False
    spec = as_map(service.get("spec"))
    if spec.get("ipFamilyPolicy") not in ("PreferDualStack", "RequireDualStack"):
        return False
    families = as_list(spec.get("ipFamilies"))
    if not families:
        return False
    return as_str(eps.get("addressType")) != as_str(families[0])


# Label names as constants: built once, shared by every target (rather than one f-string per target).
PORT_NAME = P + "port_name"
PORT_PROTOCOL = P + "port_protocol"
PORT = P + "port"
PORT_APP_PROTOCOL = P + "port_app_protocol"
HOSTNAME = P + "endpoint_hostname"
NODE_NAME = P + "endpoint_node_name"
ZONE = P + "endpoint_zone"
CONDITIONS = tuple((cond, P + "endpoint_conditions_" + cond) for cond in ("ready", "serving", "terminating"))
TARGET_KIND = P + "address_target_kind"
TARGET_NAME = P + "address_target_name"
TOPOLOGY = P + "endpoint_topology"
# The condition labels' pairs, shared by every target.
_CONDITION_PAIRS = {(name, flag): (name, go_bool(flag)) for _, name in CONDITIONS for flag in (True, False)}


def _port_pairs(port: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The labels of one slice port; every field is optional in the API and labelled only when set."""
    number = opt_int(port.get("port"))
    pairs = [
        (PORT_NAME, opt_str(port.get("name"))),
        (PORT_PROTOCOL, opt_str(port.get("protocol"))),
        (PORT, None if number is None else str(number)),
        (PORT_APP_PROTOCOL, opt_str(port.get("appProtocol"))),
    ]
    return tuple((name, value) for name, value in pairs if value is not None)


def _endpoint_pairs(ep: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The labels of one endpoint, shared by its targets (one per port and address)."""
    out: list[tuple[str, str]] = []
    hostname, node, zone = ep.get("hostname"), ep.get("nodeName"), ep.get("zone")
    if isinstance(hostname, str):
        out.append((HOSTNAME, hostname))
    if isinstance(node, str):
        out.append(shared_pair(NODE_NAME, node))
    if isinstance(zone, str):
        out.append(shared_pair(ZONE, zone))
    conditions = ep.get("conditions")
    if conditions:
        conditions = as_map(conditions)
        for cond, name in CONDITIONS:
            flag = conditions.get(cond)
            if flag is True or flag is False:
                out.append(_CONDITION_PAIRS[name, flag])
    ref = ep.get("targetRef")
    if isinstance(ref, Mapping):
        out.append(shared_pair(TARGET_KIND, as_str(ref.get("kind"))))
        out.append((TARGET_NAME, as_str(ref.get("name"))))
    topology = ep.get("deprecatedTopology")
    if topology:
        # Through a dict, in sorted key order: keys that sanitise alike (or "present_x" next to "x") collide and the
        # last in byte order wins, deterministically (Prometheus: Go map order).
        extra: dict[str, str] = {}
        for key, value in sorted(str_map(topology).items()):
            name = sanitize_label_name(key)
            extra[f"{TOPOLOGY}_{name}"] = value
            extra[f"{TOPOLOGY}_present_{name}"] = PRESENT
        out.extend(extra.items())
    return tuple(out)


def _node_for(ep: Mapping[str, Any]) -> str | None:
    # A Node targetRef takes precedence over nodeName here (the endpoints role does the opposite).
    ref = ep.get("targetRef")
    if isinstance(ref, Mapping) and ref.get("kind") == "Node":
        return as_str(ref.get("name"))
    return opt_str(ep.get("nodeName"))


def _pod_for(ep: Mapping[str, Any], related: Related) -> PodFacts | None:
    ref = ep.get("targetRef")
    if not isinstance(ref, Mapping) or ref.get("kind") != "Pod":
        return None
    return related_pod(related, as_str(ref.get("namespace")), as_str(ref.get("name")))


def build_endpointslice_group(
    eps: Obj, related: Related, *, attach_node: bool = False, attach_namespace: bool = False
) -> TargetGroup:
    namespace = namespace_of(eps)
    labels = {NAMESPACE_LABEL: namespace, P + "address_type": as_str(eps.get("addressType"))}
    add_object_meta(labels, eps, "endpointslice")
    service_name = service_name_of(eps)
    service = related.service(namespace, service_name) if service_name is not None else None
    if service is not None:
        labels.update(related.derive(SERVICES, namespace, service_name or "", service_group_labels) or {})
    if attach_namespace:
        labels.update(namespace_meta(related.namespace(namespace)))
    source = source_for(SOURCE_PREFIX, namespace, name_of(eps))
    if _is_secondary_family(service, eps):
        return TargetGroup(source=source, targets=(), labels=label_set(labels))

    # Each target is its address pair plus shared parts (port, endpoint, node, pod + container labels) whose names
    # never overlap, so one sort of their concatenation is the label set.
    targets: list[LabelSet] = []
    names: set[str] = {ADDRESS_LABEL}
    addressless = 0
    seen = SeenPods()
    ports = [as_map(p) for p in as_list(eps.get("ports"))]
    port_parts = [(opt_int(port.get("port")), _port_pairs(port)) for port in ports]
    for pairs in {pairs for _, pairs in port_parts}:
        names.update(map(_LABEL_NAME, pairs))
    for raw_ep in as_list(eps.get("endpoints")):
        ep = as_map(raw_ep)
        addresses = [as_str(address) for address in as_list(ep.get("addresses"))]
        if not addresses:
            continue
        shared = _endpoint_pairs(ep)
        if attach_node:
            node_name = _node_for(ep)
            if node_name is not None:
                node = related.derive(NODES, "", node_name, node_meta)
                if node is not None:
                    shared += tuple(node.items())
        names.update(map(_LABEL_NAME, shared))
        pod = _pod_for(ep, related)
        for number, pairs in port_parts:
            common = shared + pairs
            if pod is not None:
                seen.see(pod, number)
                common += pod.enriched(number, None)
            for address in addresses:
                hostport = address if number is None else join_host_port(address, number)
                addressless += not hostport
                targets.append(tuple(sorted(((ADDRESS_LABEL, hostport), *common))))
    targets.extend(seen.uncovered_targets())  # always with an address (pods without an IP have none)
    names |= seen.names()
    return TargetGroup(
        source=source,
        targets=tuple(targets),
        labels=label_set(labels),
        target_names=frozenset(names),
        addressless=addressless,
    )

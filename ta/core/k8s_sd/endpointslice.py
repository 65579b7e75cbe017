"""The ``endpointslice`` role (``discovery.k8s.io/v1`` EndpointSlices; what ServiceMonitors use).

In: an EndpointSlice object (plain dict) and a ``Related`` view (its Service via ``kubernetes.io/service-name``,
referenced Pods, Nodes, the Namespace). Out: the ``endpointslice/<ns>/<name>`` target group: one target per
endpoint x port x address (in that nesting order), not-ready/terminating endpoints kept with their condition labels,
pod enrichment, extra targets for uncovered pod container ports; no targets for the secondary-family slice of a
dual-stack Service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    opt_bool,
    opt_int,
    opt_str,
    sanitize_label_name,
    str_map,
)
from ta.core.k8s_sd.pod_enrichment import SeenPods
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import source_for
from ta.core.k8s_sd.service import service_group_labels
from ta.core.labels import LabelSet, label_set
from ta.core.model import TargetGroup

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
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


def _endpoint_labels(ep: Mapping[str, Any], port: Mapping[str, Any], address: str) -> dict[str, str]:
    number = opt_int(port.get("port"))
    target = {ADDRESS_LABEL: address if number is None else join_host_port(address, number)}
    # Every field is optional in the API; Prometheus emits a label only for fields that are set.
    optional: dict[str, str | None] = {
        "port_name": opt_str(port.get("name")),
        "port_protocol": opt_str(port.get("protocol")),
        "port": None if number is None else str(number),
        "port_app_protocol": opt_str(port.get("appProtocol")),
        "endpoint_hostname": opt_str(ep.get("hostname")),
        "endpoint_node_name": opt_str(ep.get("nodeName")),
        "endpoint_zone": opt_str(ep.get("zone")),
    }
    conditions = as_map(ep.get("conditions"))
    for cond in ("ready", "serving", "terminating"):
        flag = opt_bool(conditions.get(cond))
        optional[f"endpoint_conditions_{cond}"] = None if flag is None else go_bool(flag)
    for suffix, text in optional.items():
        if text is not None:
            target[P + suffix] = text
    ref = ep.get("targetRef")
    if isinstance(ref, Mapping):
        target[P + "address_target_kind"] = as_str(ref.get("kind"))
        target[P + "address_target_name"] = as_str(ref.get("name"))
    for key, value in sorted(str_map(ep.get("deprecatedTopology")).items()):
        name = sanitize_label_name(key)
        target[f"{P}endpoint_topology_{name}"] = value
        target[f"{P}endpoint_topology_present_{name}"] = PRESENT
    return target


def _node_for(ep: Mapping[str, Any]) -> str | None:
    # A Node targetRef takes precedence over nodeName here (the endpoints role does the opposite).
    ref = ep.get("targetRef")
    if isinstance(ref, Mapping) and ref.get("kind") == "Node":
        return as_str(ref.get("name"))
    return opt_str(ep.get("nodeName"))


def _pod_for(ep: Mapping[str, Any], related: Related) -> Obj | None:
    ref = ep.get("targetRef")
    if not isinstance(ref, Mapping) or ref.get("kind") != "Pod":
        return None
    return related.pod(as_str(ref.get("namespace")), as_str(ref.get("name")))


def build_endpointslice_group(
    eps: Obj, related: Related, *, attach_node: bool = False, attach_namespace: bool = False
) -> TargetGroup:
    namespace = namespace_of(eps)
    labels = {NAMESPACE_LABEL: namespace, P + "address_type": as_str(eps.get("addressType"))}
    add_object_meta(labels, eps, "endpointslice")
    service_name = service_name_of(eps)
    service = related.service(namespace, service_name) if service_name is not None else None
    if service is not None:
        labels.update(service_group_labels(service))
    if attach_namespace:
        labels.update(namespace_meta(related.namespace(namespace)))
    source = source_for("endpointslice", namespace, name_of(eps))
    if _is_secondary_family(service, eps):
        return TargetGroup(source=source, targets=(), labels=label_set(labels))

    targets: list[LabelSet] = []
    seen = SeenPods()
    ports = [as_map(p) for p in as_list(eps.get("ports"))]
    for raw_ep in as_list(eps.get("endpoints")):
        ep = as_map(raw_ep)
        for port in ports:
            for address in as_list(ep.get("addresses")):
                target = _endpoint_labels(ep, port, as_str(address))
                if attach_node:
                    node = _node_for(ep)
                    if node is not None:
                        target.update(node_meta(related.node(node)))
                pod = _pod_for(ep, related)
                if pod is not None:
                    seen.enrich(target, pod, opt_int(port.get("port")), None)
                targets.append(label_set(target))
    targets.extend(seen.uncovered_targets())
    return TargetGroup(source=source, targets=tuple(targets), labels=label_set(labels))

"""The ``node`` role.

In: a Node object (plain dict). Out: the ``node/<name>`` group with one ``<address>:<kubelet port>`` target, where
the address is the first of the first present type in the order InternalIP, InternalDNS, ExternalIP, ExternalDNS,
LegacyHostIP, Hostname; or None when the node has no usable address (Prometheus then sends no update at all).
"""

from __future__ import annotations

from ta.core.base.labels import label_set
from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.meta import (
    ADDRESS_LABEL,
    META,
    Obj,
    add_object_meta,
    as_list,
    as_map,
    as_str,
    go_lower,
    join_host_port,
    name_of,
    opt_int,
    sanitize_label_name,
)
from ta.core.k8s_sd.resources import source_for

# This role's group sources are ``node/<name>`` (Prometheus' names; ``roles.Role.prefix``).
SOURCE_PREFIX = "node"

ADDRESS_PRIORITY = ("InternalIP", "InternalDNS", "ExternalIP", "ExternalDNS", "LegacyHostIP", "Hostname")


def node_group_labels(node: Obj) -> dict[str, str]:
    status = as_map(node.get("status"))
    out = {META + "node_provider_id": as_str(as_map(node.get("spec")).get("providerID"))}
    for raw in as_list(status.get("conditions")):
        cond = as_map(raw)
        name = sanitize_label_name(go_lower(as_str(cond.get("type"))))
        out[f"{META}node_condition_{name}"] = go_lower(as_str(cond.get("status")))
    add_object_meta(out, node, "node")
    return out


def node_addresses(node: Obj) -> dict[str, list[str]]:
    """Addresses by type, in listed order (types of any name, including unknown ones)."""
    by_type: dict[str, list[str]] = {}
    for raw in as_list(as_map(node.get("status")).get("addresses")):
        entry = as_map(raw)
        by_type.setdefault(as_str(entry.get("type")), []).append(as_str(entry.get("address")))
    return by_type


def build_node_group(node: Obj) -> TargetGroup | None:
    by_type = node_addresses(node)
    host = next((by_type[t][0] for t in ADDRESS_PRIORITY if t in by_type), None)
    if host is None:
        return None
    kubelet = as_map(as_map(as_map(node.get("status")).get("daemonEndpoints")).get("kubeletEndpoint"))
    name = name_of(node)
    target = {ADDRESS_LABEL: join_host_port(host, opt_int(kubelet.get("Port")) or 0), "instance": name}
    for kind, addresses in sorted(by_type.items()):
        target[sanitize_label_name(f"{META}node_address_{kind}")] = addresses[0]
    return TargetGroup(
        source=source_for(SOURCE_PREFIX, "", name, namespaced=False),
        targets=(label_set(target),),
        labels=label_set(node_group_labels(node)),
    )

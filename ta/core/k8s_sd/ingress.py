"""The ``ingress`` role (``networking.k8s.io/v1`` Ingresses).

In: an Ingress object (plain dict) and a ``Related`` view (namespace only). Out: the ``ingress/<ns>/<name>`` group
with one target per rule x path: address and host = the rule host (possibly ""), scheme ``https`` when a TLS host
equals it or is a one-level ``*.`` wildcard matching it, path ``/`` for an empty path or a rule without ``http``.
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
    name_of,
    namespace_meta,
    namespace_of,
    opt_str,
)
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import source_for

# This role's group sources are ``ingress/<namespace>/<name>`` (Prometheus' names; ``roles.Role.prefix``).
SOURCE_PREFIX = "ingress"

ING = META + "ingress_"


def matches_hostname_pattern(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    pattern_parts = pattern.split(".")
    host_parts = host.split(".")
    if pattern_parts[0] != "*" or len(pattern_parts) != len(host_parts):
        return False
    return pattern_parts[1:] == host_parts[1:]


def _rule_paths(rule: Mapping[str, Any]) -> list[str]:
    http = rule.get("http")
    if not isinstance(http, Mapping):
        return ["/"]
    # An http block with no paths yields no targets, as in Prometheus.
    return [as_str(as_map(p).get("path")) or "/" for p in as_list(http.get("paths"))]


def build_ingress_group(ingress: Obj, related: Related, *, attach_namespace: bool = False) -> TargetGroup:
    namespace = namespace_of(ingress)
    spec = as_map(ingress.get("spec"))
    labels = {NAMESPACE_LABEL: namespace}
    class_name = opt_str(spec.get("ingressClassName"))
    if class_name is not None:
        labels[ING + "class_name"] = class_name
    add_object_meta(labels, ingress, "ingress")
    if attach_namespace:
        labels.update(namespace_meta(related.namespace(namespace)))
    tls_hosts = [as_str(h) for tls in as_list(spec.get("tls")) for h in as_list(as_map(tls).get("hosts"))]
    targets: list[LabelSet] = []
    for raw_rule in as_list(spec.get("rules")):
        rule = as_map(raw_rule)
        host = as_str(rule.get("host"))
        scheme = "https" if any(matches_hostname_pattern(p, host) for p in tls_hosts) else "http"
        for path in _rule_paths(rule):
            targets.append(
                label_set({ADDRESS_LABEL: host, ING + "scheme": scheme, ING + "host": host, ING + "path": path})
            )
    return TargetGroup(
        source=source_for(SOURCE_PREFIX, namespace, name_of(ingress)), targets=tuple(targets), labels=label_set(labels)
    )

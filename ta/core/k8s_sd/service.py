"""The ``service`` role, and the Service labels the endpoints/endpointslice roles attach to their groups.

In: a Service object (plain dict) and a ``Related`` view (namespace only). Out: the ``svc/<ns>/<name>`` group with
one ``<name>.<ns>.svc:<port>`` target per service port, labelled with port, type, cluster IP (not for
ExternalName), external name (ExternalName) and load-balancer IPs (LoadBalancer).
"""

from __future__ import annotations

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
    opt_int,
)
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import source_for

# This role's group sources are ``svc/<namespace>/<name>`` (Prometheus' names; ``roles.Role.prefix``).
SOURCE_PREFIX = "svc"

S = META + "service_"


def service_group_labels(service: Obj) -> dict[str, str]:
    """Prometheus ``serviceLabels``: namespace, ``service_name`` and the service's label/annotation families."""
    out = {NAMESPACE_LABEL: namespace_of(service)}
    add_object_meta(out, service, "service")
    return out


def load_balancer_ips(service: Obj) -> str:
    """``status.loadBalancer.ingress[].ip`` joined by ``,``, else the deprecated ``spec.loadBalancerIP``.

    This follows Prometheus main (commit 6cb1189); released versions before it used only ``spec.loadBalancerIP``.
    """
    ingress = as_list(as_map(as_map(service.get("status")).get("loadBalancer")).get("ingress"))
    ips = [ip for ip in (as_str(as_map(i).get("ip")) for i in ingress) if ip]
    if ips:
        return ",".join(ips)
    return as_str(as_map(service.get("spec")).get("loadBalancerIP"))


def build_service_group(service: Obj, related: Related, *, attach_namespace: bool = False) -> TargetGroup:
    namespace = namespace_of(service)
    name = name_of(service)
    labels = service_group_labels(service)
    if attach_namespace:
        labels.update(namespace_meta(related.namespace(namespace)))
    spec = as_map(service.get("spec"))
    kind = as_str(spec.get("type"))
    targets: list[LabelSet] = []
    for raw in as_list(spec.get("ports")):
        port = as_map(raw)
        number = str(opt_int(port.get("port")) or 0)
        target = {
            ADDRESS_LABEL: join_host_port(f"{name}.{namespace}.svc", number),
            S + "port_name": as_str(port.get("name")),
            S + "port_number": number,
            S + "port_protocol": as_str(port.get("protocol")),
            S + "type": kind,
        }
        if kind == "ExternalName":
            target[S + "external_name"] = as_str(spec.get("externalName"))
        else:
            target[S + "cluster_ip"] = as_str(spec.get("clusterIP"))
        if kind == "LoadBalancer":
            target[S + "loadbalancer_ip"] = load_balancer_ips(service)
        targets.append(label_set(target))
    return TargetGroup(
        source=source_for(SOURCE_PREFIX, namespace, name), targets=tuple(targets), labels=label_set(labels)
    )

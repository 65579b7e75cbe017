"""Test helpers: build Kubernetes objects as the API server serves them in JSON (camelCase plain dicts)."""

from __future__ import annotations

from typing import Any

from ta.core.base.labels import LabelSet, merge
from ta.core.base.model import TargetGroup

Obj = dict[str, Any]


def meta(name: str, namespace: str | None = "default", **extra: Any) -> Obj:
    out: Obj = {"name": name}
    if namespace is not None:
        out["namespace"] = namespace
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def pod(
    name: str = "testpod",
    namespace: str = "default",
    *,
    ip: str = "1.2.3.4",
    node: str | None = "testnode",
    containers: list[Obj] | None = None,
    init_containers: list[Obj] | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    phase: str | None = None,
    ready: str | None = None,
    uid: str = "deadbeef",
    host_ip: str = "2.3.4.5",
    owner: tuple[str, str] | None = None,
    statuses: list[Obj] | None = None,
) -> Obj:
    md = meta(name, namespace, uid=uid, labels=labels, annotations=annotations)
    if owner is not None:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner[0], "name": owner[1], "controller": True}]
    spec: Obj = {"containers": containers if containers is not None else [container("c1", [cport("mainport", 9000)])]}
    if init_containers is not None:
        spec["initContainers"] = init_containers
    if node is not None:
        spec["nodeName"] = node
    status: Obj = {}
    if ip:
        status["podIP"] = ip
    if host_ip:
        status["hostIP"] = host_ip
    if phase is not None:
        status["phase"] = phase
    if ready is not None:
        status["conditions"] = [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": ready}]
    if statuses is not None:
        status["containerStatuses"] = statuses
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": status}


def container(name: str, ports: list[Obj] | None = None, image: str | None = None) -> Obj:
    out: Obj = {"name": name, "image": image or f"{name}:latest"}
    if ports:
        out["ports"] = ports
    return out


def cport(name: str, number: int, protocol: str = "TCP") -> Obj:
    out: Obj = {"containerPort": number, "protocol": protocol}
    if name:
        out["name"] = name
    return out


def service(
    name: str = "testendpoints",
    namespace: str = "default",
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    ports: list[Obj] | None = None,
    type_: str = "ClusterIP",
    cluster_ip: str = "10.0.0.1",
    extra_spec: Obj | None = None,
    status: Obj | None = None,
) -> Obj:
    spec: Obj = {
        "type": type_,
        "ports": ports if ports is not None else [{"name": "testport", "port": 30900, "protocol": "TCP"}],
    }
    if type_ != "ExternalName":
        spec["clusterIP"] = cluster_ip
    spec.update(extra_spec or {})
    out: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name, namespace, labels=labels, annotations=annotations),
        "spec": spec,
    }
    if status is not None:
        out["status"] = status
    return out


def endpointslice(
    name: str = "testendpoints",
    namespace: str = "default",
    *,
    service_name: str | None = "testendpoints",
    address_type: str = "IPv4",
    ports: list[Obj] | None = None,
    endpoints: list[Obj] | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    all_labels = dict(labels or {})
    if service_name is not None:
        all_labels["kubernetes.io/service-name"] = service_name
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": meta(name, namespace, labels=all_labels or None, annotations=annotations),
        "addressType": address_type,
        "ports": ports if ports is not None else [{"name": "testport", "port": 9000, "protocol": "TCP"}],
        "endpoints": endpoints if endpoints is not None else [],
    }


def pod_ref(name: str = "testpod", namespace: str = "default") -> Obj:
    return {"kind": "Pod", "name": name, "namespace": namespace, "uid": "deadbeef"}


def node(
    name: str = "testnode",
    *,
    addresses: list[tuple[str, str]] | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    kubelet_port: int | None = 10250,
    conditions: list[tuple[str, str]] | None = None,
    provider_id: str | None = None,
) -> Obj:
    status: Obj = {"addresses": [{"type": t, "address": a} for t, a in (addresses or [("InternalIP", "1.2.3.4")])]}
    if kubelet_port is not None:
        status["daemonEndpoints"] = {"kubeletEndpoint": {"Port": kubelet_port}}
    if conditions is not None:
        status["conditions"] = [{"type": t, "status": s} for t, s in conditions]
    spec: Obj = {}
    if provider_id is not None:
        spec["providerID"] = provider_id
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, None, labels=labels, annotations=annotations),
        "spec": spec,
        "status": status,
    }


def namespace(name: str, labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": meta(name, None, labels=labels, annotations=annotations),
    }


def endpoints(
    name: str = "testendpoints",
    namespace: str = "default",
    *,
    subsets: list[Obj] | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": meta(name, namespace, labels=labels, annotations=annotations),
        "subsets": subsets if subsets is not None else [],
    }


def ingress(
    name: str = "testingress",
    namespace: str = "default",
    *,
    spec: Obj | None = None,
    labels: dict[str, str] | None = None,
) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta(name, namespace, labels=labels),
        "spec": spec or {},
    }


def as_dicts(group: TargetGroup) -> list[dict[str, str]]:
    return [dict(t) for t in group.targets]


def flat(group: TargetGroup, target: LabelSet) -> dict[str, str]:
    """Group labels under target labels, as a scrape target sees them."""
    return dict(merge(group.labels, target))

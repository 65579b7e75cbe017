"""Realistic Kubernetes objects for end-to-end tests against the fake API server."""

from __future__ import annotations

from typing import Any


def namespace(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": {"team": "a"}}}


def app_pod(name: str, ns: str, ip: str, node: str = "node-a", app: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app}, "uid": f"uid-{name}"},
        "spec": {
            "nodeName": node,
            "containers": [{"name": "main", "image": "web:1", "ports": [{"name": "http", "containerPort": 8080}]}],
        },
        "status": {
            "phase": "Running",
            "podIP": ip,
            "hostIP": "172.16.0.1",
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def service(name: str, ns: str, app: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
        "spec": {"clusterIP": "10.96.0.10", "ports": [{"name": "http", "port": 8080}], "selector": {"app": app}},
    }


def endpointslice(name: str, ns: str, svc: str, pods: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name, "namespace": ns, "labels": {"kubernetes.io/service-name": svc}},
        "addressType": "IPv4",
        "endpoints": [
            {
                "addresses": [ip],
                "conditions": {"ready": True, "serving": True, "terminating": False},
                "nodeName": "node-a",
                "targetRef": {"kind": "Pod", "name": pod, "namespace": ns},
            }
            for pod, ip in pods
        ],
        "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    }


def endpointslice_job(ns: str) -> dict[str, Any]:
    return {
        "job_name": f"serviceMonitor/{ns}/web/0",
        "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": [ns]}}],
        "relabel_configs": [
            {"action": "keep", "source_labels": ["__meta_kubernetes_service_label_app"], "regex": "web"},
            {"action": "keep", "source_labels": ["__meta_kubernetes_endpointslice_port_name"], "regex": "http"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        ],
    }

"""Names of the Kubernetes resources the TA understands.

In: an object's ``apiVersion`` and ``kind``. Out: the resource name used in events and watches,
``<group/version>/<plural>`` (``v1/pods``), or None for a resource the TA does not read.
"""

from __future__ import annotations

_KNOWN: dict[tuple[str, str], str] = {
    ("v1", "Pod"): "v1/pods",
    ("v1", "Service"): "v1/services",
    ("v1", "Endpoints"): "v1/endpoints",
    ("v1", "Node"): "v1/nodes",
    ("v1", "Namespace"): "v1/namespaces",
    ("v1", "Secret"): "v1/secrets",
    ("v1", "ConfigMap"): "v1/configmaps",
    ("discovery.k8s.io/v1", "EndpointSlice"): "discovery.k8s.io/v1/endpointslices",
    ("networking.k8s.io/v1", "Ingress"): "networking.k8s.io/v1/ingresses",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com/v1/servicemonitors",
    ("monitoring.coreos.com/v1", "PodMonitor"): "monitoring.coreos.com/v1/podmonitors",
    ("monitoring.coreos.com/v1", "Probe"): "monitoring.coreos.com/v1/probes",
    ("monitoring.coreos.com/v1alpha1", "ScrapeConfig"): "monitoring.coreos.com/v1alpha1/scrapeconfigs",
}

PODS = "v1/pods"
NAMESPACES = "v1/namespaces"
SECRETS = "v1/secrets"
CONFIGMAPS = "v1/configmaps"


def resource_of(api_version: str, kind: str) -> str | None:
    return _KNOWN.get((api_version, kind))


def known_resources() -> tuple[str, ...]:
    return tuple(sorted(set(_KNOWN.values())))

"""Names of the Kubernetes resources the TA understands.

In: an object's ``apiVersion`` and ``kind``. Out: the resource name used in events and watches,
``<group/version>/<plural>`` (``v1/pods``), or None for a resource the TA does not read. The constants here
are the only spelling of each name; every other module imports them.
"""

from __future__ import annotations

PODS = "v1/pods"
SERVICES = "v1/services"
ENDPOINTS = "v1/endpoints"
NODES = "v1/nodes"
NAMESPACES = "v1/namespaces"
SECRETS = "v1/secrets"
CONFIGMAPS = "v1/configmaps"
ENDPOINTSLICES = "discovery.k8s.io/v1/endpointslices"
INGRESSES = "networking.k8s.io/v1/ingresses"
SERVICE_MONITORS = "monitoring.coreos.com/v1/servicemonitors"
POD_MONITORS = "monitoring.coreos.com/v1/podmonitors"
PROBES = "monitoring.coreos.com/v1/probes"
SCRAPE_CONFIGS = "monitoring.coreos.com/v1alpha1/scrapeconfigs"

_KNOWN: dict[tuple[str, str], str] = {
    ("v1", "Pod"): PODS,
    ("v1", "Service"): SERVICES,
    ("v1", "Endpoints"): ENDPOINTS,
    ("v1", "Node"): NODES,
    ("v1", "Namespace"): NAMESPACES,
    ("v1", "Secret"): SECRETS,
    ("v1", "ConfigMap"): CONFIGMAPS,
    ("discovery.k8s.io/v1", "EndpointSlice"): ENDPOINTSLICES,
    ("networking.k8s.io/v1", "Ingress"): INGRESSES,
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITORS,
    ("monitoring.coreos.com/v1", "PodMonitor"): POD_MONITORS,
    ("monitoring.coreos.com/v1", "Probe"): PROBES,
    ("monitoring.coreos.com/v1alpha1", "ScrapeConfig"): SCRAPE_CONFIGS,
}


def resource_of(api_version: str, kind: str) -> str | None:
    return _KNOWN.get((api_version, kind))


def known_resources() -> tuple[str, ...]:
    return tuple(sorted(set(_KNOWN.values())))

"""Names of the Kubernetes resources the SD reads, and the group-source strings Prometheus uses.

In: resource/namespace/name coordinates. Out: canonical resource identifiers (``group/version/plural``) shared by
the config, the store and the role builders, and the ``<kind>/<ns>/<name>`` source strings.
"""

from __future__ import annotations

from ta.core.objects.resources import ENDPOINTS, ENDPOINTSLICES, INGRESSES, NAMESPACES, NODES, PODS, SERVICES

__all__ = ["ENDPOINTS", "ENDPOINTSLICES", "INGRESSES", "NAMESPACES", "NODES", "PODS", "SERVICES"]

# The source prefix Prometheus gives each role's groups (the rest of a role is in ``roles.ROLES``).
SOURCE_PREFIX = {
    "pod": "pod",
    "service": "svc",
    "endpoints": "endpoints",
    "endpointslice": "endpointslice",
    "node": "node",
    "ingress": "ingress",
}


def source_for(role: str, namespace: str, name: str) -> str:
    if role == "node":
        return f"node/{name}"
    return f"{SOURCE_PREFIX[role]}/{namespace}/{name}"


def parse_source(role: str, source: str) -> tuple[str, str] | None:
    """``(namespace, name)`` of a source string of ``role``, or None if it is not one."""
    prefix = SOURCE_PREFIX[role] + "/"
    if not source.startswith(prefix):
        return None
    rest = source[len(prefix) :]
    if role == "node":
        return ("", rest)
    namespace, sep, name = rest.partition("/")
    if not sep:
        return None
    return (namespace, name)

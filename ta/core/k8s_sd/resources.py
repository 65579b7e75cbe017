"""Names of the Kubernetes resources the SD reads, and the group-source strings Prometheus uses.

In: resource/namespace/name coordinates. Out: canonical resource identifiers (``group/version/plural``) shared by
the config, the store and the role builders, and the ``<prefix>/<ns>/<name>`` source strings (each role's prefix
is its builder module's ``SOURCE_PREFIX``).
"""

from __future__ import annotations

from ta.core.objects.resources import ENDPOINTS, ENDPOINTSLICES, INGRESSES, NAMESPACES, NODES, PODS, SERVICES

__all__ = ["ENDPOINTS", "ENDPOINTSLICES", "INGRESSES", "NAMESPACES", "NODES", "PODS", "SERVICES"]


def source_for(prefix: str, namespace: str, name: str, *, namespaced: bool = True) -> str:
    """A group's source string, ``<prefix>/<namespace>/<name>`` (``<prefix>/<name>`` for a cluster-scoped
    object); ``prefix`` is the role's ``SOURCE_PREFIX``, which its builder module owns (``roles.Role.prefix``)."""
    if not namespaced:
        return f"{prefix}/{name}"
    return f"{prefix}/{namespace}/{name}"


def parse_source(prefix: str, source: str, *, namespaced: bool = True) -> tuple[str, str] | None:
    """``(namespace, name)`` of a source string made by ``source_for`` with these arguments, or None."""
    prefix += "/"
    if not source.startswith(prefix):
        return None
    rest = source[len(prefix) :]
    if not namespaced:
        return ("", rest)
    namespace, sep, name = rest.partition("/")
    if not sep:
        return None
    return (namespace, name)

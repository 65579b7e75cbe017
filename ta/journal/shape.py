"""Is a Kubernetes object shaped as the API server would serve it, in the fields the TA reads?

In: a resource name (``v1/pods``) and an object decoded from a hand-made or edited file (a ``kubectl get``
capture). Out: ``None``, or one line naming the first field whose JSON type is wrong (``status.conditions
is 7, not a list``).

An API server never serves ``status.conditions: 7``; a Go client decoding such a Pod fails on the whole
object. The domain code reads defensively and would quietly treat the field as absent, so the object would
count with a meaning it never had (a Pod without conditions is not Ready, a collector is dropped). A capture
object that fails this check is skipped and reported instead. Only the fields some part of the TA reads are
checked; anything else may hold anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ta.core.config.errors import describe
from ta.core.objects.resources import ENDPOINTS, ENDPOINTSLICES, INGRESSES, NAMESPACES, NODES, PODS, SERVICES

# Expected JSON type per dotted path; "[]" steps into every element of a list.
MAP, LIST, STR = "a mapping", "a list", "a string"
Schema = tuple[tuple[str, str], ...]

_META: Schema = (
    ("metadata", MAP),
    ("metadata.labels", MAP),
    ("metadata.annotations", MAP),
    ("metadata.ownerReferences", LIST),
    ("metadata.ownerReferences.[]", MAP),
)
_CONTAINERS: Schema = tuple(
    (f"spec.{kind}{suffix}", want)
    for kind in ("containers", "initContainers", "ephemeralContainers")
    for suffix, want in (("", LIST), (".[]", MAP), (".[].ports", LIST), (".[].ports.[]", MAP))
)
_PORTS: Schema = (("spec.ports", LIST), ("spec.ports.[]", MAP))

SCHEMAS: dict[str, Schema] = {
    PODS: (
        *_META,
        ("spec", MAP),
        *_CONTAINERS,
        ("spec.nodeName", STR),
        ("status", MAP),
        ("status.conditions", LIST),
        ("status.conditions.[]", MAP),
        ("status.containerStatuses", LIST),
        ("status.containerStatuses.[]", MAP),
        ("status.initContainerStatuses", LIST),
        ("status.initContainerStatuses.[]", MAP),
        ("status.podIP", STR),
        ("status.phase", STR),
    ),
    SERVICES: (*_META, ("spec", MAP), *_PORTS, ("spec.selector", MAP)),
    ENDPOINTS: (
        *_META,
        ("subsets", LIST),
        ("subsets.[]", MAP),
        *(
            (f"subsets.[].{key}{suffix}", want)
            for key in ("addresses", "notReadyAddresses", "ports")
            for suffix, want in (("", LIST), (".[]", MAP))
        ),
    ),
    ENDPOINTSLICES: (
        *_META,
        ("endpoints", LIST),
        ("endpoints.[]", MAP),
        ("endpoints.[].addresses", LIST),
        ("endpoints.[].conditions", MAP),
        ("endpoints.[].targetRef", MAP),
        ("ports", LIST),
        ("ports.[]", MAP),
    ),
    NODES: (*_META, ("status", MAP), ("status.addresses", LIST), ("status.addresses.[]", MAP)),
    NAMESPACES: _META,
    INGRESSES: (*_META, ("spec", MAP), ("spec.rules", LIST), ("spec.rules.[]", MAP)),
}

_TYPES: dict[str, type | tuple[type, ...]] = {MAP: Mapping, LIST: list, STR: str}


def _values(obj: object, steps: Sequence[str]) -> list[tuple[str, Any]]:
    """Every (path, value) the dotted ``steps`` reach in ``obj``; absent or null fields reach nothing."""
    found: list[tuple[str, Any]] = [("", obj)]
    for step in steps:
        nxt: list[tuple[str, Any]] = []
        for path, value in found:
            if step == "[]":
                if isinstance(value, list):
                    nxt += [(f"{path}[{i}]", item) for i, item in enumerate(value) if item is not None]
            elif isinstance(value, Mapping) and value.get(step) is not None:
                nxt.append((f"{path}.{step}" if path else step, value[step]))
        found = nxt
    return found


def shape_problem(resource: str, obj: Mapping[str, Any]) -> str | None:
    for dotted, want in SCHEMAS.get(resource, _META):
        for path, value in _values(obj, dotted.split(".")):
            if not isinstance(value, _TYPES[want]):
                return f"{path} is {describe(value)}, not {want}"
    return None

"""Which CR objects the TA's ``prometheus_cr`` settings select.

In: the kind, candidate objects (plain API dicts), the ``Settings`` and the labels of every existing namespace.
Out: the selected objects, deduplicated by ``<namespace>/<name>`` and sorted by that key (the order the operator
emits their jobs in). Validation of the selected objects is separate (``ta.core.promop.generate.build``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ta.core.promop.model import Kind, Obj, Settings
from ta.core.promop.objects import labels_of, name_of, namespace_of


def namespace_watched(namespace: str, settings: Settings) -> bool:
    """The allow/deny lists restrict which namespaces the TA watches at all."""
    if settings.allow_namespaces and namespace not in settings.allow_namespaces:
        return False
    return namespace not in settings.deny_namespaces


def selected_namespaces(
    kind: Kind, settings: Settings, namespace_labels: Mapping[str, Mapping[str, str]]
) -> tuple[str, ...]:
    """Existing, watched namespaces whose labels match the kind's namespace selector, sorted."""
    selector = settings.selectors(kind).namespaces
    chosen: list[str] = []
    for namespace in sorted(namespace_labels):
        if not namespace_watched(namespace, settings):
            continue
        if selector is None:
            # An unset namespace selector means the Prometheus object's own namespace only.
            if namespace == settings.namespace:
                chosen.append(namespace)
        elif selector(namespace_labels[namespace]):
            chosen.append(namespace)
    return tuple(chosen)


def select(
    kind: Kind,
    objects: Iterable[Obj],
    settings: Settings,
    namespace_labels: Mapping[str, Mapping[str, str]],
) -> tuple[Obj, ...]:
    object_selector = settings.selectors(kind).objects
    if object_selector is None:
        return ()
    namespaces = set(selected_namespaces(kind, settings, namespace_labels))
    chosen: dict[tuple[str, str], Obj] = {}
    for obj in objects:
        namespace = namespace_of(obj)
        if namespace in namespaces and object_selector(labels_of(obj)):
            chosen[(namespace, name_of(obj))] = obj
    return tuple(chosen[key] for key in sorted(chosen, key=lambda key: f"{key[0]}/{key[1]}"))

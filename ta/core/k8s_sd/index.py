"""``KubeSD``: one ``kubernetes_sd_configs`` entry evaluated over a shared ``KubeObjects`` store.

In: a parsed ``KubeSDConfig``, the store, the TA's own namespace (for ``own_namespace``) and, incrementally, object
changes ``(resource, namespace, name, before, after)`` that have already been applied to the store.
Out: ``groups()`` (every current source -> ``TargetGroup``), ``affected_sources`` (the sources a change can alter)
and ``group(source)`` to recompute one. A source whose object is gone or no longer visible yields an empty group
(as Prometheus sends on delete); ``group`` returns None only for a node without addresses, for which Prometheus
sends no update at all (the caller keeps what it had).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TypeVar

from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.config import KubeSDConfig, matches_selectors, watched_namespaces
from ta.core.k8s_sd.meta import Obj, name_of, namespace_of
from ta.core.k8s_sd.resources import (
    ENDPOINTS,
    ENDPOINTSLICES,
    NAMESPACES,
    NODES,
    PODS,
    SERVICES,
)
from ta.core.k8s_sd.roles import ROLES
from ta.core.k8s_sd.store import Change, KubeObjects

__all__ = ["Change", "KubeObjects", "KubeSD"]

T = TypeVar("T")


class _View:
    """The related objects one primary object's discoverer can see.

    Prometheus runs one set of informers per watched namespace, so with explicit namespaces a Pod or Service is only
    visible from primaries in its own namespace; nodes and namespaces are cluster-wide.
    """

    def __init__(self, sd: KubeSD, origin_namespace: str) -> None:
        self._sd = sd
        self._origin = origin_namespace

    def _reachable(self, resource: str, namespace: str) -> bool:
        return resource in (NODES, NAMESPACES) or self._sd.all_namespaces or namespace == self._origin

    def _namespaced(self, resource: str, namespace: str, name: str) -> Obj | None:
        if not self._reachable(resource, namespace):
            return None
        return self._sd.visible_object(resource, namespace, name)

    def service(self, namespace: str, name: str) -> Obj | None:
        return self._namespaced(SERVICES, namespace, name)

    def pod(self, namespace: str, name: str) -> Obj | None:
        return self._namespaced(PODS, namespace, name)

    def node(self, name: str) -> Obj | None:
        return self._sd.visible_object(NODES, "", name)

    def namespace(self, name: str) -> Obj | None:
        return self._sd.visible_object(NAMESPACES, "", name)

    def derive(self, resource: str, namespace: str, name: str, compute: Callable[[Obj], T]) -> T | None:
        if not self._reachable(resource, namespace) or not self._sd.visible(resource, namespace, name):
            return None
        return self._sd.objects.derive(resource, namespace, name, compute)


class KubeSD:
    def __init__(self, cfg: KubeSDConfig, objects: KubeObjects, own_namespace: str = "") -> None:
        self.cfg = cfg
        self.objects = objects
        self.role = ROLES[cfg.role]
        self.primary = self.role.primary
        namespaces = watched_namespaces(cfg, own_namespace)
        self.all_namespaces = namespaces == ("",)
        self._namespaces = frozenset(namespaces)
        # Per resource with a selector: a stable function, so the store remembers each object's verdict.
        self._matchers: dict[str, Callable[[Obj], bool]] = {}

    def namespace_watched(self, namespace: str) -> bool:
        return self.all_namespaces or namespace in self._namespaces

    def is_visible(self, resource: str, obj: Obj | None) -> bool:
        """Whether the discoverer would hold ``obj``: in a watched namespace and passing the resource's selector."""
        if obj is None:
            return False
        if resource not in (NODES, NAMESPACES) and not self.namespace_watched(namespace_of(obj)):
            return False
        return matches_selectors(self.cfg, resource, obj)

    def visible(self, resource: str, namespace: str, name: str) -> bool:
        """``is_visible`` of a stored object, without decoding it unless a selector must be evaluated."""
        if resource not in (NODES, NAMESPACES) and not self.namespace_watched(namespace):
            return False
        if not self.objects.contains(resource, namespace, name):
            return False
        if resource == NAMESPACES or self.cfg.selector_for(resource) is None:
            return True
        matcher = self._matchers.get(resource)
        if matcher is None:
            matcher = self._matchers[resource] = functools.partial(matches_selectors, self.cfg, resource)
        return bool(self.objects.derive(resource, namespace, name, matcher))

    def visible_object(self, resource: str, namespace: str, name: str) -> Obj | None:
        obj = self.objects.get(resource, namespace, name)
        return obj if self.is_visible(resource, obj) else None

    def _build(self, obj: Obj) -> TargetGroup | None:
        cfg = self.cfg
        return self.role.build(obj, _View(self, namespace_of(obj)), cfg.attach_node, cfg.attach_namespace)

    def group(self, source: str) -> TargetGroup | None:
        """The current group for ``source``: empty when its object is absent or invisible; None = send nothing."""
        coordinates = self.role.parse_source(source)
        if coordinates is None:
            return TargetGroup(source=source, targets=())
        obj = self.visible_object(self.primary, *coordinates)
        if obj is None:
            return TargetGroup(source=source, targets=())
        return self._build(obj)

    def groups(self) -> dict[str, TargetGroup]:
        """Every visible primary object's group, keyed by source (in sorted namespace/name order)."""
        return {group.source: group for group in self.iter_groups()}

    def iter_groups(self) -> Iterator[TargetGroup]:
        """``groups`` one at a time, in the same order (objects are decoded and built as the caller goes)."""
        for obj in self.objects.iter_all(self.primary):
            if not self.is_visible(self.primary, obj):
                continue
            group = self._build(obj)
            if group is not None:
                yield group

    def _source(self, namespace: str, name: str) -> str:
        return self.role.source(namespace, name)

    def _visible_sources(self, refs: tuple[tuple[str, str, str], ...]) -> set[str]:
        return {
            self._source(ns, name)
            for resource, ns, name in refs
            if resource == self.primary and self.visible_object(resource, ns, name) is not None
        }

    def affected_sources(
        self, resource: str, namespace: str, name: str, obj_before: Obj | None, obj_after: Obj | None
    ) -> set[str]:
        """Sources whose groups may differ after this change (call after applying it to the store)."""
        cfg = self.cfg
        if resource == self.primary:
            if self.is_visible(resource, obj_before) or self.is_visible(resource, obj_after):
                return {self._source(namespace, name)}
            return set()
        if resource == NAMESPACES:
            if not cfg.attach_namespace or not self.role.attaches_namespace or not self.namespace_watched(name):
                return set()
            return {
                self._source(name, name_of(obj))
                for obj in self.objects.in_namespace(self.primary, name)
                if self.is_visible(self.primary, obj)
            }
        if resource == NODES:
            if not cfg.attach_node or not self.role.attaches_node:
                return set()
            return self._visible_sources(self.objects.referencing_node(name))
        if resource not in self.role.also_reads or not self.namespace_watched(namespace):
            return set()
        if resource == PODS:
            return self._visible_sources(self.objects.referencing_pod(namespace, name))
        if resource == SERVICES:
            refs: tuple[tuple[str, str, str], ...]
            if self.primary == ENDPOINTS:
                refs = ((ENDPOINTS, namespace, name),)
            else:
                refs = tuple((ENDPOINTSLICES, namespace, s) for s in self.objects.slices_of_service(namespace, name))
            return self._visible_sources(refs)
        return set()

    def changes(self, changes: tuple[Change, ...]) -> set[str]:
        """``affected_sources`` over many changes (e.g. the result of ``KubeObjects.replace``)."""
        out: set[str] = set()
        for c in changes:
            out |= self.affected_sources(c.resource, c.namespace, c.name, c.before, c.after)
        return out

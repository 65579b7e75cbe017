"""Every kubernetes_sd role in one table: the seam a new role plugs into.

In: a role name (``pod``, ``service``, ``endpoints``, ``endpointslice``, ``node``, ``ingress``). Out: its ``Role``:
the resource whose objects become target groups, the other resources it reads, the selector roles it allows,
which ``attach_metadata`` options apply to it, and its group builder. Validation (``ta.core.promcfg.sd``,
``ta.core.promop``), watch planning (``config.required_resources``), evaluation (``index.KubeSD``) and discovery
(``ta.core.discovery.kube``) read this table rather than naming roles. Adding a role: a builder module (with its
``SOURCE_PREFIX``) and an entry here; if it reads a resource the TA does not watch yet, also that resource in
``ta.core.objects.resources`` and ``ta.journal.shape``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ta.core.base.model import TargetGroup
from ta.core.k8s_sd import endpoints, endpointslice, ingress, pod, service
from ta.core.k8s_sd import node as node_role  # ``node`` is the builders' attach_metadata.node flag below
from ta.core.k8s_sd.meta import Obj
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import (
    ENDPOINTS,
    ENDPOINTSLICES,
    INGRESSES,
    NODES,
    PODS,
    SERVICES,
    parse_source,
    source_for,
)

# (primary object, view of the other objects, attach_metadata.node, attach_metadata.namespace) -> its group.
Build = Callable[[Obj, Related, bool, bool], TargetGroup | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    primary: str  # the resource whose objects become target groups (and that this role's selector filters)
    prefix: str  # its groups' source prefix (the builder module's ``SOURCE_PREFIX``, which the builder uses)
    also_reads: tuple[str, ...] = ()  # namespaced resources read for labels of the primary's targets
    selectors: tuple[str, ...]  # the selector roles allowed, in the order Prometheus' message lists them
    attaches_node: bool = False  # attach_metadata.node applies (the role's targets may name a node)
    attaches_namespace: bool = True  # attach_metadata.namespace applies (the primary is namespaced)
    build: Build

    @property
    def reads_pod_facts(self) -> bool:
        """Whether it reads the pods its endpoints reference (discovery then derives pod facts eagerly)."""
        return PODS in self.also_reads

    def source(self, namespace: str, name: str) -> str:
        """The source of the group built from the primary object ``namespace``/``name``."""
        return source_for(self.prefix, namespace, name, namespaced=self.attaches_namespace)

    def parse_source(self, source: str) -> tuple[str, str] | None:
        """``(namespace, name)`` of the primary object behind one of this role's sources, or None."""
        return parse_source(self.prefix, source, namespaced=self.attaches_namespace)


ROLES: Mapping[str, Role] = {
    "pod": Role(
        primary=PODS,
        prefix=pod.SOURCE_PREFIX,
        selectors=("pod", "node"),
        attaches_node=True,
        build=lambda obj, view, node, ns: pod.build_pod_group(obj, view, attach_node=node, attach_namespace=ns),
    ),
    "service": Role(
        primary=SERVICES,
        prefix=service.SOURCE_PREFIX,
        selectors=("service",),
        build=lambda obj, view, node, ns: service.build_service_group(obj, view, attach_namespace=ns),
    ),
    "endpoints": Role(
        primary=ENDPOINTS,
        prefix=endpoints.SOURCE_PREFIX,
        also_reads=(SERVICES, PODS),
        selectors=("pod", "service", "endpoints"),
        attaches_node=True,
        build=lambda obj, view, node, ns: endpoints.build_endpoints_group(
            obj, view, attach_node=node, attach_namespace=ns
        ),
    ),
    "endpointslice": Role(
        primary=ENDPOINTSLICES,
        prefix=endpointslice.SOURCE_PREFIX,
        also_reads=(SERVICES, PODS),
        selectors=("pod", "service", "endpointslice"),
        attaches_node=True,
        build=lambda obj, view, node, ns: endpointslice.build_endpointslice_group(
            obj, view, attach_node=node, attach_namespace=ns
        ),
    ),
    "node": Role(
        primary=NODES,
        prefix=node_role.SOURCE_PREFIX,
        selectors=("node",),
        attaches_namespace=False,
        build=lambda obj, view, node, ns: node_role.build_node_group(obj),
    ),
    "ingress": Role(
        primary=INGRESSES,
        prefix=ingress.SOURCE_PREFIX,
        selectors=("ingress",),
        build=lambda obj, view, node, ns: ingress.build_ingress_group(obj, view, attach_namespace=ns),
    ),
}
# Prometheus' order, as its "role missing (one of: ...)" message lists them.
ROLE_NAMES = tuple(ROLES)

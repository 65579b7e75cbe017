"""Every kubernetes_sd role in one table: the seam a new role plugs into.

In: a role name (``pod``, ``service``, ``endpoints``, ``endpointslice``, ``node``, ``ingress``). Out: its ``Role``:
the resource whose objects become target groups, the other resources it reads, the selector roles it allows,
which ``attach_metadata`` options apply to it, and its group builder. Validation (``ta.core.promcfg.sd``,
``ta.core.promop``), watch planning (``config.required_resources``), evaluation (``index.KubeSD``) and discovery
(``ta.core.discovery.kube``) read this table rather than naming roles. Adding a role: a builder module, an entry
here, its source prefix in ``resources.SOURCE_PREFIX`` (builders import it, so it cannot live here), and, if it
reads a resource the TA does not watch yet, that resource in ``ta.core.objects.resources`` and ``ta.journal.shape``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.endpoints import build_endpoints_group
from ta.core.k8s_sd.endpointslice import build_endpointslice_group
from ta.core.k8s_sd.ingress import build_ingress_group
from ta.core.k8s_sd.meta import Obj
from ta.core.k8s_sd.node import build_node_group
from ta.core.k8s_sd.pod import build_pod_group
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import ENDPOINTS, ENDPOINTSLICES, INGRESSES, NODES, PODS, SERVICES
from ta.core.k8s_sd.service import build_service_group

# (primary object, view of the other objects, attach_metadata.node, attach_metadata.namespace) -> its group.
Build = Callable[[Obj, Related, bool, bool], TargetGroup | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    primary: str  # the resource whose objects become target groups (and that this role's selector filters)
    also_reads: tuple[str, ...] = ()  # namespaced resources read for labels of the primary's targets
    selectors: tuple[str, ...]  # the selector roles allowed, in the order Prometheus' message lists them
    attaches_node: bool = False  # attach_metadata.node applies (the role's targets may name a node)
    attaches_namespace: bool = True  # attach_metadata.namespace applies (the primary is namespaced)
    build: Build

    @property
    def reads_pod_facts(self) -> bool:
        """Whether it reads the pods its endpoints reference (discovery then derives pod facts eagerly)."""
        return PODS in self.also_reads


ROLES: Mapping[str, Role] = {
    "pod": Role(
        primary=PODS,
        selectors=("pod", "node"),
        attaches_node=True,
        build=lambda obj, view, node, ns: build_pod_group(obj, view, attach_node=node, attach_namespace=ns),
    ),
    "service": Role(
        primary=SERVICES,
        selectors=("service",),
        build=lambda obj, view, node, ns: build_service_group(obj, view, attach_namespace=ns),
    ),
    "endpoints": Role(
        primary=ENDPOINTS,
        also_reads=(SERVICES, PODS),
        selectors=("pod", "service", "endpoints"),
        attaches_node=True,
        build=lambda obj, view, node, ns: build_endpoints_group(obj, view, attach_node=node, attach_namespace=ns),
    ),
    "endpointslice": Role(
        primary=ENDPOINTSLICES,
        also_reads=(SERVICES, PODS),
        selectors=("pod", "service", "endpointslice"),
        attaches_node=True,
        build=lambda obj, view, node, ns: build_endpointslice_group(
            obj, view, attach_node=node, attach_namespace=ns
        ),
    ),
    "node": Role(
        primary=NODES,
        selectors=("node",),
        attaches_namespace=False,
        build=lambda obj, view, node, ns: build_node_group(obj),
    ),
    "ingress": Role(
        primary=INGRESSES,
        selectors=("ingress",),
        build=lambda obj, view, node, ns: build_ingress_group(obj, view, attach_namespace=ns),
    ),
}
# Prometheus' order, as its "role missing (one of: ...)" message lists them.
ROLE_NAMES = tuple(ROLES)

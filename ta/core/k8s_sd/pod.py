"""The ``pod`` role, plus the pod labels and container-port targets that endpoints/endpointslice reuse.

In: a Pod object (plain dict) and a ``Related`` view (node, namespace). Out: the ``pod/<ns>/<name>`` target group
with one target per container port, or one port-less target per container without ports (containers first,
then init containers, which include native sidecars); an empty group when the pod has no IP or, with
``attach_metadata.node``, when its node is not visible.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from ta.core.base.cache import CLEAR_WHEN_FULL, BoundedCache
from ta.core.base.labels import LabelSet, label_set
from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.meta import (
    ADDRESS_LABEL,
    META,
    NAMESPACE_LABEL,
    Obj,
    as_list,
    as_map,
    as_str,
    family,
    go_bool,
    go_lower,
    join_host_port,
    name_of,
    namespace_meta,
    namespace_of,
    node_meta,
    opt_bool,
    opt_int,
    shared_pair,
)
from ta.core.k8s_sd.related import Related
from ta.core.k8s_sd.resources import source_for

# This role's group sources are ``pod/<namespace>/<name>`` (Prometheus' names; ``roles.Role.prefix``).
SOURCE_PREFIX = "pod"

CONTAINER_NAME = META + "pod_container_name"
CONTAINER_ID = META + "pod_container_id"
CONTAINER_IMAGE = META + "pod_container_image"
CONTAINER_PORT_NAME = META + "pod_container_port_name"
CONTAINER_PORT_NUMBER = META + "pod_container_port_number"
CONTAINER_PORT_PROTOCOL = META + "pod_container_port_protocol"
CONTAINER_INIT = META + "pod_container_init"
POD_IP, POD_READY, POD_PHASE = META + "pod_ip", META + "pod_ready", META + "pod_phase"
POD_NODE_NAME, POD_HOST_IP, POD_UID, POD_NAME = (META + f"pod_{f}" for f in ("node_name", "host_ip", "uid", "name"))
POD_LABEL, POD_ANNOTATION = META + "pod_label", META + "pod_annotation"
POD_CONTROLLER_KIND, POD_CONTROLLER_NAME = META + "pod_controller_kind", META + "pod_controller_name"


class ContainerPort(NamedTuple):
    """One declared container port with the container it belongs to (a tuple: pods have many, made often)."""

    container: str
    image: str
    is_init: bool
    number: int
    name: str
    protocol: str


def pod_ip(pod: Obj) -> str:
    return as_str(as_map(pod.get("status")).get("podIP"))


def node_name_of(pod: Obj) -> str:
    return as_str(as_map(pod.get("spec")).get("nodeName"))


def containers(pod: Obj) -> Iterator[tuple[Mapping[str, Any], bool]]:
    """``(container, is_init)`` for containers, then init containers (sidecars are init containers)."""
    spec = as_map(pod.get("spec"))
    for c in as_list(spec.get("containers")):
        yield as_map(c), False
    for c in as_list(spec.get("initContainers")):
        yield as_map(c), True


def ports_of(container: Mapping[str, Any], is_init: bool) -> Iterator[ContainerPort]:
    ports = as_list(container.get("ports"))
    if not ports:
        return
    name, image = as_str(container.get("name")), as_str(container.get("image"))
    for port in ports:
        p = as_map(port)
        yield ContainerPort(
            name, image, is_init, opt_int(p.get("containerPort")) or 0, as_str(p.get("name")), as_str(p.get("protocol"))
        )


def container_ports(pod: Obj) -> Iterator[ContainerPort]:
    for container, is_init in containers(pod):
        yield from ports_of(container, is_init)


def controller_of(pod: Obj) -> Mapping[str, Any] | None:
    for ref in as_list(as_map(pod.get("metadata")).get("ownerReferences")):
        owner = as_map(ref)
        if opt_bool(owner.get("controller")):
            return owner
    return None


def pod_ready(pod: Obj) -> str:
    for cond in as_list(as_map(pod.get("status")).get("conditions")):
        c = as_map(cond)
        if c.get("type") == "Ready":
            return go_lower(as_str(c.get("status")))
    return "unknown"


def pod_label_pairs(pod: Obj) -> LabelSet:
    """Prometheus ``podLabels`` as a sorted label set (not the namespace, which callers add); pairs that repeat
    between pods are shared objects."""
    shared, unique = pod_label_parts(pod)
    return tuple(sorted(shared + unique))


# One tuple for every pod with the same shared part (``ta.core.base.cache``, cleared when full: identity only, never
# results).
_parts: BoundedCache[LabelSet, LabelSet] = BoundedCache(
    "k8s_sd.pod_parts",
    bound=1 << 16,
    policy=CLEAR_WHEN_FULL,
    reason="a cluster has far fewer workload-and-node kinds than the bound; a full table means they changed",
)


def pod_label_parts(pod: Obj) -> tuple[LabelSet, LabelSet]:
    """``pod_label_pairs`` in two sorted parts with disjoint names: what the pods of a workload on one node share (one
    tuple for all of them), and the pod's own IP, name and UID."""
    metadata = as_map(pod.get("metadata"))
    status = as_map(pod.get("status"))
    controller: LabelSet = ()
    owner = controller_of(pod)
    if owner is not None:
        kind, name = as_str(owner.get("kind")), as_str(owner.get("name"))
        controller = (
            *((shared_pair(POD_CONTROLLER_KIND, kind),) if kind else ()),
            *((shared_pair(POD_CONTROLLER_NAME, name),) if name else ()),
        )
    # Built in name order, not sorted: after the common "__meta_kubernetes_pod_", annotation* < controller_* <
    # host_ip < label* < node_name < phase < ready, whatever each family's keys are (a pod's ~30 labels are built
    # for every pod of the cluster). Each family's names are unique (``family``).
    shared = (
        *family(POD_ANNOTATION, metadata.get("annotations")),
        *controller,
        shared_pair(POD_HOST_IP, as_str(status.get("hostIP"))),
        *family(POD_LABEL, metadata.get("labels")),
        shared_pair(POD_NODE_NAME, as_str(as_map(pod.get("spec")).get("nodeName"))),
        shared_pair(POD_PHASE, as_str(status.get("phase"))),
        shared_pair(POD_READY, pod_ready(pod)),
    )
    found = _parts.intern(shared)
    unique = (
        (POD_IP, as_str(status.get("podIP"))),
        (POD_NAME, as_str(metadata.get("name"))),
        (POD_UID, as_str(metadata.get("uid"))),
    )
    return found, unique


def pod_labels(pod: Obj) -> dict[str, str]:
    """``pod_label_pairs`` as a dict."""
    return dict(pod_label_pairs(pod))


def _container_id(pod: Obj, container: str, is_init: bool) -> str:
    field = "initContainerStatuses" if is_init else "containerStatuses"
    for status in as_list(as_map(pod.get("status")).get(field)):
        s = as_map(status)
        if s.get("name") == container:
            return as_str(s.get("containerID"))
    return ""


def _pod_targets(pod: Obj, ip: str) -> tuple[LabelSet, ...]:
    targets: list[LabelSet] = []
    for container, is_init in containers(pod):
        name = as_str(container.get("name"))
        base = {
            CONTAINER_NAME: name,
            CONTAINER_ID: _container_id(pod, name, is_init),
            CONTAINER_IMAGE: as_str(container.get("image")),
            CONTAINER_INIT: go_bool(is_init),
        }
        ports = as_list(container.get("ports"))
        if not ports:
            # No declared port: a bare-IP target the user must complete by relabelling.
            targets.append(label_set({ADDRESS_LABEL: ip, **base}))
            continue
        for port in ports:
            p = as_map(port)
            number = str(opt_int(p.get("containerPort")) or 0)
            targets.append(
                label_set(
                    {
                        ADDRESS_LABEL: join_host_port(ip, number),
                        **base,
                        CONTAINER_PORT_NUMBER: number,
                        CONTAINER_PORT_NAME: as_str(p.get("name")),
                        CONTAINER_PORT_PROTOCOL: as_str(p.get("protocol")),
                    }
                )
            )
    return tuple(targets)


def build_pod_group(
    pod: Obj, related: Related, *, attach_node: bool = False, attach_namespace: bool = False
) -> TargetGroup:
    namespace = namespace_of(pod)
    source = source_for(SOURCE_PREFIX, namespace, name_of(pod))
    ip = pod_ip(pod)
    if not ip:
        return TargetGroup(source=source, targets=())
    labels = pod_labels(pod)
    labels[NAMESPACE_LABEL] = namespace
    if attach_node:
        node = related.node(node_name_of(pod))
        if node is None:
            # The node store is filtered by the node selector: a pod on an unlisted node is dropped.
            return TargetGroup(source=source, targets=())
        labels.update(node_meta(node))
    if attach_namespace:
        labels.update(namespace_meta(related.namespace(namespace)))
    return TargetGroup(source=source, targets=_pod_targets(pod, ip), labels=label_set(labels))

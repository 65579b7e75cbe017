"""The node a target runs on, as the per-node strategy sees it.

Here, below relabeling and allocation, because target building, the relabel plans, the per-node strategy and
the HTML pages all read the same rule. In: a target's discovered (pre-relabel) labels. Out: the node name, or ""
when the labels name none.
Upstream consults these labels in this order and, notably, not ``__meta_kubernetes_endpointslice_endpoint_node_name``.
"""

from __future__ import annotations

from ta.core.base.labels import LabelSet

_NODE_LABELS = (
    "__meta_kubernetes_pod_node_name",
    "__meta_kubernetes_node_name",
    "__meta_kubernetes_endpoint_node_name",
)
_TARGET_KIND = "__meta_kubernetes_endpointslice_address_target_kind"
_TARGET_NAME = "__meta_kubernetes_endpointslice_address_target_name"


def node_of(labels: LabelSet) -> str:
    values = dict(labels)
    for name in _NODE_LABELS:
        node = values.get(name, "")
        if node:
            return node
    if values.get(_TARGET_KIND) == "Node":
        return values.get(_TARGET_NAME, "")
    return ""

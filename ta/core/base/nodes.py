"""The node a target runs on, as the per-node strategy sees it: the one owner of that rule.

In: a target's discovered (pre-relabel) labels, as pairs or a dict; or, for generated code, the names of the
variables holding them. Out: the node name, or "" when the labels name none; or the same lookup as a Python
expression. Upstream consults the three node-name labels in this order, then an endpointslice address whose
target is a Node, and, notably, not ``__meta_kubernetes_endpointslice_endpoint_node_name``. Target building
(``ta.core.discovery.targets``), the compiled relabel plans (``ta.core.relabel.plan``) and the HTML pages all use this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ta.core.base.labels import LabelSet

NODE_LABELS = (
    "__meta_kubernetes_pod_node_name",
    "__meta_kubernetes_node_name",
    "__meta_kubernetes_endpoint_node_name",
)
TARGET_KIND = "__meta_kubernetes_endpointslice_address_target_kind"
TARGET_NAME = "__meta_kubernetes_endpointslice_address_target_name"
_NODE_KIND = "Node"
# Every label the lookup reads, in the order ``node_expression`` takes their variables.
LOOKUP_LABELS = (*NODE_LABELS, TARGET_KIND, TARGET_NAME)


def node_in(values: Mapping[str, str]) -> str:
    for name in NODE_LABELS:
        node = values.get(name, "")
        if node:
            return node
    if values.get(TARGET_KIND) == _NODE_KIND:
        return values.get(TARGET_NAME, "")
    return ""


def node_of(labels: LabelSet) -> str:
    return node_in(dict(labels))


def node_expression(variables: Sequence[str]) -> str:
    """``node_in`` as an expression over variables holding ``LOOKUP_LABELS``' values ("" when absent)."""
    *direct, kind, name = variables
    assert len(direct) == len(NODE_LABELS)
    return " or ".join([*direct, f'({name} if {kind} == "{_NODE_KIND}" else "")'])

from ta.core.base.labels import label_set
from ta.core.base.nodes import node_of


def test_pod_node_name_wins_over_later_labels() -> None:
    labels = label_set({"__meta_kubernetes_pod_node_name": "a", "__meta_kubernetes_node_name": "b"})
    assert node_of(labels) == "a"


def test_empty_values_are_skipped() -> None:
    labels = label_set({"__meta_kubernetes_pod_node_name": "", "__meta_kubernetes_endpoint_node_name": "c"})
    assert node_of(labels) == "c"


def test_endpointslice_node_target() -> None:
    labels = label_set(
        {
            "__meta_kubernetes_endpointslice_address_target_kind": "Node",
            "__meta_kubernetes_endpointslice_address_target_name": "n1",
        }
    )
    assert node_of(labels) == "n1"


def test_endpointslice_endpoint_node_name_is_not_consulted() -> None:
    assert node_of(label_set({"__meta_kubernetes_endpointslice_endpoint_node_name": "n1"})) == ""

from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.node import build_node_group
from ta.core.k8s_sd.resources import NODES
from tests.core.k8s_sd.builders import as_dicts, node
from tests.core.k8s_sd.support import kube_sd

N = "__meta_kubernetes_node_"


def test_add_node() -> None:
    group = build_node_group(
        node("test", labels={"test-label": "testvalue"}, annotations={"a": "b"}, provider_id="aws:///i-1")
    )
    assert group is not None
    assert group.source == "node/test"
    assert dict(group.labels) == {
        N + "name": "test",
        N + "provider_id": "aws:///i-1",
        N + "label_test_label": "testvalue",
        N + "labelpresent_test_label": "true",
        N + "annotation_a": "b",
        N + "annotationpresent_a": "true",
    }
    assert as_dicts(group) == [
        {"__address__": "1.2.3.4:10250", "instance": "test", N + "address_InternalIP": "1.2.3.4"}
    ]


def test_address_priority_and_per_type_labels() -> None:
    group = build_node_group(
        node(
            addresses=[
                ("Hostname", "h1"),
                ("ExternalIP", "9.9.9.9"),
                ("ExternalIP", "8.8.8.8"),
                ("InternalDNS", "n.internal"),
                ("Weird-Type", "w"),
            ]
        )
    )
    assert group is not None
    [t] = as_dicts(group)
    assert t == {
        "__address__": "n.internal:10250",
        "instance": "testnode",
        N + "address_Hostname": "h1",
        N + "address_ExternalIP": "9.9.9.9",
        N + "address_InternalDNS": "n.internal",
        N + "address_Weird_Type": "w",
    }


def test_ipv6_kubelet_and_missing_port() -> None:
    group = build_node_group(node(addresses=[("InternalIP", "fd00::1")], kubelet_port=None))
    assert group is not None
    assert as_dicts(group)[0]["__address__"] == "[fd00::1]:0"


def test_no_usable_address_sends_nothing() -> None:
    assert build_node_group(node(addresses=[("Unknown", "x")])) is None
    bare = {"metadata": {"name": "bare"}}
    assert build_node_group(bare) is None
    store = KubeObjects()
    store.apply(NODES, "ADDED", node(addresses=[("Unknown", "x")]))
    kube = KubeSD(kube_sd({"role": "node"}), store)
    assert kube.groups() == {}
    assert kube.group("node/testnode") is None


def test_conditions() -> None:
    group = build_node_group(node(conditions=[("Ready", "True"), ("DiskPressure", "False"), ("Net-Up", "Unknown")]))
    assert group is not None
    labels = dict(group.labels)
    assert labels[N + "condition_ready"] == "true"
    assert labels[N + "condition_diskpressure"] == "false"
    assert labels[N + "condition_net_up"] == "unknown"


def test_update_and_delete_and_namespaces_ignored() -> None:
    store = KubeObjects()
    cfg = kube_sd({"role": "node", "namespaces": {"names": ["x"]}})
    kube = KubeSD(cfg, store)
    store.apply(NODES, "ADDED", node())
    assert list(kube.groups()) == ["node/testnode"]
    new = node(addresses=[("InternalIP", "5.5.5.5")])
    store.apply(NODES, "MODIFIED", new)
    assert kube.affected_sources(NODES, "", "testnode", None, new) == {"node/testnode"}
    group = kube.group("node/testnode")
    assert group is not None and as_dicts(group)[0]["__address__"] == "5.5.5.5:10250"
    store.apply(NODES, "DELETED", new)
    deleted = kube.group("node/testnode")
    assert deleted is not None and deleted.targets == ()

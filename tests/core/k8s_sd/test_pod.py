from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.pod import build_pod_group
from ta.core.k8s_sd.related import NoRelated
from ta.core.k8s_sd.resources import NAMESPACES, NODES, PODS
from tests.core.k8s_sd.builders import as_dicts, container, cport, namespace, node, pod
from tests.core.k8s_sd.support import kube_sd

POD = "__meta_kubernetes_pod_"


def sd(objs: list[tuple[str, dict[str, object]]], **cfg: object) -> KubeSD:
    store = KubeObjects()
    for resource, obj in objs:
        store.apply(resource, "ADDED", obj)
    return KubeSD(kube_sd({"role": "pod", **cfg}), store)


def test_add_pod_with_ports_and_portless_container() -> None:
    p = pod(
        labels={"test/label": "testvalue"},
        annotations={"test/annotation": "testannotationvalue"},
        owner=("testcontrollerkind", "testcontrollername"),
        phase="Running",
        ready="True",
        containers=[container("testcontainer", [cport("testport", 9000)]), container("testcontainer1")],
        statuses=[{"name": "testcontainer", "containerID": "docker://a1b2c3d4e5f6"}],
    )
    group = build_pod_group(p, NoRelated())
    assert group.source == "pod/default/testpod"
    assert dict(group.labels) == {
        POD + "name": "testpod",
        "__meta_kubernetes_namespace": "default",
        POD + "label_test_label": "testvalue",
        POD + "labelpresent_test_label": "true",
        POD + "annotation_test_annotation": "testannotationvalue",
        POD + "annotationpresent_test_annotation": "true",
        POD + "node_name": "testnode",
        POD + "ip": "1.2.3.4",
        POD + "host_ip": "2.3.4.5",
        POD + "ready": "true",
        POD + "phase": "Running",
        POD + "uid": "deadbeef",
        POD + "controller_kind": "testcontrollerkind",
        POD + "controller_name": "testcontrollername",
    }
    assert as_dicts(group) == [
        {
            "__address__": "1.2.3.4:9000",
            POD + "container_name": "testcontainer",
            POD + "container_image": "testcontainer:latest",
            POD + "container_port_name": "testport",
            POD + "container_port_number": "9000",
            POD + "container_port_protocol": "TCP",
            POD + "container_init": "false",
            POD + "container_id": "docker://a1b2c3d4e5f6",
        },
        {
            "__address__": "1.2.3.4",
            POD + "container_name": "testcontainer1",
            POD + "container_image": "testcontainer1:latest",
            POD + "container_init": "false",
            POD + "container_id": "",
        },
    ]


def test_init_container_targets_come_after_containers() -> None:
    p = pod(init_containers=[container("init", [cport("i", 8080)])])
    p["status"]["initContainerStatuses"] = [{"name": "init", "containerID": "containerd://init"}]
    targets = as_dicts(build_pod_group(p, NoRelated()))
    assert [(t["__address__"], t[POD + "container_init"], t[POD + "container_id"]) for t in targets] == [
        ("1.2.3.4:9000", "false", ""),
        ("1.2.3.4:8080", "true", "containerd://init"),
    ]


def test_empty_pod_ip_gives_empty_group() -> None:
    group = build_pod_group(pod(ip=""), NoRelated())
    assert (group.source, group.targets, group.labels) == ("pod/default/testpod", (), ())


def test_phase_and_readiness_do_not_filter() -> None:
    group = build_pod_group(pod(phase="Succeeded", ready="False"), NoRelated())
    assert len(group.targets) == 1
    assert dict(group.labels)[POD + "ready"] == "false"


def test_update_delete_through_index() -> None:
    store = KubeObjects()
    kube = KubeSD(kube_sd({"role": "pod"}), store)
    before = pod()
    store.apply(PODS, "ADDED", before)
    after = pod(ip="5.6.7.8")
    store.apply(PODS, "MODIFIED", after)
    assert kube.affected_sources(PODS, "default", "testpod", before, after) == {"pod/default/testpod"}
    group = kube.group("pod/default/testpod")
    assert group is not None
    assert as_dicts(group)[0]["__address__"] == "5.6.7.8:9000"
    store.apply(PODS, "DELETED", after)
    assert kube.affected_sources(PODS, "default", "testpod", after, None) == {"pod/default/testpod"}
    assert kube.group("pod/default/testpod") == type(group)(source="pod/default/testpod", targets=())


def test_namespaces() -> None:
    kube = sd(
        [(PODS, pod(namespace="ns1")), (PODS, pod(namespace="ns2")), (PODS, pod(namespace="other"))],
        namespaces={"names": ["ns1", "ns2"]},
    )
    assert sorted(kube.groups()) == ["pod/ns1/testpod", "pod/ns2/testpod"]


def test_own_namespace() -> None:
    store = KubeObjects()
    store.apply(PODS, "ADDED", pod(namespace="own-ns"))
    store.apply(PODS, "ADDED", pod(namespace="ns1"))
    kube = KubeSD(kube_sd({"role": "pod", "namespaces": {"own_namespace": True}}), store, "own-ns")
    assert list(kube.groups()) == ["pod/own-ns/testpod"]


def test_node_metadata_and_node_selector() -> None:
    kube = sd(
        [
            (PODS, pod()),
            (PODS, pod("other", node="n2")),
            (NODES, node("testnode", labels={"l1": "v1"})),
            (NODES, node("n2", labels={"l1": "other"})),
        ],
        attach_metadata={"node": True},
        selectors=[{"role": "node", "label": "l1=v1"}],
    )
    groups = kube.groups()
    labels = dict(groups["pod/default/testpod"].labels)
    assert labels["__meta_kubernetes_node_name"] == "testnode"
    assert labels["__meta_kubernetes_node_label_l1"] == "v1"
    assert "__meta_kubernetes_node_provider_id" not in labels
    # The pod on a node filtered out by the node selector yields an empty group.
    assert groups["pod/default/other"].targets == ()
    assert kube.affected_sources(NODES, "", "n2", None, None) == {"pod/default/other"}


def test_namespace_metadata_update() -> None:
    store = KubeObjects()
    store.apply(PODS, "ADDED", pod())
    store.apply(NAMESPACES, "ADDED", namespace("default", labels={"team": "a"}))
    kube = KubeSD(kube_sd({"role": "pod", "attach_metadata": {"namespace": True}}), store)
    assert dict(kube.groups()["pod/default/testpod"].labels)["__meta_kubernetes_namespace_label_team"] == "a"
    new = namespace("default", labels={"team": "b"})
    store.apply(NAMESPACES, "MODIFIED", new)
    assert kube.affected_sources(NAMESPACES, "", "default", None, new) == {"pod/default/testpod"}
    group = kube.group("pod/default/testpod")
    assert group is not None
    assert dict(group.labels)["__meta_kubernetes_namespace_label_team"] == "b"


def test_ipv6_and_odd_pods() -> None:
    assert as_dicts(build_pod_group(pod(ip="fd00::5"), NoRelated()))[0]["__address__"] == "[fd00::5]:9000"
    odd = {
        "metadata": {"name": "x", "namespace": "d", "ownerReferences": [{"kind": "", "controller": True}]},
        "spec": {"containers": None},
        "status": {"podIP": "1.1.1.1", "conditions": "bad"},
    }
    group = build_pod_group(odd, NoRelated())
    assert group.targets == ()
    labels = dict(group.labels)
    assert labels[POD + "ready"] == "unknown"
    assert POD + "controller_kind" not in labels
    no_node = build_pod_group(pod(node=None), NoRelated())
    assert dict(no_node.labels)[POD + "node_name"] == ""


def test_pod_label_pairs_are_built_sorted_with_unique_names() -> None:
    """Built in name order without a sort: holds for any label/annotation keys, owners and odd fields."""
    from ta.core.k8s_sd.pod import pod_label_pairs, pod_label_parts

    keys = ["a", "A", "0", "_", "~x", "é", "zz/yy", "app.kubernetes.io/name", "a-b", "a_b", "Z", ""]
    pods = [
        {
            "metadata": {
                "name": "p",
                "uid": "u",
                "labels": {k: "v" for k in keys[: i + 1]},
                "annotations": {k: "w" for k in keys[i:]},
                "ownerReferences": [{"kind": "ReplicaSet", "name": "rs", "controller": True}] if i % 2 else [],
            },
            "spec": {"nodeName": "n"} if i % 3 else [],
            "status": {"podIP": "10.0.0.1", "hostIP": "1.1.1.1", "phase": "Running"} if i % 4 else "odd",
        }
        for i in range(len(keys))
    ]
    pods.append({})
    for obj in pods:
        shared, unique = pod_label_parts(obj)
        assert shared == tuple(sorted(shared)) and unique == tuple(sorted(unique)), obj
        pairs = pod_label_pairs(obj)
        assert pairs == tuple(sorted(shared + unique))
        assert len({name for name, _ in pairs}) == len(pairs), obj
    assert dict(pod_label_pairs(pods[1]))["__meta_kubernetes_pod_controller_name"] == "rs"
    # Pods of one workload on one node share one tuple; their own pairs are their own.
    twin = {**pods[1], "metadata": {**pods[1]["metadata"], "name": "q", "uid": "v"}}
    (shared, unique), (twin_shared, twin_unique) = pod_label_parts(pods[1]), pod_label_parts(twin)
    assert twin_shared is shared
    assert dict(twin_unique) == {
        "__meta_kubernetes_pod_ip": "10.0.0.1",
        "__meta_kubernetes_pod_name": "q",
        "__meta_kubernetes_pod_uid": "v",
    }

from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.resources import ENDPOINTSLICES, NAMESPACES, NODES, PODS, SERVICES
from tests.core.k8s_sd.builders import endpointslice, namespace, node, pod, pod_ref, service
from tests.core.k8s_sd.support import kube_sd


def slice_for(name: str, pod_name: str, node_name: str = "n1", svc: str = "svc") -> dict[str, object]:
    return endpointslice(
        name,
        service_name=svc,
        endpoints=[{"addresses": ["1.2.3.4"], "nodeName": node_name, "targetRef": pod_ref(pod_name)}],
    )


def setup(**cfg: object) -> tuple[KubeObjects, KubeSD]:
    store = KubeObjects()
    for resource, obj in [
        (SERVICES, service("svc")),
        (SERVICES, service("other")),
        (PODS, pod("p1", node="n1")),
        (PODS, pod("p2", node="n2")),
        (ENDPOINTSLICES, slice_for("s1", "p1", "n1")),
        (ENDPOINTSLICES, slice_for("s2", "p2", "n2")),
        (ENDPOINTSLICES, slice_for("s3", "p1", "n1", svc="other")),
        (NODES, node("n1")),
        (NODES, node("n2")),
        (NAMESPACES, namespace("default")),
    ]:
        store.apply(resource, "ADDED", obj)
    return store, KubeSD(kube_sd({"role": "endpointslice", **cfg}), store)


def apply(store: KubeObjects, kube: KubeSD, resource: str, kind: str, obj: dict[str, object]) -> set[str]:
    md = obj["metadata"]
    assert isinstance(md, dict)
    before = store.get(resource, md.get("namespace", ""), md["name"])
    store.apply(resource, kind, obj)
    after = None if kind == "DELETED" else obj
    return kube.affected_sources(resource, md.get("namespace", ""), md["name"], before, after)


def test_slice_change_recomputes_only_that_slice() -> None:
    store, kube = setup()
    assert apply(store, kube, ENDPOINTSLICES, "MODIFIED", slice_for("s1", "p2")) == {"endpointslice/default/s1"}


def test_pod_change_recomputes_referencing_slices_via_reverse_index() -> None:
    store, kube = setup()
    assert apply(store, kube, PODS, "MODIFIED", pod("p1", labels={"new": "x"})) == {
        "endpointslice/default/s1",
        "endpointslice/default/s3",
    }
    # After s1 stops referencing p1, the index follows.
    apply(store, kube, ENDPOINTSLICES, "MODIFIED", slice_for("s1", "p2"))
    assert apply(store, kube, PODS, "MODIFIED", pod("p1")) == {"endpointslice/default/s3"}
    assert apply(store, kube, PODS, "MODIFIED", pod("p2", node="n2")) == {
        "endpointslice/default/s1",
        "endpointslice/default/s2",
    }


def test_service_change_recomputes_its_slices() -> None:
    store, kube = setup()
    assert apply(store, kube, SERVICES, "MODIFIED", service("svc", labels={"a": "b"})) == {
        "endpointslice/default/s1",
        "endpointslice/default/s2",
    }
    assert apply(store, kube, SERVICES, "DELETED", service("other")) == {"endpointslice/default/s3"}


def test_node_and_namespace_changes_only_with_attach_metadata() -> None:
    store, kube = setup()
    assert apply(store, kube, NODES, "MODIFIED", node("n1", labels={"x": "y"})) == set()
    assert apply(store, kube, NAMESPACES, "MODIFIED", namespace("default", labels={"x": "y"})) == set()
    store, kube = setup(attach_metadata={"node": True, "namespace": True})
    assert apply(store, kube, NODES, "MODIFIED", node("n1", labels={"x": "y"})) == {
        "endpointslice/default/s1",
        "endpointslice/default/s3",
    }
    assert apply(store, kube, NAMESPACES, "MODIFIED", namespace("default", labels={"x": "y"})) == {
        "endpointslice/default/s1",
        "endpointslice/default/s2",
        "endpointslice/default/s3",
    }
    group = kube.group("endpointslice/default/s1")
    assert group is not None
    assert dict(group.labels)["__meta_kubernetes_namespace_label_x"] == "y"
    assert dict(group.targets[0])["__meta_kubernetes_node_label_x"] == "y"


def test_deleted_slice_yields_empty_group() -> None:
    store, kube = setup()
    assert apply(store, kube, ENDPOINTSLICES, "DELETED", slice_for("s2", "p2")) == {"endpointslice/default/s2"}
    assert kube.group("endpointslice/default/s2") == TargetGroup(source="endpointslice/default/s2", targets=())
    assert "endpointslice/default/s2" not in kube.groups()


def test_slice_leaving_the_selector_is_removed() -> None:
    store, kube = setup(selectors=[{"role": "endpointslice", "label": "keep"}])
    assert kube.groups() == {}
    kept = endpointslice("s1", service_name="svc", labels={"keep": "1"}, endpoints=[{"addresses": ["1.1.1.1"]}])
    assert apply(store, kube, ENDPOINTSLICES, "MODIFIED", kept) == {"endpointslice/default/s1"}
    assert list(kube.groups()) == ["endpointslice/default/s1"]
    dropped = endpointslice("s1", service_name="svc", endpoints=[{"addresses": ["1.1.1.1"]}])
    assert apply(store, kube, ENDPOINTSLICES, "MODIFIED", dropped) == {"endpointslice/default/s1"}
    assert kube.group("endpointslice/default/s1") == TargetGroup(source="endpointslice/default/s1", targets=())
    # An object that was and stays invisible affects nothing.
    assert apply(store, kube, ENDPOINTSLICES, "MODIFIED", dropped) == set()


def test_incremental_equals_full_recompute() -> None:
    store, kube = setup(attach_metadata={"node": True, "namespace": True})
    current = kube.groups()
    for resource, kind, obj in [
        (PODS, "MODIFIED", pod("p1", ip="9.9.9.9", phase="Running")),
        (SERVICES, "MODIFIED", service("svc", labels={"v": "2"})),
        (NODES, "DELETED", node("n2")),
        (ENDPOINTSLICES, "ADDED", slice_for("s4", "p2", "n1")),
        (PODS, "DELETED", pod("p2")),
        (NAMESPACES, "MODIFIED", namespace("default", annotations={"k": "v"})),
    ]:
        for source in apply(store, kube, resource, kind, obj):
            group = kube.group(source)
            assert group is not None
            if group.targets or group.labels:
                current[source] = group
            else:
                current.pop(source, None)
        assert current == kube.groups()


def test_replace_reports_changes() -> None:
    store, kube = setup()
    changes = store.replace(PODS, [pod("p1", node="n1"), pod("p3")])
    assert [(c.name, c.before is None, c.after is None) for c in changes] == [("p2", False, True), ("p3", True, False)]
    assert kube.changes(changes) == {"endpointslice/default/s2"}
    assert store.get(PODS, "default", "p2") is None


def test_cross_namespace_pod_is_invisible_with_explicit_namespaces() -> None:
    store = KubeObjects()
    store.apply(PODS, "ADDED", pod("p", "b"))
    store.apply(
        ENDPOINTSLICES,
        "ADDED",
        endpointslice("s", "a", endpoints=[{"addresses": ["1.1.1.1"], "targetRef": pod_ref("p", "b")}]),
    )
    scoped = KubeSD(kube_sd({"role": "endpointslice", "namespaces": {"names": ["a", "b"]}}), store)
    assert "__meta_kubernetes_pod_name" not in dict(scoped.groups()["endpointslice/a/s"].targets[0])
    everywhere = KubeSD(kube_sd({"role": "endpointslice"}), store)
    assert dict(everywhere.groups()["endpointslice/a/s"].targets[0])["__meta_kubernetes_pod_name"] == "p"

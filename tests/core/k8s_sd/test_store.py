"""Tests for ta.core.k8s_sd.store: the reverse indexes incremental SD follows."""

from __future__ import annotations

from typing import Any

from ta.core.k8s_sd.resources import ENDPOINTSLICES, PODS
from ta.core.k8s_sd.store import KubeObjects


def slice_of(name: str, *pods: str, service: str = "web", node: str = "n1") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "ns", "labels": {"kubernetes.io/service-name": service}},
        "endpoints": [
            {"addresses": ["10.0.0.1"], "nodeName": node, "targetRef": {"kind": "Pod", "namespace": "ns", "name": p}}
            for p in pods
        ],
    }


def test_reverse_indexes_follow_adds_changes_and_deletes() -> None:
    store = KubeObjects()
    store.apply(ENDPOINTSLICES, "ADDED", slice_of("s1", "p1", "p2"))
    store.apply(ENDPOINTSLICES, "ADDED", slice_of("s2", "p2", node="n2"))
    store.apply(PODS, "ADDED", {"metadata": {"name": "p1", "namespace": "ns"}, "spec": {"nodeName": "n2"}})
    s1, s2, p1 = (ENDPOINTSLICES, "ns", "s1"), (ENDPOINTSLICES, "ns", "s2"), (PODS, "ns", "p1")
    assert store.referencing_pod("ns", "p1") == (s1,)
    assert store.referencing_pod("ns", "p2") == (s1, s2)
    assert store.referencing_node("n1") == (s1,)
    assert store.referencing_node("n2") == (s2, p1)
    assert store.slices_of_service("ns", "web") == ("s1", "s2")

    store.apply(ENDPOINTSLICES, "MODIFIED", slice_of("s1", "p1", service="api"))
    assert store.referencing_pod("ns", "p2") == (s2,)
    assert store.slices_of_service("ns", "web") == ("s2",)
    assert store.slices_of_service("ns", "api") == ("s1",)

    store.apply(ENDPOINTSLICES, "DELETED", slice_of("s2"))
    store.apply(PODS, "DELETED", {"metadata": {"name": "p1", "namespace": "ns"}})
    assert store.referencing_pod("ns", "p2") == ()
    assert store.referencing_node("n2") == ()
    assert store.referencing_pod("ns", "p1") == (s1,)


def test_derived_values_leave_nothing_behind_for_absent_or_deleted_objects() -> None:
    store = KubeObjects()

    def name_of(obj: Any) -> str:
        return str(obj["metadata"]["name"])

    for i in range(3):
        assert store.derive(PODS, f"gone-{i}", "p", name_of) is None  # never there
    store.apply(PODS, "ADDED", {"metadata": {"name": "p", "namespace": "ns"}})
    assert store.derive(PODS, "ns", "p", name_of) == "p"
    store.apply(PODS, "DELETED", {"metadata": {"name": "p", "namespace": "ns"}})
    assert store.derive(PODS, "ns", "p", name_of) is None
    assert store._derived == {(PODS, name_of): {}}

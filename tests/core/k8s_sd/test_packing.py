"""Tests for ta.core.k8s_sd.packing and the store's packed pods."""

from __future__ import annotations

from typing import Any

import orjson

from ta.core.k8s_sd.packing import LEARN_FROM, Packer
from ta.core.k8s_sd.resources import ENDPOINTSLICES, PODS
from ta.core.k8s_sd.slim import slim
from ta.core.k8s_sd.store import KubeObjects


def pod(i: int) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"web-7d9f-{i:05d}",
            "namespace": "shop",
            "uid": f"uid-{i:032d}",
            "labels": {
                "app": "web",
                "pod-template-hash": "7d9f",
                "app.kubernetes.io/part-of": "shop",
                "tier": "frontend",
            },
            "annotations": {
                "prometheus.io/scrape": "true",
                "kubectl.kubernetes.io/restartedAt": "2026-01-05T10:00:00Z",
            },
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7d9f", "controller": True}],
        },
        "spec": {
            "nodeName": f"node-{i % 7}",
            "containers": [{"name": "app", "image": "registry/web:1.2.3", "ports": [{"containerPort": 8080}]}],
        },
        "status": {"phase": "Running", "podIP": f"10.0.{i // 250}.{i % 250}", "conditions": [{"type": "Ready"}]},
    }


def test_small_bodies_stay_plain_until_one_is_large_enough_to_learn_from() -> None:
    packer = Packer()
    small = b'{"metadata":{"name":"a"}}'
    assert packer.pack(small) == small and packer.unpack(packer.pack(small)) == small
    large = [orjson.dumps(pod(i)) for i in range(50)]
    assert len(large[0]) >= LEARN_FROM
    packed = [packer.pack(body) for body in large]
    assert all(not p.startswith(b"{") for p in packed)
    assert [packer.unpack(p) for p in packed] == large
    # Pods of one workload share nearly everything with the dictionary: a fraction of their size is kept.
    assert sum(map(len, packed[1:])) * 3 < sum(map(len, large[1:]))
    assert packer.unpack(small) == small  # stored before the dictionary existed: still readable


def test_the_store_gives_back_packed_pods_as_stored() -> None:
    store = KubeObjects()
    store.apply(PODS, "ADDED", {"metadata": {"name": "tiny", "namespace": "shop"}})
    for i in range(20):
        store.apply(PODS, "ADDED", pod(i))
    store.apply(PODS, "MODIFIED", {**pod(3), "status": {"phase": "Failed"}})
    store.apply(PODS, "DELETED", pod(4))
    assert store.get(PODS, "shop", "tiny") == {"metadata": {"name": "tiny", "namespace": "shop"}}
    assert store.get(PODS, "shop", pod(0)["metadata"]["name"]) == slim(PODS, pod(0))
    assert store.get(PODS, "shop", pod(3)["metadata"]["name"]) == slim(PODS, {**pod(3), "status": {"phase": "Failed"}})
    assert store.get(PODS, "shop", pod(4)["metadata"]["name"]) is None
    assert [o["metadata"]["name"] for o in store.iter_all(PODS)] == sorted(
        ["tiny", *(pod(i)["metadata"]["name"] for i in range(20) if i != 4)]
    )


def test_endpoint_slices_are_kept_packed_too() -> None:
    store = KubeObjects()
    slices = [
        {
            "metadata": {"name": f"web-{i}", "namespace": "shop", "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": [f"10.0.{i}.{j}"], "conditions": {"ready": True}, "nodeName": f"node-{j % 3}"}
                for j in range(20)
            ],
            "ports": [{"name": "metrics", "port": 9090, "protocol": "TCP"}],
        }
        for i in range(5)
    ]
    for obj in slices:
        store.apply(ENDPOINTSLICES, "ADDED", obj, orjson.dumps(obj))
    assert list(store.iter_all(ENDPOINTSLICES)) == slices
    stored = store._objects[ENDPOINTSLICES]["shop"]
    assert all(len(stored[s["metadata"]["name"]]) * 3 < len(orjson.dumps(s)) for s in slices[1:])

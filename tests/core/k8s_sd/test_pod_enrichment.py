"""Tests for ta.core.k8s_sd.pod_enrichment's per-pod facts."""

from __future__ import annotations

from typing import Any

from ta.core.k8s_sd.pod_enrichment import pod_facts


def replica(name: str, *, image: str = "web:1", node: str = "n1") -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "shop", "uid": f"uid-{name}", "labels": {"app": "web"}},
        "spec": {
            "nodeName": node,
            "containers": [
                {"name": "app", "image": image, "ports": [{"name": "metrics", "containerPort": 9090}]},
                {"name": "sidecar", "image": "proxy:2", "ports": [{"containerPort": 15090, "protocol": "TCP"}]},
            ],
        },
        "status": {"podIP": f"10.0.0.{len(name)}", "phase": "Running"},
    }


def test_replicas_share_their_ports_and_label_parts() -> None:
    a, b = pod_facts(replica("a")), pod_facts(replica("bb"))
    assert a.ports is b.ports and a.own is b.own and a.shared is b.shared and a.names is b.names
    assert (a.key, a.ip, dict(a.unique)) == (
        ("shop", "a"),
        "10.0.0.1",
        {
            "__meta_kubernetes_pod_ip": "10.0.0.1",
            "__meta_kubernetes_pod_name": "a",
            "__meta_kubernetes_pod_uid": "uid-a",
        },
    )
    assert [(p.container, p.number, p.name) for p in a.ports] == [("app", 9090, "metrics"), ("sidecar", 15090, "")]
    # Another image or node: its own ports / shared labels, the same values where they agree.
    c, d = pod_facts(replica("c", image="web:2")), pod_facts(replica("d", node="n2"))
    assert c.ports is not a.ports and c.ports[1] is a.ports[1]
    assert d.shared is not a.shared and d.ports is a.ports
    assert dict(a.enriched(9090, None))["__meta_kubernetes_pod_container_name"] == "app"
    assert dict(c.enriched(9090, None))["__meta_kubernetes_pod_container_image"] == "web:2"

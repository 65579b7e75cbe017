"""ta.core.k8s_sd.slim: a pod cut down to what kubernetes_sd reads gives the same targets, facts and selections."""

from typing import Any

from ta.core.k8s_sd.pod import build_pod_group
from ta.core.k8s_sd.pod_enrichment import pod_facts
from ta.core.k8s_sd.related import NoRelated
from ta.core.k8s_sd.resources import PODS, SERVICES
from ta.core.k8s_sd.selectors import field_value
from ta.core.k8s_sd.slim import slim

RICH: dict[str, Any] = {
    "kind": "Pod",
    "apiVersion": "v1",
    "metadata": {
        "name": "web-0",
        "namespace": "shop",
        "uid": "u-1",
        "resourceVersion": "42",
        "creationTimestamp": "2026-01-01T00:00:00Z",
        "labels": {"app": "web", "app.kubernetes.io/name": "web"},
        "annotations": {"prometheus.io/scrape": "true"},
        "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "u-0", "controller": True},
            {"kind": "Other", "name": "x"},
        ],
        "deletionTimestamp": "2026-01-02T00:00:00Z",
    },
    "spec": {
        "nodeName": "n1",
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "web",
        "hostNetwork": True,
        "priority": 5,
        "containers": [
            {
                "name": "app",
                "image": "web:1",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "resources": {"limits": {"memory": "1Gi"}},
            },
            {"name": "no-ports", "image": "side:1"},
        ],
        "initContainers": [
            {"name": "proxy", "image": "proxy:1", "restartPolicy": "Always", "ports": [{"containerPort": 15090}]}
        ],
    },
    "status": {
        "phase": "Running",
        "podIP": "10.0.0.7",
        "podIPs": [{"ip": "10.0.0.7"}],
        "hostIP": "192.168.0.1",
        "nominatedNodeName": "n2",
        "qosClass": "Burstable",
        "startTime": "2026-01-01T00:00:01Z",
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:02Z"}],
        "containerStatuses": [{"name": "app", "containerID": "containerd://a", "ready": True, "restartCount": 3}],
        "initContainerStatuses": [{"name": "proxy", "containerID": "containerd://p"}],
    },
}

ODD: dict[str, Any] = {
    "metadata": {"name": "odd", "namespace": "shop", "ownerReferences": "not-a-list", "labels": {"a": 1}},
    "spec": {"containers": "not-a-list", "initContainers": [None, 3, {"name": "i", "ports": "x"}]},
    "status": "not-a-map",
}

FIELDS = (
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
)


def test_a_slim_pod_reads_as_the_whole_one() -> None:
    for pod in (RICH, ODD, {}):
        small = slim(PODS, pod)
        assert build_pod_group(small, NoRelated()) == build_pod_group(pod, NoRelated())
        assert build_pod_group(small, NoRelated(), attach_namespace=True) == build_pod_group(
            pod, NoRelated(), attach_namespace=True
        )
        full, cut = pod_facts(pod), pod_facts(small)
        assert (cut.key, cut.ip, cut.shared, cut.unique, cut.ports, cut.own, cut.names) == (
            full.key,
            full.ip,
            full.shared,
            full.unique,
            full.ports,
            full.own,
            full.names,
        )
        assert [field_value(small, f) for f in FIELDS] == [field_value(pod, f) for f in FIELDS]


def test_the_slim_pod_is_smaller_and_other_resources_pass_unchanged() -> None:
    import orjson

    assert len(orjson.dumps(slim(PODS, RICH))) < len(orjson.dumps(RICH)) * 0.8
    assert "resources" not in slim(PODS, RICH)["spec"]["containers"][0]
    service = {"metadata": {"name": "s"}, "spec": {"anything": 1}}
    assert slim(SERVICES, service) is service

"""The bundled demo is the cluster of the troubleshooting guide, and answers the guide's curls as it shows."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import orjson

from ta.replay import answers, config_event, load_capture, replay

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT.parent / "shared" / "seeds"


def _demo_answers() -> dict[str, bytes]:
    capture = load_capture(
        str(ROOT / "examples/demo/cluster.yaml"), config_event(str(ROOT / "examples/demo/targetallocator.yaml"))
    )
    pipeline = asyncio.run(replay(capture, serve=False, listen_addr="127.0.0.1:0"))
    got = dict(answers(pipeline))
    got["/debug/dropped?job=serviceMonitor/opentelemetry/sm-example/0"] = pipeline.serving.diagnostics.render_dropped(
        "serviceMonitor/opentelemetry/sm-example/0"
    )
    return got


# The labels the guide shows for the one target of serviceMonitor/opentelemetry/sm-example/0 (kept here so
# the test does not depend on the guide's file being present).
GUIDE_LABELS = {
    "__address__": "10.244.0.11:8080",
    "__meta_kubernetes_endpointslice_address_target_kind": "Pod",
    "__meta_kubernetes_endpointslice_address_target_name": "py-prometheus-app-575cfdd46-nfttj",
    "__meta_kubernetes_endpointslice_address_type": "IPv4",
    "__meta_kubernetes_endpointslice_annotation_endpoints_kubernetes_io_last_change_trigger_time": "2024-06-21T20:01:37Z",  # noqa: E501
    "__meta_kubernetes_endpointslice_endpoint_conditions_ready": "true",
    "__meta_kubernetes_endpointslice_endpoint_conditions_serving": "true",
    "__meta_kubernetes_endpointslice_endpoint_conditions_terminating": "false",
    "__meta_kubernetes_endpointslice_endpoint_node_name": "otel-target-allocator-talk-control-plane",
    "__meta_kubernetes_endpointslice_label_app": "my-app",
    "__meta_kubernetes_endpointslice_label_kubernetes_io_service_name": "py-prometheus-app",
    "__meta_kubernetes_endpointslice_name": "py-prometheus-app-bwbvn",
    "__meta_kubernetes_endpointslice_port": "8080",
    "__meta_kubernetes_endpointslice_port_name": "prom",
    "__meta_kubernetes_endpointslice_port_protocol": "TCP",
    "__meta_kubernetes_namespace": "opentelemetry",
    "__meta_kubernetes_pod_container_image": "otel-target-allocator-talk:0.1.0-py-prometheus-app",
    "__meta_kubernetes_pod_container_name": "my-app",
    "__meta_kubernetes_pod_container_port_name": "prom",
    "__meta_kubernetes_pod_container_port_number": "8080",
    "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
    "__meta_kubernetes_pod_controller_name": "py-prometheus-app-575cfdd46",
    "__meta_kubernetes_pod_host_ip": "172.24.0.2",
    "__meta_kubernetes_pod_ip": "10.244.0.11",
    "__meta_kubernetes_pod_label_app": "my-app",
    "__meta_kubernetes_pod_name": "py-prometheus-app-575cfdd46-nfttj",
    "__meta_kubernetes_pod_node_name": "otel-target-allocator-talk-control-plane",
    "__meta_kubernetes_pod_phase": "Running",
    "__meta_kubernetes_pod_ready": "true",
    "__meta_kubernetes_pod_uid": "495d47ee-9a0e-49df-9b41-fe9e6f70090b",
    "__meta_kubernetes_service_label_app": "my-app",
    "__meta_kubernetes_service_name": "py-prometheus-app",
}


def test_demo_answers_the_guides_curls() -> None:
    got = _demo_answers()
    jobs = orjson.loads(got["/jobs"])
    assert jobs == {
        "otel-collector": {"_link": "/jobs/otel-collector/targets"},
        "podMonitor/opentelemetry/pm-example/0": {"_link": "/jobs/podMonitor%2Fopentelemetry%2Fpm-example%2F0/targets"},
        **{
            f"serviceMonitor/opentelemetry/sm-example/{i}": {
                "_link": f"/jobs/serviceMonitor%2Fopentelemetry%2Fsm-example%2F{i}/targets"
            }
            for i in range(3)
        },
    }
    sm0 = orjson.loads(got["/jobs/serviceMonitor%2Fopentelemetry%2Fsm-example%2F0/targets"])
    assert sorted(sm0) == ["otelcol-collector-0", "otelcol-collector-1", "otelcol-collector-2"]
    owner = sm0["otelcol-collector-0"]
    assert (
        owner["_link"]
        == "/jobs/serviceMonitor%2Fopentelemetry%2Fsm-example%2F0/targets?collector_id=otelcol-collector-0"
    )
    [target] = owner["targets"]
    assert target["targets"] == ["10.244.0.11:8080"]
    assert {k: target["labels"].get(k) for k in GUIDE_LABELS} == GUIDE_LABELS
    # The guide's mistakes: a ServiceMonitor whose selector matches no Service has a job but no targets, and
    # the Service whose port is named `bleh` contributes nothing to sm-example.
    configs = orjson.loads(got["/scrape_configs"])
    assert "serviceMonitor/opentelemetry/sm-wrong-labels/0" in configs
    assert "serviceMonitor/opentelemetry/sm-wrong-labels/0" not in jobs
    assert b"bleh" not in got["/jobs/serviceMonitor%2Fopentelemetry%2Fsm-example%2F0/targets"]
    # ...and "why is my target missing" names the rule that dropped the `bleh` port.
    dropped = orjson.loads(got["/debug/dropped?job=serviceMonitor/opentelemetry/sm-example/0"])
    bleh = [d for d in dropped if d["labels"].get("__meta_kubernetes_endpointslice_port_name") == "bleh"]
    assert bleh and all(d["reason"] == "dropped by relabel_configs[2] (action keep)" for d in bleh)


def test_guide_labels_match_the_guide_text_when_present() -> None:
    guide = next((p for p in sorted(GUIDE.glob("*.txt")) if "py-prometheus-app-bwbvn" in p.read_text()), None)
    if guide is None:
        return  # the guide ships with the steering repo, not with every checkout
    text = guide.read_text()
    for name, value in GUIDE_LABELS.items():
        assert re.search(rf'"{re.escape(name)}": "{re.escape(value)}"', text), name

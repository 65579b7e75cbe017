"""Probe generation: static targets (with the namespace label) and ingress discovery; sharding on __param_target."""

from __future__ import annotations

from typing import Any

from ta.core.promop import Generated, Kind, Lookups, Settings, build


def probe(spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "blackbox", "namespace": "mon"}, "spec": spec}


def only_job(obj: dict[str, Any]) -> dict[str, Any]:
    outcome = build(Kind.PROBE, obj, Settings(), Lookups())
    assert isinstance(outcome, Generated), outcome
    (job,) = outcome.jobs
    return job


TAIL = [
    {
        "source_labels": ["__param_target", "__tmp_hash"],
        "target_label": "__tmp_hash",
        "regex": "(.+);",
        "replacement": "$1",
        "action": "replace",
    },
    {"source_labels": ["__tmp_hash"], "target_label": "__tmp_hash", "modulus": 1, "action": "hashmod"},
    {"source_labels": ["__tmp_hash", "__tmp_disable_sharding"], "regex": "$(SHARD);|.+;.+", "action": "keep"},
]


def test_static_probe() -> None:
    job = only_job(probe({
        "jobName": "http-get",
        "module": "http_2xx",
        "params": [{"name": "module", "values": ["ignored"]}, {"name": "debug", "values": ["true"]}],
        "interval": "60s",
        "prober": {"url": "blackbox-exporter:9115", "path": "/probe"},
        "targets": {"staticConfig": {"static": ["https://example.com"], "labels": {"env": "prod"},
                                     "relabelingConfigs": [{"targetLabel": "probe", "replacement": "x"}]}},
    }))  # fmt: skip
    assert list(job) == [
        "job_name", "honor_timestamps", "metrics_path", "scrape_interval", "params", "static_configs",
        "relabel_configs",
    ]  # fmt: skip
    assert job["honor_timestamps"] is True
    assert job["params"] == {"module": ["http_2xx"], "debug": ["true"]}
    assert job["static_configs"] == [
        {"targets": ["https://example.com"], "labels": {"env": "prod", "namespace": "mon"}}
    ]
    assert job["relabel_configs"] == [
        {"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"},
        {"target_label": "job", "replacement": "http-get"},
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"source_labels": ["__param_target"], "target_label": "instance"},
        {"target_label": "__address__", "replacement": "blackbox-exporter:9115"},
        {"target_label": "probe", "replacement": "x"},
        *TAIL,
    ]


def test_ingress_probe() -> None:
    job = only_job(probe({
        "prober": {"url": "bb:9115"},
        "targets": {"ingress": {"selector": {"matchLabels": {"probe": "yes"}},
                                "namespaceSelector": {"matchNames": ["web"]}}},
    }))  # fmt: skip
    assert job["metrics_path"] == "/metrics"
    assert job["kubernetes_sd_configs"] == [{"role": "ingress", "namespaces": {"names": ["web"]}}]
    rules = job["relabel_configs"]
    assert rules[1] == {
        "action": "keep",
        "source_labels": ["__meta_kubernetes_ingress_label_probe", "__meta_kubernetes_ingress_labelpresent_probe"],
        "regex": "(yes);true",
    }
    assert rules[2]["replacement"] == "${1}://${2}${3}"
    assert [r.get("target_label") for r in rules[2:8]] == [
        "__param_target", "namespace", "ingress", "__tmp_ingress_address", "instance", "__address__",
    ]  # fmt: skip
    assert rules[8:] == TAIL

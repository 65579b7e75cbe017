"""ScrapeConfig generation: static, file, HTTP and Kubernetes SD blocks; class relabelings first; sharding rule."""

from __future__ import annotations

from typing import Any

from ta.core.promop import Generated, Kind, Lookups, Settings, build

LOOKUPS = Lookups(secret=lambda ns, name, key: {("ops", "sd", "token"): "t0k"}.get((ns, name, key)))


def sc(spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "ext", "namespace": "ops"}, "spec": spec}


def only_job(obj: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    outcome = build(Kind.SCRAPE_CONFIG, obj, settings or Settings(), LOOKUPS)
    assert isinstance(outcome, Generated), outcome
    (job,) = outcome.jobs
    return job


def test_static_config_without_sharding_at_one_shard() -> None:
    job = only_job(sc({"staticConfigs": [{"targets": ["a:80", "b:80"], "labels": {"z": "1", "a": "2"}}],
                       "metricsPath": "/m", "honorLabels": True}))  # fmt: skip
    assert job == {
        "job_name": "scrapeConfig/ops/ext",
        "honor_labels": True,
        "metrics_path": "/m",
        "static_configs": [{"targets": ["a:80", "b:80"], "labels": {"a": "2", "z": "1"}}],
        "relabel_configs": [{"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"}],
    }
    assert list(job["static_configs"][0]["labels"]) == ["a", "z"]


def test_sharding_added_unless_a_hashmod_rule_exists() -> None:
    sharded = only_job(sc({"staticConfigs": [{"targets": ["a:80"]}]}), Settings(shards=2))
    assert sharded["relabel_configs"][-2]["modulus"] == 2
    already = only_job(
        sc({"staticConfigs": [{"targets": ["a:80"]}],
            "relabelings": [{"sourceLabels": ["__address__"], "targetLabel": "h", "modulus": 3, "action": "HashMod"}]}),
        Settings(shards=2),
    )  # fmt: skip
    assert already["relabel_configs"][-1] == {
        "source_labels": ["__address__"], "target_label": "h", "modulus": 3, "action": "hashmod",
    }  # fmt: skip


def test_http_and_file_sd_and_class_relabelings_first() -> None:
    settings = Settings(
        scrape_classes=({"name": "c", "default": True, "relabelings": [{"targetLabel": "k", "replacement": "v"}]},)
    )
    job = only_job(
        sc({"jobName": "custom",
            "fileSDConfigs": [{"files": ["/etc/sd/*.json"], "refreshInterval": "1m"}],
            "httpSDConfigs": [{"url": "http://sd:8080/targets",
                               "authorization": {"credentials": {"name": "sd", "key": "token"}}}]}),
        settings,
    )  # fmt: skip
    assert job["file_sd_configs"] == [{"files": ["/etc/sd/*.json"], "refresh_interval": "1m"}]
    assert job["http_sd_configs"] == [
        {"authorization": {"type": "Bearer", "credentials": "t0k"}, "url": "http://sd:8080/targets"}
    ]
    assert list(job).index("file_sd_configs") < list(job).index("http_sd_configs")
    assert job["relabel_configs"][1:] == [
        {"target_label": "k", "replacement": "v"},
        {"target_label": "job", "action": "replace", "replacement": "custom"},
    ]


def test_kubernetes_sd() -> None:
    job = only_job(sc({"kubernetesSDConfigs": [{
        "role": "EndpointSlice",
        "namespaces": {"names": ["a"], "ownNamespace": True},
        "selectors": [{"role": "Pod", "label": "app=x"}],
        "attachMetadata": {"node": True},
    }, {"role": "Node", "attachMetadata": {"node": True}}]}))  # fmt: skip
    assert job["kubernetes_sd_configs"] == [
        {
            "role": "endpointslice",
            "namespaces": {"names": ["a"], "own_namespace": True},
            "selectors": [{"role": "pod", "label": "app=x"}],
            "attach_metadata": {"node": True},
        },
        {"role": "node"},
    ]

"""PodMonitor generation: the phase filter precedes the selector, ``job`` is ``<ns>/<name>``, port variants."""

from __future__ import annotations

from typing import Any

from ta.core.promop import Generated, Kind, Lookups, Settings, build


def pm(spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "pm-example", "namespace": "apps"}, "spec": spec}


def only_job(obj: dict[str, Any]) -> dict[str, Any]:
    outcome = build(Kind.POD_MONITOR, obj, Settings(), Lookups())
    assert isinstance(outcome, Generated), outcome
    (job,) = outcome.jobs
    return job


def test_phase_filter_comes_before_selector_and_job_is_namespace_slash_name() -> None:
    job = only_job(pm({"selector": {"matchLabels": {"app": "api"}}, "podMetricsEndpoints": [{"port": "metrics"}]}))
    assert job["job_name"] == "podMonitor/apps/pm-example/0"
    assert job["kubernetes_sd_configs"] == [{"role": "pod", "namespaces": {"names": ["apps"]}}]
    assert job["relabel_configs"][:9] == [
        {"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"},
        {"action": "drop", "source_labels": ["__meta_kubernetes_pod_phase"], "regex": "(Failed|Succeeded)"},
        {
            "action": "keep",
            "source_labels": ["__meta_kubernetes_pod_label_app", "__meta_kubernetes_pod_labelpresent_app"],
            "regex": "(api);true",
        },
        {"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": "metrics"},
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        {"target_label": "job", "replacement": "apps/pm-example"},
        {"target_label": "endpoint", "replacement": "metrics"},
    ]
    assert job["relabel_configs"][9]["source_labels"] == ["__address__", "__tmp_hash"]
    assert len(job["relabel_configs"]) == 12


def test_port_number_filters_on_number_and_sets_no_endpoint_label() -> None:
    job = only_job(pm({"selector": {}, "podMetricsEndpoints": [{"portNumber": 9090, "filterRunning": False}]}))
    rules = job["relabel_configs"]
    assert rules[1] == {
        "action": "keep",
        "source_labels": ["__meta_kubernetes_pod_container_port_number"],
        "regex": "9090",
    }
    assert not any(r.get("target_label") == "endpoint" for r in rules)
    assert not any(r.get("regex") == "(Failed|Succeeded)" for r in rules)


def test_pod_target_labels_job_label_and_tls_key_order() -> None:
    job = only_job(pm({
        "selector": {},
        "jobLabel": "app",
        "podTargetLabels": ["team"],
        "podMetricsEndpoints": [{"port": "m", "followRedirects": False, "tlsConfig": {"insecureSkipVerify": True}}],
    }))  # fmt: skip
    assert list(job)[-3:] == ["follow_redirects", "tls_config", "relabel_configs"]
    assert job["tls_config"] == {"insecure_skip_verify": True}
    targets = [r.get("target_label") for r in job["relabel_configs"]]
    assert targets[targets.index("team") : targets.index("endpoint") + 1] == ["team", "job", "job", "endpoint"]

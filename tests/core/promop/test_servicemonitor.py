"""ServiceMonitor generation: rule order, seed equivalence, selectors, labels, credentials, TLS and scrape classes."""

from __future__ import annotations

from typing import Any

from ta.core.promop import Generated, Kind, Lookups, Settings, build

SECRETS = {
    ("default", "auth", "user"): "alice",
    ("default", "auth", "pass"): "s3cret",
    ("default", "auth", "token"): "tok",
    ("default", "tls", "key"): "KEY",
}
CONFIGMAPS = {("default", "ca", "ca.crt"): "CA"}
LOOKUPS = Lookups(
    secret=lambda ns, name, key: SECRETS.get((ns, name, key)),
    configmap=lambda ns, name, key: CONFIGMAPS.get((ns, name, key)),
)

SHARDING = [
    {
        "source_labels": ["__address__", "__tmp_hash"],
        "target_label": "__tmp_hash",
        "regex": "(.+);",
        "replacement": "$1",
        "action": "replace",
    },
    {"source_labels": ["__tmp_hash"], "target_label": "__tmp_hash", "modulus": 1, "action": "hashmod"},
    {"source_labels": ["__tmp_hash", "__tmp_disable_sharding"], "regex": "$(SHARD);|.+;.+", "action": "keep"},
]


def sm(spec: dict[str, Any], name: str = "my-app", namespace: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": {}}, "spec": spec}


def jobs(obj: dict[str, Any], settings: Settings | None = None) -> tuple[dict[str, Any], ...]:
    outcome = build(Kind.SERVICE_MONITOR, obj, settings or Settings(), LOOKUPS)
    assert isinstance(outcome, Generated), outcome
    return outcome.jobs


def common_rules(port: str) -> list[dict[str, Any]]:
    kind = [
        "__meta_kubernetes_endpointslice_address_target_kind",
        "__meta_kubernetes_endpointslice_address_target_name",
    ]
    return [
        {"action": "keep", "source_labels": ["__meta_kubernetes_endpointslice_port_name"], "regex": port},
        {"source_labels": kind, "separator": ";", "regex": "Node;(.*)", "replacement": "${1}", "target_label": "node"},
        {"source_labels": kind, "separator": ";", "regex": "Pod;(.*)", "replacement": "${1}", "target_label": "pod"},
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
        {"action": "drop", "source_labels": ["__meta_kubernetes_pod_phase"], "regex": "(Failed|Succeeded)"},
    ]


JOB_NAME_RULE = {"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"}
JOB_RULE = {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job", "replacement": "${1}"}


def with_defaults(rule: dict[str, Any]) -> dict[str, Any]:
    """Fill Prometheus' relabel defaults, as the TA's /scrape_configs shows rules after parsing."""
    return {"separator": ";", "regex": "(.*)", "replacement": "$1", "action": "replace", **rule}


# serviceMonitor/default/my-app/0 as served by a real TA (seed 001), defaults filled in, up to the sharding block.
SEED_RULES = [
    {"action": "replace", "regex": "(.*)", "replacement": "$1", "separator": ";", "source_labels": ["job"],
     "target_label": "__tmp_prometheus_job_name"},
    {"action": "keep", "regex": "(my-app);true", "replacement": "$1", "separator": ";",
     "source_labels": ["__meta_kubernetes_service_label_app", "__meta_kubernetes_service_labelpresent_app"]},
    {"action": "keep", "regex": "prom", "replacement": "$1", "separator": ";",
     "source_labels": ["__meta_kubernetes_endpointslice_port_name"]},
    {"action": "replace", "regex": "Node;(.*)", "replacement": "${1}", "separator": ";",
     "source_labels": ["__meta_kubernetes_endpointslice_address_target_kind",
                       "__meta_kubernetes_endpointslice_address_target_name"], "target_label": "node"},
    {"action": "replace", "regex": "Pod;(.*)", "replacement": "${1}", "separator": ";",
     "source_labels": ["__meta_kubernetes_endpointslice_address_target_kind",
                       "__meta_kubernetes_endpointslice_address_target_name"], "target_label": "pod"},
    {"action": "replace", "regex": "(.*)", "replacement": "$1", "separator": ";",
     "source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
    {"action": "replace", "regex": "(.*)", "replacement": "$1", "separator": ";",
     "source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
    {"action": "replace", "regex": "(.*)", "replacement": "$1", "separator": ";",
     "source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
    {"action": "replace", "regex": "(.*)", "replacement": "$1", "separator": ";",
     "source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
    {"action": "drop", "regex": "(Failed|Succeeded)", "replacement": "$1", "separator": ";",
     "source_labels": ["__meta_kubernetes_pod_phase"]},
    {"action": "replace", "regex": "(.*)", "replacement": "${1}", "separator": ";",
     "source_labels": ["__meta_kubernetes_service_name"], "target_label": "job"},
    {"action": "replace", "regex": "(.*)", "replacement": "prom", "separator": ";", "target_label": "endpoint"},
]  # fmt: skip


def test_basic_job_matches_seed_rule_for_rule() -> None:
    (job,) = jobs(
        sm({"selector": {"matchLabels": {"app": "my-app"}}, "endpoints": [{"port": "prom", "path": "/metrics"}]})
    )
    assert list(job) == ["job_name", "honor_labels", "kubernetes_sd_configs", "metrics_path", "relabel_configs"]
    assert job["job_name"] == "serviceMonitor/default/my-app/0"
    assert job["honor_labels"] is False
    assert job["kubernetes_sd_configs"] == [{"role": "endpointslice", "namespaces": {"names": ["default"]}}]
    assert job["metrics_path"] == "/metrics"
    rules = job["relabel_configs"]
    assert [with_defaults(r) for r in rules[: len(SEED_RULES)]] == SEED_RULES
    # v0.93's sharding block (the seed came from an older operator with a two-rule block).
    assert rules[len(SEED_RULES) :] == SHARDING


def test_one_job_per_endpoint_with_interval_and_scheme() -> None:
    out = jobs(sm({
        "selector": {},
        "endpoints": [{"port": "a"}, {"port": "b", "interval": "15s", "scrapeTimeout": "5s", "scheme": "HTTPS",
                                     "params": {"z": ["1"], "a": ["2"]}, "honorTimestamps": False}],
    }))  # fmt: skip
    assert [j["job_name"] for j in out] == ["serviceMonitor/default/my-app/0", "serviceMonitor/default/my-app/1"]
    second = out[1]
    assert list(second)[:7] == [
        "job_name", "honor_labels", "honor_timestamps", "kubernetes_sd_configs", "scrape_interval",
        "scrape_timeout", "params",
    ]  # fmt: skip
    assert second["honor_timestamps"] is False
    assert second["scheme"] == "https"
    assert list(second["params"]) == ["a", "z"]
    assert "scrape_interval" not in out[0]


def test_match_expressions_become_keep_and_drop_rules_after_sorted_match_labels() -> None:
    (job,) = jobs(sm({
        "selector": {
            "matchLabels": {"z": "1", "a": "x.y"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["web", "api"]},
                {"key": "env", "operator": "NotIn", "values": ["dev"]},
                {"key": "app.kubernetes.io/name", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        },
        "endpoints": [{"port": "web"}],
    }))  # fmt: skip
    svc = "__meta_kubernetes_service_label"
    present = "__meta_kubernetes_service_labelpresent"
    assert job["relabel_configs"][1:7] == [
        {"action": "keep", "source_labels": [f"{svc}_a", f"{present}_a"], "regex": "(x.y);true"},
        {"action": "keep", "source_labels": [f"{svc}_z", f"{present}_z"], "regex": "(1);true"},
        {"action": "keep", "source_labels": [f"{svc}_tier", f"{present}_tier"], "regex": "(web|api);true"},
        {"action": "drop", "source_labels": [f"{svc}_env", f"{present}_env"], "regex": "(dev);true"},
        {"action": "keep", "source_labels": [f"{present}_app_kubernetes_io_name"], "regex": "true"},
        {"action": "drop", "source_labels": [f"{present}_legacy"], "regex": "true"},
    ]


def test_target_labels_pod_target_labels_job_label_and_user_relabelings_in_order() -> None:
    (job,) = jobs(
        sm({
            "selector": {},
            "jobLabel": "app.kubernetes.io/name",
            "targetLabels": ["team"],
            "podTargetLabels": ["version"],
            "endpoints": [{
                "targetPort": 8080,
                "filterRunning": False,
                "relabelings": [{"sourceLabels": ["__meta_x"], "targetLabel": "x", "action": "Replace"}],
                "metricRelabelings": [{"sourceLabels": ["__name__"], "regex": "go_.*", "action": "drop"}],
            }],
        }),
        Settings(pod_target_labels=("zone",)),
    )  # fmt: skip
    copy = {"regex": "(.+)", "replacement": "${1}"}
    assert job["relabel_configs"] == [
        JOB_NAME_RULE,
        {"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_number"], "regex": "8080"},
        *common_rules("unused")[1:-1],  # no phase filter: filterRunning is false
        {"source_labels": ["__meta_kubernetes_service_label_team"], "target_label": "team", **copy},
        {"source_labels": ["__meta_kubernetes_pod_label_version"], "target_label": "version", **copy},
        {"source_labels": ["__meta_kubernetes_pod_label_zone"], "target_label": "zone", **copy},
        JOB_RULE,
        {"source_labels": ["__meta_kubernetes_service_label_app_kubernetes_io_name"], "target_label": "job", **copy},
        {"target_label": "endpoint", "replacement": "8080"},
        {"source_labels": ["__meta_x"], "target_label": "x", "action": "replace"},
        *SHARDING,
    ]
    assert job["metric_relabel_configs"] == [{"source_labels": ["__name__"], "regex": "go_.*", "action": "drop"}]


def test_basic_auth_and_bearer_secret_are_inlined_in_operator_key_order() -> None:
    outcome = build(
        Kind.SERVICE_MONITOR,
        sm({"selector": {}, "endpoints": [
            {"port": "a", "basicAuth": {"username": {"name": "auth", "key": "user"},
                                        "password": {"name": "auth", "key": "pass"}}},
            {"port": "b", "bearerTokenSecret": {"name": "auth", "key": "token"}},
            {"port": "c", "authorization": {"credentials": {"name": "auth", "key": "token"}}},
        ]}),
        Settings(),
        LOOKUPS,
    )  # fmt: skip
    assert isinstance(outcome, Generated)
    first, second, third = outcome.jobs
    assert first["basic_auth"] == {"username": "alice", "password": "s3cret"}
    assert list(first).index("basic_auth") == list(first).index("relabel_configs") - 1
    assert second["bearer_token"] == "tok"
    assert third["authorization"] == {"type": "Bearer", "credentials": "tok"}
    assert [(r.source, r.name, r.key) for r in outcome.dependencies] == [
        ("secret", "auth", "pass"),
        ("secret", "auth", "token"),
        ("secret", "auth", "user"),
    ]


def test_tls_is_inlined_from_configmap_and_secrets() -> None:
    (job,) = jobs(sm({"selector": {}, "endpoints": [{"port": "https", "scheme": "https", "tlsConfig": {
        "ca": {"configMap": {"name": "ca", "key": "ca.crt"}},
        "cert": {"secret": {"name": "auth", "key": "user"}},
        "keySecret": {"name": "tls", "key": "key"},
        "serverName": "svc.local",
        "insecureSkipVerify": False,
    }}]}))  # fmt: skip
    assert job["tls_config"] == {
        "insecure_skip_verify": False,
        "ca": "CA",
        "cert": "alice",
        "key": "KEY",
        "server_name": "svc.local",
    }
    assert list(job).index("tls_config") < list(job).index("relabel_configs")


def test_scrape_class_default_and_named() -> None:
    classes = (
        {"name": "default", "default": True, "relabelings": [{"targetLabel": "cls", "replacement": "default"}]},
        {
            "name": "secure",
            "tlsConfig": {"caFile": "/etc/ca.crt"},
            "authorization": {"credentialsFile": "/var/run/token"},
            "attachMetadata": {"node": True},
            "relabelings": [{"targetLabel": "cls", "replacement": "secure"}],
            "metricRelabelings": [{"regex": "tmp_.*", "action": "labeldrop"}],
        },
    )
    settings = Settings(scrape_classes=classes)
    (plain,) = jobs(sm({"selector": {}, "endpoints": [{"port": "a"}]}), settings)
    assert plain["relabel_configs"][-4] == {"target_label": "cls", "replacement": "default"}
    assert "tls_config" not in plain
    (named,) = jobs(
        sm({"selector": {}, "scrapeClass": "secure", "endpoints": [{"port": "a", "metricRelabelings": [
            {"sourceLabels": ["a"], "targetLabel": "b"}]}]}),
        settings,
    )  # fmt: skip
    assert named["kubernetes_sd_configs"][0]["attach_metadata"] == {"node": True}
    assert named["tls_config"] == {"ca_file": "/etc/ca.crt"}
    assert named["authorization"] == {"type": "Bearer", "credentials_file": "/var/run/token"}
    assert named["relabel_configs"][-5:-3] == [
        {"target_label": "endpoint", "replacement": "a"},
        {"target_label": "cls", "replacement": "secure"},
    ]
    assert named["metric_relabel_configs"] == [
        {"regex": "tmp_.*", "action": "labeldrop"},
        {"source_labels": ["a"], "target_label": "b"},
    ]


def test_namespace_selector_any_match_names_and_role_selector() -> None:
    (any_ns,) = jobs(sm({"selector": {}, "namespaceSelector": {"any": True, "matchNames": ["x"]}, "endpoints": [{}]}))
    assert any_ns["kubernetes_sd_configs"] == [{"role": "endpointslice"}]
    (names,) = jobs(sm({"selector": {}, "namespaceSelector": {"matchNames": ["b", "a"]}, "endpoints": [{}]}))
    assert names["kubernetes_sd_configs"][0]["namespaces"] == {"names": ["b", "a"]}
    (ignored,) = jobs(
        sm({"selector": {}, "namespaceSelector": {"any": True}, "endpoints": [{}]}),
        Settings(ignore_namespace_selectors=True),
    )
    assert ignored["kubernetes_sd_configs"][0]["namespaces"] == {"names": ["default"]}
    (role,) = jobs(sm({
        "selector": {"matchLabels": {"group": "g1"}, "matchExpressions": [
            {"key": "alpha", "operator": "In", "values": ["gamma", "beta"]}]},
        "selectorMechanism": "RoleSelector",
        "serviceDiscoveryRole": "Endpoints",
        "endpoints": [{"port": "web"}],
    }))  # fmt: skip
    assert role["kubernetes_sd_configs"][0]["selectors"] == [
        {"role": "endpoints", "label": "alpha in (beta,gamma),group=g1"},
        {"role": "service", "label": "alpha in (beta,gamma),group=g1"},
    ]
    assert role["relabel_configs"][1] == {
        "action": "keep",
        "source_labels": ["__meta_kubernetes_endpoint_port_name"],
        "regex": "web",
    }
    # No endpoint label when neither port nor targetPort is set.
    assert not any(r.get("target_label") == "endpoint" for r in any_ns["relabel_configs"])

from typing import Any

import pytest
import yaml

from ta.core.config.errors import ConfigError
from ta.core.config.mapping import config_from_mapping, config_to_mapping
from ta.core.config.model import DEFAULT_SCRAPE_PROTOCOLS, TAConfig
from ta.core.config.selector import EVERYTHING, LabelSelector, Requirement
from ta.core.config.yamltext import load_yaml_mapping

BASE = TAConfig(kube_config_file_path="/home/ta/.kube/config")


def decode(text: str) -> tuple[TAConfig, tuple[str, ...]]:
    return config_from_mapping(load_yaml_mapping(text, source="test"), base=BASE)


# Modelled on what internal/manifests/targetallocator/configmap.go writes with yaml.v2 for a TargetAllocator
# bound to a collector: lowercase selector fields, Go duration strings, `$$` already unescaped to `$`.
OPERATOR_CONFIGMAP = """\
allocation_strategy: consistent-hashing
collector_selector:
  matchlabels:
    app.kubernetes.io/component: opentelemetry-collector
    app.kubernetes.io/instance: monitoring.otel
    app.kubernetes.io/managed-by: opentelemetry-operator
    app.kubernetes.io/part-of: opentelemetry
  matchexpressions: []
config:
  global:
    scrape_interval: 15s
    scrape_protocols:
    - PrometheusProto
  scrape_configs:
  - job_name: kubelet
    scheme: https
    kubernetes_sd_configs:
    - role: node
    relabel_configs:
    - action: labelmap
      regex: __meta_kubernetes_node_label_(.+)
    - source_labels: [__address__]
      target_label: instance
      replacement: $1
filter_strategy: relabel-config
prometheus_cr:
  enabled: true
  scrape_interval: 30s
  evaluation_interval: 1m0s
  scrape_protocols:
  - PrometheusProto
  - OpenMetricsText1.0.0
  scrape_classes:
  - name: tls
    default: true
    tlsconfig:
      cafile: /etc/ca.pem
  allow_namespaces:
  - team-a
  secret_namespaces:
  - monitoring
  - team-a
  deny_fs_access_through_sms: true
  service_monitor_namespace_selector:
    matchlabels: {}
    matchexpressions: []
  service_monitor_selector:
    matchlabels:
      release: prod
    matchexpressions: []
  pod_monitor_namespace_selector: null
  pod_monitor_selector: null
  scrape_config_namespace_selector: null
  scrape_config_selector: null
  probe_namespace_selector: null
  probe_selector:
    matchexpressions:
    - key: team
      operator: In
      values:
      - a
https:
  ca_file_path: /tls/ca.crt
  enabled: true
  listen_addr: :8443
  tls_cert_file_path: /tls/tls.crt
  tls_key_file_path: /tls/tls.key
allow_insecure_auth_secrets: true
collector_not_ready_grace_period: 45s
"""


def test_operator_configmap_is_accepted_verbatim() -> None:
    config, ignored = decode(OPERATOR_CONFIGMAP)
    assert ignored == ()
    assert config.collector_selector == LabelSelector(
        match_labels=(
            ("app.kubernetes.io/component", "opentelemetry-collector"),
            ("app.kubernetes.io/instance", "monitoring.otel"),
            ("app.kubernetes.io/managed-by", "opentelemetry-operator"),
            ("app.kubernetes.io/part-of", "opentelemetry"),
        )
    )
    assert config.allocation_strategy == "consistent-hashing"
    assert config.filter_strategy == "relabel-config"
    prom = config.prometheus_config_dict()
    assert prom is not None
    assert prom["global"] == {"scrape_interval": "15s", "scrape_protocols": ["PrometheusProto"]}
    assert prom["scrape_configs"][0]["relabel_configs"][1]["replacement"] == "$1"
    assert config.scrape_config_count() == 1
    cr = config.prometheus_cr
    assert cr.enabled and cr.deny_fs_access_through_sms
    assert (cr.scrape_interval, cr.evaluation_interval) == (30.0, 60.0)
    assert cr.scrape_protocols == ("PrometheusProto", "OpenMetricsText1.0.0")
    assert cr.scrape_classes is not None
    assert cr.scrape_classes.value() == [{"name": "tls", "default": True, "tlsconfig": {"cafile": "/etc/ca.pem"}}]
    assert cr.allow_namespaces == ("team-a",)
    assert cr.secret_namespaces == ("monitoring", "team-a")
    assert cr.service_monitor_namespace_selector == EVERYTHING
    assert cr.service_monitor_selector == LabelSelector(match_labels=(("release", "prod"),))
    assert cr.pod_monitor_selector is None
    assert cr.pod_monitor_namespace_selector == EVERYTHING
    assert cr.probe_selector == LabelSelector(
        match_expressions=(Requirement(key="team", operator="In", values=("a",)),)
    )
    assert config.https.enabled
    assert (config.https.ca_file_path, config.https.tls_cert_file_path, config.https.tls_key_file_path) == (
        "/tls/ca.crt",
        "/tls/tls.crt",
        "/tls/tls.key",
    )
    assert config.allow_insecure_auth_secrets
    assert config.collector_not_ready_grace_period == 45.0


def test_standalone_operator_output_with_null_selector() -> None:
    config, _ = decode("collector_selector: null\nallocation_strategy: least-weighted\nfilter_strategy: ''\n")
    assert config.collector_selector is None
    assert config.allocation_strategy == "least-weighted"
    assert config.filter_strategy == ""
    assert not config.relabel_filtering


def test_empty_file_gives_upstream_defaults() -> None:
    config, ignored = decode("")
    assert config == BASE
    assert ignored == ()
    assert config.listen_addr == ":8080"
    assert config.collector_namespace == ""
    assert config.collector_selector is None
    assert config.prometheus_config is None
    assert config.allocation_strategy == "consistent-hashing"
    assert config.allocation_fallback_strategy == ""
    assert config.filter_strategy == "relabel-config"
    assert config.collector_not_ready_grace_period == 30.0
    assert not config.allow_insecure_auth_secrets
    assert config.telemetry is None
    cr = config.prometheus_cr
    assert not cr.enabled
    assert (cr.scrape_interval, cr.evaluation_interval) == (30.0, 0.0)
    assert cr.scrape_protocols == DEFAULT_SCRAPE_PROTOCOLS
    assert cr.scrape_classes is None
    assert (cr.service_monitor_selector, cr.pod_monitor_selector, cr.probe_selector, cr.scrape_config_selector) == (
        None,
        None,
        None,
        None,
    )
    assert cr.service_monitor_namespace_selector == EVERYTHING
    assert cr.scrape_config_namespace_selector == EVERYTHING
    assert (cr.allow_namespaces, cr.deny_namespaces, cr.secret_namespaces) == ((), (), ())
    assert not cr.deny_fs_access_through_sms
    assert config.https.listen_addr == ":8443"
    assert not config.https.enabled


def test_null_everywhere_keeps_defaults() -> None:
    keys = [
        "listen_addr",
        "kube_config_file_path",
        "collector_namespace",
        "collector_selector",
        "config",
        "allocation_strategy",
        "prometheus_cr",
        "https",
        "telemetry",
        "collector_not_ready_grace_period",
        "allow_insecure_auth_secrets",
    ]
    config, _ = decode("".join(f"{key}: null\n" for key in keys))
    assert config == BASE
    nested, _ = decode("prometheus_cr:\n  scrape_interval: null\n  service_monitor_namespace_selector: null\n")
    assert nested == BASE


def test_unknown_keys_are_ignored_but_reported() -> None:
    config, ignored = decode(
        "some_key: some_value\nlisten_addr: ':9000'\nprometheus_cr: {enabled: true, scrape_intervall: 5s}\n"
        "https: {port: 1}\ncollector_selector: {matchLables: {a: b}}\n"
    )
    assert config.listen_addr == ":9000"
    assert config.prometheus_cr.scrape_interval == 30.0
    assert config.collector_selector == EVERYTHING
    assert ignored == (
        "collector_selector.matchLables",
        "https.port",
        "prometheus_cr.scrape_intervall",
        "some_key",
    )


def test_integer_durations_are_nanoseconds_as_upstream() -> None:
    config, _ = decode("collector_not_ready_grace_period: 0\nprometheus_cr: {scrape_interval: 1500000000}\n")
    assert config.collector_not_ready_grace_period == 0.0
    assert config.prometheus_cr.scrape_interval == 1.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "collector_not_ready_grace_period: 1d",
            'collector_not_ready_grace_period: time: unknown unit "d" in duration "1d"',
        ),
        (
            "prometheus_cr: {scrape_interval: '30'}",
            'prometheus_cr.scrape_interval: time: missing unit in duration "30"',
        ),
        ("prometheus_cr: {enabled: yes please}", 'prometheus_cr.enabled: expected a boolean, got "yes please"'),
        ("listen_addr: 8080", "listen_addr: expected a string, got 8080"),
        ("allow_insecure_auth_secrets: 'true'", 'allow_insecure_auth_secrets: expected a boolean, got "true"'),
        (
            "prometheus_cr: {allow_namespaces: ns1}",
            'prometheus_cr.allow_namespaces: expected a list of strings, got "ns1"',
        ),
        ("prometheus_cr: {deny_namespaces: [a, 1]}", "prometheus_cr.deny_namespaces[1]: expected a string, got 1"),
        ("prometheus_cr: [enabled]", "prometheus_cr: expected a mapping, got a list"),
        ("https: true", "https: expected a mapping, got true"),
        ("https: {enabled: 1}", "https.enabled: expected a boolean, got 1"),
        ("config: scrape_configs", 'config: expected a mapping, got "scrape_configs"'),
        ("config: {scrape_configs: {job_name: a}}", "config.scrape_configs: expected a list, got a mapping"),
        ("prometheus_cr: {scrape_classes: {name: a}}", "prometheus_cr.scrape_classes: expected a list, got a mapping"),
        ("collector_selector: app=x", 'collector_selector: expected a label selector mapping, got "app=x"'),
        (
            "prometheus_cr: {pod_monitor_selector: {matchExpressions: [{key: a, operator: Equals, values: [b]}]}}",
            'prometheus_cr.pod_monitor_selector.matchExpressions[0].operator: "Equals" is not a valid label selector '
            "operator",
        ),
        (
            "collector_not_ready_grace_period: 1.5",
            'collector_not_ready_grace_period: expected a duration such as "30s", got 1.5',
        ),
    ],
)
def test_type_errors_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        decode(text)
    assert str(caught.value) == message


def _every_key_set() -> dict[str, Any]:
    selector = {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "NotIn", "values": ["x"]}]}
    return {
        "listen_addr": ":9090",
        "kube_config_file_path": "/etc/kube",
        "collector_namespace": "obs",
        "collector_selector": selector,
        "config": {"global": {"scrape_interval": "1m"}, "scrape_configs": [{"job_name": "j"}]},
        "allocation_strategy": "per-node",
        "allocation_fallback_strategy": "consistent-hashing",
        "filter_strategy": "none",
        "prometheus_cr": {
            "enabled": True,
            "scrape_interval": "1m30s",
            "evaluation_interval": "15s",
            "scrape_protocols": ["PrometheusProto"],
            "scrape_classes": [{"name": "c", "default": False}],
            "service_monitor_selector": selector,
            "pod_monitor_selector": {},
            "probe_selector": {"matchLabels": {"p": "q"}},
            "scrape_config_selector": {"matchExpressions": [{"key": "k", "operator": "Exists"}]},
            "service_monitor_namespace_selector": {"matchLabels": {"ns": "a"}},
            "pod_monitor_namespace_selector": {"matchLabels": {"ns": "b"}},
            "probe_namespace_selector": {"matchLabels": {"ns": "c"}},
            "scrape_config_namespace_selector": {"matchLabels": {"ns": "d"}},
            "allow_namespaces": ["a", "b"],
            "deny_namespaces": ["c"],
            "secret_namespaces": ["s"],
            "deny_fs_access_through_sms": True,
        },
        "https": {
            "enabled": True,
            "listen_addr": ":9443",
            "ca_file_path": "/ca",
            "tls_cert_file_path": "/cert",
            "tls_key_file_path": "/key",
        },
        "collector_not_ready_grace_period": "2m0s",
        "allow_insecure_auth_secrets": True,
        "telemetry": {"metrics": {"readers": [{"periodic": {"exporter": {"otlp_grpc": {"endpoint": "c:4317"}}}}]}},
    }


def test_every_key_is_decoded_and_rendered_back_unchanged() -> None:
    written = _every_key_set()
    config, ignored = config_from_mapping(written, base=BASE)
    assert ignored == ()
    assert config_to_mapping(config) == written
    assert config.collector_not_ready_grace_period == 120.0
    assert config.prometheus_cr.scrape_interval == 90.0
    assert config.prometheus_cr.probe_namespace_selector == LabelSelector(match_labels=(("ns", "c"),))
    assert config.prometheus_cr.pod_monitor_selector == EVERYTHING
    assert config.allocation_fallback_strategy == "consistent-hashing"


def test_rendering_survives_a_yaml_round_trip() -> None:
    config, _ = decode(OPERATOR_CONFIGMAP)
    again, ignored = decode(yaml.safe_dump(config_to_mapping(config)))
    assert ignored == ()
    assert again == config


def test_defaults_render_and_decode_to_themselves() -> None:
    again, _ = config_from_mapping(config_to_mapping(BASE), base=TAConfig())
    assert again == BASE

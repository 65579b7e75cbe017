import argparse
from collections.abc import Callable, Mapping

import pytest

from ta.core.config.errors import ConfigError
from ta.core.config.flags import add_run_flags
from ta.core.config.load import LoadedConfig, LogOptions, load_config

MINIMAL = "collector_namespace: file-ns\nprometheus_cr: {enabled: true}\n"


def args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_run_flags(parser)
    return parser.parse_args(list(argv))


def files(contents: Mapping[str, str]) -> Callable[[str], str]:
    def read_text(path: str) -> str:
        if path not in contents:
            raise FileNotFoundError(2, "No such file or directory", path)
        return contents[path]

    return read_text


def load(
    text: str = MINIMAL,
    *argv: str,
    env: Mapping[str, str] | None = None,
    existing: frozenset[str] = frozenset({"/home/ta/.kube/config"}),
) -> LoadedConfig:
    return load_config(
        args(*argv),
        {"HOME": "/home/ta", **(env or {})},
        files({"/conf/targetallocator.yaml": text, "/other.yaml": text}),
        lambda path: path in existing,
    )


def error(text: str = MINIMAL, *argv: str, env: Mapping[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(text, *argv, env=env)
    return str(caught.value)


def test_reads_the_default_config_file() -> None:
    loaded = load()
    assert loaded.config_file == "/conf/targetallocator.yaml"
    assert loaded.config.collector_namespace == "file-ns"
    assert loaded.ignored_keys == ()
    assert loaded.journal_path is None


def test_config_file_flag_picks_the_file() -> None:
    assert load(MINIMAL, "--config-file", "/other.yaml").config_file == "/other.yaml"


def test_missing_config_file_is_an_error_as_upstream() -> None:
    assert error(MINIMAL, "--config-file=/missing.yaml") == "open /missing.yaml: no such file or directory"


def test_unreadable_file_reports_the_os_reason() -> None:
    def denied(path: str) -> str:
        raise PermissionError(13, "Permission denied", path)

    with pytest.raises(ConfigError) as caught:
        load_config(args(), {}, denied, lambda path: True)
    assert str(caught.value) == "open /conf/targetallocator.yaml: permission denied"


def test_file_errors_name_the_file_and_key() -> None:
    assert error("collector_not_ready_grace_period: 1d\n") == (
        "config file /conf/targetallocator.yaml: collector_not_ready_grace_period: "
        'time: unknown unit "d" in duration "1d"'
    )
    assert error("prometheus_cr:\n  enabled: yes please\n") == (
        'config file /conf/targetallocator.yaml: prometheus_cr.enabled: expected a boolean, got "yes please"'
    )
    assert error("a: [1\n").startswith(
        "config file /conf/targetallocator.yaml: error unmarshaling YAML: line 2, column 1:"
    )


def test_kubeconfig_defaults_to_home_and_falls_back_to_in_cluster() -> None:
    present = load()
    assert present.config.kube_config_file_path == "/home/ta/.kube/config"
    assert not present.config.in_cluster
    assert present.missing_kubeconfig == ""
    missing = load(MINIMAL, existing=frozenset())
    assert missing.config.kube_config_file_path == ""
    assert missing.config.in_cluster
    assert missing.missing_kubeconfig == "/home/ta/.kube/config"


def test_kubeconfig_flag_beats_file() -> None:
    text = MINIMAL + "kube_config_file_path: /from/file\n"
    assert load(text, existing=frozenset({"/from/file"})).config.kube_config_file_path == "/from/file"
    flagged = load(text, "--kubeconfig-path=/from/flag", existing=frozenset({"/from/flag"}))
    assert flagged.config.kube_config_file_path == "/from/flag"


def test_env_overrides_file() -> None:
    loaded = load(MINIMAL, env={"OTELCOL_NAMESPACE": "env-ns", "ALLOW_INSECURE_AUTH_SECRETS": "true"})
    assert loaded.config.collector_namespace == "env-ns"
    assert loaded.config.allow_insecure_auth_secrets


def test_allow_insecure_env_needs_literal_true() -> None:
    for value in ("True", "1", "yes", "false", ""):
        assert not load(MINIMAL, env={"ALLOW_INSECURE_AUTH_SECRETS": value}).config.allow_insecure_auth_secrets


def test_env_cannot_turn_allow_insecure_off() -> None:
    text = MINIMAL + "allow_insecure_auth_secrets: true\n"
    assert load(text, env={"ALLOW_INSECURE_AUTH_SECRETS": "false"}).config.allow_insecure_auth_secrets


def test_empty_namespace_env_still_overrides() -> None:
    assert error(MINIMAL, env={"OTELCOL_NAMESPACE": ""}) == "collector namespace must be set"


def test_flags_beat_env_and_file() -> None:
    text = (
        "collector_namespace: file-ns\nlisten_addr: ':9090'\nallow_insecure_auth_secrets: true\n"
        "prometheus_cr: {enabled: false}\nconfig: {scrape_configs: [{job_name: a}]}\n"
        "https: {enabled: false, listen_addr: ':1', ca_file_path: /f/ca,"
        " tls_cert_file_path: /f/c, tls_key_file_path: /f/k}\n"
    )
    loaded = load(
        text,
        "--listen-addr=:8888",
        "--enable-prometheus-cr-watcher=true",
        "--enable-https-server",
        "--listen-addr-https=:8443",
        "--https-ca-file=/cli/ca",
        "--https-tls-cert-file=/cli/cert",
        "--https-tls-key-file=/cli/key",
        "--allow-insecure-auth-secrets=false",
        env={"OTELCOL_NAMESPACE": "env-ns", "ALLOW_INSECURE_AUTH_SECRETS": "true"},
    )
    config = loaded.config
    assert config.collector_namespace == "env-ns"
    assert config.listen_addr == ":8888"
    assert config.prometheus_cr.enabled
    assert config.https.enabled
    assert config.https.listen_addr == ":8443"
    assert (config.https.ca_file_path, config.https.tls_cert_file_path, config.https.tls_key_file_path) == (
        "/cli/ca",
        "/cli/cert",
        "/cli/key",
    )
    assert not config.allow_insecure_auth_secrets


def test_flags_left_at_default_do_not_override_the_file() -> None:
    text = MINIMAL + "listen_addr: ':7070'\nhttps: {enabled: true, listen_addr: ':7443'}\n"
    config = load(text).config
    assert config.listen_addr == ":7070"
    assert config.https.enabled
    assert config.https.listen_addr == ":7443"


def test_validation_runs_after_merging_in_upstream_order() -> None:
    assert error("collector_namespace: ns\n") == (
        "at least one scrape config must be defined, or Prometheus CR watching must be enabled"
    )
    assert load("collector_namespace: ns\n", "--enable-prometheus-cr-watcher").config.prometheus_cr.enabled
    assert error("prometheus_cr: {enabled: true}\n") == "collector namespace must be set"
    assert load("prometheus_cr: {enabled: true}\n", env={"OTELCOL_NAMESPACE": "x"}).config.collector_namespace == "x"
    assert error(MINIMAL + "allocation_strategy: foo\n") == (
        'allocation_strategy: unknown allocation strategy "foo" '
        "(valid: consistent-hashing, least-weighted, per-node, rendezvous-bounded)"
    )


def test_ignored_keys_are_reported() -> None:
    loaded = load(MINIMAL + "some_key: 1\nhttps: {enable: true}\n")
    assert loaded.ignored_keys == ("https.enable", "some_key")


def test_run_extras_and_logging_options() -> None:
    default = load().logging
    assert default == LogOptions(
        format="json", level="info", stacktrace_level="error", time_encoding="rfc3339", development=False
    )
    devel = load(MINIMAL, "--zap-devel").logging
    assert (devel.format, devel.level, devel.stacktrace_level, devel.development) == ("console", "debug", "warn", True)
    chosen = load(MINIMAL, "--zap-encoder=console", "--log-format=json", "--zap-log-level=2", "--journal=/j").logging
    assert (chosen.format, chosen.level) == ("json", "2")
    assert load(MINIMAL, "--journal=/tmp/j.jsonl").journal_path == "/tmp/j.jsonl"


def test_debug_events_on_the_plain_port_only_when_asked() -> None:
    assert load().debug_events_on_plain_port is False
    assert load(MINIMAL, "--enable-debug-events-on-plain-port").debug_events_on_plain_port is True
    assert load(MINIMAL, "--enable-debug-events-on-plain-port=false").debug_events_on_plain_port is False


def test_namespace_without_some_flags_is_tolerated() -> None:
    loaded = load_config(
        argparse.Namespace(listen_addr=":1"), {"HOME": "/h"}, files({"/conf/targetallocator.yaml": MINIMAL}), bool
    )
    assert loaded.config.listen_addr == ":1"

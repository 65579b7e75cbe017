import argparse

import pytest

from ta.core.config.flags import add_run_flags, go_bool, zap_level


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_run_flags(parser)
    return parser.parse_args(list(argv))


def test_nothing_given_means_every_flag_is_none() -> None:
    args = parse()
    assert all(value is None for value in vars(args).values())
    assert sorted(vars(args)) == sorted(
        [
            "config_file",
            "listen_addr",
            "enable_prometheus_cr_watcher",
            "kubeconfig_path",
            "enable_https_server",
            "listen_addr_https",
            "https_ca_file",
            "https_tls_cert_file",
            "https_tls_key_file",
            "allow_insecure_auth_secrets",
            "zap_devel",
            "zap_encoder",
            "zap_log_level",
            "zap_stacktrace_level",
            "zap_time_encoding",
            "journal",
            "log_format",
            "enable_debug_events_on_plain_port",
        ]
    )


def test_space_and_equals_forms() -> None:
    args = parse(
        "--config-file=/c.yaml",
        "--listen-addr",
        ":8081",
        "--kubeconfig-path=/k",
        "--listen-addr-https=:9443",
        "--https-ca-file",
        "/ca",
        "--https-tls-cert-file=/cert",
        "--https-tls-key-file=/key",
        "--journal=/j.jsonl",
        "--log-format",
        "console",
    )
    assert args.config_file == "/c.yaml"
    assert args.listen_addr == ":8081"
    assert args.kubeconfig_path == "/k"
    assert args.listen_addr_https == ":9443"
    assert (args.https_ca_file, args.https_tls_cert_file, args.https_tls_key_file) == ("/ca", "/cert", "/key")
    assert args.journal == "/j.jsonl"
    assert args.log_format == "console"


def test_boolean_flags_take_optional_go_values() -> None:
    args = parse(
        "--enable-https-server", "--enable-prometheus-cr-watcher=false", "--allow-insecure-auth-secrets", "true"
    )
    assert args.enable_https_server is True
    assert args.enable_prometheus_cr_watcher is False
    assert args.allow_insecure_auth_secrets is True


def test_explicit_default_values_still_count_as_given() -> None:
    args = parse("--listen-addr=:8080", "--enable-https-server=false")
    assert args.listen_addr == ":8080"
    assert args.enable_https_server is False


def test_zap_flags_are_accepted() -> None:
    args = parse(
        "--zap-devel",
        "--zap-encoder=console",
        "--zap-log-level=debug",
        "--zap-stacktrace-level",
        "panic",
        "--zap-time-encoding=iso8601",
    )
    assert args.zap_devel is True
    assert (args.zap_encoder, args.zap_log_level, args.zap_stacktrace_level, args.zap_time_encoding) == (
        "console",
        "debug",
        "panic",
        "iso8601",
    )
    assert parse("--zap-log-level=3").zap_log_level == "3"


@pytest.mark.parametrize(
    "argv",
    [
        ["--zap-encoder=xml"],
        ["--zap-log-level=loud"],
        ["--zap-log-level=0"],
        ["--zap-time-encoding=unix"],
        ["--log-format=text"],
        ["--enable-https-server=maybe"],
        ["--unknown-flag"],
    ],
)
def test_bad_flag_values_are_rejected(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_run_flags(parser)
    with pytest.raises((argparse.ArgumentError, SystemExit)):
        parser.parse_args(argv)


def test_go_bool_spellings() -> None:
    assert [go_bool(text) for text in ("1", "t", "T", "TRUE", "true", "True")] == [True] * 6
    assert [go_bool(text) for text in ("0", "f", "F", "FALSE", "false", "False")] == [False] * 6
    with pytest.raises(argparse.ArgumentTypeError):
        go_bool("yes")


def test_zap_level_names() -> None:
    assert zap_level("info") == "info"
    with pytest.raises(argparse.ArgumentTypeError):
        zap_level("-1")

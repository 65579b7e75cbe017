"""Command-line flags of ``ta run``: upstream's TA flags, the controller-runtime zap flags, and ours.

In: an ``argparse.ArgumentParser`` (the lead's ``run`` subcommand). Out: the flags added to it. Every
config-bearing flag defaults to ``None`` so ``ta.core.config.load`` can tell "given" from "left at default" (upstream
only lets a flag override the file when it was set). Boolean flags take an optional Go-style value:
``--enable-https-server``, ``--enable-https-server=false``, ``--enable-https-server true``.

Namespace attributes: config_file, listen_addr, enable_prometheus_cr_watcher, kubeconfig_path,
enable_https_server, listen_addr_https, https_ca_file, https_tls_cert_file, https_tls_key_file,
allow_insecure_auth_secrets, zap_devel, zap_encoder, zap_log_level, zap_stacktrace_level, zap_time_encoding,
journal, log_format, enable_debug_events_on_plain_port.
"""

from __future__ import annotations

import argparse
from typing import Any, Protocol

from ta.core.config.model import DEFAULT_CONFIG_FILE, DEFAULT_HTTPS_LISTEN_ADDR, DEFAULT_LISTEN_ADDR

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
ZAP_LEVELS = ("debug", "info", "warn", "error", "dpanic", "panic", "fatal")
ZAP_TIME_ENCODINGS = ("epoch", "millis", "nano", "iso8601", "rfc3339", "rfc3339nano")
LOG_FORMATS = ("json", "console")


def go_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``, which is what pflag uses for boolean flag values."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f'invalid boolean value "{text}" (use true or false)')


def zap_level(text: str) -> str:
    """A zap level name, or a positive integer meaning that much extra verbosity below debug."""
    if text in ZAP_LEVELS or (text.isdigit() and int(text) > 0):
        return text
    raise argparse.ArgumentTypeError(
        f'invalid log level "{text}" (use one of {", ".join(ZAP_LEVELS)} or an integer > 0)'
    )


class _FlagTarget(Protocol):
    """An argument parser or one of its groups."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action: ...


def _bool_flag(parser: _FlagTarget, name: str, help_text: str) -> None:
    parser.add_argument(name, nargs="?", const=True, default=None, type=go_bool, metavar="BOOL", help=help_text)


def _text_flag(parser: _FlagTarget, name: str, metavar: str, help_text: str) -> None:
    parser.add_argument(name, default=None, metavar=metavar, help=help_text)


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """Add the ``run`` flags to ``parser`` (``--flag value`` and ``--flag=value`` both work)."""
    ta = parser.add_argument_group("target allocator")
    _text_flag(ta, "--config-file", "PATH", f"config file (default {DEFAULT_CONFIG_FILE})")
    _text_flag(ta, "--listen-addr", "ADDR", f"HTTP listen address (default {DEFAULT_LISTEN_ADDR})")
    _bool_flag(ta, "--enable-prometheus-cr-watcher", "watch Prometheus operator CRs for scrape targets")
    _text_flag(ta, "--kubeconfig-path", "PATH", "kubeconfig file (default $HOME/.kube/config)")
    _bool_flag(ta, "--enable-https-server", "also serve over mTLS")
    _text_flag(ta, "--listen-addr-https", "ADDR", f"HTTPS listen address (default {DEFAULT_HTTPS_LISTEN_ADDR})")
    _text_flag(ta, "--https-ca-file", "PATH", "CA for client certificates")
    _text_flag(ta, "--https-tls-cert-file", "PATH", "HTTPS server certificate")
    _text_flag(ta, "--https-tls-key-file", "PATH", "HTTPS server key")
    _bool_flag(ta, "--allow-insecure-auth-secrets", "serve secret values over plain HTTP (only behind a secure mesh)")

    zap = parser.add_argument_group("logging (controller-runtime zap flags)")
    _bool_flag(zap, "--zap-devel", "development defaults: console output, debug level")
    zap.add_argument("--zap-encoder", default=None, choices=LOG_FORMATS, help="log encoding")
    zap.add_argument("--zap-log-level", default=None, type=zap_level, metavar="LEVEL", help="minimum log level")
    zap.add_argument("--zap-stacktrace-level", default=None, type=zap_level, metavar="LEVEL", help="stack trace level")
    zap.add_argument("--zap-time-encoding", default=None, choices=ZAP_TIME_ENCODINGS, help="timestamp format")

    ours = parser.add_argument_group("ta extras")
    ours.add_argument("--journal", default=None, metavar="PATH", help="write the input journal to PATH")
    ours.add_argument("--log-format", default=None, choices=LOG_FORMATS, help="log encoding (overrides --zap-encoder)")
    add_debug_events_flag(ours)


def add_debug_events_flag(parser: _FlagTarget) -> None:
    """``--enable-debug-events-on-plain-port`` (``ta run`` and ``ta replay --serve``)."""
    _bool_flag(
        parser,
        "--enable-debug-events-on-plain-port",
        "also serve /debug/events (every input: names, labels, secret digests) on the plain HTTP port; "
        "without it only mTLS clients get it",
    )

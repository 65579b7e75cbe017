"""Assemble the effective TA configuration: defaults < config file < environment < explicitly given flags.

In: the parsed ``run`` flags (see ``ta.core.config.flags``), the environment, and two injected file-system
functions (read a file's text; does a path exist), so this module does no I/O of its own. Out:
``LoadedConfig`` (the validated ``TAConfig``, the config file that was read, the keys upstream would ignore,
the journal path and logging options), or ``ConfigError`` with a one-line message.

Environment: ``OTELCOL_NAMESPACE`` (when set, even empty) replaces ``collector_namespace``;
``ALLOW_INSECURE_AUTH_SECRETS`` turns that setting on only for the literal ``true``. The kubeconfig default
is ``$HOME/.kube/config``; when the chosen kubeconfig file does not exist the path becomes ``""``, meaning
in-cluster credentials, as upstream.
"""

from __future__ import annotations

import argparse
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ta.core.config.errors import ConfigError
from ta.core.config.mapping import config_from_mapping
from ta.core.config.model import DEFAULT_CONFIG_FILE, TAConfig
from ta.core.config.validate import validate_config
from ta.core.config.yamltext import load_yaml_mapping


@dataclass(frozen=True, slots=True, kw_only=True)
class LogOptions:
    format: str  # "json" or "console"
    level: str  # zap level name, or a positive integer for extra verbosity below debug
    stacktrace_level: str
    time_encoding: str
    development: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadedConfig:
    config: TAConfig
    config_file: str  # the file that was read
    ignored_keys: tuple[str, ...]  # dotted names of keys in the file that have no effect (sorted)
    missing_kubeconfig: str  # the kubeconfig path that did not exist ("" when none), to log once
    journal_path: str | None
    logging: LogOptions
    debug_events_on_plain_port: bool = False  # serve /debug/events without a client certificate (our flag)


def _flag(args: argparse.Namespace, name: str) -> Any:
    # getattr so the lead's CLI may attach only some of the flags to a subcommand.
    return getattr(args, name, None)


def _read_config_file(path: str, read_text: Callable[[str], str]) -> str:
    try:
        return read_text(path)
    except OSError as error:
        reason = error.strerror or str(error)
        # Go prints syscall errors in lower case, e.g. "open /conf/targetallocator.yaml: no such file or directory".
        raise ConfigError(f"open {path}: {reason[:1].lower()}{reason[1:]}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"config file {path}: not UTF-8 text ({error.reason})") from None


def _apply_env(config: TAConfig, env: Mapping[str, str]) -> TAConfig:
    if "OTELCOL_NAMESPACE" in env:
        config = replace(config, collector_namespace=env["OTELCOL_NAMESPACE"])
    if env.get("ALLOW_INSECURE_AUTH_SECRETS") == "true":
        config = replace(config, allow_insecure_auth_secrets=True)
    return config


def _apply_flags(config: TAConfig, args: argparse.Namespace) -> TAConfig:
    top: dict[str, Any] = {}
    for flag, field in (
        ("kubeconfig_path", "kube_config_file_path"),
        ("listen_addr", "listen_addr"),
        ("allow_insecure_auth_secrets", "allow_insecure_auth_secrets"),
    ):
        if _flag(args, flag) is not None:
            top[field] = _flag(args, flag)
    https: dict[str, Any] = {}
    for flag, field in (
        ("enable_https_server", "enabled"),
        ("listen_addr_https", "listen_addr"),
        ("https_ca_file", "ca_file_path"),
        ("https_tls_cert_file", "tls_cert_file_path"),
        ("https_tls_key_file", "tls_key_file_path"),
    ):
        if _flag(args, flag) is not None:
            https[field] = _flag(args, flag)
    if https:
        top["https"] = replace(config.https, **https)
    if _flag(args, "enable_prometheus_cr_watcher") is not None:
        top["prometheus_cr"] = replace(config.prometheus_cr, enabled=_flag(args, "enable_prometheus_cr_watcher"))
    return replace(config, **top)


def _log_options(args: argparse.Namespace) -> LogOptions:
    development = bool(_flag(args, "zap_devel"))
    # controller-runtime's defaults: development mode means console, debug and stack traces from warn.
    return LogOptions(
        format=_flag(args, "log_format") or _flag(args, "zap_encoder") or ("console" if development else "json"),
        level=_flag(args, "zap_log_level") or ("debug" if development else "info"),
        stacktrace_level=_flag(args, "zap_stacktrace_level") or ("warn" if development else "error"),
        time_encoding=_flag(args, "zap_time_encoding") or "rfc3339",
        development=development,
    )


def load_config(
    args: argparse.Namespace,
    env: Mapping[str, str],
    read_text: Callable[[str], str],
    file_exists: Callable[[str], bool],
) -> LoadedConfig:
    """Load, merge and validate the configuration; raise ``ConfigError`` with a one-line message."""
    path = _flag(args, "config_file") or DEFAULT_CONFIG_FILE
    source = f"config file {path}"
    data = load_yaml_mapping(_read_config_file(path, read_text), source=source)
    defaults = TAConfig(kube_config_file_path=posixpath.join(env.get("HOME", ""), ".kube", "config"))
    try:
        config, ignored = config_from_mapping(data, base=defaults)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    config = _apply_flags(_apply_env(config, env), args)
    missing_kubeconfig = ""
    if config.kube_config_file_path and not file_exists(config.kube_config_file_path):
        missing_kubeconfig = config.kube_config_file_path
        config = replace(config, kube_config_file_path="")
    validate_config(config)
    return LoadedConfig(
        config=config,
        config_file=path,
        ignored_keys=ignored,
        missing_kubeconfig=missing_kubeconfig,
        journal_path=_flag(args, "journal"),
        logging=_log_options(args),
        debug_events_on_plain_port=bool(_flag(args, "enable_debug_events_on_plain_port")),
    )

"""The config file's key layout to ``TAConfig`` and back.

In: the decoded top-level mapping of a TA config file, plus the config to start from (defaults, with the
kubeconfig default already resolved). Out: ``config_from_mapping`` returns the decoded ``TAConfig`` and the
dotted names of keys upstream would silently ignore; ``config_to_mapping`` renders a ``TAConfig`` in the same
layout (durations as Go duration strings), so decoding that rendering gives the same ``TAConfig`` again.

Decoding follows upstream's mapstructure rules: a YAML ``null`` leaves the default in place, strings and
booleans must have exactly that YAML type, durations are Go duration strings (a bare integer is nanoseconds)
and string lists must be lists. Errors are ``ConfigError`` naming the dotted key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ta.core.config.errors import ConfigError, describe
from ta.core.config.model import HTTPSConfig, PrometheusCRConfig, TAConfig
from ta.core.config.rawjson import RawJSON
from ta.core.config.selector import LabelSelector, parse_label_selector
from ta.core.config.telemetry import parse_telemetry
from ta.core.gocompat.duration import format_go_duration, parse_go_duration

_TOP_KEYS = frozenset(
    {
        "listen_addr",
        "kube_config_file_path",
        "collector_namespace",
        "collector_selector",
        "config",
        "allocation_strategy",
        "allocation_fallback_strategy",
        "filter_strategy",
        "prometheus_cr",
        "https",
        "telemetry",
        "collector_not_ready_grace_period",
        "allow_insecure_auth_secrets",
    }
)
_HTTPS_KEYS = frozenset({"enabled", "listen_addr", "ca_file_path", "tls_cert_file_path", "tls_key_file_path"})
_CR_SELECTOR_KEYS = (
    "service_monitor_selector",
    "pod_monitor_selector",
    "probe_selector",
    "scrape_config_selector",
)
_CR_NAMESPACE_SELECTOR_KEYS = (
    "service_monitor_namespace_selector",
    "pod_monitor_namespace_selector",
    "probe_namespace_selector",
    "scrape_config_namespace_selector",
)
_CR_LIST_KEYS = ("allow_namespaces", "deny_namespaces", "secret_namespaces", "scrape_protocols")
_CR_KEYS = frozenset(
    {
        "enabled",
        "scrape_interval",
        "evaluation_interval",
        "scrape_classes",
        "deny_fs_access_through_sms",
        *_CR_SELECTOR_KEYS,
        *_CR_NAMESPACE_SELECTOR_KEYS,
        *_CR_LIST_KEYS,
    }
)


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {describe(value)}")
    return value


def _boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected a boolean, got {describe(value)}")
    return value


def _duration(value: object, where: str) -> float:
    if isinstance(value, str):
        try:
            return parse_go_duration(value)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        # Upstream's decoder stores a bare integer straight into the nanosecond count.
        return value / 1e9
    raise ConfigError(f'{where}: expected a duration such as "30s", got {describe(value)}')


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of strings, got {describe(value)}")
    return tuple(_string(item, f"{where}[{index}]") for index, item in enumerate(value))


def _section(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {describe(value)}")
    return value


def _prometheus_config(value: object) -> RawJSON:
    section = _section(value, "config")
    scrape_configs = section.get("scrape_configs")
    if scrape_configs is not None and not isinstance(scrape_configs, list):
        raise ConfigError(f"config.scrape_configs: expected a list, got {describe(scrape_configs)}")
    return RawJSON.of(section, where="config")


def _https(raw: Mapping[str, Any], base: HTTPSConfig) -> HTTPSConfig:
    changes: dict[str, Any] = {}
    for key in sorted(_HTTPS_KEYS):
        value = raw.get(key)
        if value is not None:
            changes[key] = _boolean(value, "https.enabled") if key == "enabled" else _string(value, f"https.{key}")
    return replace(base, **changes)


def _prometheus_cr(raw: Mapping[str, Any], base: PrometheusCRConfig) -> tuple[PrometheusCRConfig, list[str]]:
    changes: dict[str, Any] = {}
    ignored: list[str] = []
    for key in ("enabled", "deny_fs_access_through_sms"):
        if raw.get(key) is not None:
            changes[key] = _boolean(raw[key], f"prometheus_cr.{key}")
    for key in ("scrape_interval", "evaluation_interval"):
        if raw.get(key) is not None:
            changes[key] = _duration(raw[key], f"prometheus_cr.{key}")
    for key in _CR_LIST_KEYS:
        if raw.get(key) is not None:
            changes[key] = _strings(raw[key], f"prometheus_cr.{key}")
    if raw.get("scrape_classes") is not None:
        classes = raw["scrape_classes"]
        if not isinstance(classes, list):
            raise ConfigError(f"prometheus_cr.scrape_classes: expected a list, got {describe(classes)}")
        changes["scrape_classes"] = RawJSON.of(classes, where="prometheus_cr.scrape_classes")
    for key in (*_CR_SELECTOR_KEYS, *_CR_NAMESPACE_SELECTOR_KEYS):
        if raw.get(key) is not None:
            selector, selector_ignored = parse_label_selector(raw[key], where=f"prometheus_cr.{key}")
            changes[key] = selector
            ignored.extend(selector_ignored)
    return replace(base, **changes), ignored


def config_from_mapping(data: Mapping[str, Any], *, base: TAConfig) -> tuple[TAConfig, tuple[str, ...]]:
    """Overlay the file's mapping on ``base``; return the result and the ignored keys (sorted, dotted)."""
    changes: dict[str, Any] = {}
    ignored = [key for key in data if key not in _TOP_KEYS]
    for key in ("listen_addr", "kube_config_file_path", "collector_namespace", "filter_strategy"):
        if data.get(key) is not None:
            changes[key] = _string(data[key], key)
    for key in ("allocation_strategy", "allocation_fallback_strategy"):
        if data.get(key) is not None:
            changes[key] = _string(data[key], key)
    if data.get("allow_insecure_auth_secrets") is not None:
        changes["allow_insecure_auth_secrets"] = _boolean(
            data["allow_insecure_auth_secrets"], "allow_insecure_auth_secrets"
        )
    if data.get("collector_not_ready_grace_period") is not None:
        changes["collector_not_ready_grace_period"] = _duration(
            data["collector_not_ready_grace_period"], "collector_not_ready_grace_period"
        )
    if data.get("collector_selector") is not None:
        selector, selector_ignored = parse_label_selector(data["collector_selector"], where="collector_selector")
        changes["collector_selector"] = selector
        ignored.extend(selector_ignored)
    if data.get("config") is not None:
        changes["prometheus_config"] = _prometheus_config(data["config"])
    if data.get("prometheus_cr") is not None:
        section = _section(data["prometheus_cr"], "prometheus_cr")
        ignored.extend(f"prometheus_cr.{key}" for key in section if key not in _CR_KEYS)
        changes["prometheus_cr"], cr_ignored = _prometheus_cr(section, base.prometheus_cr)
        ignored.extend(cr_ignored)
    if data.get("https") is not None:
        section = _section(data["https"], "https")
        ignored.extend(f"https.{key}" for key in section if key not in _HTTPS_KEYS)
        changes["https"] = _https(section, base.https)
    if data.get("telemetry") is not None:
        changes["telemetry"], telemetry_ignored = parse_telemetry(data["telemetry"])
        ignored.extend(telemetry_ignored)
    return replace(base, **changes), tuple(sorted(set(ignored)))


def _selector_dict(selector: LabelSelector | None) -> dict[str, Any] | None:
    return None if selector is None else selector.to_dict()


def config_to_mapping(config: TAConfig) -> dict[str, Any]:
    """Render ``config`` in the config file's layout; ``config_from_mapping`` turns it back into ``config``."""
    cr = config.prometheus_cr
    prometheus_cr: dict[str, Any] = {
        "enabled": cr.enabled,
        "scrape_interval": format_go_duration(cr.scrape_interval),
        "evaluation_interval": format_go_duration(cr.evaluation_interval),
        "scrape_protocols": list(cr.scrape_protocols),
        "scrape_classes": None if cr.scrape_classes is None else cr.scrape_classes.value(),
        "allow_namespaces": list(cr.allow_namespaces),
        "deny_namespaces": list(cr.deny_namespaces),
        "secret_namespaces": list(cr.secret_namespaces),
        "deny_fs_access_through_sms": cr.deny_fs_access_through_sms,
    }
    for key in (*_CR_SELECTOR_KEYS, *_CR_NAMESPACE_SELECTOR_KEYS):
        prometheus_cr[key] = _selector_dict(getattr(cr, key))
    https = config.https
    return {
        "listen_addr": config.listen_addr,
        "kube_config_file_path": config.kube_config_file_path,
        "collector_namespace": config.collector_namespace,
        "collector_selector": _selector_dict(config.collector_selector),
        "config": config.prometheus_config_dict(),
        "allocation_strategy": config.allocation_strategy,
        "allocation_fallback_strategy": config.allocation_fallback_strategy,
        "filter_strategy": config.filter_strategy,
        "prometheus_cr": prometheus_cr,
        "https": {
            "enabled": https.enabled,
            "listen_addr": https.listen_addr,
            "ca_file_path": https.ca_file_path,
            "tls_cert_file_path": https.tls_cert_file_path,
            "tls_key_file_path": https.tls_key_file_path,
        },
        "collector_not_ready_grace_period": format_go_duration(config.collector_not_ready_grace_period),
        "allow_insecure_auth_secrets": config.allow_insecure_auth_secrets,
        "telemetry": None if config.telemetry is None else config.telemetry.value(),
    }

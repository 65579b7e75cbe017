"""The ``telemetry:`` section (OTLP push of the TA's own metrics), checked the way upstream checks it.

In: the YAML-decoded ``telemetry`` value. Out: ``parse_telemetry`` returns it frozen as ``RawJSON`` plus the
names of keys upstream would ignore, raising ``ConfigError`` when a known field has the wrong type (upstream's
decoder does the same while loading); ``telemetry_problem`` returns upstream's validation message for the
first semantically invalid reader, or None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.config.errors import ConfigError, describe
from ta.core.config.rawjson import RawJSON
from ta.core.promcfg.errors import go_quote

_TEMPORALITIES = ("", "cumulative", "delta", "low_memory")
_GRPC_KEYS = frozenset({"endpoint", "headers", "temporality_preference", "tls"})
_HTTP_KEYS = frozenset({"endpoint", "headers", "temporality_preference"})


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {describe(value)}")
    return value


def _unknown(section: Mapping[str, Any], known: frozenset[str], where: str) -> list[str]:
    return [f"{where}.{key}" for key in section if key not in known]


def _check_string(section: Mapping[str, Any], key: str, where: str) -> None:
    value = section.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}.{key}: expected a string, got {describe(value)}")


def _check_exporter(raw: object, known: frozenset[str], where: str) -> list[str]:
    exporter = _mapping(raw, where)
    ignored = _unknown(exporter, known, where)
    _check_string(exporter, "endpoint", where)
    _check_string(exporter, "temporality_preference", where)
    headers = exporter.get("headers")
    if headers is not None:
        if not isinstance(headers, list):
            raise ConfigError(f"{where}.headers: expected a list, got {describe(headers)}")
        for index, header in enumerate(headers):
            item = _mapping(header, f"{where}.headers[{index}]")
            ignored += _unknown(item, frozenset({"name", "value"}), f"{where}.headers[{index}]")
            _check_string(item, "name", f"{where}.headers[{index}]")
            _check_string(item, "value", f"{where}.headers[{index}]")
    tls = exporter.get("tls")
    if "tls" in known and tls is not None:
        tls_section = _mapping(tls, f"{where}.tls")
        ignored += _unknown(tls_section, frozenset({"insecure"}), f"{where}.tls")
        insecure = tls_section.get("insecure")
        if insecure is not None and not isinstance(insecure, bool):
            raise ConfigError(f"{where}.tls.insecure: expected a boolean, got {describe(insecure)}")
    return ignored


def _check_reader(raw: object, where: str) -> list[str]:
    reader = _mapping(raw, where)
    ignored = _unknown(reader, frozenset({"periodic"}), where)
    if reader.get("periodic") is None:
        return ignored
    periodic = _mapping(reader["periodic"], f"{where}.periodic")
    ignored += _unknown(periodic, frozenset({"interval", "timeout", "exporter"}), f"{where}.periodic")
    for key in ("interval", "timeout"):
        value = periodic.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ConfigError(f"{where}.periodic.{key}: expected an integer (milliseconds), got {describe(value)}")
    if periodic.get("exporter") is not None:
        exporter = _mapping(periodic["exporter"], f"{where}.periodic.exporter")
        ignored += _unknown(exporter, frozenset({"otlp_grpc", "otlp_http"}), f"{where}.periodic.exporter")
        if exporter.get("otlp_grpc") is not None:
            ignored += _check_exporter(exporter["otlp_grpc"], _GRPC_KEYS, f"{where}.periodic.exporter.otlp_grpc")
        if exporter.get("otlp_http") is not None:
            ignored += _check_exporter(exporter["otlp_http"], _HTTP_KEYS, f"{where}.periodic.exporter.otlp_http")
    return ignored


def parse_telemetry(raw: object, *, where: str = "telemetry") -> tuple[RawJSON, tuple[str, ...]]:
    """Type-check the telemetry section and freeze it; also return the keys upstream ignores."""
    section = _mapping(raw, where)
    ignored = _unknown(section, frozenset({"metrics"}), where)
    if section.get("metrics") is not None:
        metrics = _mapping(section["metrics"], f"{where}.metrics")
        ignored += _unknown(metrics, frozenset({"readers"}), f"{where}.metrics")
        readers = metrics.get("readers")
        if readers is not None:
            if not isinstance(readers, list):
                raise ConfigError(f"{where}.metrics.readers: expected a list, got {describe(readers)}")
            for index, reader in enumerate(readers):
                ignored += _check_reader(reader, f"{where}.metrics.readers[{index}]")
    return RawJSON.of(section, where=where), tuple(sorted(ignored))


def telemetry_problem(telemetry: RawJSON | None) -> str | None:
    """Upstream's message for the first invalid reader (in reader order), or None when all are valid."""
    if telemetry is None:
        return None
    metrics = telemetry.value().get("metrics") or {}
    for index, reader in enumerate(metrics.get("readers") or []):
        periodic = reader.get("periodic") if isinstance(reader, dict) else None
        if periodic is None:
            continue
        where = f"telemetry.metrics.readers[{index}].periodic"
        exporter = periodic.get("exporter") or {}
        grpc, http = exporter.get("otlp_grpc"), exporter.get("otlp_http")
        if grpc is None and http is None:
            return f"{where}: must configure otlp_grpc or otlp_http exporter"
        if grpc is not None and http is not None:
            return f"{where}: otlp_grpc and otlp_http are mutually exclusive, configure only one"
        for name, settings in (("otlp_grpc", grpc), ("otlp_http", http)):
            if settings is None:
                continue
            if not settings.get("endpoint"):
                return f"{where}.{name}: endpoint must be set"
            temporality = settings.get("temporality_preference") or ""
            if temporality not in _TEMPORALITIES:
                return (
                    f"{where}.{name}: temporality_preference must be 'cumulative', 'delta', or 'low_memory', "
                    f"got {go_quote(temporality)}"
                )
    return None

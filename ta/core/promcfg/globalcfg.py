"""The ``global`` section of a Prometheus config and the scrape-protocol rules shared with scrape configs.

In: the decoded ``global`` mapping (or ``None``).
Out: an immutable ``GlobalConfig`` with Prometheus' defaults (interval 1m, timeout min(10s, interval),
utf8 name validation, …), or a ``PromConfigError``, which rejects the whole config, with Prometheus' text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ta.core.promcfg.bytesize import as_base2_bytes
from ta.core.promcfg.decode import as_bool, as_duration_ms, as_map, as_str, as_str_list, as_uint
from ta.core.promcfg.errors import PromConfigError, go_quote
from ta.core.promcfg.relabel import is_valid_label_name

SCRAPE_PROTOCOLS = (
    "OpenMetricsText0.0.1",
    "OpenMetricsText1.0.0",
    "PrometheusProto",
    "PrometheusText0.0.4",
    "PrometheusText1.0.0",
)
DEFAULT_SCRAPE_PROTOCOLS = (
    "OpenMetricsText1.0.0",
    "OpenMetricsText0.0.1",
    "PrometheusText1.0.0",
    "PrometheusText0.0.4",
)
PROTO_FIRST_SCRAPE_PROTOCOLS = ("PrometheusProto", *DEFAULT_SCRAPE_PROTOCOLS)
ESCAPING_SCHEMES = ("allow-utf-8", "underscores", "dots", "values")
DEFAULT_SCRAPE_INTERVAL_MS = 60_000
DEFAULT_SCRAPE_TIMEOUT_MS = 10_000
LIMIT_KEYS = (
    "sample_limit",
    "target_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "keep_dropped_targets",
)


def go_list(items: tuple[str, ...]) -> str:
    """Go's ``%v`` of a string slice."""
    return "[" + " ".join(items) + "]"


def protocol_error(protocol: str) -> str:
    return f"unknown scrape protocol {protocol}, supported: {go_list(SCRAPE_PROTOCOLS)}"


def check_protocols(protocols: tuple[str, ...]) -> str | None:
    """Prometheus' ``validateAcceptScrapeProtocols`` message, or ``None`` when the list is acceptable."""
    if not protocols:
        return "scrape_protocols cannot be empty"
    seen: set[str] = set()
    for protocol in protocols:
        if protocol.lower() in seen:
            return f"duplicated protocol in scrape_protocols, got {go_list(protocols)}"
        if protocol not in SCRAPE_PROTOCOLS:
            return f"scrape_protocols: {protocol_error(protocol)}"
        seen.add(protocol.lower())
    return None


def parse_validation_scheme(value: object) -> str:
    """``""`` (unset), ``"utf8"`` or ``"legacy"``; other text is rejected as Prometheus' YAML decoder does."""
    text = as_str(value)
    if text not in ("", "utf8", "legacy"):
        raise PromConfigError(f"unrecognized ValidationScheme: {go_quote(text)}")
    return text


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalConfig:
    scrape_interval_ms: int = DEFAULT_SCRAPE_INTERVAL_MS
    scrape_timeout_ms: int = DEFAULT_SCRAPE_TIMEOUT_MS
    scrape_protocols: tuple[str, ...] | None = None
    scrape_failure_log_file: str = ""
    body_size_limit: int = 0  # bytes; 0 is unset
    sample_limit: int = 0
    target_limit: int = 0
    label_limit: int = 0
    label_name_length_limit: int = 0
    label_value_length_limit: int = 0
    keep_dropped_targets: int = 0
    metric_name_validation_scheme: str = "utf8"
    metric_name_escaping_scheme: str = ""
    scrape_native_histograms: bool = False
    convert_classic_histograms_to_nhcb: bool = False
    always_scrape_classic_histograms: bool = False
    extra_scrape_metrics: bool = False


def parse_global(raw: object) -> GlobalConfig:
    """Decode ``global`` with Prometheus' defaults; raise ``PromConfigError`` on anything Prometheus rejects."""
    data: Mapping[str, object] = as_map(raw, "config.plain")
    interval = as_duration_ms(data.get("scrape_interval"))
    timeout = as_duration_ms(data.get("scrape_timeout"))
    for key in ("evaluation_interval", "rule_query_offset"):
        as_duration_ms(data.get(key))
    scheme = parse_validation_scheme(data.get("metric_name_validation_scheme")) or "utf8"
    labels = as_map(data.get("external_labels"), "labels.Labels")
    for name, value in sorted(labels.items()):
        if not is_valid_label_name(name, legacy=scheme == "legacy"):
            raise PromConfigError(f"{go_quote(name)} is not a valid label name")
        if not is_valid_label_name(as_str(value), legacy=False) and as_str(value) != "":
            raise PromConfigError(f"{go_quote(as_str(value))} is not a valid label value")
    limits = {key: as_uint(data.get(key)) for key in LIMIT_KEYS}
    protocols = as_str_list(data.get("scrape_protocols"))
    body = data.get("body_size_limit")
    cfg = GlobalConfig(
        scrape_interval_ms=interval or DEFAULT_SCRAPE_INTERVAL_MS,
        scrape_timeout_ms=timeout,
        scrape_protocols=protocols,
        scrape_failure_log_file=as_str(data.get("scrape_failure_log_file")),
        body_size_limit=as_base2_bytes(body),
        metric_name_validation_scheme=scheme,
        metric_name_escaping_scheme=as_str(data.get("metric_name_escaping_scheme")),
        scrape_native_histograms=as_bool(data.get("scrape_native_histograms")),
        convert_classic_histograms_to_nhcb=as_bool(data.get("convert_classic_histograms_to_nhcb")),
        always_scrape_classic_histograms=as_bool(data.get("always_scrape_classic_histograms")),
        extra_scrape_metrics=as_bool(data.get("extra_scrape_metrics")),
        **limits,
    )
    if timeout > cfg.scrape_interval_ms:
        raise PromConfigError("global scrape timeout greater than scrape interval")
    if timeout == 0:
        cfg = replace(cfg, scrape_timeout_ms=min(DEFAULT_SCRAPE_TIMEOUT_MS, cfg.scrape_interval_ms))
    if protocols is not None:
        problem = check_protocols(protocols)
        if problem is not None:
            raise PromConfigError(f"{problem} for global config")
    return cfg


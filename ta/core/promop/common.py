"""Job fragments shared by the per-kind generators: honor flags, scrape parameters, limits, SD namespaces.

In: the endpoint or spec mapping of a CR, the ``Settings`` and a ``Resolver``. Out: ordered key/value entries to
append to a job dict in the position the operator writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.promop import httpconfig
from ta.core.promop.model import Job, Obj, Settings
from ta.core.promop.objects import mapping, opt_bool, opt_int, opt_mapping, opt_string, seq, string, strings
from ta.core.promop.quantity import quantity_float
from ta.core.promop.secrets import Resolver

_LIMITS = (
    ("sampleLimit", "sample_limit"),
    ("targetLimit", "target_limit"),
    ("labelLimit", "label_limit"),
    ("labelNameLengthLimit", "label_name_length_limit"),
    ("labelValueLengthLimit", "label_value_length_limit"),
    ("keepDroppedTargets", "keep_dropped_targets"),
)

# The resource.Quantity fields of ServiceMonitor, PodMonitor, Probe and ScrapeConfig specs (prometheus-operator
# v0.93: only NativeHistogramConfig's, which all four inline; the other Quantity fields are Prometheus CR fields).
QUANTITY_FIELDS = frozenset({"nativeHistogramMinBucketFactor"})


def add_honor_labels(job: Job, honor: bool, settings: Settings) -> None:
    job["honor_labels"] = honor and not settings.override_honor_labels


def add_honor_timestamps(job: Job, honor: bool | None, settings: Settings) -> None:
    if honor is None and not settings.override_honor_timestamps:
        return
    job["honor_timestamps"] = bool(honor) and not settings.override_honor_timestamps


def add_track_staleness(job: Job, track: bool | None) -> None:
    if track is not None:
        job["track_timestamps_staleness"] = track


def params(value: Mapping[str, Any]) -> dict[str, list[str]]:
    return {str(k): strings(value, k) for k in sorted(value)}


def add_endpoint_scrape(job: Job, endpoint: Obj) -> None:
    """``scrape_interval``/``scrape_timeout``/``metrics_path``/``params``/``scheme`` when the endpoint sets them."""
    if string(endpoint, "interval"):
        job["scrape_interval"] = string(endpoint, "interval")
    if string(endpoint, "scrapeTimeout"):
        job["scrape_timeout"] = string(endpoint, "scrapeTimeout")
    if string(endpoint, "path"):
        job["metrics_path"] = string(endpoint, "path")
    if opt_mapping(endpoint, "params") is not None:
        job["params"] = params(mapping(endpoint, "params"))
    if opt_string(endpoint, "scheme") is not None:
        job["scheme"] = string(endpoint, "scheme").lower()


def add_limits(job: Job, spec: Obj) -> None:
    # The TA exposes no enforced limits, so the user's value is the effective one.
    for field, key in _LIMITS:
        value = opt_int(spec, field)
        if value is not None:
            job[key] = value


def add_tail(job: Job, spec: Obj, scrape_class: Obj) -> None:
    """Native-histogram keys, scrape protocols, fallback protocol and body size limit, after the limits."""
    for field, key in (
        ("scrapeNativeHistograms", "scrape_native_histograms"),
        ("nativeHistogramBucketLimit", "native_histogram_bucket_limit"),
        ("nativeHistogramMinBucketFactor", "native_histogram_min_bucket_factor"),
        ("scrapeClassicHistograms", "always_scrape_classic_histograms"),
        ("convertClassicHistogramsToNHCB", "convert_classic_histograms_to_nhcb"),
    ):
        value = spec.get(field)
        if value is not None:
            # A resource.Quantity ("12124m", "1.5"): the operator writes its float64.
            job[key] = quantity_float(value, field) if field in QUANTITY_FIELDS else value
    protocols = strings(spec, "scrapeProtocols")
    if protocols:
        job["scrape_protocols"] = protocols
    fallback = opt_string(spec, "fallbackScrapeProtocol") or opt_string(scrape_class, "fallbackScrapeProtocol")
    if fallback is not None:
        job["fallback_scrape_protocol"] = fallback
    if string(spec, "bodySizeLimit"):
        job["body_size_limit"] = string(spec, "bodySizeLimit")


def namespaces(selector: Mapping[str, Any], own: str, settings: Settings) -> list[str]:
    """Namespaces an SD config watches; ``[]`` means all (no ``namespaces`` block)."""
    if settings.ignore_namespace_selectors:
        return [own]
    if opt_bool(selector, "any"):
        return []
    names = strings(selector, "matchNames")
    return names or [own]


def kubernetes_sd(
    role: str,
    namespace_names: list[str],
    attach_metadata: Mapping[str, Any] | None,
    selectors: list[Job] | None = None,
) -> list[Job]:
    sd: Job = {"role": role}
    if namespace_names:
        sd["namespaces"] = {"names": namespace_names}
    if attach_metadata is not None:
        sd["attach_metadata"] = {"node": bool(opt_bool(attach_metadata, "node"))}
    if selectors:
        sd["selectors"] = selectors
    return [sd]


def attach_metadata(spec: Obj, scrape_class: Obj) -> Mapping[str, Any] | None:
    own = opt_mapping(spec, "attachMetadata")
    return own if own is not None else opt_mapping(scrape_class, "attachMetadata")


def metric_relabelings(scrape_class: Obj, rules: Any) -> list[Any]:
    return [*seq(scrape_class, "metricRelabelings"), *(rules or ())]


def add_http_auth(job: Job, resolver: Resolver, http: Obj, scrape_class: Obj, *, tls_with_files: bool) -> None:
    """The PodMonitor/Probe ordering: follow_redirects, enable_http2, tls_config (scrape class merged)."""
    follow = opt_bool(http, "followRedirects")
    if follow is not None:
        job["follow_redirects"] = follow
    http2 = opt_bool(http, "enableHttp2")
    if http2 is not None:
        job["enable_http2"] = http2
    tls = opt_mapping(http, "tlsConfig")
    merged = httpconfig.merge_tls(tls, scrape_class) if tls_with_files else httpconfig.merge_safe_tls(tls, scrape_class)
    if merged is not None:
        job["tls_config"] = httpconfig.render_tls(resolver, merged)

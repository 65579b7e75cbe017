"""Scrape configs of the TA's ``config:`` section, parsed and validated the way Prometheus loads them.

In: the decoded ``config`` mapping (``global`` + ``scrape_configs``).
Out: ``ParsedConfig``: the valid ``ScrapeJob`` values (global defaults applied, SD blocks decoded, rendered
form kept) and one ``JobError`` per rejected job, so a bad job never takes the others down. A bad
``global`` section (or a config that is not a mapping) raises ``PromConfigError`` for the whole config.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import orjson

from ta.core.base.cache import CLEAR_WHEN_FULL, BoundedCache
from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.config import KubeSDConfig
from ta.core.promcfg.bytesize import as_base2_bytes, format_base2_bytes
from ta.core.promcfg.decode import (
    as_bool,
    as_duration_ms,
    as_float,
    as_map,
    as_str,
    as_str_list,
    as_uint,
    scalar_text,
)
from ta.core.promcfg.duration import format_duration
from ta.core.promcfg.errors import PromConfigError, go_quote, yaml_kind
from ta.core.promcfg.globalcfg import (
    DEFAULT_SCRAPE_PROTOCOLS,
    ESCAPING_SCHEMES,
    LIMIT_KEYS,
    PROTO_FIRST_SCRAPE_PROTOCOLS,
    SCRAPE_PROTOCOLS,
    GlobalConfig,
    check_protocols,
    parse_global,
    parse_validation_scheme,
    protocol_error,
)
from ta.core.promcfg.httpclient import HTTPClientConfig, parse_http_client_config
from ta.core.promcfg.relabel import parse_relabel, relabel_config_to_dict
from ta.core.promcfg.sd import (
    FileSDConfig,
    HTTPSDConfig,
    parse_file_sd_configs,
    parse_http_sd_configs,
    parse_kubernetes_sd_configs,
    parse_static_configs,
)
from ta.core.promcfg.tree import Node, Obj, freeze
from ta.core.relabel.config import RelabelConfig

_KNOWN_SD = ("static_configs", "file_sd_configs", "http_sd_configs", "kubernetes_sd_configs")
_ESCAPING_CHOICES = "'allow-utf-8', 'underscores', 'dots', or 'values'"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrapeJob:
    """One validated scrape config: what target building needs plus its ``/scrape_configs`` form."""

    job_name: str
    scrape_interval: str
    scrape_timeout: str
    metrics_path: str = "/metrics"
    scheme: str = "http"
    params: tuple[tuple[str, tuple[str, ...]], ...] = ()
    honor_labels: bool = False
    honor_timestamps: bool = True
    scrape_native_histograms: bool = False
    convert_classic_histograms_to_nhcb: bool = False
    always_scrape_classic_histograms: bool = False
    metric_name_validation_scheme: str = "utf8"
    relabel_configs: tuple[RelabelConfig, ...] = ()
    metric_relabel_configs: tuple[RelabelConfig, ...] = ()
    static_configs: tuple[TargetGroup, ...] = ()
    file_sd_configs: tuple[FileSDConfig, ...] = ()
    http_sd_configs: tuple[HTTPSDConfig, ...] = ()
    kubernetes_sd_configs: tuple[Obj, ...] = ()  # as served on /scrape_configs
    # The same entries as discovery evaluates them, or why it cannot (a selector that does not parse).
    kubernetes_sd: tuple[KubeSDConfig | str, ...] = ()
    unsupported_sd: tuple[str, ...] = ()
    http_client: HTTPClientConfig = field(default_factory=HTTPClientConfig)
    rendered: Obj = field(default_factory=Obj)


@dataclass(frozen=True, slots=True, kw_only=True)
class JobError:
    """A rejected scrape config: its ``job`` name ("" when it has none), position and Prometheus' message."""

    job: str
    index: int
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedConfig:
    jobs: tuple[ScrapeJob, ...] = ()
    errors: tuple[JobError, ...] = ()
    global_config: GlobalConfig = field(default_factory=GlobalConfig)


def parse_prometheus_config(config: object) -> ParsedConfig:
    """Parse the ``config:`` section; per-job problems become ``JobError`` entries, in config order."""
    data = as_map(config, "config.plain")
    global_cfg = parse_global(data.get("global"))
    raw_jobs = data.get("scrape_configs")
    if raw_jobs is None:
        raw_jobs = []
    if not isinstance(raw_jobs, list | tuple):
        raise PromConfigError(f"cannot unmarshal {yaml_kind(raw_jobs)} into []*config.ScrapeConfig")
    jobs: list[ScrapeJob] = []
    errors: list[JobError] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_jobs):
        name = _job_name(raw)
        try:
            if name in seen:
                raise PromConfigError(f"found multiple scrape configs with job name {go_quote(name)}")
            job = parse_scrape_config(raw, global_cfg)
        except PromConfigError as err:
            errors.append(JobError(job=name, index=index, message=str(err)))
        else:
            jobs.append(job)
        if name:
            seen.add(name)
    return ParsedConfig(jobs=tuple(jobs), errors=tuple(errors), global_config=global_cfg)


def _job_name(raw: object) -> str:
    if isinstance(raw, Mapping):
        value = raw.get("job_name")
        if isinstance(value, str | int | float | bool):
            return scalar_text(value)
    return ""


def _flag(data: Mapping[str, object], key: str, default: bool) -> bool:
    # yaml.v2 writes the zero value for an explicit null, so "key:" with no value means false.
    return as_bool(data[key]) if key in data else default


def _optional_flag(data: Mapping[str, object], key: str, inherited: bool) -> bool:
    value = data.get(key)
    return inherited if value is None else as_bool(value)


def _rules(
    data: Mapping[str, object], key: str, *, legacy: bool, what: str
) -> tuple[tuple[RelabelConfig, ...], tuple[Obj, ...]]:
    raw = data.get(key)
    if raw is None:
        return (), ()
    if not isinstance(raw, list | tuple):
        raise PromConfigError(f"cannot unmarshal {yaml_kind(raw)} into []*relabel.Config")
    configs: list[RelabelConfig] = []
    rendered: list[Obj] = []
    for index, entry in enumerate(raw):
        if entry is None:
            raise PromConfigError(f"empty or null {what} relabeling rule in scrape config")
        config, frozen = _parsed_rule(entry, where=f"{key}[{index}]", legacy=legacy)
        configs.append(config)
        rendered.append(frozen)
    return tuple(configs), tuple(rendered)


# Generated jobs repeat the same few rules thousands of times (every ServiceMonitor starts with the same
# ones); both results are immutable, so equal rules can share them.
_RULE_CACHE: BoundedCache[tuple[bytes, bool], tuple[RelabelConfig, Obj]] = BoundedCache(
    "promcfg.relabel_rules",
    bound=8192,
    policy=CLEAR_WHEN_FULL,
    reason="looked up per rule of every generated job; a config's distinct rules are far fewer than the bound",
)


def _parsed_rule(entry: object, *, where: str, legacy: bool) -> tuple[RelabelConfig, Obj]:
    try:
        key = (orjson.dumps(entry, option=orjson.OPT_SORT_KEYS), legacy)
    except TypeError:
        key = None
    if key is not None:
        cached = _RULE_CACHE.get(key)
        if cached is not None:
            return cached
    parsed = parse_relabel(entry, where=where, legacy_names=legacy)
    result = (parsed.config, freeze_obj(relabel_config_to_dict(parsed.config, regex_set=parsed.regex_set)))
    if key is not None:
        _RULE_CACHE.put(key, result)
    return result


def freeze_obj(value: Mapping[str, object]) -> Obj:
    frozen = freeze(value)
    assert isinstance(frozen, Obj)
    return frozen


def _escaping(data: Mapping[str, object], scheme_set: bool, scheme: str, global_cfg: GlobalConfig) -> str:
    global_escaping = global_cfg.metric_name_escaping_scheme
    if global_escaping == "":
        global_escaping = "underscores" if global_cfg.metric_name_validation_scheme == "legacy" else "allow-utf-8"
    elif global_escaping not in ESCAPING_SCHEMES:
        raise PromConfigError(
            f"unknown global name escaping method specified, must be one of {_ESCAPING_CHOICES}, "
            f"got {go_quote(global_escaping)}"
        )
    escaping = as_str(data.get("metric_name_escaping_scheme"))
    if escaping == "" and not scheme_set:
        escaping = global_escaping
    elif escaping == "":
        # An explicit local scheme picks its own escaping rather than inheriting the global one.
        escaping = "underscores" if scheme == "legacy" else "allow-utf-8"
    if escaping == "allow-utf-8":
        if scheme != "utf8":
            raise PromConfigError("utf8 metric names requested but validation scheme is not set to UTF8")
    elif escaping not in ESCAPING_SCHEMES:
        raise PromConfigError(
            f"unknown scrape config name escaping method specified, must be one of {_ESCAPING_CHOICES}, "
            f"got {go_quote(escaping)}"
        )
    return escaping


def parse_scrape_config(raw: object, global_cfg: GlobalConfig) -> ScrapeJob:
    """One scrape config: Prometheus' unmarshal checks, then ``ScrapeConfig.Validate`` against the globals."""
    if raw is None:
        raise PromConfigError("empty or null scrape config section")
    data = as_map(raw, "config.plain")
    job_name = as_str(data.get("job_name"))
    if job_name == "":
        raise PromConfigError("job_name is empty")
    local_scheme = parse_validation_scheme(data.get("metric_name_validation_scheme"))
    scheme = local_scheme or global_cfg.metric_name_validation_scheme
    legacy = scheme == "legacy"
    client = parse_http_client_config(data)
    groups, static_tree = parse_static_configs(data.get("static_configs"))
    relabels, relabel_tree = _rules(data, "relabel_configs", legacy=legacy, what="target")
    metric_relabels, metric_relabel_tree = _rules(data, "metric_relabel_configs", legacy=legacy, what="metric")
    if not relabels:
        # Prometheus rejects URLs typed as static targets unless relabeling could still fix them.
        for group in groups:
            for target in group.targets:
                address = dict(target)["__address__"]
                if "/" in address:
                    raise PromConfigError(f"{go_quote(address)} is not a valid hostname")
    file_sd = parse_file_sd_configs(data.get("file_sd_configs"))
    http_sd = parse_http_sd_configs(data.get("http_sd_configs"))
    kubernetes_sd, kubernetes_typed = parse_kubernetes_sd_configs(data.get("kubernetes_sd_configs"))
    unsupported = tuple(key for key in data if key.endswith("_sd_configs") and key not in _KNOWN_SD)
    params = tuple(
        sorted((name, as_str_list(values) or ()) for name, values in as_map(data.get("params"), "url.Values").items())
    )

    interval = as_duration_ms(data.get("scrape_interval")) or global_cfg.scrape_interval_ms
    timeout = as_duration_ms(data.get("scrape_timeout"))
    if timeout > interval:
        raise PromConfigError(
            f"scrape timeout greater than scrape interval for scrape config with job name {go_quote(job_name)}"
        )
    if timeout == 0:
        timeout = min(global_cfg.scrape_timeout_ms, interval)
    limits = {key: as_uint(data.get(key)) or getattr(global_cfg, key) for key in LIMIT_KEYS}
    body = data.get("body_size_limit")
    body_size_limit = as_base2_bytes(body) or global_cfg.body_size_limit
    failure_log = as_str(data.get("scrape_failure_log_file")) or global_cfg.scrape_failure_log_file
    native = _optional_flag(data, "scrape_native_histograms", global_cfg.scrape_native_histograms)
    extra_metrics = _optional_flag(data, "extra_scrape_metrics", global_cfg.extra_scrape_metrics)
    protocols = as_str_list(data.get("scrape_protocols"))
    if protocols is None:
        if global_cfg.scrape_protocols is not None:
            protocols = global_cfg.scrape_protocols
        else:
            protocols = PROTO_FIRST_SCRAPE_PROTOCOLS if native else DEFAULT_SCRAPE_PROTOCOLS
    problem = check_protocols(protocols)
    if problem is not None:
        raise PromConfigError(f"{problem} for scrape config with job name {go_quote(job_name)}")
    fallback = as_str(data.get("fallback_scrape_protocol"))
    if fallback and fallback not in SCRAPE_PROTOCOLS:
        raise PromConfigError(
            f"invalid fallback_scrape_protocol for scrape config with job name {go_quote(job_name)}: "
            f"{protocol_error(fallback)}"
        )
    escaping = _escaping(data, bool(local_scheme), scheme, global_cfg)
    nhcb = _optional_flag(data, "convert_classic_histograms_to_nhcb", global_cfg.convert_classic_histograms_to_nhcb)
    always_classic = _optional_flag(
        data, "always_scrape_classic_histograms", global_cfg.always_scrape_classic_histograms
    )
    bucket_limit = as_uint(data.get("native_histogram_bucket_limit"))
    bucket_factor = as_float(data.get("native_histogram_min_bucket_factor"))

    job = ScrapeJob(
        job_name=job_name,
        scrape_interval=format_duration(interval),
        scrape_timeout=format_duration(timeout),
        metrics_path=as_str(data["metrics_path"]) if "metrics_path" in data else "/metrics",
        scheme=as_str(data["scheme"]) if "scheme" in data else "http",
        params=params,
        honor_labels=_flag(data, "honor_labels", False),
        honor_timestamps=_flag(data, "honor_timestamps", True),
        scrape_native_histograms=native,
        convert_classic_histograms_to_nhcb=nhcb,
        always_scrape_classic_histograms=always_classic,
        metric_name_validation_scheme=scheme,
        relabel_configs=relabels,
        metric_relabel_configs=metric_relabels,
        static_configs=groups,
        file_sd_configs=file_sd,
        http_sd_configs=http_sd,
        kubernetes_sd_configs=kubernetes_sd,
        kubernetes_sd=kubernetes_typed,
        unsupported_sd=unsupported,
        http_client=client,
    )
    tree: dict[str, Node] = {
        "job_name": job_name,
        "honor_timestamps": job.honor_timestamps,
        "track_timestamps_staleness": _flag(data, "track_timestamps_staleness", False),
        "scrape_interval": job.scrape_interval,
        "scrape_timeout": job.scrape_timeout,
        "scrape_protocols": protocols,
        "scrape_native_histograms": native,
        "always_scrape_classic_histograms": always_classic,
        "convert_classic_histograms_to_nhcb": nhcb,
        "enable_compression": _flag(data, "enable_compression", True),
        "metric_name_validation_scheme": scheme,
        "metric_name_escaping_scheme": escaping,
        "extra_scrape_metrics": extra_metrics,
    }
    optional: dict[str, Node] = {
        "honor_labels": job.honor_labels,
        "params": Obj(dict(params)) if params else None,
        "fallback_scrape_protocol": fallback,
        "scrape_failure_log_file": failure_log,
        "metrics_path": job.metrics_path,
        "scheme": job.scheme,
        # Prometheus prints its canonical form: "500MB" is served as "500MiB".
        "body_size_limit": format_base2_bytes(body_size_limit) if body_size_limit else None,
        "native_histogram_bucket_limit": bucket_limit,
        "native_histogram_min_bucket_factor": bucket_factor,
        "relabel_configs": relabel_tree,
        "metric_relabel_configs": metric_relabel_tree,
        "static_configs": static_tree,
        "file_sd_configs": tuple(cfg.to_tree() for cfg in file_sd),
        "http_sd_configs": tuple(cfg.to_tree() for cfg in http_sd),
        "kubernetes_sd_configs": kubernetes_sd,
        **limits,
    }
    for key, value in optional.items():
        # Go's omitempty: zero numbers, empty strings and lists, and false are not marshalled.
        if value not in (None, "", 0, 0.0, False, ()):
            tree[key] = value
    tree.update(client.to_tree())
    for key in unsupported:
        tree[key] = freeze(data[key])
    return replace(job, rendered=Obj(tree))

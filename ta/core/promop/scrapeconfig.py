"""ScrapeConfig (v1alpha1) -> scrape config ``scrapeConfig/<ns>/<name>``.

In: a valid ScrapeConfig object, the ``Settings`` and a ``Resolver``. Out: one job with the static, file, HTTP and
Kubernetes SD blocks (in that order). Scrape-class relabelings come first here, and the sharding block is added
only when shards != 1 and no rule already uses ``hashmod``. Other SD mechanisms are rejected during validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.k8s_sd.roles import ROLES
from ta.core.promop import common, httpconfig, relabel
from ta.core.promop.model import Job, Obj, Settings
from ta.core.promop.objects import (
    mapping,
    name_of,
    namespace_of,
    opt_bool,
    opt_mapping,
    opt_string,
    seq,
    spec,
    string,
    strings,
)
from ta.core.promop.secrets import Resolver
from ta.core.promop.sharding import with_sharding_if_missing

SUPPORTED_SD = ("staticConfigs", "fileSDConfigs", "httpSDConfigs", "kubernetesSDConfigs")

_ESCAPING = {"AllowUTF8": "allow-utf-8", "Underscores": "underscores", "Dots": "dots", "Values": "values"}


def generate(obj: Obj, settings: Settings, resolver: Resolver) -> tuple[Job, ...]:
    namespace, name, sc = namespace_of(obj), name_of(obj), spec(obj)
    scrape_class = httpconfig.scrape_class_for(settings.scrape_classes, opt_string(sc, "scrapeClass"))

    rules: list[Job] = [relabel.job_name_rule(), *relabel.render(seq(scrape_class, "relabelings"))]
    if opt_string(sc, "jobName") is not None:
        rules.append({"target_label": "job", "action": "replace", "replacement": string(sc, "jobName")})

    job: Job = {"job_name": f"scrapeConfig/{namespace}/{name}"}
    if opt_bool(sc, "honorTimestamps") is not None:
        common.add_honor_timestamps(job, opt_bool(sc, "honorTimestamps"), settings)
    common.add_track_staleness(job, opt_bool(sc, "trackTimestampsStaleness"))
    honor_labels = opt_bool(sc, "honorLabels")
    if honor_labels is not None:
        common.add_honor_labels(job, honor_labels, settings)
    if opt_string(sc, "metricsPath") is not None:
        job["metrics_path"] = string(sc, "metricsPath")
    if mapping(sc, "params"):
        job["params"] = common.params(mapping(sc, "params"))
    for field, key in (("enableCompression", "enable_compression"), ("enableHTTP2", "enable_http2")):
        if opt_bool(sc, field) is not None:
            job[key] = opt_bool(sc, field)
    if opt_string(sc, "scrapeInterval") is not None:
        job["scrape_interval"] = string(sc, "scrapeInterval")
    if opt_string(sc, "scrapeTimeout") is not None:
        job["scrape_timeout"] = string(sc, "scrapeTimeout")
    protocols = strings(sc, "scrapeProtocols")
    if protocols:
        job["scrape_protocols"] = protocols
    fallback = opt_string(sc, "fallbackScrapeProtocol") or opt_string(scrape_class, "fallbackScrapeProtocol")
    if fallback is not None:
        job["fallback_scrape_protocol"] = fallback
    if opt_string(sc, "scheme") is not None:
        job["scheme"] = string(sc, "scheme").lower()
    _add_client(job, resolver, sc, scrape_class=scrape_class)
    common.add_limits(job, sc)
    common.add_tail(job, {k: v for k, v in sc.items() if k not in ("scrapeProtocols", "fallbackScrapeProtocol")}, {})

    _add_sd(job, resolver, sc)

    rules += relabel.render(
        relabel.with_enforced_namespace(seq(sc, "relabelings"), settings.enforced_namespace_label, namespace)
        if seq(sc, "relabelings")
        else []
    )
    if settings.shards != 1:
        rules = with_sharding_if_missing(rules, settings.shards)
    job["relabel_configs"] = rules
    metric = relabel.with_enforced_namespace(seq(sc, "metricRelabelings"), settings.enforced_namespace_label, namespace)
    metric_rules = common.metric_relabelings(scrape_class, metric)
    if metric_rules:
        job["metric_relabel_configs"] = relabel.render(metric_rules)
    if opt_string(sc, "nameValidationScheme") is not None:
        job["metric_name_validation_scheme"] = string(sc, "nameValidationScheme").lower()
    escaping = _ESCAPING.get(string(sc, "nameEscapingScheme"))
    if escaping is not None:
        job["metric_name_escaping_scheme"] = escaping
    return (job,)


def _add_client(job: Job, resolver: Resolver, sc: Mapping[str, Any], *, scrape_class: Obj) -> None:
    """Job-level client: proxy, basic_auth, authorization, oauth2, tls_config (class-merged)."""
    job.update(httpconfig.render_proxy(resolver, sc))
    basic = opt_mapping(sc, "basicAuth")
    if basic is not None:
        job["basic_auth"] = httpconfig.render_basic_auth(resolver, basic)
    auth = httpconfig.merge_authorization(opt_mapping(sc, "authorization"), scrape_class)
    if auth is not None:
        job["authorization"] = httpconfig.render_authorization(resolver, auth)
    oauth2 = opt_mapping(sc, "oauth2")
    if oauth2 is not None:
        job["oauth2"] = httpconfig.render_oauth2(resolver, oauth2)
    tls = httpconfig.merge_safe_tls(opt_mapping(sc, "tlsConfig"), scrape_class)
    if tls is not None:
        job["tls_config"] = httpconfig.render_tls(resolver, tls)


def _sd_auth(out: Job, resolver: Resolver, config: Mapping[str, Any]) -> None:
    basic = opt_mapping(config, "basicAuth")
    if basic is not None:
        out["basic_auth"] = httpconfig.render_basic_auth(resolver, basic)
    auth = opt_mapping(config, "authorization")
    if auth is not None:
        out["authorization"] = httpconfig.render_authorization(resolver, auth)


def _add_sd(job: Job, resolver: Resolver, sc: Mapping[str, Any]) -> None:
    static = [c for c in seq(sc, "staticConfigs") if isinstance(c, Mapping)]
    if static:
        job["static_configs"] = [
            {"targets": strings(c, "targets"), "labels": dict(sorted(mapping(c, "labels").items()))} for c in static
        ]
    files = [c for c in seq(sc, "fileSDConfigs") if isinstance(c, Mapping)]
    if files:
        job["file_sd_configs"] = [_file_sd(c) for c in files]
    http = [c for c in seq(sc, "httpSDConfigs") if isinstance(c, Mapping)]
    if http:
        job["http_sd_configs"] = [_http_sd(resolver, c) for c in http]
    kubernetes = [c for c in seq(sc, "kubernetesSDConfigs") if isinstance(c, Mapping)]
    if kubernetes:
        job["kubernetes_sd_configs"] = [_kubernetes_sd(resolver, c) for c in kubernetes]


def _file_sd(config: Mapping[str, Any]) -> Job:
    out: Job = {"files": strings(config, "files")}
    if opt_string(config, "refreshInterval") is not None:
        out["refresh_interval"] = string(config, "refreshInterval")
    return out


def _http_sd(resolver: Resolver, config: Mapping[str, Any]) -> Job:
    out: Job = {}
    _sd_auth(out, resolver, config)
    tls = opt_mapping(config, "tlsConfig")
    if tls is not None:
        out["tls_config"] = httpconfig.render_tls(resolver, tls)
    out.update(httpconfig.render_proxy(resolver, config))
    oauth2 = opt_mapping(config, "oauth2")
    if oauth2 is not None:
        out["oauth2"] = httpconfig.render_oauth2(resolver, oauth2)
    out["url"] = string(config, "url")
    if opt_string(config, "refreshInterval") is not None:
        out["refresh_interval"] = string(config, "refreshInterval")
    for field, key in (("followRedirects", "follow_redirects"), ("enableHTTP2", "enable_http2")):
        if opt_bool(config, field) is not None:
            out[key] = opt_bool(config, field)
    return out


def _kubernetes_sd(resolver: Resolver, config: Mapping[str, Any]) -> Job:
    out: Job = {}
    if opt_string(config, "apiServer") is not None:
        out["api_server"] = string(config, "apiServer")
    role = string(config, "role").lower()
    out["role"] = role
    _sd_auth(out, resolver, config)
    oauth2 = opt_mapping(config, "oauth2")
    if oauth2 is not None:
        out["oauth2"] = httpconfig.render_oauth2(resolver, oauth2)
    out.update(httpconfig.render_proxy(resolver, config))
    for field, key in (("followRedirects", "follow_redirects"), ("enableHTTP2", "enable_http2")):
        if opt_bool(config, field) is not None:
            out[key] = opt_bool(config, field)
    tls = opt_mapping(config, "tlsConfig")
    if tls is not None:
        out["tls_config"] = httpconfig.render_tls(resolver, tls)
    namespaces = opt_mapping(config, "namespaces")
    if namespaces is not None:
        block: Job = {"names": strings(namespaces, "names")}
        if opt_bool(namespaces, "ownNamespace") is not None:
            block["own_namespace"] = opt_bool(namespaces, "ownNamespace")
        out["namespaces"] = block
    selectors = [s for s in seq(config, "selectors") if isinstance(s, Mapping)]
    if selectors:
        rendered: list[Job] = []
        for selector in selectors:
            entry: Job = {"role": string(selector, "role").lower()}
            if opt_string(selector, "label") is not None:
                entry["label"] = string(selector, "label")
            if opt_string(selector, "field") is not None:
                entry["field"] = string(selector, "field")
            rendered.append(entry)
        out["selectors"] = rendered
    attach = opt_mapping(config, "attachMetadata")
    if attach is not None and role in ROLES and ROLES[role].attaches_node:
        out["attach_metadata"] = {k: attach[k] for k in sorted(attach)}
    return out

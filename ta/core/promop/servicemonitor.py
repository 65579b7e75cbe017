"""ServiceMonitor -> scrape configs ``serviceMonitor/<ns>/<name>/<i>``, one per endpoint.

In: a valid ServiceMonitor object, the ``Settings`` and a ``Resolver`` for its credentials. Out: the jobs in
endpoint order, in the operator's key order, with the EndpointSlice role the TA forces (unless the monitor asks
for ``serviceDiscoveryRole: Endpoints``) and TLS material inlined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.promop import common, httpconfig, relabel
from ta.core.promop.labelselector import selector_rules, selector_string
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
from ta.core.promop.relabel import sanitize_label_name
from ta.core.promop.secrets import Resolver
from ta.core.promop.sharding import sharding_rules


def role_for(monitor_spec: Mapping[str, Any]) -> str:
    # The TA's synthetic Prometheus sets serviceDiscoveryRole: EndpointSlice; a monitor may override it.
    return "endpoints" if string(monitor_spec, "serviceDiscoveryRole") == "Endpoints" else "endpointslice"


def target_port(endpoint: Mapping[str, Any]) -> str | int | None:
    value = endpoint.get("targetPort")
    if isinstance(value, bool):
        return None
    return value if isinstance(value, str | int) else None


def generate(obj: Obj, settings: Settings, resolver: Resolver) -> tuple[Job, ...]:
    return tuple(
        _endpoint_job(obj, endpoint, index, settings, resolver)
        for index, endpoint in enumerate(seq(spec(obj), "endpoints"))
        if isinstance(endpoint, Mapping)
    )


def _endpoint_job(obj: Obj, ep: Mapping[str, Any], index: int, settings: Settings, resolver: Resolver) -> Job:
    namespace, name, sm = namespace_of(obj), name_of(obj), spec(obj)
    scrape_class = httpconfig.scrape_class_for(settings.scrape_classes, opt_string(sm, "scrapeClass"))
    role = role_for(sm)
    selector = mapping(sm, "selector")
    role_selector = string(sm, "selectorMechanism") == "RoleSelector"

    job: Job = {"job_name": f"serviceMonitor/{namespace}/{name}/{index}"}
    common.add_honor_labels(job, bool(opt_bool(ep, "honorLabels")), settings)
    common.add_honor_timestamps(job, opt_bool(ep, "honorTimestamps"), settings)
    common.add_track_staleness(job, opt_bool(ep, "trackTimestampsStaleness"))
    sd_selectors = None
    if role_selector:
        text = selector_string(selector)
        sd_selectors = [{"role": role, "label": text}, {"role": "service", "label": text}]
    job["kubernetes_sd_configs"] = common.kubernetes_sd(
        role,
        common.namespaces(mapping(sm, "namespaceSelector"), namespace, settings),
        common.attach_metadata(sm, scrape_class),
        sd_selectors,
    )
    common.add_endpoint_scrape(job, ep)
    follow, http2 = opt_bool(ep, "followRedirects"), opt_bool(ep, "enableHttp2")
    if follow is not None:
        job["follow_redirects"] = follow
    if http2 is not None:
        job["enable_http2"] = http2
    job.update(httpconfig.render_proxy(resolver, ep))
    oauth2 = opt_mapping(ep, "oauth2")
    if oauth2 is not None:
        job["oauth2"] = httpconfig.render_oauth2(resolver, oauth2)
    tls = httpconfig.merge_tls(opt_mapping(ep, "tlsConfig"), scrape_class)
    if tls is not None:
        job["tls_config"] = httpconfig.render_tls(resolver, tls)
    if string(ep, "bearerTokenFile"):
        job["bearer_token_file"] = string(ep, "bearerTokenFile")
    bearer = opt_mapping(ep, "bearerTokenSecret")
    if bearer is not None and string(bearer, "name"):
        job["bearer_token"] = resolver.secret(bearer)
    basic = opt_mapping(ep, "basicAuth")
    if basic is not None:
        job["basic_auth"] = httpconfig.render_basic_auth(resolver, basic)
    auth = httpconfig.merge_authorization(opt_mapping(ep, "authorization"), scrape_class)
    if auth is not None:
        job["authorization"] = httpconfig.render_authorization(resolver, auth)

    job["relabel_configs"] = _relabelings(
        obj, ep=ep, role=role, role_selector=role_selector, scrape_class=scrape_class, settings=settings
    )
    common.add_limits(job, sm)
    common.add_tail(job, sm, scrape_class)
    metric = relabel.with_enforced_namespace(seq(ep, "metricRelabelings"), settings.enforced_namespace_label, namespace)
    metric_rules = common.metric_relabelings(scrape_class, metric)
    if metric_rules:
        job["metric_relabel_configs"] = relabel.render(metric_rules)
    return job


def _relabelings(
    obj: Obj,
    *,
    ep: Mapping[str, Any],
    role: str,
    role_selector: bool,
    scrape_class: Obj,
    settings: Settings,
) -> list[Job]:
    sm = spec(obj)
    rules: list[Job] = [relabel.job_name_rule()]
    if not role_selector:
        rules += selector_rules(mapping(sm, "selector"), "service")

    flavour = "endpointslice" if role == "endpointslice" else "endpoint"
    port, tport = string(ep, "port"), target_port(ep)
    if port:
        rules.append({"action": "keep", "source_labels": [f"__meta_kubernetes_{flavour}_port_name"], "regex": port})
    elif isinstance(tport, str) and tport:
        rules.append({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": tport})
    elif isinstance(tport, int) and tport != 0:
        # The operator writes the number unquoted; Prometheus reads it back as the regex string.
        rules.append(
            {"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_number"], "regex": str(tport)}
        )

    kind_sources = [
        f"__meta_kubernetes_{flavour}_address_target_kind",
        f"__meta_kubernetes_{flavour}_address_target_name",
    ]
    rules += [
        {
            "source_labels": kind_sources,
            "separator": ";",
            "regex": "Node;(.*)",
            "replacement": "${1}",
            "target_label": "node",
        },
        {
            "source_labels": kind_sources,
            "separator": ";",
            "regex": "Pod;(.*)",
            "replacement": "${1}",
            "target_label": "pod",
        },
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
    ]
    if opt_bool(ep, "filterRunning") is not False:
        rules.append(relabel.running_filter())
    for label in strings(sm, "targetLabels"):
        rules.append(_copy_rule(f"__meta_kubernetes_service_label_{sanitize_label_name(label)}", label))
    for label in [*strings(sm, "podTargetLabels"), *settings.pod_target_labels]:
        rules.append(_copy_rule(f"__meta_kubernetes_pod_label_{sanitize_label_name(label)}", label))
    rules.append({"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job", "replacement": "${1}"})
    if string(sm, "jobLabel"):
        source = f"__meta_kubernetes_service_label_{sanitize_label_name(string(sm, 'jobLabel'))}"
        rules.append({"source_labels": [source], "target_label": "job", "regex": "(.+)", "replacement": "${1}"})
    endpoint_label = port or (str(tport) if tport not in (None, "") else "")
    if endpoint_label:
        rules.append({"target_label": "endpoint", "replacement": endpoint_label})
    rules += relabel.render(seq(scrape_class, "relabelings"))
    rules += relabel.render(
        relabel.with_enforced_namespace(seq(ep, "relabelings"), settings.enforced_namespace_label, namespace_of(obj))
    )
    rules += sharding_rules(settings.shards)
    return rules


def _copy_rule(source: str, label: str) -> Job:
    return {
        "source_labels": [source],
        "target_label": sanitize_label_name(label),
        "regex": "(.+)",
        "replacement": "${1}",
    }

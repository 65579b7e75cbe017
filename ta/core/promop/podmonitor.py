"""PodMonitor -> scrape configs ``podMonitor/<ns>/<name>/<i>``, one per ``podMetricsEndpoints`` entry.

In: a valid PodMonitor object, the ``Settings`` and a ``Resolver``. Out: the jobs in endpoint order. Unlike the
ServiceMonitor, the running-phase filter comes before the selector rules and ``job`` is ``<ns>/<name>``.
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
    opt_int,
    opt_mapping,
    opt_string,
    seq,
    spec,
    string,
    strings,
)
from ta.core.promop.relabel import sanitize_label_name
from ta.core.promop.secrets import Resolver
from ta.core.promop.servicemonitor import target_port
from ta.core.promop.sharding import sharding_rules


def generate(obj: Obj, settings: Settings, resolver: Resolver) -> tuple[Job, ...]:
    return tuple(
        _endpoint_job(obj, endpoint, index, settings, resolver)
        for index, endpoint in enumerate(seq(spec(obj), "podMetricsEndpoints"))
        if isinstance(endpoint, Mapping)
    )


def _endpoint_job(obj: Obj, ep: Mapping[str, Any], index: int, settings: Settings, resolver: Resolver) -> Job:
    namespace, name, pm = namespace_of(obj), name_of(obj), spec(obj)
    scrape_class = httpconfig.scrape_class_for(settings.scrape_classes, opt_string(pm, "scrapeClass"))
    role_selector = string(pm, "selectorMechanism") == "RoleSelector"

    job: Job = {"job_name": f"podMonitor/{namespace}/{name}/{index}"}
    common.add_honor_labels(job, bool(opt_bool(ep, "honorLabels")), settings)
    common.add_honor_timestamps(job, opt_bool(ep, "honorTimestamps"), settings)
    common.add_track_staleness(job, opt_bool(ep, "trackTimestampsStaleness"))
    sd_selectors = [{"role": "pod", "label": selector_string(mapping(pm, "selector"))}] if role_selector else None
    job["kubernetes_sd_configs"] = common.kubernetes_sd(
        "pod",
        common.namespaces(mapping(pm, "namespaceSelector"), namespace, settings),
        common.attach_metadata(pm, scrape_class),
        sd_selectors,
    )
    common.add_endpoint_scrape(job, ep)
    common.add_http_auth(job, resolver, ep, scrape_class, tls_with_files=False)
    bearer = opt_mapping(ep, "bearerTokenSecret")
    if bearer is not None and string(bearer, "name"):
        job["bearer_token"] = resolver.secret(bearer)
    basic = opt_mapping(ep, "basicAuth")
    if basic is not None:
        job["basic_auth"] = httpconfig.render_basic_auth(resolver, basic)
    oauth2 = opt_mapping(ep, "oauth2")
    if oauth2 is not None:
        job["oauth2"] = httpconfig.render_oauth2(resolver, oauth2)
    job.update(httpconfig.render_proxy(resolver, ep))
    auth = httpconfig.merge_authorization(opt_mapping(ep, "authorization"), scrape_class)
    if auth is not None:
        job["authorization"] = httpconfig.render_authorization(resolver, auth)

    job["relabel_configs"] = _relabelings(obj, ep, role_selector, scrape_class, settings)
    common.add_limits(job, pm)
    common.add_tail(job, pm, scrape_class)
    metric = relabel.with_enforced_namespace(seq(ep, "metricRelabelings"), settings.enforced_namespace_label, namespace)
    metric_rules = common.metric_relabelings(scrape_class, metric)
    if metric_rules:
        job["metric_relabel_configs"] = relabel.render(metric_rules)
    return job


def _relabelings(
    obj: Obj, ep: Mapping[str, Any], role_selector: bool, scrape_class: Obj, settings: Settings
) -> list[Job]:
    pm, namespace = spec(obj), namespace_of(obj)
    rules: list[Job] = [relabel.job_name_rule()]
    if opt_bool(ep, "filterRunning") is not False:
        rules.append(relabel.running_filter())
    if not role_selector:
        rules += selector_rules(mapping(pm, "selector"), "pod")

    port, port_number, tport = string(ep, "port"), opt_int(ep, "portNumber"), target_port(ep)
    if port:
        rules.append({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": port})
    elif port_number:
        rules.append(
            {
                "action": "keep",
                "source_labels": ["__meta_kubernetes_pod_container_port_number"],
                "regex": str(port_number),
            }
        )
    elif isinstance(tport, str) and tport:
        rules.append({"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_name"], "regex": tport})
    elif isinstance(tport, int) and tport != 0:
        rules.append(
            {"action": "keep", "source_labels": ["__meta_kubernetes_pod_container_port_number"], "regex": str(tport)}
        )

    rules += [
        {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
        {"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"},
        {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
    ]
    for label in [*strings(pm, "podTargetLabels"), *settings.pod_target_labels]:
        rules.append(
            {
                "source_labels": [f"__meta_kubernetes_pod_label_{sanitize_label_name(label)}"],
                "target_label": sanitize_label_name(label),
                "regex": "(.+)",
                "replacement": "${1}",
            }
        )
    rules.append({"target_label": "job", "replacement": f"{namespace}/{name_of(obj)}"})
    if string(pm, "jobLabel"):
        source = f"__meta_kubernetes_pod_label_{sanitize_label_name(string(pm, 'jobLabel'))}"
        rules.append({"source_labels": [source], "target_label": "job", "regex": "(.+)", "replacement": "${1}"})
    if port:
        rules.append({"target_label": "endpoint", "replacement": port})
    elif tport not in (None, ""):
        rules.append({"target_label": "endpoint", "replacement": str(tport)})
    rules += relabel.render(seq(scrape_class, "relabelings"))
    rules += relabel.render(
        relabel.with_enforced_namespace(seq(ep, "relabelings"), settings.enforced_namespace_label, namespace)
    )
    rules += sharding_rules(settings.shards)
    return rules

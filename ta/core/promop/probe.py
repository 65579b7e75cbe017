"""Probe -> scrape config ``probe/<ns>/<name>`` (blackbox-style: the target becomes ``__param_target``).

In: a valid Probe object, the ``Settings`` and a ``Resolver``. Out: one job, either with ``static_configs`` (when
``targets.staticConfig`` is set; it wins) or with an ingress ``kubernetes_sd_configs``; sharding hashes
``__param_target``. Authentication keys come after ``relabel_configs``, as the operator writes them.
"""

from __future__ import annotations

from collections.abc import Mapping

from ta.core.promop import common, httpconfig, relabel
from ta.core.promop.labelselector import selector_rules
from ta.core.promop.model import Job, Obj, Settings
from ta.core.promop.objects import mapping, name_of, namespace_of, opt_mapping, opt_string, seq, spec, string, strings
from ta.core.promop.secrets import Resolver
from ta.core.promop.sharding import sharding_rules


def generate(obj: Obj, settings: Settings, resolver: Resolver) -> tuple[Job, ...]:
    namespace, name, ps = namespace_of(obj), name_of(obj), spec(obj)
    scrape_class = httpconfig.scrape_class_for(settings.scrape_classes, opt_string(ps, "scrapeClass"))
    prober = mapping(ps, "prober")
    targets = mapping(ps, "targets")

    job: Job = {"job_name": f"probe/{namespace}/{name}"}
    common.add_honor_timestamps(job, True, settings)
    # The CRD defaults prober.path to /metrics; an object that skipped defaulting gets the same.
    job["metrics_path"] = string(prober, "path") or "/metrics"
    if string(ps, "interval"):
        job["scrape_interval"] = string(ps, "interval")
    if string(ps, "scrapeTimeout"):
        job["scrape_timeout"] = string(ps, "scrapeTimeout")
    if opt_string(prober, "scheme") is not None:
        job["scheme"] = string(prober, "scheme").lower()
    params: dict[str, list[str]] = {}
    module = string(ps, "module")
    if module:
        params["module"] = [module]
    for param in seq(ps, "params"):
        if not isinstance(param, Mapping) or (module and string(param, "name") == "module"):
            continue
        params[string(param, "name")] = strings(param, "values")
    if params:
        job["params"] = params
    common.add_limits(job, ps)
    common.add_tail(job, {k: v for k, v in ps.items() if k != "bodySizeLimit"}, scrape_class)

    rules: list[Job] = [relabel.job_name_rule()]
    if string(ps, "jobName"):
        rules.append({"target_label": "job", "replacement": string(ps, "jobName")})
    job.update(httpconfig.render_proxy(resolver, prober))
    common.add_http_auth(job, resolver, ps, scrape_class, tls_with_files=False)

    prober_url = string(prober, "url")
    static = opt_mapping(targets, "staticConfig")
    ingress = opt_mapping(targets, "ingress")
    user_rules: list[object] = []
    if static is not None:
        labels = {str(k): str(v) for k, v in mapping(static, "labels").items()}
        labels.setdefault("namespace", namespace)
        job["static_configs"] = [{"targets": strings(static, "static"), "labels": dict(sorted(labels.items()))}]
        rules += [
            {"source_labels": ["__address__"], "target_label": "__param_target"},
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": prober_url},
        ]
        user_rules = list(seq(static, "relabelingConfigs"))
    elif ingress is not None:
        rules += selector_rules(mapping(ingress, "selector"), "ingress")
        job["kubernetes_sd_configs"] = common.kubernetes_sd(
            "ingress", common.namespaces(mapping(ingress, "namespaceSelector"), namespace, settings), None
        )
        rules += [
            {
                "source_labels": ["__meta_kubernetes_ingress_scheme", "__address__", "__meta_kubernetes_ingress_path"],
                "separator": ";",
                "regex": "(.+);(.+);(.+)",
                "target_label": "__param_target",
                "replacement": "${1}://${2}${3}",
                "action": "replace",
            },
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_ingress_name"], "target_label": "ingress"},
            {
                "source_labels": ["__address__"],
                "separator": ";",
                "regex": "(.*)",
                "target_label": "__tmp_ingress_address",
                "replacement": "$1",
                "action": "replace",
            },
            {"source_labels": ["__param_target"], "target_label": "instance"},
            {"target_label": "__address__", "replacement": prober_url},
        ]
        user_rules = list(seq(ingress, "relabelingConfigs"))
    rules += relabel.render(seq(scrape_class, "relabelings"))
    rules += relabel.render(relabel.with_enforced_namespace(user_rules, settings.enforced_namespace_label, namespace))
    rules += sharding_rules(settings.shards, "__param_target")
    job["relabel_configs"] = rules

    bearer = opt_mapping(ps, "bearerTokenSecret")
    if bearer is not None:
        job["bearer_token"] = resolver.secret(bearer)
    basic = opt_mapping(ps, "basicAuth")
    if basic is not None:
        job["basic_auth"] = httpconfig.render_basic_auth(resolver, basic)
    oauth2 = opt_mapping(ps, "oauth2")
    if oauth2 is not None:
        job["oauth2"] = httpconfig.render_oauth2(resolver, oauth2)
    auth = httpconfig.merge_authorization(opt_mapping(ps, "authorization"), scrape_class)
    if auth is not None:
        job["authorization"] = httpconfig.render_authorization(resolver, auth)
    metric = relabel.with_enforced_namespace(seq(ps, "metricRelabelings"), settings.enforced_namespace_label, namespace)
    metric_rules = common.metric_relabelings(scrape_class, metric)
    if metric_rules:
        job["metric_relabel_configs"] = relabel.render(metric_rules)
    return (job,)

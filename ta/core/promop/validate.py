"""Validation of selected CR objects, as prometheus-operator's resource selector performs it.

In: the kind, the object, the ``Settings`` and a ``Resolver`` (credential reads double as existence checks, as in
the operator's asset store). Out: nothing for a valid object, ``Invalid`` with the operator-style reason otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from ta.core.promop import httpconfig, relabel
from ta.core.promop.duration import check_timeout
from ta.core.promop.labelselector import validate_selector
from ta.core.promop.model import Invalid, Kind, Obj, Settings
from ta.core.promop.objects import mapping, opt_mapping, opt_string, seq, spec, string
from ta.core.promop.scrapeconfig import SUPPORTED_SD
from ta.core.promop.secrets import Resolver

_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$"
)
# prometheus-operator's own selector rule, not Prometheus' (``ta.core.k8s_sd.roles``): it allows only pod
# selectors for the pod role, and lists the roles in its own order in its message.
_SELECTOR_ROLES = {
    "pod": ("pod",),
    "service": ("service",),
    "endpointslice": ("pod", "service", "endpointslice"),
    "endpoints": ("pod", "service", "endpoints"),
    "node": ("node",),
    "ingress": ("ingress",),
}


def validate(kind: Kind, obj: Obj, settings: Settings, resolver: Resolver) -> None:
    {
        Kind.SERVICE_MONITOR: _service_monitor,
        Kind.POD_MONITOR: _pod_monitor,
        Kind.PROBE: _probe,
        Kind.SCRAPE_CONFIG: _scrape_config,
    }[kind](spec(obj), settings, resolver)


def _scrape_class(settings: Settings, name: str | None) -> None:
    if not name:
        return
    if not any(string(c, "name") == name for c in settings.scrape_classes):
        raise Invalid(f"scrapeClassName: scrapeClass {name!r} not found in Prometheus scrapeClasses")


def _selector(sel: Mapping[str, Any]) -> None:
    try:
        validate_selector(sel)
    except Invalid as exc:
        raise Invalid(f"failed to parse label selector: {exc}") from None


def _endpoint_http(ep: Mapping[str, Any], resolver: Resolver, *, tls_files: bool) -> None:
    httpconfig.validate_auth_exclusive(ep)
    auth = opt_mapping(ep, "authorization")
    if auth is not None:
        try:
            httpconfig.validate_authorization(auth, safe=True)
        except Invalid as exc:
            raise Invalid(f"authorization: {exc}") from None
    try:
        httpconfig.validate_oauth2(opt_mapping(ep, "oauth2"))
    except Invalid as exc:
        raise Invalid(f"oauth2: {exc}") from None
    tls = opt_mapping(ep, "tlsConfig")
    if not tls_files and tls is not None and any(string(tls, f) for f in ("caFile", "certFile", "keyFile")):
        raise Invalid("tlsConfig: file paths are not allowed here")
    httpconfig.read_credentials(resolver, ep, safe_auth=True)


def _service_monitor(sm: Mapping[str, Any], settings: Settings, resolver: Resolver) -> None:
    _selector(mapping(sm, "selector"))
    for index, ep in enumerate(seq(sm, "endpoints")):
        try:
            if not isinstance(ep, Mapping):
                raise Invalid("not an object")
            _endpoint_http(ep, resolver, tls_files=True)
            check_timeout(string(ep, "interval"), string(ep, "scrapeTimeout"), settings.scrape_interval)
            relabel.validate(seq(ep, "relabelings"), "relabelConfigs")
            relabel.validate(seq(ep, "metricRelabelings"), "metricRelabelConfigs")
        except Invalid as exc:
            raise Invalid(f"endpoints[{index}]: {exc}") from None
    _scrape_class(settings, opt_string(sm, "scrapeClass"))


def _pod_monitor(pm: Mapping[str, Any], settings: Settings, resolver: Resolver) -> None:
    _selector(mapping(pm, "selector"))
    for index, ep in enumerate(seq(pm, "podMetricsEndpoints")):
        try:
            if not isinstance(ep, Mapping):
                raise Invalid("not an object")
            check_timeout(string(ep, "interval"), string(ep, "scrapeTimeout"), settings.scrape_interval)
            relabel.validate(seq(ep, "relabelings"), "relabelConfigs")
            relabel.validate(seq(ep, "metricRelabelings"), "metricRelabelConfigs")
            _endpoint_http(ep, resolver, tls_files=False)
        except Invalid as exc:
            raise Invalid(f"endpoint[{index}]: {exc}") from None
    _scrape_class(settings, opt_string(pm, "scrapeClass"))


def _static_labels(labels: Mapping[str, Any]) -> None:
    for name in sorted(labels):
        if not str(name):
            raise Invalid(f"invalid label {name!r}")


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOSTNAME.match(host))
    return True


def _prober_url(url: str) -> None:
    host, port = url, ""
    if url.startswith("["):
        close = url.find("]")
        if close != -1 and url[close + 1 : close + 2] == ":":
            host, port = url[1:close], url[close + 2 :]
    elif url.count(":") == 1:
        host, port = url.split(":")
    if not host or not _is_host(host):
        raise Invalid(
            f"{url!r} url specified in proberSpec is invalid, it should be of the format `hostname` or `hostname:port`"
        )
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise Invalid(f"{url!r} url specified in proberSpec is invalid: invalid port {port!r}")


def _probe(ps: Mapping[str, Any], settings: Settings, resolver: Resolver) -> None:
    _scrape_class(settings, opt_string(ps, "scrapeClass"))
    targets = mapping(ps, "targets")
    static, ingress = opt_mapping(targets, "staticConfig"), opt_mapping(targets, "ingress")
    if static is None and ingress is None:
        raise Invalid("at least one of .spec.targets.staticConfig and .spec.targets.ingress is required")
    httpconfig.read_credentials(resolver, ps, safe_auth=True)
    check_timeout(string(ps, "interval"), string(ps, "scrapeTimeout"), settings.scrape_interval)
    relabel.validate(seq(ps, "metricRelabelings"), "metricRelabelConfigs")
    if static is not None:
        try:
            _static_labels(mapping(static, "labels"))
        except Invalid as exc:
            raise Invalid(f"targets.staticConfig.labels: {exc}") from None
        relabel.validate(seq(static, "relabelingConfigs"), "targets.staticConfig.relabelConfigs")
    if ingress is not None:
        _selector(mapping(ingress, "selector"))
        relabel.validate(seq(ingress, "relabelingConfigs"), "targets.ingress.relabelConfigs")
    _prober_url(string(mapping(ps, "prober"), "url"))


def _scrape_config(sc: Mapping[str, Any], settings: Settings, resolver: Resolver) -> None:
    _scrape_class(settings, opt_string(sc, "scrapeClass"))
    relabel.validate(seq(sc, "relabelings"), "relabelConfigs")
    httpconfig.read_credentials(resolver, sc, safe_auth=True)
    check_timeout(string(sc, "scrapeInterval"), string(sc, "scrapeTimeout"), settings.scrape_interval)
    relabel.validate(seq(sc, "metricRelabelings"), "metricRelabelConfigs")
    for index, config in enumerate(seq(sc, "staticConfigs")):
        try:
            _static_labels(mapping(config, "labels") if isinstance(config, Mapping) else {})
        except Invalid as exc:
            raise Invalid(f"staticConfigs: [{index}]: {exc}") from None
    for field in ("httpSDConfigs", "kubernetesSDConfigs"):
        for index, config in enumerate(seq(sc, field)):
            try:
                if not isinstance(config, Mapping):
                    raise Invalid("not an object")
                httpconfig.read_credentials(resolver, config, safe_auth=True)
                if field == "kubernetesSDConfigs":
                    _kubernetes_sd(config)
            except Invalid as exc:
                raise Invalid(f"{field}: [{index}]: {exc}") from None
    unsupported = sorted(k for k, v in sc.items() if k.endswith("SDConfigs") and k not in SUPPORTED_SD and v)
    if unsupported:
        raise Invalid(f"{unsupported[0]}: service discovery mechanism not supported by this target allocator")


def _kubernetes_sd(config: Mapping[str, Any]) -> None:
    namespaces = opt_mapping(config, "namespaces")
    if (
        opt_string(config, "apiServer") is not None
        and namespaces is not None
        and namespaces.get("ownNamespace") is True
    ):
        raise Invalid("cannot use 'apiServer' and 'namespaces.ownNamespace' simultaneously")
    role = string(config, "role").lower()
    for selector in seq(config, "selectors"):
        allowed = _SELECTOR_ROLES.get(role)
        if allowed is None:
            raise Invalid(f"invalid role: {string(config, 'role')!r}, expecting one of: {', '.join(_SELECTOR_ROLES)}")
        if string(selector, "role").lower() not in allowed:
            raise Invalid(f"{string(config, 'role')} role supports only {', '.join(allowed)} selectors")

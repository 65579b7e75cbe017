"""prometheus-operator parity through the CR step: quantity fields and byte sizes as the Go TA serves them."""

from __future__ import annotations

from typing import Any

import orjson

from ta.core.config.mapping import config_from_mapping
from ta.core.config.model import TAConfig
from ta.core.crs import CRState
from ta.core.promcfg.render import render_scrape_configs

SM = "monitoring.coreos.com/v1/servicemonitors"


def _state() -> CRState:
    cfg, _ = config_from_mapping(
        {"collector_namespace": "otel", "prometheus_cr": {"enabled": True, "service_monitor_selector": {}}},
        base=TAConfig(),
    )
    s = CRState()
    s.configure(cfg)
    s.object_changed("v1/namespaces", "ADDED", {"metadata": {"name": "a", "labels": {}}})
    return s


def _sm(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": name, "namespace": "a", "labels": {}},
        "spec": {"selector": {"matchLabels": {"app": name}}, "endpoints": [{"port": "http"}], **spec},
    }


def _served(s: CRState) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(render_scrape_configs(s.jobs(), reveal_secrets=False))
    return body


def test_quantity_string_is_served_as_the_operators_float() -> None:
    s = _state()
    s.object_changed(SM, "ADDED", _sm("web", nativeHistogramMinBucketFactor="12124m"))
    assert s.rejected() == ()
    assert _served(s)["serviceMonitor/a/web/0"]["native_histogram_min_bucket_factor"] == 12.124


def test_unparseable_quantity_rejects_only_that_monitor_with_a_reason() -> None:
    s = _state()
    s.object_changed(SM, "ADDED", _sm("bad", nativeHistogramMinBucketFactor="1.2.3"))
    s.object_changed(SM, "ADDED", _sm("good", nativeHistogramMinBucketFactor=2))
    assert list(_served(s)) == ["serviceMonitor/a/good/0"]
    [problem] = s.rejected()
    assert problem.source == "ServiceMonitor a/bad"
    assert problem.reason.startswith("nativeHistogramMinBucketFactor: '1.2.3': ")


def test_body_size_limit_is_served_in_prometheus_canonical_form() -> None:
    s = _state()
    s.object_changed(SM, "ADDED", _sm("web", bodySizeLimit="500MB"))
    s.object_changed(SM, "ADDED", _sm("odd", bodySizeLimit="1.5KB"))
    served = _served(s)
    assert served["serviceMonitor/a/web/0"]["body_size_limit"] == "500MiB"
    assert served["serviceMonitor/a/odd/0"]["body_size_limit"] == "1KiB512B"


def test_the_served_bytes_carry_the_operators_float_not_the_nearest_decimal() -> None:
    s = _state()
    s.object_changed(SM, "ADDED", _sm("web", nativeHistogramMinBucketFactor="0.3"))  # kept as 3 * 10**-1
    s.object_changed(SM, "ADDED", _sm("go", nativeHistogramMinBucketFactor="300m"))  # a Go client's 0.3
    body = render_scrape_configs(s.jobs(), reveal_secrets=False)
    assert b'"native_histogram_min_bucket_factor":0.30000000000000004' in body
    assert b'"native_histogram_min_bucket_factor":0.3,' in body

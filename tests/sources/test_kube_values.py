"""The live process keeps Secret and ConfigMap values in memory and puts them on the (journaled-as-digests) event."""

from __future__ import annotations

import base64

from ta.core.crs import CRState
from ta.core.gocompat import jsonbytes
from ta.core.objects.sanitize import sanitize
from ta.core.objects.secrets import Digester
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
from ta.sources.kube import SecretValues

DIGEST = Digester(b"k" * 32)


def _event(resource: str, obj: dict[str, object], watch_type: str = "ADDED") -> KubeObjectChanged:
    meta = obj["metadata"]
    assert isinstance(meta, dict)
    return KubeObjectChanged(
        watch_type="ADDED" if watch_type == "ADDED" else "MODIFIED",
        resource=resource,
        namespace=str(meta["namespace"]),
        name=str(meta["name"]),
        body=jsonbytes.dumps(sanitize(resource, obj, DIGEST)),
    )


def test_values_of_secrets_and_configmaps_ride_along_in_memory_only() -> None:
    values = SecretValues()
    secret = {"metadata": {"name": "x", "namespace": "ns"}, "data": {"pw": base64.b64encode(b"hunter2").decode()}}
    cm = {"metadata": {"name": "x", "namespace": "ns"}, "data": {"db_url": "postgres://app:pw@db/app"}}
    values.observe("ADDED", "v1/secrets", secret)
    values.observe("ADDED", "v1/configmaps", cm)  # same name, other resource: kept apart
    s = values.attach(_event("v1/secrets", secret))
    c = values.attach(KubeObjectBatch(resource="v1/configmaps", changes=(_event("v1/configmaps", cm),)))
    assert isinstance(s, KubeObjectChanged) and isinstance(c, KubeObjectBatch)
    assert s.secret_values == (("pw", "hunter2"),)
    assert c.changes[0].secret_values == (("db_url", "postgres://app:pw@db/app"),)
    assert b"postgres" not in c.changes[0].body and "postgres" not in repr(c)
    values.observe("DELETED", "v1/configmaps", cm)
    assert values.attach(_event("v1/configmaps", cm)).secret_values == ()  # type: ignore[union-attr]
    # Pods and the like pass untouched.
    pod = {"metadata": {"name": "p", "namespace": "ns"}}
    event = _event("v1/pods", pod)
    assert values.attach(event) is event


def test_crs_core_reads_the_live_configmap_value() -> None:
    from ta.core.config.mapping import config_from_mapping
    from ta.core.config.model import TAConfig
    from ta.core.promcfg.render import render_scrape_configs

    cfg, _ = config_from_mapping(
        {"collector_namespace": "otel", "prometheus_cr": {"enabled": True, "service_monitor_selector": {}}},
        base=TAConfig(),
    )
    core = CRState()
    core.configure(cfg)
    core.object_changed("v1/namespaces", "ADDED", {"metadata": {"name": "ns"}})
    monitor = {
        "metadata": {"name": "m", "namespace": "ns"},
        "spec": {
            "selector": {},
            "endpoints": [{"port": "http", "tlsConfig": {"ca": {"configMap": {"name": "x", "key": "ca.crt"}}}}],
        },
    }
    core.object_changed("monitoring.coreos.com/v1/servicemonitors", "ADDED", monitor)
    cm = {"metadata": {"name": "x", "namespace": "ns"}, "data": {"ca.crt": "PEM-TEXT"}}
    values = SecretValues()
    values.observe("ADDED", "v1/configmaps", cm)
    event = values.attach(_event("v1/configmaps", cm))
    assert isinstance(event, KubeObjectChanged)
    core.object_changed(event.resource, event.watch_type, event.obj(), event.secret_values)
    assert b'"ca":"PEM-TEXT"' in render_scrape_configs(core.jobs(), reveal_secrets=False)

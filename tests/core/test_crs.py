from typing import Any

from ta.core.config.mapping import config_from_mapping
from ta.core.config.model import TAConfig
from ta.core.crs import CRState
from ta.core.objects import secrets
from ta.core.promcfg.render import render_scrape_configs

SM = "monitoring.coreos.com/v1/servicemonitors"
PM = "monitoring.coreos.com/v1/podmonitors"


def config(**cr: Any) -> TAConfig:
    cfg, _ = config_from_mapping(
        {
            "collector_namespace": "otel",
            "prometheus_cr": {"enabled": True, "service_monitor_selector": {}, "pod_monitor_selector": {}, **cr},
        },
        base=TAConfig(),
    )
    return cfg


def namespace(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels}}


def service_monitor(name: str, ns: str = "a", *, secret: str = "", interval: str = "") -> dict[str, Any]:
    endpoint: dict[str, Any] = {"port": "http"}
    if secret:
        endpoint["basicAuth"] = {"username": {"name": secret, "key": "user"}, "password": {"name": secret, "key": "pw"}}
    if interval:
        endpoint["interval"] = interval
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": name, "namespace": ns, "labels": {"team": "x"}},
        "spec": {"selector": {"matchLabels": {"app": name}}, "endpoints": [endpoint]},
    }


DIGEST = secrets.Digester(b"k" * 32)


def secret(name: str, ns: str = "a", **values: str) -> dict[str, Any]:
    """A Secret as journaled: its values as keyed digests."""
    return {"metadata": {"name": name, "namespace": ns}, "data": {k: DIGEST.text(v) for k, v in values.items()}}


def configmap(name: str, ns: str = "a", **values: str) -> dict[str, Any]:
    """A ConfigMap as journaled: its values as keyed digests (an empty one stays empty)."""
    data = {k: DIGEST.text(v) if v else "" for k, v in values.items()}
    return {"metadata": {"name": name, "namespace": ns}, "data": data}


def tls_monitor(name: str, cm: str, ns: str = "a") -> dict[str, Any]:
    monitor = service_monitor(name, ns)
    monitor["spec"]["endpoints"][0]["tlsConfig"] = {"ca": {"configMap": {"name": cm, "key": "ca.crt"}}}
    return monitor


def state(cfg: TAConfig | None = None) -> CRState:
    s = CRState()
    s.configure(cfg or config())
    s.object_changed("v1/namespaces", "ADDED", namespace("a", env="prod"))
    s.object_changed("v1/namespaces", "ADDED", namespace("b", env="dev"))
    return s


def names(s: CRState) -> list[str]:
    return [j.job_name for j in s.jobs()]


def test_generates_in_operator_order_and_removes_on_delete() -> None:
    s = state()
    s.object_changed(SM, "ADDED", service_monitor("web", "b"))
    s.object_changed(SM, "ADDED", service_monitor("api", "a"))
    assert names(s) == ["serviceMonitor/a/api/0", "serviceMonitor/b/web/0"]
    s.object_changed(SM, "DELETED", service_monitor("api", "a"))
    assert names(s) == ["serviceMonitor/b/web/0"]


def test_one_change_rebuilds_only_that_object() -> None:
    s = state()
    s.object_changed(SM, "ADDED", service_monitor("web"))
    s.object_changed(SM, "ADDED", service_monitor("api"))
    before = {j.job_name: j for j in s.jobs()}
    s.object_changed(SM, "MODIFIED", service_monitor("web", interval="15s"))
    after = {j.job_name: j for j in s.jobs()}
    assert after["serviceMonitor/a/api/0"] is before["serviceMonitor/a/api/0"]
    assert after["serviceMonitor/a/web/0"].scrape_interval == "15s"
    # A re-sync with identical content yields equal jobs (nothing visible changes).
    s.object_changed(SM, "MODIFIED", service_monitor("web", interval="15s"))
    assert s.jobs() == tuple(after.values())


def test_missing_secret_rejects_then_secret_arrival_regenerates() -> None:
    s = state()
    s.object_changed(SM, "ADDED", service_monitor("web", secret="creds"))
    assert names(s) == [] and "creds" in s.rejected()[0].reason
    assert s.take_problems()
    changed = s.object_changed(
        "v1/secrets", "ADDED", secret("creds", user="u", pw="hunter2"), values=(("pw", "hunter2"), ("user", "u"))
    )
    assert changed and names(s) == ["serviceMonitor/a/web/0"]
    revealed = render_scrape_configs(s.jobs(), reveal_secrets=True)
    assert b"hunter2" in revealed
    assert b"hunter2" not in render_scrape_configs(s.jobs(), reveal_secrets=False)
    s.object_changed(
        "v1/secrets", "MODIFIED", secret("creds", user="u", pw="s3cond"), values=(("pw", "s3cond"), ("user", "u"))
    )
    assert b"s3cond" in render_scrape_configs(s.jobs(), reveal_secrets=True)
    # An unrelated secret regenerates nothing.
    assert not s.object_changed("v1/secrets", "ADDED", secret("other", pw="x"), values=(("pw", "x"),))


def test_replayed_secret_has_no_value_and_serves_secret_placeholder() -> None:
    s = state()
    s.object_changed(SM, "ADDED", service_monitor("web", secret="creds"))
    s.object_changed("v1/secrets", "ADDED", secret("creds", user="u", pw="hunter2"))  # digests only
    body = render_scrape_configs(s.jobs(), reveal_secrets=True)
    assert b"hunter2" not in body and b'"password":"\\u003csecret\\u003e"' in body
    # The username (no Prometheus Secret) reads as the placeholder too; no digest reaches an answer.
    assert b'"username":"\\u003csecret\\u003e"' in body and b"hmac-sha256" not in body


def test_configmap_values_are_inlined_live_and_placeholders_in_a_replay() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    live = state()
    live.object_changed(SM, "ADDED", tls_monitor("web", "ca"))
    assert names(live) == [] and "ca" in live.rejected()[0].reason
    assert live.object_changed("v1/configmaps", "ADDED", configmap("ca", **{"ca.crt": pem}), values=(("ca.crt", pem),))
    assert len(live.jobs()) == 1
    body = render_scrape_configs(live.jobs(), reveal_secrets=False)
    assert b"MIIB" in body  # a CA is no Prometheus Secret: served as it is, as the operator inlines it
    # A changed value regenerates the reader.
    other = pem.replace("MIIB", "MIIC")
    assert live.object_changed(
        "v1/configmaps", "MODIFIED", configmap("ca", **{"ca.crt": other}), values=(("ca.crt", other),)
    )
    assert b"MIIC" in render_scrape_configs(live.jobs(), reveal_secrets=False)

    replayed = state()
    replayed.object_changed(SM, "ADDED", tls_monitor("web", "ca"))
    replayed.object_changed("v1/configmaps", "ADDED", configmap("ca", **{"ca.crt": pem}))  # digests only
    body = render_scrape_configs(replayed.jobs(), reveal_secrets=True)
    assert b"MIIB" not in body and b'"ca":"\\u003csecret\\u003e"' in body and b"hmac-sha256" not in body


def test_configmap_from_an_old_journal_still_replays_verbatim() -> None:
    s = state()
    s.object_changed(SM, "ADDED", tls_monitor("web", "ca"))
    verbatim = {"metadata": {"name": "ca", "namespace": "a"}, "data": {"ca.crt": "PEM"}}
    s.object_changed("v1/configmaps", "ADDED", verbatim)
    assert b'"ca":"PEM"' in render_scrape_configs(s.jobs(), reveal_secrets=False)


def test_namespace_selector_and_label_changes() -> None:
    s = state(config(service_monitor_namespace_selector={"matchLabels": {"env": "prod"}}))
    s.object_changed(SM, "ADDED", service_monitor("web", "a"))
    s.object_changed(SM, "ADDED", service_monitor("web", "b"))
    assert names(s) == ["serviceMonitor/a/web/0"]
    assert s.object_changed("v1/namespaces", "MODIFIED", namespace("b", env="prod"))
    assert names(s) == ["serviceMonitor/a/web/0", "serviceMonitor/b/web/0"]
    assert not s.object_changed("v1/namespaces", "MODIFIED", namespace("b", env="prod", extra="1"))


def test_nil_selector_selects_nothing_and_disabled_serves_nothing() -> None:
    s = state(config(service_monitor_selector=None))
    s.object_changed(SM, "ADDED", service_monitor("web"))
    assert names(s) == []
    s2 = CRState()
    off, _ = config_from_mapping({"collector_namespace": "otel", "prometheus_cr": {"enabled": False}}, base=TAConfig())
    s2.configure(off)
    s2.object_changed(SM, "ADDED", service_monitor("web"))
    assert s2.jobs() == ()


def test_invalid_monitor_is_rejected_with_a_reason_and_others_survive() -> None:
    s = state()
    bad = service_monitor("bad")
    bad["spec"]["endpoints"][0]["relabelings"] = [{"action": "replace", "regex": "(", "targetLabel": "x"}]
    s.object_changed(SM, "ADDED", bad)
    s.object_changed(SM, "ADDED", service_monitor("good"))
    assert names(s) == ["serviceMonitor/a/good/0"]
    [problem] = s.rejected()
    assert problem.source == "ServiceMonitor a/bad" and problem.reason


def test_lowercased_scrape_classes_from_the_operator_apply() -> None:
    classes = [
        {
            "name": "default-class",
            "default": True,
            "relabelings": [{"sourcelabels": ["__meta_kubernetes_pod_node_name"], "targetlabel": "node_from_class"}],
            "tlsconfig": {"cafile": "/etc/ca.pem"},
        }
    ]
    s = state(config(scrape_classes=classes))
    s.object_changed(SM, "ADDED", service_monitor("web"))
    [job] = s.jobs()
    assert any(r.target_label == "node_from_class" for r in job.relabel_configs)
    assert b"/etc/ca.pem" in render_scrape_configs(s.jobs(), reveal_secrets=False)

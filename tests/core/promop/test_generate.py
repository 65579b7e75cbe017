"""Validation/rejection, dependencies, deny-FS-access and whole-configuration job order."""

from __future__ import annotations

from typing import Any

from ta.core.promop import (
    Generated,
    Kind,
    KindSelectors,
    Lookups,
    Rejected,
    SecretRef,
    Settings,
    build,
    dependencies,
    generate_all,
    match_all,
)

ALL = KindSelectors(objects=match_all)
SETTINGS = Settings(service_monitors=ALL, pod_monitors=ALL, probes=ALL, scrape_configs=ALL)


def sm(name: str, endpoint: dict[str, Any], namespace: str = "default", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"selector": {}, "endpoints": [endpoint], **spec},
    }


def reason(kind: Kind, obj: dict[str, Any], settings: Settings = SETTINGS, lookups: Lookups | None = None) -> str:
    outcome = build(kind, obj, settings, lookups or Lookups())
    assert isinstance(outcome, Rejected), outcome
    assert (outcome.kind, outcome.namespace, outcome.name) == (
        kind,
        obj["metadata"]["namespace"],
        obj["metadata"]["name"],
    )
    return outcome.reason


def test_invalid_regex_is_rejected() -> None:
    text = reason(
        Kind.SERVICE_MONITOR, sm("bad", {"port": "a", "relabelings": [{"regex": "(unclosed", "targetLabel": "x"}]})
    )
    assert text.startswith("endpoints[0]: relabelConfigs: [0]: invalid regex (unclosed")


def test_bad_relabel_action_and_hashmod_without_modulus() -> None:
    assert "unknown relabel action" in reason(
        Kind.POD_MONITOR,
        {"metadata": {"name": "p", "namespace": "n"},
         "spec": {"selector": {}, "podMetricsEndpoints": [{"metricRelabelings": [{"action": "explode"}]}]}},
    )  # fmt: skip
    assert "requires non-zero modulus" in reason(
        Kind.SERVICE_MONITOR, sm("h", {"relabelings": [{"action": "hashmod", "targetLabel": "x"}]})
    )


def test_missing_secret_is_rejected() -> None:
    text = reason(Kind.SERVICE_MONITOR, sm("s", {"bearerTokenSecret": {"name": "nope", "key": "token"}}))
    assert text == "endpoints[0]: bearerTokenSecret: unable to get secret 'nope' key 'token' in namespace 'default'"


def test_bad_selector_operator_is_rejected() -> None:
    obj = sm("op", {"port": "a"}, selector={"matchExpressions": [{"key": "k", "operator": "Matches", "values": ["v"]}]})
    assert "'Matches' is not a valid label selector operator" in reason(Kind.SERVICE_MONITOR, obj)


def test_other_rejections() -> None:
    assert "greater than scrapeInterval" in reason(Kind.SERVICE_MONITOR, sm("t", {"scrapeTimeout": "45s"}))
    assert "not found in Prometheus scrapeClasses" in reason(Kind.SERVICE_MONITOR, sm("c", {}, scrapeClass="gold"))
    assert "at least one of .spec.targets" in reason(
        Kind.PROBE, {"metadata": {"name": "p", "namespace": "n"}, "spec": {"prober": {"url": "bb:9115"}}}
    )
    assert "basicAuth and oauth2" in reason(
        Kind.SERVICE_MONITOR,
        sm("two-auth", {"basicAuth": {"username": {"name": "a", "key": "u"}, "password": {"name": "a", "key": "p"}},
                        "oauth2": {"tokenUrl": "http://t", "clientId": {"secret": {"name": "a", "key": "i"}},
                                   "clientSecret": {"name": "a", "key": "s"}}}),
    )  # fmt: skip
    assert "consulSDConfigs" in reason(
        Kind.SCRAPE_CONFIG,
        {"metadata": {"name": "c", "namespace": "n"}, "spec": {"consulSDConfigs": [{"server": "x"}]}},
    )


def test_deny_fs_access_rejects_file_paths_including_scrape_class_ones() -> None:
    deny = Settings(deny_fs_access=True)
    assert "bearer_token_file: /var/run/secrets/token" in reason(
        Kind.SERVICE_MONITOR, sm("f", {"bearerTokenFile": "/var/run/secrets/token"}), deny
    )
    with_class = Settings(
        deny_fs_access=True, scrape_classes=({"name": "d", "default": True, "tlsConfig": {"caFile": "/ca"}},)
    )
    assert "tls_config.ca_file: /ca" in reason(Kind.SERVICE_MONITOR, sm("g", {"port": "a"}), with_class)
    # Without the setting the same object is fine.
    assert isinstance(build(Kind.SERVICE_MONITOR, sm("f", {"bearerTokenFile": "/t"}), Settings(), Lookups()), Generated)


def test_dependencies_are_known_without_values_and_match_build() -> None:
    obj = {
        "metadata": {"name": "p", "namespace": "n"},
        "spec": {"selector": {}, "podMetricsEndpoints": [{
            "basicAuth": {"username": {"name": "auth", "key": "u"}, "password": {"name": "auth", "key": "p"}},
            "tlsConfig": {"ca": {"configMap": {"name": "bundle", "key": "ca.crt"}}},
        }]},
    }  # fmt: skip
    expected = (
        SecretRef(source="configmap", namespace="n", name="bundle", key="ca.crt"),
        SecretRef(source="secret", namespace="n", name="auth", key="p"),
        SecretRef(source="secret", namespace="n", name="auth", key="u"),
    )
    assert dependencies(Kind.POD_MONITOR, obj, Settings()) == expected
    lookups = Lookups(secret=lambda ns, name, key: f"{name}.{key}", configmap=lambda ns, name, key: "CA")
    outcome = build(Kind.POD_MONITOR, obj, Settings(), lookups)
    assert isinstance(outcome, Generated)
    assert outcome.dependencies == expected
    assert outcome.jobs[0]["basic_auth"] == {"username": "auth.u", "password": "auth.p"}
    # Same inputs, same output: the result may be cached per object.
    assert build(Kind.POD_MONITOR, obj, Settings(), lookups) == outcome


def test_generate_all_orders_by_kind_then_namespace_name_and_collects_rejections() -> None:
    objects = {
        Kind.SCRAPE_CONFIG: [{"metadata": {"name": "s", "namespace": "a"},
                              "spec": {"staticConfigs": [{"targets": ["x:1"]}]}}],
        Kind.POD_MONITOR: [{"metadata": {"name": "p", "namespace": "a"},
                            "spec": {"selector": {}, "podMetricsEndpoints": [{}]}}],
        Kind.SERVICE_MONITOR: [
            sm("z", {"port": "a"}, namespace="b"),
            {**sm("y", {"port": "a"}, namespace="b"), "spec": {"selector": {}, "endpoints": [{}, {}]}},
            sm("bad", {"relabelings": [{"regex": "(", "targetLabel": "x"}]}, namespace="a"),
        ],
        Kind.PROBE: [{"metadata": {"name": "pr", "namespace": "a"},
                      "spec": {"prober": {"url": "bb:9115"}, "targets": {"staticConfig": {"static": ["t"]}}}}],
    }  # fmt: skip
    result = generate_all(objects, SETTINGS, {"a": {}, "b": {}}, Lookups())
    assert [job["job_name"] for job in result.jobs] == [
        "serviceMonitor/b/y/0",
        "serviceMonitor/b/y/1",
        "serviceMonitor/b/z/0",
        "podMonitor/a/p/0",
        "probe/a/pr",
        "scrapeConfig/a/s",
    ]
    assert [(r.kind, r.name) for r in result.rejected] == [(Kind.SERVICE_MONITOR, "bad")]

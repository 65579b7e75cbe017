from dataclasses import replace

import pytest

from ta.core.config.errors import ConfigError
from ta.core.config.model import PrometheusCRConfig, TAConfig
from ta.core.config.rawjson import RawJSON
from ta.core.config.validate import validate_config

ONE_JOB = RawJSON.of({"scrape_configs": [{"job_name": "a"}]}, where="config")
CR_ON = PrometheusCRConfig(enabled=True)


def message(config: TAConfig) -> str:
    with pytest.raises(ConfigError) as caught:
        validate_config(config)
    return str(caught.value)


def test_valid_configs_pass() -> None:
    validate_config(TAConfig(collector_namespace="ns", prometheus_cr=CR_ON))
    validate_config(TAConfig(collector_namespace="ns", prometheus_config=ONE_JOB))
    validate_config(
        TAConfig(collector_namespace="ns", prometheus_config=ONE_JOB, allocation_fallback_strategy="per-node")
    )


def test_needs_scrape_configs_or_cr_watching_first() -> None:
    expected = "at least one scrape config must be defined, or Prometheus CR watching must be enabled"
    assert message(TAConfig()) == expected
    assert message(TAConfig(prometheus_config=RawJSON.of({"global": {}}, where="config"))) == expected
    assert message(TAConfig(prometheus_config=RawJSON.of({"scrape_configs": []}, where="config"))) == expected


def test_collector_namespace_second() -> None:
    assert message(TAConfig(prometheus_cr=CR_ON)) == "collector namespace must be set"


def test_allow_and_deny_are_exclusive() -> None:
    cr = PrometheusCRConfig(enabled=True, allow_namespaces=("a",), deny_namespaces=("b",))
    assert message(TAConfig(collector_namespace="ns", prometheus_cr=cr)) == (
        "only one of allowNamespaces or denyNamespaces can be set"
    )


def test_telemetry_checked_before_strategies() -> None:
    telemetry = RawJSON.of({"metrics": {"readers": [{"periodic": {}}]}}, where="telemetry")
    config = TAConfig(collector_namespace="ns", prometheus_cr=CR_ON, telemetry=telemetry, allocation_strategy="x")
    assert message(config) == "telemetry.metrics.readers[0].periodic: must configure otlp_grpc or otlp_http exporter"


def test_unknown_strategies_are_clean_errors_fallback_first() -> None:
    base = TAConfig(collector_namespace="ns", prometheus_cr=CR_ON)
    assert message(replace(base, allocation_strategy="foo")) == (
        'allocation_strategy: unknown allocation strategy "foo" '
        "(valid: consistent-hashing, least-weighted, per-node, rendezvous-bounded)"
    )
    both = replace(base, allocation_strategy="foo", allocation_fallback_strategy="bar")
    assert message(both) == (
        'allocation_fallback_strategy: unknown allocation strategy "bar" '
        "(valid: consistent-hashing, least-weighted, per-node, rendezvous-bounded)"
    )


@pytest.mark.parametrize("fallback", ["per-node", "rendezvous-bounded"])
def test_per_node_refuses_a_fallback_it_cannot_use_at_start_up(fallback: str) -> None:
    config = TAConfig(
        collector_namespace="ns",
        prometheus_config=ONE_JOB,
        allocation_strategy="per-node",
        allocation_fallback_strategy=fallback,
    )
    assert message(config) == (
        f'allocation_fallback_strategy: per-node cannot fall back on "{fallback}" '
        "(valid: consistent-hashing, least-weighted)"
    )
    # Other strategies ignore the fallback, as upstream does.
    validate_config(replace(config, allocation_strategy="consistent-hashing"))

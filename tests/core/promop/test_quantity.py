"""Quantity-typed CR fields: Kubernetes quantity strings parsed exactly, rendered as the operator's float64."""

from __future__ import annotations

from typing import Any

import pytest

from ta.core.promop import Generated, Kind, Lookups, Rejected, Settings, build, generate
from ta.core.promop.model import Invalid
from ta.core.promop.quantity import Quantity, approximate_float, parse_quantity, quantity_float

LOOKUPS = Lookups(secret=lambda ns, name, key: None, configmap=lambda ns, name, key: None)


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("12124m", Quantity(12124, -3)),  # what a Go client sends for 12.124
        ("12.124", Quantity(12124, -3)),
        ("0", Quantity(0, 0)),
        ("0.5", Quantity(5, -1)),
        (".5", Quantity(5, -1)),
        ("1.", Quantity(1, 0)),
        ("+3", Quantity(3, 0)),
        ("-1500m", Quantity(-1500, -3)),
        ("0012.50", Quantity(1250, -2)),
        ("2e-3", Quantity(2, -3)),
        ("2E+3", Quantity(2, 3)),
        ("1E", Quantity(1, 18)),  # "E" alone is exa, not an exponent
        ("1k", Quantity(1, 3)),
        ("1Ki", Quantity(1024, 0)),
        ("3Mi", Quantity(3 << 20, 0)),
        ("1n", Quantity(1, -9)),
        # Past 18 digits, or below nano, or a fractional binary value: an exact decimal rounded up to nanos.
        ("0.1n", Quantity(1, -9)),
        ("1e-100", Quantity(1, -9)),
        ("12.124000000000000000001", Quantity(12124000001, -9)),
        ("1.5Gi", Quantity(1610612736 * 10**9, -9)),
        ("1Ei", Quantity(2**60 * 10**9, -9)),
        ("100Ei", Quantity(2**63 - 1, 0)),  # binary values are capped at int64
    ],
)
def test_parse_keeps_kubernetes_representation(text: str, quantity: Quantity) -> None:
    assert parse_quantity(text) == quantity


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12124m", 12.124),
        ("12.124", 12.124),
        (2, 2.0),
        ("1500m", 1.5),
        ("1Ki", 1024.0),
        ("2e-3", 0.002),
        ("1e-100", 1e-09),
        # Go computes unscaled * Pow10(exponent), 3 * 0.1, not the float nearest to 0.3: the operator writes
        # 0.30000000000000004. (11 * 0.1 happens to be the float nearest to 1.1.)
        ("0.3", 0.30000000000000004),
        ("300m", 0.3),  # the same number held as 300 * 10**-3 (what a Go client sends for 0.3)
        ("1.1", 1.1),
        ("0.7", 0.7000000000000001),
        (" 1.5 ", 1.5),
    ],
)
def test_float_is_the_operators(value: Any, expected: float) -> None:
    assert quantity_float(value, "f") == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "quantities must match"),
        ("1.5x", "quantities must match"),
        ("5m5", "unable to parse quantity's suffix"),
        ("1e", "unable to parse quantity's suffix"),
        ("1e1.5", "quantities must match"),
        ("", "quantities must match"),
        ("1e400", "does not fit a float64"),
        ("1e999999999", "does not fit a float64"),
        ("9" * 2000, "too many digits"),
        (True, "expected a quantity"),
        ([1], "expected a quantity"),
        ({"a": 1}, "expected a quantity"),
    ],
)
def test_unparseable_values_are_invalid(value: Any, reason: str) -> None:
    with pytest.raises(Invalid, match=reason):
        quantity_float(value, "nativeHistogramMinBucketFactor")


def test_approximate_float_of_zero_and_large() -> None:
    assert approximate_float(Quantity(0, 0)) == 0.0
    assert approximate_float(Quantity(7, 300)) == 7e300


def _spec(kind: Kind, factor: Any) -> dict[str, Any]:
    if kind is Kind.SERVICE_MONITOR:
        return {"selector": {}, "endpoints": [{"port": "web"}], "nativeHistogramMinBucketFactor": factor}
    if kind is Kind.POD_MONITOR:
        return {"selector": {}, "podMetricsEndpoints": [{"port": "web"}], "nativeHistogramMinBucketFactor": factor}
    if kind is Kind.PROBE:
        return {
            "prober": {"url": "blackbox:9115"},
            "targets": {"staticConfig": {"static": ["https://example.com"]}},
            "nativeHistogramMinBucketFactor": factor,
        }
    return {"staticConfigs": [{"targets": ["a:1"]}], "nativeHistogramMinBucketFactor": factor}


def _obj(kind: Kind, factor: Any) -> dict[str, Any]:
    return {"metadata": {"name": "m", "namespace": "ns", "labels": {}}, "spec": _spec(kind, factor)}


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_writes_the_factor_as_the_operator_does(kind: Kind) -> None:
    outcome = build(kind, _obj(kind, "12124m"), Settings(), LOOKUPS)
    assert isinstance(outcome, Generated), outcome
    assert [job["native_histogram_min_bucket_factor"] for job in outcome.jobs] == [12.124]


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_rejects_an_unparseable_factor_with_a_reason(kind: Kind) -> None:
    outcome = build(kind, _obj(kind, "twelve"), Settings(), LOOKUPS)
    assert isinstance(outcome, Rejected)
    assert outcome.reason.startswith("nativeHistogramMinBucketFactor: 'twelve': quantities must match")


def test_a_generator_failing_on_an_unforeseen_shape_rejects_the_object_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(obj: Any, settings: Settings, resolver: Any) -> tuple[dict[str, Any], ...]:
        raise ValueError("could not convert string to float: 'x'")

    monkeypatch.setitem(generate._GENERATORS, Kind.SERVICE_MONITOR, broken)
    outcome = build(Kind.SERVICE_MONITOR, _obj(Kind.SERVICE_MONITOR, "1"), Settings(), LOOKUPS)
    assert isinstance(outcome, Rejected)
    assert outcome.reason == "cannot generate a scrape config: ValueError: could not convert string to float: 'x'"
    assert generate.dependencies(Kind.SERVICE_MONITOR, _obj(Kind.SERVICE_MONITOR, "1"), Settings()) == ()

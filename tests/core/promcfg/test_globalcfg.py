"""The global section: defaults and whole-config errors."""

from __future__ import annotations

import pytest

from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.globalcfg import GlobalConfig, check_protocols, parse_global


def test_defaults() -> None:
    assert parse_global(None) == GlobalConfig()
    assert parse_global({}).scrape_timeout_ms == 10_000


def test_timeout_defaults_to_min_of_10s_and_interval() -> None:
    assert parse_global({"scrape_interval": "5s"}).scrape_timeout_ms == 5_000


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"scrape_interval": "5s", "scrape_timeout": "6s"}, "global scrape timeout greater than scrape interval"),
        ({"scrape_protocols": ["Nope"]},
         "scrape_protocols: unknown scrape protocol Nope, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 "
         "PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0] for global config"),
        ({"metric_name_validation_scheme": "ascii"}, 'unrecognized ValidationScheme: "ascii"'),
        ({"scrape_interval": "1x"}, 'unknown unit "x" in duration "1x"'),
    ],
)
def test_errors(raw: dict[str, object], message: str) -> None:
    with pytest.raises(PromConfigError) as err:
        parse_global(raw)
    assert str(err.value) == message


def test_check_protocols() -> None:
    assert check_protocols(()) == "scrape_protocols cannot be empty"
    assert check_protocols(("PrometheusProto", "prometheusproto")) == (
        "duplicated protocol in scrape_protocols, got [PrometheusProto prometheusproto]"
    )
    assert check_protocols(("PrometheusProto",)) is None

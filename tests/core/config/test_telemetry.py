from typing import Any

import pytest

from ta.core.config.errors import ConfigError
from ta.core.config.rawjson import RawJSON
from ta.core.config.telemetry import parse_telemetry, telemetry_problem


def problem(readers: list[Any]) -> str | None:
    return telemetry_problem(RawJSON.of({"metrics": {"readers": readers}}, where="telemetry"))


def test_valid_readers_pass_and_stay_raw() -> None:
    raw = {
        "metrics": {
            "readers": [
                {
                    "periodic": {
                        "interval": 60000,
                        "timeout": 30000,
                        "exporter": {
                            "otlp_grpc": {
                                "endpoint": "example.com:4317",
                                "headers": [{"name": "Authorization", "value": "Api-Token ${env:TA_TOKEN}"}],
                                "temporality_preference": "delta",
                                "tls": {"insecure": True},
                            }
                        },
                    }
                },
                {"periodic": {"exporter": {"otlp_http": {"endpoint": "https://ingest.example.com/otlp"}}}},
            ]
        }
    }
    frozen, ignored = parse_telemetry(raw)
    assert frozen.value() == raw
    assert ignored == ()
    assert telemetry_problem(frozen) is None


def test_reader_without_periodic_is_skipped() -> None:
    assert problem([{}]) is None


@pytest.mark.parametrize(
    ("readers", "message"),
    [
        (
            [{"periodic": {"interval": 1000}}],
            "telemetry.metrics.readers[0].periodic: must configure otlp_grpc or otlp_http exporter",
        ),
        (
            [{"periodic": {"exporter": {"otlp_grpc": {"endpoint": "a"}, "otlp_http": {"endpoint": "b"}}}}],
            "telemetry.metrics.readers[0].periodic: otlp_grpc and otlp_http are mutually exclusive, configure only one",
        ),
        (
            [
                {"periodic": {"exporter": {"otlp_http": {"endpoint": "b"}}}},
                {"periodic": {"exporter": {"otlp_grpc": {}}}},
            ],
            "telemetry.metrics.readers[1].periodic.otlp_grpc: endpoint must be set",
        ),
        (
            [{"periodic": {"exporter": {"otlp_http": {"endpoint": ""}}}}],
            "telemetry.metrics.readers[0].periodic.otlp_http: endpoint must be set",
        ),
        (
            [{"periodic": {"exporter": {"otlp_http": {"endpoint": "b", "temporality_preference": "weekly"}}}}],
            "telemetry.metrics.readers[0].periodic.otlp_http: temporality_preference must be 'cumulative', 'delta', "
            "or 'low_memory', got \"weekly\"",
        ),
    ],
)
def test_upstream_validation_messages(readers: list[Any], message: str) -> None:
    assert problem(readers) == message


def test_type_errors_name_the_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_telemetry({"metrics": {"readers": [{"periodic": {"interval": "60s"}}]}})
    assert (
        str(caught.value)
        == 'telemetry.metrics.readers[0].periodic.interval: expected an integer (milliseconds), got "60s"'
    )


def test_unknown_keys_are_reported() -> None:
    _, ignored = parse_telemetry(
        {"logs": {}, "metrics": {"readers": [{"pull": {}, "periodic": {"exporter": {"console": {}}}}]}}
    )
    assert ignored == (
        "telemetry.logs",
        "telemetry.metrics.readers[0].periodic.exporter.console",
        "telemetry.metrics.readers[0].pull",
    )

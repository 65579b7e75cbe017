"""body_size_limit: Prometheus' units.Base2Bytes parsing and canonical printing, in config-file jobs."""

from __future__ import annotations

import pytest

from ta.core.promcfg.bytesize import format_base2_bytes, parse_base2_bytes
from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.scrape import parse_prometheus_config

GOOD = {"job_name": "good", "static_configs": [{"targets": ["a:1"]}]}


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("500MB", 500 << 20),  # KB, MB, ... are powers of 1024 too
        ("500MiB", 500 << 20),
        ("1KB", 1024),
        ("1B", 1),
        ("0", 0),
        ("-0", 0),
        ("0B", 0),
        ("1.5KiB", 1536),
        ("0.1KB", 102),  # float64 product, truncated
        ("1MB512KB", (1 << 20) + (512 << 10)),  # terms add up
        ("+2GB", 2 << 30),
        ("-1KiB", -1024),
        ("8EiB", -(1 << 63)),  # 2**63 passes Prometheus' range check, then wraps
    ],
)
def test_parse(text: str, size: int) -> None:
    assert parse_base2_bytes(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("500kB", "units: unknown unit kB in 500kB"),  # lower-case k is the SI kilo, refused
        ("1024", "units: unknown unit  in 1024"),  # a bare number has no unit
        ("", "units: invalid "),
        ("MB", "units: invalid MB"),
        (".MB", "units: invalid .MB"),
        ("1MiB512KB", "units: unknown unit MiB in 1MiB512KB"),  # one spelling per value; the second try reports
        ("9EB", "units: overflow parsing unit"),
        ("9EiB", "units: unknown unit EiB in 9EiB"),  # the overflow of the first try is lost in the second
        ("99999999999999999999B", "units: invalid 99999999999999999999B"),
    ],
)
def test_parse_errors_are_prometheus(text: str, message: str) -> None:
    with pytest.raises(PromConfigError) as err:
        parse_base2_bytes(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (500 << 20, "500MiB"),
        (0, "0B"),
        (1, "1B"),
        (1536, "1KiB512B"),
        ((1 << 30) + 1, "1GiB1B"),
        (-1024, "-1KiB"),
        (-1536, "-1KiB-512B"),
        ((1 << 63) - 1, "7EiB1023PiB1023TiB1023GiB1023MiB1023KiB1023B"),
    ],
)
def test_format(size: int, text: str) -> None:
    assert format_base2_bytes(size) == text


def test_config_file_job_and_global_are_printed_canonically() -> None:
    parsed = parse_prometheus_config(
        {
            "global": {"body_size_limit": "10MB"},
            "scrape_configs": [{**GOOD, "body_size_limit": "500MB"}, {**GOOD, "job_name": "inherits"}],
        }
    )
    own, inherits = parsed.jobs
    assert own.rendered["body_size_limit"] == "500MiB"
    assert inherits.rendered["body_size_limit"] == "10MiB"


def test_zero_is_unset_and_omitted() -> None:
    (job,) = parse_prometheus_config({"scrape_configs": [{**GOOD, "body_size_limit": "0KB"}]}).jobs
    assert "body_size_limit" not in job.rendered


def test_bad_body_size_limit_rejects_only_that_job() -> None:
    parsed = parse_prometheus_config(
        {"scrape_configs": [{**GOOD, "job_name": "bad", "body_size_limit": "500kB"}, GOOD]}
    )
    assert [job.job_name for job in parsed.jobs] == ["good"]
    [error] = parsed.errors
    assert "units: unknown unit kB in 500kB" in str(error)

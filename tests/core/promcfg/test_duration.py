"""Prometheus duration parsing and formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta.core.promcfg.duration import format_duration, normalize_duration, parse_duration
from ta.core.promcfg.errors import PromConfigError


@pytest.mark.parametrize(
    ("text", "ms"),
    [("0", 0), ("0s", 0), ("30s", 30_000), ("1m30s", 90_000), ("1h", 3_600_000), ("1s500ms", 1500),
     ("2w", 14 * 86_400_000), ("1y", 365 * 86_400_000), ("1d2h3m4s5ms", 93_784_005)],
)
def test_parse(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty duration string"),
        ("1", 'not a valid duration string: "1"'),
        ("1m1h", 'not a valid duration string: "1m1h"'),
        ("1s1s", 'not a valid duration string: "1s1s"'),
        ("-1s", 'not a valid duration string: "-1s"'),
        ("1.5s", 'unknown unit "." in duration "1.5s"'),
        ("5x", 'unknown unit "x" in duration "5x"'),
        ("1M", 'unknown unit "M" in duration "1M"'),
        ("300y", "duration out of range"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(PromConfigError) as err:
        parse_duration(text)
    assert str(err.value) == message


@pytest.mark.parametrize(
    ("ms", "text"),
    [(0, "0s"), (30_000, "30s"), (60_000, "1m"), (90_000, "1m30s"), (1500, "1s500ms"),
     (90 * 86_400_000, "90d"), (14 * 86_400_000, "2w"), (365 * 86_400_000, "1y"), (366 * 86_400_000, "366d")],
)
def test_format(ms: int, text: str) -> None:
    assert format_duration(ms) == text


def test_normalize_round_trips_like_prometheus() -> None:
    assert normalize_duration("90s") == "1m30s"
    assert normalize_duration("0") == "0s"


@given(st.integers(min_value=0, max_value=10**12))
def test_format_then_parse_is_identity(ms: int) -> None:
    assert parse_duration(format_duration(ms)) == ms

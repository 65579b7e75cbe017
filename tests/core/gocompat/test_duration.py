import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta.core.gocompat.duration import (
    format_go_duration,
    format_go_duration_ns,
    parse_go_duration,
    parse_go_duration_ns,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("1m30s", 90.0),
        ("1.5h", 5400.0),
        ("300ms", 0.3),
        ("-1s", -1.0),
        ("+2m", 120.0),
        ("0", 0.0),
        ("-0", 0.0),
        (".5s", 0.5),
        ("5.s", 5.0),
        ("1h0m0s", 3600.0),
        ("2us", 2e-6),
        ("2\u00b5s", 2e-6),
        ("2\u03bcs", 2e-6),
        ("7ns", 7e-9),
    ],
)
def test_parses_go_durations(text: str, seconds: float) -> None:
    assert parse_go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1d", 'time: unknown unit "d" in duration "1d"'),
        ("", 'time: invalid duration ""'),
        ("10", 'time: missing unit in duration "10"'),
        (".s", 'time: invalid duration ".s"'),
        ("-", 'time: invalid duration "-"'),
        ("s", 'time: invalid duration "s"'),
        ("1h-5m", 'time: unknown unit "h-" in duration "1h-5m"'),
        ("9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'),
        ("3000000h", 'time: invalid duration "3000000h"'),
        ("1\u00e9s", 'time: unknown unit "\\xc3\\xa9s" in duration "1\\xc3\\xa9s"'),
    ],
)
def test_rejects_with_go_messages(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_go_duration(text)
    assert str(caught.value) == message


def test_extreme_values_match_int64_limits() -> None:
    assert parse_go_duration_ns("-9223372036854775808ns") == -(1 << 63)
    assert parse_go_duration_ns("9223372036854775807ns") == (1 << 63) - 1


def test_fraction_truncates_like_go() -> None:
    assert parse_go_duration_ns("1.0000000001s") == 1_000_000_000
    assert parse_go_duration_ns("0.3333333333s") == 333_333_333


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (30, "30s"),
        (90, "1m30s"),
        (3600, "1h0m0s"),
        (0.5, "500ms"),
        (1.5, "1.5s"),
        (-1, "-1s"),
        (1.5e-6, "1.5\u00b5s"),
        (2e-9, "2ns"),
        (0.0012, "1.2ms"),
        (93784.5, "26h3m4.5s"),
    ],
)
def test_formats_like_go_duration_string(seconds: float, text: str) -> None:
    assert format_go_duration(seconds) == text


@given(st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1))
def test_format_then_parse_is_identity(nanoseconds: int) -> None:
    assert parse_go_duration_ns(format_go_duration_ns(nanoseconds)) == nanoseconds

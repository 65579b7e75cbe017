"""The CR scrape-timeout check parses with the one Prometheus duration owner and answers as it always did."""

from __future__ import annotations

import re

import pytest

from ta.core.promcfg.duration import parse_duration
from ta.core.promop.duration import check_timeout, parse_ms
from ta.core.promop.model import Invalid

# The CR path's former private parser, kept here only as the reference the new one must agree with.
_OLD_UNITS_MS = (
    ("y", 365 * 24 * 3600 * 1000), ("w", 7 * 24 * 3600 * 1000), ("d", 24 * 3600 * 1000),
    ("h", 3600 * 1000), ("m", 60 * 1000), ("s", 1000), ("ms", 1),
)
_OLD_PATTERN = re.compile("".join(rf"(?:(\d+){unit})?" for unit, _ in _OLD_UNITS_MS))


def _old_parse_ms(text: str) -> int:
    if text == "0":
        return 0
    match = _OLD_PATTERN.fullmatch(text)
    if not text or match is None:
        raise Invalid(f"not a valid duration string: {text!r}")
    return sum(int(part) * ms for part, (_, ms) in zip(match.groups(), _OLD_UNITS_MS, strict=True) if part)


CORPUS = (
    "0", "0s", "1ms", "15s", "30s", "1m", "1m30s", "90s", "1h30m", "2h", "1d", "1w", "1y", "1y2w3d4h5m6s7ms",
    "10ms", "1s500ms", "0ms", "00s", "007m",
    "", " ", "1", "s", "1x", "1.5s", "-1s", "+1s", "1m1h", "1s1s", "1sm", "1h 30m", "1S", "1M", "1msx", "ms1",
    "1d1y", "5µs", "1ns",
)


def _outcome(parse: object, text: str) -> object:
    assert callable(parse)
    try:
        return parse(text)
    except Invalid as exc:
        return ("invalid", str(exc))


@pytest.mark.parametrize("text", CORPUS)
def test_parse_ms_answers_as_the_former_parser(text: str) -> None:
    assert _outcome(parse_ms, text) == _outcome(_old_parse_ms, text)


def test_parse_ms_is_the_prometheus_rule() -> None:
    for text in CORPUS:
        try:
            expected: object = parse_duration(text)
        except ValueError:
            expected = "error"
        got = _outcome(parse_ms, text)
        assert got == expected or (expected == "error" and isinstance(got, tuple)), text


def test_where_the_former_parser_was_wrong() -> None:
    # Python's \d took any Unicode digit and nothing bounded the value; Prometheus rejects both.
    assert _old_parse_ms("\u0661s") == 1000
    with pytest.raises(Invalid, match="not a valid duration string"):
        parse_ms("\u0661s")
    with pytest.raises(Invalid):
        parse_ms("99999999999999y")


def test_check_timeout_messages_unchanged() -> None:
    check_timeout("", "", "30s")
    check_timeout("1m", "59s", "30s")
    with pytest.raises(Invalid, match=r"^scrapeTimeout '45s' greater than scrapeInterval '30s'$"):
        check_timeout("", "45s", "30s")
    with pytest.raises(Invalid, match=r"^invalid scrapeInterval '1x': not a valid duration string: '1x'$"):
        check_timeout("1x", "5s", "30s")
    with pytest.raises(Invalid, match=r"^invalid scrapeTimeout: '5q': not a valid duration string: '5q'$"):
        check_timeout("", "5q", "30s")

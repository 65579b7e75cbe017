"""Go-compatible quoting used inside Prometheus' error texts."""

from __future__ import annotations

from ta.core.promcfg.errors import go_quote, yaml_kind


def test_go_quote() -> None:
    assert go_quote("a\"b\\c") == '"a\\"b\\\\c"'
    assert go_quote("tab\there\n") == '"tab\\there\\n"'
    assert go_quote("\x01") == '"\\x01"'
    assert go_quote("héllo") == '"héllo"'


def test_yaml_kind() -> None:
    values: tuple[object, ...] = (None, True, 1, 1.5, "s", [], {})
    assert [yaml_kind(v) for v in values] == [
        "!!null", "!!bool", "!!int", "!!float", "!!str", "!!seq", "!!map"
    ]

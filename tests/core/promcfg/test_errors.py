"""Go-compatible quoting used inside Prometheus' error texts."""

from __future__ import annotations

from ta.core.promcfg.errors import go_quote, yaml_kind


def test_go_quote() -> None:
    assert go_quote("a\"b\\c") == '"a\\"b\\\\c"'
    assert go_quote("tab\there\n") == '"tab\\there\\n"'
    assert go_quote("\x01") == '"\\x01"'
    assert go_quote("héllo") == '"héllo"'


# What Go's strconv.Quote writes for each input (its rules: the seven short escapes, \\ and \", printable
# runes as they are, \x only for C0 controls, DEL and bytes that are not UTF-8, \u/\U for the rest).
GO_QUOTE_VECTORS: tuple[tuple[str, str], ...] = (
    ("", '""'),
    ("a\rb", '"a\\rb"'),
    ("\a\b\f\n\r\t\v", '"\\a\\b\\f\\n\\r\\t\\v"'),
    ("\x00\x1b\x7f", '"\\x00\\x1b\\x7f"'),
    ("\x85", '"\\u0085"'),
    ("\x9f", '"\\u009f"'),
    ("\u00a0", '"\\u00a0"'),
    ("\u00ad", '"\\u00ad"'),
    ("\u2028", '"\\u2028"'),
    ("\ufeff", '"\\ufeff"'),
    ("\U000e0001", '"\\U000e0001"'),
    ("\U0010ffff", '"\\U0010ffff"'),
    ("日本 \U0001f600 \ufffd", '"日本 \U0001f600 \ufffd"'),
    (b"a\xffb".decode("utf-8", "surrogateescape"), '"a\\xffb"'),
    ("\ud800", '"\\xed\\xa0\\x80"'),
)


def test_go_quote_matches_go_strconv_quote() -> None:
    for text, quoted in GO_QUOTE_VECTORS:
        assert go_quote(text) == quoted, text


def test_ta_config_messages_quote_like_prometheus_messages() -> None:
    # The TA config layer had its own quoting that disagreed with Go; both layers now share one.
    from ta.core.config.errors import describe

    for text, quoted in GO_QUOTE_VECTORS:
        assert describe(text) == quoted, text


def test_yaml_kind() -> None:
    values: tuple[object, ...] = (None, True, 1, 1.5, "s", [], {})
    assert [yaml_kind(v) for v in values] == [
        "!!null", "!!bool", "!!int", "!!float", "!!str", "!!seq", "!!map"
    ]

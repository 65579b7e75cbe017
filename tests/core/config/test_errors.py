from ta.core.config.errors import ConfigError, describe, go_quote


def test_message_is_always_one_line() -> None:
    error = ConfigError("first\nsecond")
    assert str(error) == "first second"
    assert error.message == "first second"


def test_describe_values() -> None:
    assert describe("yes please") == '"yes please"'
    assert describe(8080) == "8080"
    assert describe(True) == "true"
    assert describe(None) == "null"
    assert describe([1]) == "a list"
    assert describe({"a": 1}) == "a mapping"


def test_go_quote_escapes() -> None:
    assert go_quote('a"b\\c\n') == '"a\\"b\\\\c\\n"'

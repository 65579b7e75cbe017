from ta.core.config.errors import ConfigError, describe


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


def test_describe_quotes_strings_like_go() -> None:
    # describe() used to carry its own quoting, which wrote "a\x0db" and "\x85" where Go writes these.
    assert describe("a\rb") == '"a\\rb"'
    assert describe("\x85") == '"\\u0085"'

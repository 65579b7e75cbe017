import pytest

from ta.core.config.errors import ConfigError
from ta.core.config.rawjson import RawJSON


def test_body_is_canonical_regardless_of_key_order() -> None:
    first = RawJSON.of({"b": 1, "a": {"d": [1, 2], "c": None}}, where="config")
    second = RawJSON.of({"a": {"c": None, "d": [1, 2]}, "b": 1}, where="config")
    assert first == second
    assert first.body == b'{"a":{"c":null,"d":[1,2]},"b":1}'


def test_value_is_a_fresh_copy_each_time() -> None:
    frozen = RawJSON.of({"scrape_configs": [{"job_name": "a"}]}, where="config")
    copy = frozen.value()
    copy["scrape_configs"].append({"job_name": "b"})
    assert frozen.value() == {"scrape_configs": [{"job_name": "a"}]}


def test_scalar_keys_become_strings() -> None:
    assert RawJSON.of({2: "a", False: "b"}, where="x").value() == {"2": "a", "false": "b"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": float("nan")}, "config.a: .nan is not supported here"),
        ({"a": [1 << 70]}, f"config.a[0]: integer {1 << 70} is out of range"),
        ({"a": b"raw"}, "config.a: unsupported YAML value of type bytes"),
    ],
)
def test_values_json_cannot_hold_are_errors(value: object, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        RawJSON.of(value, where="config")
    assert str(caught.value) == message

import pytest

from ta.core.config.errors import ConfigError
from ta.core.config.yamltext import go_float_text, load_yaml_mapping, scalar_text


def load(text: str) -> dict[str, object]:
    return load_yaml_mapping(text, source="config file /x.yaml")


def test_resolves_scalars_like_go_yaml_v2() -> None:
    data = load(
        "a: y\nb: N\nc: on\nd: 2001-12-14\ne: =\nf: 1:30\ng: 1e3\nh: 0x1F\ni: .5\nj: 1_000\nk: ~\nl: text\nm: '1'\n"
    )
    assert data == {
        "a": True,
        "b": False,
        "c": True,
        "d": "2001-12-14",
        "e": "=",
        "f": "1:30",
        "g": 1000.0,
        "h": 31,
        "i": 0.5,
        "j": 1000,
        "k": None,
        "l": "text",
        "m": "1",
    }


def test_mapping_keys_keep_their_source_text() -> None:
    assert load("on: 1\ny: 2\n10: 3\nnested: {true: x, n: z}\n") == {
        "on": 1,
        "y": 2,
        "10": 3,
        "nested": {"true": "x", "n": "z"},
    }


def test_merge_keys_are_honoured() -> None:
    data = load("base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n")
    assert data["derived"] == {"x": 1, "y": 3}


def test_empty_document_is_an_empty_mapping() -> None:
    assert load("") == {}
    assert load("# only a comment\n") == {}


def test_syntax_error_reports_line_and_column() -> None:
    with pytest.raises(ConfigError) as caught:
        load("listen_addr: :8080\nhttps:\n  enabled: true\n    listen_addr: x\n")
    assert str(caught.value) == (
        "config file /x.yaml: error unmarshaling YAML: line 4, column 16: mapping values are not allowed here"
    )


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError) as caught:
        load("- a\n- b\n")
    assert (
        str(caught.value) == "config file /x.yaml: error unmarshaling YAML: the top level must be a mapping, got a list"
    )


def test_non_scalar_keys_are_rejected() -> None:
    with pytest.raises(ConfigError) as caught:
        load("? [a, b]\n: c\n")
    assert "found a non-scalar key" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (1.1, "1.1"),
        (1e6, "1e+06"),
        (123456.0, "123456"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (float("inf"), ".inf"),
        (float("-inf"), "-.inf"),
        (float("nan"), ".nan"),
    ],
)
def test_floats_print_as_go_does(value: float, text: str) -> None:
    assert go_float_text(value) == text


def test_scalar_text() -> None:
    assert scalar_text(True) == "true"
    assert scalar_text(None) == "null"
    assert scalar_text(7) == "7"
    assert scalar_text("s") == "s"
    assert scalar_text([1]) is None


@pytest.mark.parametrize("escape", ["\\udc80", "\\ud83d\\ude00", "\\U0000d800"])
def test_surrogate_escapes_are_refused_as_yaml_v2_does(escape: str) -> None:
    # A lone surrogate cannot be encoded as UTF-8 (config JSON, journal, answers); yaml.v2 refuses even a pair.
    with pytest.raises(ConfigError, match=r"line 2, column 13: found invalid Unicode character escape code"):
        load(f'config:\n  job_name: "a{escape}"\n')


def test_other_escapes_and_raw_non_ascii_text_load() -> None:
    assert load('a: "\\U0001F600 \\u00e9"\nb: é\n') == {"a": "\U0001f600 \u00e9", "b": "é"}

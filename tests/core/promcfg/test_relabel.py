"""Relabel rule decoding, Prometheus validation texts and rendered form."""

from __future__ import annotations

import pytest

from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.relabel import parse_relabel, parse_relabel_config, relabel_config_to_dict
from ta.core.relabel.config import RelabelConfig


def test_defaults_applied() -> None:
    cfg = parse_relabel_config({"source_labels": ["a"], "target_label": "b"}, where="r")
    assert cfg == RelabelConfig(source_labels=("a",), target_label="b")


def test_action_lowercased_and_explicit_empty_values_kept() -> None:
    cfg = parse_relabel_config(
        {"action": "Replace", "separator": "", "replacement": "", "regex": "", "target_label": "x"}, where="r"
    )
    assert (cfg.action, cfg.separator, cfg.replacement, cfg.regex) == ("replace", "", "", "")


def test_null_regex_is_the_empty_pattern() -> None:
    parsed = parse_relabel({"regex": None, "action": "keep"}, where="r")
    assert parsed.config.regex == ""
    assert parsed.regex_set


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"action": "foo"}, 'unknown relabel action "foo"'),
        ({"action": None}, "relabel action cannot be empty"),
        ({"action": "hashmod", "target_label": "t"}, "relabel configuration for hashmod requires non-zero modulus"),
        ({"action": "replace"}, "relabel configuration for replace action requires 'target_label' value"),
        ({"action": "uppercase", "source_labels": ["a"]},
         "relabel configuration for uppercase action requires 'target_label' value"),
        ({"action": "keepequal", "target_label": "a", "regex": "(.*)"},
         "keepequal action requires only 'source_labels' and `target_label`, and no other fields"),
        ({"action": "dropequal", "target_label": "a", "separator": ","},
         "dropequal action requires only 'source_labels' and `target_label`, and no other fields"),
        ({"action": "keepequal", "target_label": "a", "replacement": "x"},
         "'replacement' can not be set for keepequal action"),
        ({"action": "labeldrop", "regex": "a", "source_labels": []},
         "labeldrop action requires only 'regex', and no other fields"),
        ({"action": "labelkeep", "regex": "a", "target_label": "x"},
         "labelkeep action requires only 'regex', and no other fields"),
        ({"source_labels": [""], "target_label": "a"}, '"" is not a valid label name'),
        ({"regex": "(unclosed", "target_label": "a"}, "error parsing regexp: missing closing ): `^(?s:(unclosed)$`"),
        ({"modulus": -1}, "cannot unmarshal !!int `-1` into uint64"),
    ],
)
def test_validation_errors(raw: dict[str, object], message: str) -> None:
    with pytest.raises(PromConfigError) as err:
        parse_relabel_config(raw, where="relabel_configs[0]")
    assert str(err.value) == message


def test_first_bad_key_in_document_order_wins() -> None:
    with pytest.raises(PromConfigError, match="unknown relabel action"):
        parse_relabel_config({"action": "nope", "regex": "("}, where="r")


def test_legacy_scheme_target_checks() -> None:
    bad = {"target_label": "a.b"}
    assert parse_relabel_config(bad, where="r").target_label == "a.b"
    with pytest.raises(PromConfigError) as err:
        parse_relabel_config(bad, where="r", legacy_names=True)
    assert str(err.value) == "\"a.b\" is invalid 'target_label' for replace action"
    assert parse_relabel_config({"target_label": "${1}_x"}, where="r", legacy_names=True).target_label == "${1}_x"
    with pytest.raises(PromConfigError) as err:
        parse_relabel_config({"action": "labelmap", "replacement": "a-$1"}, where="r", legacy_names=True)
    assert str(err.value) == "\"a-$1\" is invalid 'replacement' for labelmap action"
    with pytest.raises(PromConfigError) as err:
        parse_relabel_config({"action": "lowercase", "target_label": "$1"}, where="r", legacy_names=True)
    assert str(err.value) == "\"$1\" is invalid 'target_label' for lowercase action"


def test_not_a_mapping_names_the_place() -> None:
    with pytest.raises(PromConfigError, match=r"^relabel_configs\[3\]: cannot unmarshal !!str"):
        parse_relabel_config("keep", where="relabel_configs[3]")


def test_rendering_follows_prometheus_marshalling() -> None:
    parsed = parse_relabel({"source_labels": ["a"], "target_label": "b"}, where="r")
    assert relabel_config_to_dict(parsed.config, regex_set=parsed.regex_set) == {
        "action": "replace", "replacement": "$1", "separator": ";", "source_labels": ["a"], "target_label": "b"
    }
    hashmod = parse_relabel({"action": "hashmod", "modulus": 8, "target_label": "h", "regex": "(.*)"}, where="r")
    assert relabel_config_to_dict(hashmod.config, regex_set=hashmod.regex_set) == {
        "action": "hashmod", "modulus": 8, "regex": "(.*)", "replacement": "$1", "separator": ";", "target_label": "h"
    }
    empty = parse_relabel({"separator": "", "replacement": "", "regex": "", "target_label": "t"}, where="r")
    assert relabel_config_to_dict(empty.config, regex_set=empty.regex_set) == {
        "action": "replace", "regex": "", "replacement": "", "separator": "", "target_label": "t"
    }


def test_keepequal_renders_without_regex() -> None:
    cfg = RelabelConfig(action="keepequal", source_labels=("a",), target_label="b")
    assert "regex" not in relabel_config_to_dict(cfg, regex_set=True)

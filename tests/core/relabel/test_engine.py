"""Relabel engine: Prometheus' TestRelabel cases (tests/data/relabel/relabel_cases.yaml) and properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ta.core.base.labels import LabelSet, label_set
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import ACTIONS, RelabelConfig
from ta.core.relabel.engine import LEGACY, apply, apply_at, compile_rules, is_valid_label_name, relabel

DATA = Path(__file__).parents[2] / "data" / "relabel"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "relabel_cases.yaml").read_text())


def rule(raw: dict[str, Any]) -> RelabelConfig:
    fields = dict(raw)
    if "source_labels" in fields:
        fields["source_labels"] = tuple(fields["source_labels"])
    return RelabelConfig(**fields)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_prometheus_case(case: dict[str, Any]) -> None:
    rules = compile_rules([rule(raw) for raw in case["rules"]])
    result = relabel(label_set(case["input"]), rules)
    expected = None if case["output"] is None else label_set(case["output"])
    assert result == expected


def test_cases_cover_every_action() -> None:
    used = {raw.get("action", "replace") for case in CASES for raw in case["rules"]}
    assert used == set(ACTIONS)


def test_apply_at_reports_dropping_rule() -> None:
    rules = compile_rules(
        [
            RelabelConfig(target_label="x", replacement="1"),
            RelabelConfig(source_labels=("x",), regex="1", action="drop"),
        ]
    )
    builder = LabelBuilder((("a", "b"),))
    assert apply_at(builder, rules) == 1
    assert not apply(LabelBuilder((("a", "b"),)), rules)


def test_compile_rules_is_shared_and_rejects_bad_rules() -> None:
    configs = [RelabelConfig(source_labels=("a",), regex="x(.*)", target_label="b")]
    assert compile_rules(configs) is compile_rules(tuple(configs))
    with pytest.raises(ValueError, match="missing closing"):
        compile_rules([RelabelConfig(regex="(", action="keep")])
    with pytest.raises(ValueError, match="unknown relabel action"):
        compile_rules([RelabelConfig(action="explode")])
    with pytest.raises(ValueError, match="modulus"):
        compile_rules([RelabelConfig(action="hashmod", target_label="h")])


def test_legacy_scheme_makes_invalid_expanded_target_a_noop() -> None:
    config = RelabelConfig(source_labels=("a",), regex="(.*)", target_label="x-$1", replacement="v")
    labels = (("a", "y"),)
    assert relabel(labels, compile_rules([config])) == (("a", "y"), ("x-y", "v"))
    assert relabel(labels, compile_rules([config], name_validation=LEGACY)) == labels


def test_label_name_validity() -> None:
    assert is_valid_label_name("utf-8.label")
    assert not is_valid_label_name("")
    assert not is_valid_label_name("\ud800")
    assert is_valid_label_name("_a1", LEGACY)
    assert not is_valid_label_name("1a", LEGACY)
    assert not is_valid_label_name("a-b", LEGACY)


def test_labelmap_collision_last_in_range_order_wins() -> None:
    # Base labels in sorted order: b_x is visited after a_x, so its value wins.
    rules = compile_rules([RelabelConfig(regex="[ab]_(x)", replacement="$1", action="labelmap")])
    assert relabel((("a_x", "1"), ("b_x", "2")), rules) == (("a_x", "1"), ("b_x", "2"), ("x", "2"))


def test_memo_does_not_change_results_across_targets() -> None:
    rules = compile_rules([RelabelConfig(source_labels=("a",), regex="(x+)(y*)", target_label="b", replacement="$2$1")])
    for value in ["xy", "x", "xyy", "z", "xy", "z"]:
        expected = (
            (("a", value), ("b", value[value.index("y") :] + value[: value.index("y")])) if "y" in value else None
        )
        if value == "x":
            expected = (("a", "x"), ("b", "x"))
        result = relabel((("a", value),), rules)
        assert result == (expected if expected is not None else (("a", value),))


# --- properties ---

names = st.sampled_from(["a", "b", "__meta_x", "__address__", "job", "ü", "c_d"]) | st.text(max_size=4)
values = st.text(max_size=6)
labelsets = st.dictionaries(names, values, max_size=6).map(label_set)
regexes = st.sampled_from(["(.*)", "(.+)", "a.*", "", "(?i)B|ü", "x(.)", "(?P<n>.)(.*)", "[", "a{2}"])
templates = st.sampled_from(["$1", "${1}x", "$n", "$$", "$", "", "lit", "${2}"])


@st.composite
def configs(draw: st.DrawFn) -> RelabelConfig:
    action = draw(st.sampled_from(ACTIONS))
    return RelabelConfig(
        source_labels=tuple(draw(st.lists(names, max_size=3))),
        separator=draw(st.sampled_from([";", "", "/"])),
        regex=draw(regexes),
        modulus=draw(st.integers(min_value=1, max_value=10)),
        target_label=draw(st.sampled_from(["t", "$1", "a", "", "${n}x"])),
        replacement=draw(templates),
        action=action,
    )


@settings(max_examples=300, deadline=None)
@given(labels=labelsets, rules=st.lists(configs(), max_size=4))
def test_any_rules_on_any_labels_never_crash(labels: LabelSet, rules: list[RelabelConfig]) -> None:
    try:
        compiled = compile_rules(rules)
    except ValueError:
        return  # an invalid regex is rejected at compile time, never at apply time
    result = relabel(labels, compiled)
    if result is not None:
        assert list(result) == sorted(result)
        assert all(value for _, value in result)


@settings(max_examples=200, deadline=None)
@given(labels=labelsets, regex=regexes.filter(lambda r: r != "["), action=st.sampled_from(["labeldrop", "labelkeep"]))
def test_labeldrop_labelkeep_idempotent(labels: LabelSet, regex: str, action: str) -> None:
    rules = compile_rules([RelabelConfig(regex=regex, action=action)])
    once = relabel(labels, rules)
    assert once is not None
    assert relabel(once, rules) == once


@settings(max_examples=200, deadline=None)
@given(labels=labelsets, source=names, action=st.sampled_from(["lowercase", "uppercase"]))
def test_case_mapping_idempotent(labels: LabelSet, source: str, action: str) -> None:
    rules = compile_rules([RelabelConfig(source_labels=(source,), target_label=source or "t", action=action)])
    once = relabel(labels, rules)
    assert once is not None
    assert relabel(once, rules) == once


@settings(max_examples=200, deadline=None)
@given(
    labels=labelsets,
    source=names,
    regex=regexes.filter(lambda r: r != "["),
    action=st.sampled_from(["keep", "drop", "keepequal", "dropequal"]),
)
def test_filters_keep_labels_unchanged(labels: LabelSet, source: str, regex: str, action: str) -> None:
    if action.endswith("equal"):
        config = RelabelConfig(source_labels=(source,), target_label="a", action=action)
    else:
        config = RelabelConfig(source_labels=(source,), regex=regex, action=action)
    result = relabel(labels, compile_rules([config]))
    assert result is None or result == tuple(pair for pair in labels if pair[1])

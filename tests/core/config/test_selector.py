from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta.core.config.errors import ConfigError
from ta.core.config.selector import EVERYTHING, LabelSelector, Requirement, parse_label_selector


def parse(raw: Any) -> LabelSelector:
    selector, _ = parse_label_selector(raw, where="sel")
    return selector


def test_empty_selector_matches_everything() -> None:
    assert parse({}) == EVERYTHING
    assert EVERYTHING.is_empty
    assert EVERYTHING.matches({})
    assert EVERYTHING.matches({"any": "thing"})
    assert EVERYTHING.to_query() == ""
    assert EVERYTHING.to_dict() == {}


def test_lowercase_and_camelcase_keys_decode_the_same() -> None:
    lower = parse({"matchlabels": {"a": "1"}, "matchexpressions": [{"key": "b", "operator": "Exists"}]})
    camel = parse({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]})
    assert lower == camel
    assert camel.match_labels == (("a", "1"),)
    assert camel.match_expressions == (Requirement(key="b", operator="Exists", values=()),)


def test_camelcase_wins_when_both_spellings_are_present() -> None:
    selector = parse({"matchlabels": {"low": "x"}, "matchLabels": {"camel": "y"}})
    assert selector.match_labels == (("camel", "y"),)
    # Even a null camelCase entry takes precedence, as upstream's key rename does.
    assert parse({"matchlabels": {"low": "x"}, "matchLabels": None}) == EVERYTHING


def test_match_labels_require_equal_values() -> None:
    selector = parse({"matchLabels": {"app": "collector", "tier": "a"}})
    assert selector.matches({"app": "collector", "tier": "a", "extra": "z"})
    assert not selector.matches({"app": "collector"})
    assert not selector.matches({"app": "collector", "tier": "b"})


@pytest.mark.parametrize(
    ("requirement", "labels", "expected"),
    [
        ({"key": "k", "operator": "In", "values": ["a", "b"]}, {"k": "a"}, True),
        ({"key": "k", "operator": "In", "values": ["a", "b"]}, {"k": "c"}, False),
        ({"key": "k", "operator": "In", "values": ["a"]}, {}, False),
        ({"key": "k", "operator": "NotIn", "values": ["a"]}, {"k": "b"}, True),
        ({"key": "k", "operator": "NotIn", "values": ["a"]}, {"k": "a"}, False),
        ({"key": "k", "operator": "NotIn", "values": ["a"]}, {}, True),
        ({"key": "k", "operator": "Exists"}, {"k": ""}, True),
        ({"key": "k", "operator": "Exists"}, {}, False),
        ({"key": "k", "operator": "DoesNotExist"}, {}, True),
        ({"key": "k", "operator": "DoesNotExist"}, {"k": "v"}, False),
    ],
)
def test_expression_semantics(requirement: dict[str, Any], labels: dict[str, str], expected: bool) -> None:
    assert parse({"matchExpressions": [requirement]}).matches(labels) is expected


def test_labels_and_expressions_are_anded() -> None:
    selector = parse({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "DoesNotExist"}]})
    assert selector.matches({"a": "1"})
    assert not selector.matches({"a": "1", "b": "x"})
    assert not selector.matches({"b": "x"})


def test_query_is_sorted_by_key_with_sorted_values() -> None:
    selector = parse(
        {
            "matchLabels": {"z": "last", "app": "x"},
            "matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["web", "db"]},
                {"key": "gone", "operator": "DoesNotExist"},
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "has", "operator": "Exists"},
            ],
        }
    )
    assert selector.to_query() == "app=x,env in (dev,prod),!gone,has,tier notin (db,web),z=last"


def test_to_dict_is_camelcase_and_parses_back() -> None:
    raw = {
        "matchlabels": {"b": "2", "a": "1"},
        "matchexpressions": [{"key": "k", "operator": "In", "values": ["v"]}, {"key": "e", "operator": "Exists"}],
    }
    selector = parse(raw)
    shown = selector.to_dict()
    assert shown == {
        "matchLabels": {"a": "1", "b": "2"},
        "matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}, {"key": "e", "operator": "Exists"}],
    }
    assert parse(shown) == selector


def test_scalar_values_become_their_yaml_text() -> None:
    selector = parse({"matchLabels": {"version": 1.0, "enabled": True, "n": 3}})
    assert dict(selector.match_labels) == {"version": "1", "enabled": "true", "n": "3"}


def test_unknown_keys_are_reported_with_their_path() -> None:
    _, ignored = parse_label_selector(
        {"matchLables": {"a": "b"}, "matchExpressions": [{"key": "k", "operator": "Exists", "value": ["x"]}]},
        where="collector_selector",
    )
    assert ignored == ("collector_selector.matchLables", "collector_selector.matchExpressions[0].value")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("app=x", 'sel: expected a label selector mapping, got "app=x"'),
        ({"matchLabels": ["a"]}, "sel.matchLabels: expected a mapping of label names to values, got a list"),
        ({"matchLabels": {"a": ["x"]}}, "sel.matchLabels.a: expected a string, got a list"),
        ({"matchExpressions": {"key": "a"}}, "sel.matchExpressions: expected a list, got a mapping"),
        (
            {"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]},
            'sel.matchExpressions[0].operator: "Equals" is not a valid label selector operator',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "in", "values": ["x"]}]},
            'sel.matchExpressions[0].operator: "in" is not a valid label selector operator',
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In"}]},
            "sel.matchExpressions[0].values: for 'in', 'notin' operators, values set can't be empty",
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            "sel.matchExpressions[0].values: values set must be empty for exists and does not exist",
        ),
        ({"matchExpressions": [{"operator": "Exists"}]}, "sel.matchExpressions[0].key: must not be empty"),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": "x"}]},
            'sel.matchExpressions[0].values: expected a list of strings, got "x"',
        ),
    ],
)
def test_invalid_selectors_name_the_key(raw: Any, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_label_selector(raw, where="sel")
    assert str(caught.value) == message


_names = st.text(alphabet="abcxyz", min_size=1, max_size=3)


@given(st.dictionaries(_names, _names, max_size=4), st.lists(_names, max_size=4, unique=True))
def test_query_ignores_written_order(labels: dict[str, str], exists: list[str]) -> None:
    expressions = [{"key": key, "operator": "Exists"} for key in exists]
    forward = parse({"matchLabels": labels, "matchExpressions": expressions})
    backward = parse({"matchLabels": dict(reversed(labels.items())), "matchExpressions": expressions[::-1]})
    assert forward.to_query() == backward.to_query()
    assert forward.matches({**dict.fromkeys(exists, "v"), **labels})

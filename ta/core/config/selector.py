"""Kubernetes label selectors (``metav1.LabelSelector``) as immutable values.

In: the YAML-decoded mapping of a selector from the TA config, in either spelling upstream accepts
(``matchLabels``/``matchExpressions`` or lowercase ``matchlabels``/``matchexpressions``; camelCase wins when
both are present) with requirements ``{key, operator, values}``. Out: ``LabelSelector``, which answers
``matches(labels)`` with Kubernetes semantics, renders the API server's ``labelSelector=`` query text and a
camelCase mapping for display. A missing (nil) selector is represented by callers as ``None``; an empty
selector matches everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ta.core.config.errors import ConfigError, describe
from ta.core.config.yamltext import scalar_text

IN = "In"
NOT_IN = "NotIn"
EXISTS = "Exists"
DOES_NOT_EXIST = "DoesNotExist"
OPERATORS = (IN, NOT_IN, EXISTS, DOES_NOT_EXIST)

_SELECTOR_KEYS = frozenset({"matchLabels", "matchlabels", "matchExpressions", "matchexpressions"})
_REQUIREMENT_KEYS = frozenset({"key", "operator", "values"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    key: str
    operator: str  # one of OPERATORS
    values: tuple[str, ...]  # as written; empty for Exists/DoesNotExist

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.operator == IN:
            return self.key in labels and labels[self.key] in self.values
        if self.operator == NOT_IN:
            return self.key not in labels or labels[self.key] not in self.values
        if self.operator == EXISTS:
            return self.key in labels
        return self.key not in labels

    def to_query(self) -> str:
        if self.operator == EXISTS:
            return self.key
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        word = "in" if self.operator == IN else "notin"
        return f"{self.key} {word} ({','.join(sorted(self.values))})"

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if self.values:
            result["values"] = list(self.values)
        return result


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelSelector:
    match_labels: tuple[tuple[str, str], ...] = ()  # sorted by key
    match_expressions: tuple[Requirement, ...] = ()  # in the order written

    @property
    def is_empty(self) -> bool:
        """An empty selector selects everything (unlike a missing one, which callers model as None)."""
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(requirement.matches(labels) for requirement in self.match_expressions)

    def to_query(self) -> str:
        """The ``labelSelector`` query value the API server understands; ``""`` selects everything.

        Terms are ordered by key (then text) so the same selector always yields the same query.
        """
        terms = [(key, f"{key}={value}") for key, value in self.match_labels]
        terms.extend((requirement.key, requirement.to_query()) for requirement in self.match_expressions)
        return ",".join(text for _, text in sorted(terms))

    def to_dict(self) -> dict[str, Any]:
        """camelCase mapping with empty parts left out, as ``kubectl`` would show it."""
        result: dict[str, Any] = {}
        if self.match_labels:
            result["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            result["matchExpressions"] = [requirement.to_dict() for requirement in self.match_expressions]
        return result


EVERYTHING = LabelSelector()


def parse_label_selector(raw: object, *, where: str) -> tuple[LabelSelector, tuple[str, ...]]:
    """Decode a selector mapping; return it and the dotted names of keys that were ignored.

    ``where`` is the selector's config key, used as the prefix of error messages and ignored-key names.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a label selector mapping, got {describe(raw)}")
    ignored = tuple(sorted(f"{where}.{key}" for key in raw if key not in _SELECTOR_KEYS))
    labels_key = "matchLabels" if "matchLabels" in raw else "matchlabels"
    expressions_key = "matchExpressions" if "matchExpressions" in raw else "matchexpressions"
    labels = _parse_match_labels(raw.get(labels_key), f"{where}.{labels_key}")
    requirements: list[Requirement] = []
    raw_expressions = raw.get(expressions_key)
    if raw_expressions is not None:
        if not isinstance(raw_expressions, list):
            raise ConfigError(f"{where}.{expressions_key}: expected a list, got {describe(raw_expressions)}")
        for index, item in enumerate(raw_expressions):
            requirement, item_ignored = _parse_requirement(item, f"{where}.{expressions_key}[{index}]")
            requirements.append(requirement)
            ignored += item_ignored
    return LabelSelector(match_labels=labels, match_expressions=tuple(requirements)), ignored


def _text(value: object, where: str) -> str:
    # Upstream re-marshals the decoded YAML into string fields, so any scalar becomes its YAML text.
    text = scalar_text(value) if value is not None else ""
    if text is None:
        raise ConfigError(f"{where}: expected a string, got {describe(value)}")
    return text


def _parse_match_labels(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping of label names to values, got {describe(raw)}")
    pairs = {_text(key, where): _text(value, f"{where}.{key}") for key, value in raw.items()}
    return tuple(sorted(pairs.items()))


def _parse_requirement(raw: object, where: str) -> tuple[Requirement, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a requirement mapping with key, operator and values, got {describe(raw)}")
    ignored = tuple(sorted(f"{where}.{key}" for key in raw if key not in _REQUIREMENT_KEYS))
    key = _text(raw.get("key"), f"{where}.key")
    operator = _text(raw.get("operator"), f"{where}.operator")
    raw_values = raw.get("values")
    if raw_values is None:
        values: tuple[str, ...] = ()
    elif isinstance(raw_values, list):
        values = tuple(_text(value, f"{where}.values[{index}]") for index, value in enumerate(raw_values))
    else:
        raise ConfigError(f"{where}.values: expected a list of strings, got {describe(raw_values)}")
    # The same checks Kubernetes applies when it turns a LabelSelector into a selector (NewRequirement).
    if not key:
        raise ConfigError(f"{where}.key: must not be empty")
    if operator not in OPERATORS:
        raise ConfigError(f"{where}.operator: {describe(operator)} is not a valid label selector operator")
    if operator in {IN, NOT_IN} and not values:
        raise ConfigError(f"{where}.values: for 'in', 'notin' operators, values set can't be empty")
    if operator in {EXISTS, DOES_NOT_EXIST} and values:
        raise ConfigError(f"{where}.values: values set must be empty for exists and does not exist")
    return Requirement(key=key, operator=operator, values=values), ignored

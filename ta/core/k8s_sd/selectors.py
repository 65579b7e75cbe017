"""Kubernetes label and field selectors, parsed and matched client-side.

In: selector strings in Kubernetes syntax (label: ``=``, ``==``, ``!=``, ``in``, ``notin``, ``key``, ``!key``,
``>``, ``<``; field: ``=``, ``==``, ``!=`` with ``\\`` escapes) and objects as plain dicts.
Out: immutable parsed selectors (``LabelSelector``, ``FieldSelector``) whose ``matches`` decides whether the API
server would have returned the object for that selector; ``SelectorError`` with a message for bad syntax.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ta.core.k8s_sd.meta import as_map, labels_of


class SelectorError(ValueError):
    """A selector string that the Kubernetes parser would reject."""


_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_OPS = ("notin", "in", "!=", "==", "=", ">", "<")


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    """One label requirement. ``op`` is one of ``exists``, ``!``, ``=``, ``!=``, ``in``, ``notin``, ``>``, ``<``."""

    key: str
    op: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key, "")
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        # Gt/Lt compare integers; a non-integer label value never matches.
        if not present:
            return False
        try:
            number = int(value)
        except ValueError:
            return False
        bound = int(self.values[0])
        return number > bound if self.op == ">" else number < bound


@dataclass(frozen=True, slots=True, kw_only=True)
class LabelSelector:
    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldRequirement:
    field: str
    negate: bool
    value: str

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return (field_value(obj, self.field) == self.value) != self.negate


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        return all(r.matches(obj) for r in self.requirements)


def _validate_key(key: str) -> None:
    prefix, sep, name = key.rpartition("/")
    if sep and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise SelectorError(f"invalid label key {key!r}: prefix must be a DNS subdomain")
    if not name or len(name) > 63 or not _QUALIFIED_NAME.match(name):
        raise SelectorError(
            f"invalid label key {key!r}: name part must consist of alphanumeric characters, '-', '_'"
            " or '.', and must start and end with an alphanumeric character"
        )


def _validate_value(value: str) -> None:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise SelectorError(f"invalid label value: {value!r}")


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside a ``( ... )`` value set."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                raise SelectorError(f"unexpected ')' in selector {text!r}")
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth != 0:
        raise SelectorError(f"unclosed '(' in selector {text!r}")
    parts.append(text[start:])
    return parts


def _parse_requirement(term: str) -> Requirement:
    term = term.strip()
    if not term:
        raise SelectorError("found ',', expected: !, identifier, or 'end of string'")
    if term.startswith("!"):
        key = term[1:].strip()
        _validate_key(key)
        return Requirement(key=key, op="!")
    for op in _LABEL_OPS:
        if op in ("in", "notin"):
            match = re.match(rf"^(\S+)\s+{op}\s*\((.*)\)$", term, re.DOTALL)
            if match is None:
                continue
            key = match.group(1)
            _validate_key(key)
            values = tuple(v.strip() for v in match.group(2).split(","))
            if values == ("",):
                raise SelectorError(f"for 'in', 'notin' operators, values set can't be empty: {term!r}")
            for v in values:
                _validate_value(v)
            return Requirement(key=key, op=op, values=tuple(sorted(set(values))))
        index = term.find(op)
        if index <= 0:
            continue
        key = term[:index].strip()
        value = term[index + len(op) :].strip()
        _validate_key(key)
        if op in (">", "<"):
            try:
                int(value)
            except ValueError as exc:
                raise SelectorError(f"for 'Gt', 'Lt' operators, the value must be an integer: {term!r}") from exc
        else:
            _validate_value(value)
        return Requirement(key=key, op="=" if op == "==" else op, values=(value,))
    if any(c in term for c in " ()=!<>"):
        raise SelectorError(f"unable to parse requirement: {term!r}")
    _validate_key(term)
    return Requirement(key=term, op="exists")


def parse_label_selector(text: str) -> LabelSelector:
    """Parse like ``labels.Parse``; an empty or blank string selects everything."""
    if not text.strip():
        return LabelSelector()
    return LabelSelector(requirements=tuple(_parse_requirement(t) for t in _split_top_level(text)))


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for c in text:
        if escaped:
            current.append("\\" + c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(c)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "\\,=":
                raise SelectorError(f"invalid field selector value {value!r}: bad escape")
            out.append(value[i + 1])
            i += 2
            continue
        if c in ",=":
            raise SelectorError(f"invalid field selector value {value!r}: unescaped {c!r}")
        out.append(c)
        i += 1
    return "".join(out)


def _find_operator(term: str) -> tuple[int, str] | None:
    i = 0
    while i < len(term):
        if term[i] == "\\":
            i += 2
            continue
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return i, op
        i += 1
    return None


def parse_field_selector(text: str) -> FieldSelector:
    """Parse like ``fields.ParseSelector``; an empty string selects everything."""
    if not text:
        return FieldSelector()
    requirements: list[FieldRequirement] = []
    for term in _split_unescaped(text, ","):
        if not term:
            continue
        found = _find_operator(term)
        if found is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        index, op = found
        requirements.append(
            FieldRequirement(field=term[:index], negate=op == "!=", value=_unescape(term[index + len(op) :]))
        )
    return FieldSelector(requirements=tuple(requirements))


# Boolean fields the API server reports as "false" when unset.
_BOOL_DEFAULT_FALSE = frozenset({"spec.hostNetwork", "spec.unschedulable"})


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string the API server compares for field ``path`` (dotted camelCase path; absent reads as "")."""
    current: object = obj
    for part in path.split("."):
        current = as_map(current).get(part)
    if isinstance(current, bool):
        return "true" if current else "false"
    if isinstance(current, int | str):
        return str(current)
    if current is None and path in _BOOL_DEFAULT_FALSE:
        return "false"
    return ""


def label_matches(selector: LabelSelector, obj: Mapping[str, Any]) -> bool:
    return selector.matches(labels_of(obj))

"""Kubernetes label and field selector matching, for the fake API server.

In: a selector string as sent in ``labelSelector`` / ``fieldSelector`` and an object dict. Out: whether the
object matches. Supports ``k=v``, ``k==v``, ``k!=v``, ``k``, ``!k``, ``k in (a,b)``, ``k notin (a,b)`` for
labels, and ``path=v`` / ``path!=v`` on dotted paths (``metadata.name``, ``spec.nodeName``) for fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Mapping[str, Any]], bool]

_SET_TERM = re.compile(r"^\s*([^\s!=]+)\s+(in|notin)\s+\((.*)\)\s*$")


def _split_terms(selector: str) -> list[str]:
    # Commas inside "in (a,b)" do not separate terms.
    terms: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in selector:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append("".join(current))
            current = []
        else:
            current.append(ch)
    terms.append("".join(current))
    return [t.strip() for t in terms if t.strip()]


def _labels(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    labels = meta.get("labels") if isinstance(meta, Mapping) else None
    return labels if isinstance(labels, Mapping) else {}


def _label_term(term: str) -> Predicate:
    m = _SET_TERM.match(term)
    if m:
        key, op, raw = m.group(1), m.group(2), m.group(3)
        values = frozenset(v.strip() for v in raw.split(","))
        if op == "in":
            return lambda o: _labels(o).get(key) in values
        return lambda o: _labels(o).get(key) not in values
    if "!=" in term:
        key, value = (s.strip() for s in term.split("!=", 1))
        return lambda o: _labels(o).get(key) != value
    if "=" in term:
        key, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
        return lambda o: _labels(o).get(key) == value
    if term.startswith("!"):
        key = term[1:].strip()
        return lambda o: key not in _labels(o)
    return lambda o: term in _labels(o)


def _field(obj: Mapping[str, Any], path: str) -> str:
    node: Any = obj
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return ""
        node = node.get(part)
    return "" if node is None else str(node)


def _field_term(term: str) -> Predicate:
    if "!=" in term:
        path, value = (s.strip() for s in term.split("!=", 1))
        return lambda o: _field(o, path) != value
    path, value = (s.strip() for s in term.replace("==", "=").split("=", 1))
    return lambda o: _field(o, path) == value


def _all(terms: list[Predicate]) -> Predicate:
    return lambda o: all(t(o) for t in terms)


def label_selector(selector: str) -> Predicate:
    return _all([_label_term(t) for t in _split_terms(selector)])


def field_selector(selector: str) -> Predicate:
    return _all([_field_term(t) for t in _split_terms(selector)])

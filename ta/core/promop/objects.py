"""Typed reads from CR objects served as plain JSON-like mappings.

In: ``Obj`` mappings (camelCase keys, possibly missing or null fields). Out: plain Python values with the Go zero
value for absent fields, so callers can mirror the operator's ``if x != ""`` / ``if x != nil`` tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ta.core.promop.model import Obj

EMPTY: Mapping[str, Any] = {}


def mapping(obj: Obj | None, key: str) -> Mapping[str, Any]:
    value = obj.get(key) if obj else None
    return value if isinstance(value, Mapping) else EMPTY


def opt_mapping(obj: Obj | None, key: str) -> Mapping[str, Any] | None:
    """The sub-object, or ``None`` when absent (a Go nil pointer)."""
    value = obj.get(key) if obj else None
    return value if isinstance(value, Mapping) else None


def seq(obj: Obj | None, key: str) -> Sequence[Any]:
    value = obj.get(key) if obj else None
    return value if isinstance(value, list | tuple) else ()


def strings(obj: Obj | None, key: str) -> list[str]:
    return [str(v) for v in seq(obj, key)]


def string(obj: Obj | None, key: str) -> str:
    value = obj.get(key) if obj else None
    return "" if value is None else str(value)


def opt_string(obj: Obj | None, key: str) -> str | None:
    value = obj.get(key) if obj else None
    return None if value is None else str(value)


def opt_bool(obj: Obj | None, key: str) -> bool | None:
    value = obj.get(key) if obj else None
    return value if isinstance(value, bool) else None


def opt_int(obj: Obj | None, key: str) -> int | None:
    value = obj.get(key) if obj else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def namespace_of(obj: Obj) -> str:
    return string(mapping(obj, "metadata"), "namespace")


def name_of(obj: Obj) -> str:
    return string(mapping(obj, "metadata"), "name")


def labels_of(obj: Obj) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping(mapping(obj, "metadata"), "labels").items()}


def spec(obj: Obj) -> Mapping[str, Any]:
    return mapping(obj, "spec")



"""Target-group documents, as file SD and HTTP SD serve them.

In: the bytes of a JSON or YAML document: a list of ``{"targets": [...], "labels": {...}}``. Out: the
groups as ``(targets, labels)`` pairs (each target becomes ``{__address__: target}``), or Prometheus' kind
of error text (also for YAML over the nesting or alias limits of ``ta.core.gocompat.yamlguard``). JSON is decoded
strictly as Go's decoder does: unknown keys are errors, key names match case-insensitively, label names
must be valid.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson
import yaml

from ta.core.base.labels import LabelSet, label_set
from ta.core.gocompat.yamlguard import GuardedComposer

RawGroup = tuple[tuple[str, ...], LabelSet]


class GroupsError(ValueError):
    pass


class _YamlLoader(GuardedComposer, yaml.SafeLoader):
    """Nesting and alias limits (``ta.core.gocompat.yamlguard``): a file is written by anyone with the volume."""


def _field(obj: Mapping[object, object], name: str, *, case_insensitive: bool) -> object:
    for key, value in obj.items():
        if key == name or (case_insensitive and isinstance(key, str) and key.lower() == name):
            return value
    return None


def _group(item: object, index: int, *, json_rules: bool) -> RawGroup:
    if item is None:
        return ((), ())
    if not isinstance(item, Mapping):
        raise GroupsError(f"group {index}: expected an object with targets and labels")
    for key in item:
        if not isinstance(key, str) or (key.lower() if json_rules else key) not in ("targets", "labels"):
            raise GroupsError(f'json: unknown field "{key}"' if json_rules else f"field {key} not found in type struct")
    raw_targets = _field(item, "targets", case_insensitive=json_rules) or []
    raw_labels = _field(item, "labels", case_insensitive=json_rules) or {}
    if not isinstance(raw_targets, list) or not all(isinstance(t, str) for t in raw_targets):
        raise GroupsError(f"group {index}: targets must be a list of strings")
    if not isinstance(raw_labels, Mapping):
        raise GroupsError(f"group {index}: labels must be a map of strings")
    labels: dict[str, str] = {}
    for name, value in raw_labels.items():
        if not isinstance(name, str) or not name:
            raise GroupsError(f"{name!r} is not a valid label name")
        if not isinstance(value, str):
            raise GroupsError(f"group {index}: label {name!r} must have a string value")
        labels[name] = value
    return tuple(raw_targets), label_set(labels)


def parse_groups(data: bytes, *, yaml_format: bool) -> list[RawGroup]:
    if yaml_format:
        try:
            doc = yaml.load(data, Loader=_YamlLoader)
        except yaml.YAMLError as exc:
            raise GroupsError(f"yaml: {exc}") from None
    else:
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise GroupsError(f"invalid JSON: {exc}") from None
    if doc is None:
        return []
    if not isinstance(doc, list):
        raise GroupsError("expected a list of target groups")
    return [_group(item, i, json_rules=not yaml_format) for i, item in enumerate(doc)]

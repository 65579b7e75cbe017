"""Relabel rules as the operator writes them, and the validation it applies to user-supplied ones.

In: CRD ``RelabelConfig`` mappings (``sourceLabels``, ``separator``, ``targetLabel``, ``regex``, ``modulus``,
``replacement``, ``action``). Out: Prometheus-form rule dicts carrying only the fields that were set
(``render``), ``Invalid`` for rules the operator rejects (``validate``), and the fixed rules every job starts with.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import re2

from ta.core.promop.model import Invalid, Job
from ta.core.promop.objects import opt_int, opt_string, string, strings
from ta.core.relabel.config import ACTIONS, DEFAULT_REGEX, DEFAULT_REPLACEMENT, DEFAULT_SEPARATOR

_INVALID_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]")

_ACTIONS = frozenset(ACTIONS)
_DEFAULT_REGEX = DEFAULT_REGEX
_DEFAULT_SEPARATOR = DEFAULT_SEPARATOR
_DEFAULT_REPLACEMENT = DEFAULT_REPLACEMENT


def sanitize_label_name(name: str) -> str:
    return _INVALID_LABEL_CHARS.sub("_", name)


def job_name_rule() -> Job:
    """The first rule of every job: remember the job name before user rules can rewrite ``job``."""
    return {"source_labels": ["job"], "target_label": "__tmp_prometheus_job_name"}


def running_filter() -> Job:
    return {"action": "drop", "source_labels": ["__meta_kubernetes_pod_phase"], "regex": "(Failed|Succeeded)"}


def render(rules: Sequence[Any]) -> list[Job]:
    out: list[Job] = []
    for rule in rules:
        if not isinstance(rule, Mapping):
            continue
        rendered: Job = {}
        sources = strings(rule, "sourceLabels")
        if sources:
            rendered["source_labels"] = sources
        separator = opt_string(rule, "separator")
        if separator is not None:
            rendered["separator"] = separator
        if string(rule, "targetLabel"):
            rendered["target_label"] = string(rule, "targetLabel")
        if string(rule, "regex"):
            rendered["regex"] = string(rule, "regex")
        modulus = opt_int(rule, "modulus")
        if modulus:
            rendered["modulus"] = modulus
        replacement = opt_string(rule, "replacement")
        if replacement is not None:
            rendered["replacement"] = replacement
        if string(rule, "action"):
            rendered["action"] = string(rule, "action").lower()
        out.append(rendered)
    return out


def with_enforced_namespace(rules: Sequence[Any], label: str, namespace: str) -> list[Any]:
    """Append the enforced-namespace rule the operator adds after user rules when the CR sets one."""
    if not label:
        return list(rules)
    return [*rules, {"targetLabel": label, "replacement": namespace}]


def _valid_label_name(name: str) -> bool:
    # The TA's default Prometheus version (3.x) validates label names as UTF-8: any non-empty string.
    return name != ""


def _check_regex(pattern: str) -> None:
    try:
        re2.compile(f"^(?s:{pattern})$")
    except re2.error as exc:
        raise Invalid(f"invalid regex {pattern} for relabel configuration: {exc}") from None


def validate_rule(rule: Mapping[str, Any]) -> None:
    raw_action = string(rule, "action") or "replace"
    action = raw_action.lower()
    if action not in _ACTIONS:
        raise Invalid(f"unknown relabel action {raw_action!r}")
    regex = string(rule, "regex")
    _check_regex(regex)
    target = string(rule, "targetLabel")
    modulus = opt_int(rule, "modulus") or 0
    separator = opt_string(rule, "separator")
    replacement = opt_string(rule, "replacement")
    if action == "hashmod" and modulus == 0:
        raise Invalid("relabel configuration for hashmod requires non-zero modulus")
    if action in ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal") and not target:
        raise Invalid(f"relabel configuration for {raw_action} action needs targetLabel value")
    if action in ("lowercase", "uppercase", "keepequal", "dropequal") and replacement not in (
        None,
        _DEFAULT_REPLACEMENT,
    ):
        raise Invalid(f"'replacement' can not be set for {raw_action} action")
    if action == "labelmap" and replacement is not None and not _valid_label_name(replacement):
        raise Invalid(f"{replacement!r} is invalid 'replacement' for {raw_action} action")
    if action in ("keepequal", "dropequal") and (
        regex not in ("", _DEFAULT_REGEX)
        or modulus not in (0,)
        or separator not in (None, _DEFAULT_SEPARATOR)
        or replacement not in (None, _DEFAULT_REPLACEMENT)
    ):
        raise Invalid(f"{raw_action} action requires only 'source_labels' and `target_label`, and no other fields")
    if action in ("labeldrop", "labelkeep") and (
        strings(rule, "sourceLabels")
        or target
        or modulus != 0
        or separator not in (None, _DEFAULT_SEPARATOR)
        or replacement not in (None, _DEFAULT_REPLACEMENT)
    ):
        raise Invalid(f"{raw_action} action requires only 'regex', and no other fields")


def validate(rules: Sequence[Any], field: str) -> None:
    for index, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            raise Invalid(f"{field}: [{index}]: not an object")
        try:
            validate_rule(rule)
        except Invalid as exc:
            raise Invalid(f"{field}: [{index}]: {exc}") from None

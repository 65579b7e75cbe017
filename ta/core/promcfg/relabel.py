"""Relabel rules from YAML with Prometheus' defaults and load-time validation, and back to rendered form.

In: one decoded ``relabel_configs`` / ``metric_relabel_configs`` entry and the job's name validation scheme.
Out: ``RelabelConfig`` (plus whether ``regex`` was given, which Prometheus' marshalling depends on) or a
``PromConfigError`` with Prometheus' exact text; ``relabel_config_to_dict`` gives the ``/scrape_configs`` form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import re2

from ta.core.promcfg.decode import as_str, as_str_list, as_uint
from ta.core.promcfg.errors import PromConfigError, go_quote, yaml_kind
from ta.core.relabel.config import (
    ACTIONS,
    DEFAULT_REPLACEMENT,
    DEFAULT_SEPARATOR,
    RelabelConfig,
)
from ta.core.relabel.regex import check_regex

_TARGET_REQUIRED = ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal")
_PLAIN_TARGET = ("lowercase", "uppercase", "keepequal", "dropequal")
# Legacy-scheme target labels may contain $1 / ${name} references; ASCII \w as in Go.
_LEGACY_TEMPLATE = re2.compile(r"^(?:(?:[a-zA-Z_]|\$(?:\{[0-9A-Za-z_]+\}|[0-9A-Za-z_]+))+[0-9A-Za-z_]*)+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedRelabel:
    """A parsed rule; ``regex_set`` records an explicit ``regex`` key (Prometheus omits a defaulted regex)."""

    config: RelabelConfig
    regex_set: bool


def is_valid_label_name(name: str, *, legacy: bool) -> bool:
    """Prometheus' label name check: UTF-8 scheme needs non-empty valid UTF-8, legacy ``[a-zA-Z_][a-zA-Z0-9_]*``."""
    if not name:
        return False
    if legacy:
        return all(
            ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ch == "_" or ("0" <= ch <= "9" and i > 0)
            for i, ch in enumerate(name)
        )
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_relabel(raw: object, *, where: str, legacy_names: bool = False) -> ParsedRelabel:
    """Decode and validate one rule; ``where`` names it in type errors (Prometheus' own texts carry no place)."""
    if not isinstance(raw, Mapping):
        raise PromConfigError(f"{where}: cannot unmarshal {yaml_kind(raw)} into relabel.plain")
    source_labels: tuple[str, ...] = ()
    source_labels_set = False
    separator = DEFAULT_SEPARATOR
    regex = "(.*)"
    regex_set = False
    modulus = 0
    target_label = ""
    replacement = DEFAULT_REPLACEMENT
    action = "replace"
    # Keys are decoded in document order, so the first bad key is the one Prometheus reports.
    for key, value in raw.items():
        if key == "source_labels":
            names = as_str_list(value)
            source_labels_set = names is not None
            source_labels = names or ()
            for name in source_labels:
                if not is_valid_label_name(name, legacy=False):
                    raise PromConfigError(f"{go_quote(name)} is not a valid label name")
        elif key == "separator":
            separator = as_str(value)
        elif key == "regex":
            regex = as_str(value)
            regex_set = True
            problem = check_regex(regex)
            if problem is not None:
                raise PromConfigError(problem)
        elif key == "modulus":
            modulus = as_uint(value, target="uint64")
        elif key == "target_label":
            target_label = as_str(value)
        elif key == "replacement":
            replacement = as_str(value)
        elif key == "action":
            if value is None:
                action = ""
            else:
                text = as_str(value)
                action = text.lower()
                if action not in ACTIONS:
                    raise PromConfigError(f"unknown relabel action {go_quote(text)}")
    config = RelabelConfig(
        source_labels=source_labels,
        separator=separator,
        regex=regex,
        modulus=modulus,
        target_label=target_label,
        replacement=replacement,
        action=action,
    )
    _validate(config, regex_set=regex_set, source_labels_set=source_labels_set, legacy=legacy_names)
    return ParsedRelabel(config=config, regex_set=regex_set)


def parse_relabel_config(raw: object, *, where: str, legacy_names: bool = False) -> RelabelConfig:
    """Decode and validate one rule (see ``parse_relabel``), returning only the rule."""
    return parse_relabel(raw, where=where, legacy_names=legacy_names).config


def _valid_with_template(value: str, *, legacy: bool) -> bool:
    if legacy:
        return _LEGACY_TEMPLATE.search(value) is not None
    return is_valid_label_name(value, legacy=False)


def _validate(cfg: RelabelConfig, *, regex_set: bool, source_labels_set: bool, legacy: bool) -> None:
    action = cfg.action
    target = cfg.target_label
    if action == "":
        raise PromConfigError("relabel action cannot be empty")
    if cfg.modulus == 0 and action == "hashmod":
        raise PromConfigError("relabel configuration for hashmod requires non-zero modulus")
    if action in _TARGET_REQUIRED and target == "":
        raise PromConfigError(f"relabel configuration for {action} action requires 'target_label' value")
    bad_target = PromConfigError(f"{go_quote(target)} is invalid 'target_label' for {action} action")
    if action == "replace":
        valid = (
            _valid_with_template(target, legacy=legacy)
            if "$" in target
            else is_valid_label_name(target, legacy=legacy)
        )
        if not valid:
            raise bad_target
    if action in _PLAIN_TARGET:
        if not is_valid_label_name(target, legacy=legacy):
            raise bad_target
        if cfg.replacement != DEFAULT_REPLACEMENT:
            raise PromConfigError(f"'replacement' can not be set for {action} action")
    if action == "labelmap" and not _valid_with_template(cfg.replacement, legacy=legacy):
        raise PromConfigError(f"{go_quote(cfg.replacement)} is invalid 'replacement' for {action} action")
    if action == "hashmod" and not is_valid_label_name(target, legacy=legacy):
        raise bad_target
    defaults_kept = (
        cfg.modulus == 0 and cfg.separator == DEFAULT_SEPARATOR and cfg.replacement == DEFAULT_REPLACEMENT
    )
    # Prometheus compares the regex by identity with its default, so any explicit regex counts as set.
    if action in ("keepequal", "dropequal") and (regex_set or not defaults_kept):
        raise PromConfigError(f"{action} action requires only 'source_labels' and `target_label`, and no other fields")
    if action in ("labeldrop", "labelkeep") and (source_labels_set or target != "" or not defaults_kept):
        raise PromConfigError(f"{action} action requires only 'regex', and no other fields")


def relabel_config_to_dict(cfg: RelabelConfig, *, regex_set: bool = True) -> dict[str, object]:
    """The rule as the TA serves it: Prometheus' YAML fields (omitempty rules), minus keepequal/dropequal regex.

    ``regex`` appears only when it was configured explicitly (Prometheus omits its default regex object).
    """
    out: dict[str, object] = {
        "action": cfg.action,
        "replacement": cfg.replacement,
        "separator": cfg.separator,
    }
    if cfg.source_labels:
        out["source_labels"] = list(cfg.source_labels)
    if regex_set and cfg.action not in ("keepequal", "dropequal"):
        out["regex"] = cfg.regex
    if cfg.modulus:
        out["modulus"] = cfg.modulus
    if cfg.target_label:
        out["target_label"] = cfg.target_label
    return out

"""Kubernetes ``metav1.LabelSelector`` objects inside CRs: validation, relabel rules and string form.

In: a selector mapping (``matchLabels``, ``matchExpressions``) from a monitor or probe spec. Out: ``Invalid`` for a
malformed selector, the keep/drop relabel rules the operator uses to emulate it (``selector_rules``), or the
canonical Kubernetes string form used in SD ``selectors`` (``selector_string``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.promop.model import Invalid, Job
from ta.core.promop.objects import mapping, seq, string, strings
from ta.core.promop.relabel import sanitize_label_name

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _expressions(selector: Mapping[str, Any]) -> list[tuple[str, str, list[str]]]:
    return [
        (string(expr, "key"), string(expr, "operator"), strings(expr, "values"))
        for expr in seq(selector, "matchExpressions")
        if isinstance(expr, Mapping)
    ]


def validate_selector(selector: Mapping[str, Any]) -> None:
    for key, operator, values in _expressions(selector):
        if operator not in _OPERATORS:
            raise Invalid(f"{operator!r} is not a valid label selector operator")
        if operator in ("In", "NotIn") and not values:
            raise Invalid(f"values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty ({key})")
        if operator in ("Exists", "DoesNotExist") and values:
            raise Invalid(
                f"values: Invalid value: {values}: values set must be empty for exists and does not exist ({key})"
            )
        if not key:
            raise Invalid('key: Invalid value: "": name part must be non-empty')


def selector_rules(selector: Mapping[str, Any], meta: str) -> list[Job]:
    """Keep/drop rules on ``__meta_kubernetes_<meta>_label_*``; NotIn and DoesNotExist become drops.

    Values are spliced into the regex unescaped, exactly as the operator does.
    """
    rules: list[Job] = []
    match_labels = mapping(selector, "matchLabels")
    for key in sorted(match_labels):
        name = sanitize_label_name(str(key))
        rules.append(
            {
                "action": "keep",
                "source_labels": [
                    f"__meta_kubernetes_{meta}_label_{name}",
                    f"__meta_kubernetes_{meta}_labelpresent_{name}",
                ],
                "regex": f"({match_labels[key]});true",
            }
        )
    for key, operator, values in _expressions(selector):
        name = sanitize_label_name(key)
        label = f"__meta_kubernetes_{meta}_label_{name}"
        present = f"__meta_kubernetes_{meta}_labelpresent_{name}"
        if operator in ("In", "NotIn"):
            rules.append(
                {
                    "action": "keep" if operator == "In" else "drop",
                    "source_labels": [label, present],
                    "regex": f"({'|'.join(values)});true",
                }
            )
        elif operator in ("Exists", "DoesNotExist"):
            rules.append(
                {
                    "action": "keep" if operator == "Exists" else "drop",
                    "source_labels": [present],
                    "regex": "true",
                }
            )
    return rules


def selector_string(selector: Mapping[str, Any]) -> str:
    """The ``labels.Selector.String()`` form: requirements sorted by key, set values sorted."""
    requirements: list[tuple[str, str]] = []
    for key, value in mapping(selector, "matchLabels").items():
        requirements.append((str(key), f"{key}={value}"))
    for key, operator, values in _expressions(selector):
        joined = ",".join(sorted(set(values)))
        text = {
            "In": f"{key} in ({joined})",
            "NotIn": f"{key} notin ({joined})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }[operator]
        requirements.append((key, text))
    requirements.sort(key=lambda item: item[0])
    return ",".join(text for _, text in requirements)

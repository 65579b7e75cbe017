"""The relabel rule value shared by config parsing (``ta.core.promcfg``) and the relabel engine.

In: nothing; ``ta.core.promcfg.relabel`` builds these from YAML with Prometheus' defaults and validation.
Out: ``RelabelConfig``, an immutable rule exactly as configured (the regex is kept as the user's pattern
text; the engine wraps and compiles it).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REGEX = "(.*)"
DEFAULT_SEPARATOR = ";"
DEFAULT_REPLACEMENT = "$1"

ACTIONS: tuple[str, ...] = (
    "replace",
    "keep",
    "drop",
    "keepequal",
    "dropequal",
    "hashmod",
    "labelmap",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RelabelConfig:
    source_labels: tuple[str, ...] = ()
    separator: str = DEFAULT_SEPARATOR
    regex: str = DEFAULT_REGEX
    modulus: int = 0
    target_label: str = ""
    replacement: str = DEFAULT_REPLACEMENT
    action: str = "replace"

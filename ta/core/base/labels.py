"""Label sets as immutable, sorted tuples of ``(name, value)`` pairs.

In: mappings or pair iterables from discovery. Out: ``LabelSet`` values that are hashable, ordered by name
(byte order, as Prometheus sorts them) and safe to share between targets and events.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping

LabelSet = tuple[tuple[str, str], ...]

EMPTY: LabelSet = ()


def _key(pair: tuple[str, str]) -> bytes:
    # Prometheus sorts label names by bytes; UTF-8 byte order equals code-point order, so str order is the
    # same and we only need this for clarity in one place.
    return pair[0].encode()


def label_set(labels: Mapping[str, str] | Iterable[tuple[str, str]]) -> LabelSet:
    """Build a sorted label set; later pairs win on duplicate names. Names are interned to share memory."""
    items = labels.items() if isinstance(labels, Mapping) else labels
    merged: dict[str, str] = {}
    for name, value in items:
        merged[sys.intern(name)] = value
    return tuple(sorted(merged.items()))


def merge(group: LabelSet, target: LabelSet) -> LabelSet:
    """Merge group labels under target labels (the target wins on a name clash), sorted."""
    if not group:
        return target
    if not target:
        return group
    # Both are sorted runs, which one sort merges; names rarely clash (never for Kubernetes SD).
    joined = tuple(sorted(group + target))
    if len(dict(joined)) == len(joined):
        return joined
    merged = dict(group)
    merged.update(target)
    return tuple(sorted(merged.items()))


def get(labels: LabelSet, name: str, default: str = "") -> str:
    for key, value in labels:
        if key == name:
            return value
    return default



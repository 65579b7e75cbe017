"""File SD: which jobs a file belongs to, and the target groups it holds.

In: a file's path and bytes (from a journaled ``FileRead``), and the jobs' ``files`` patterns. Out: target
groups with Prometheus' sources (``<path>:<i>``) and the ``__meta_filepath`` label, or an error text.
"""

from __future__ import annotations

import fnmatch
import posixpath

from ta.core.base.labels import merge
from ta.core.base.model import TargetGroup
from ta.core.discovery.groups import GroupsError, parse_groups

_YAML_SUFFIXES = (".yml", ".yaml")


def path_matches(path: str, pattern: str) -> bool:
    """Prometheus allows a glob in the last path element only."""
    return posixpath.dirname(path) == posixpath.dirname(pattern) and fnmatch.fnmatchcase(
        posixpath.basename(path), posixpath.basename(pattern)
    )


def file_groups(path: str, content: bytes) -> tuple[TargetGroup, ...] | str:
    try:
        groups = parse_groups(content, yaml_format=path.lower().endswith(_YAML_SUFFIXES))
    except GroupsError as exc:
        return f"file {path}: {exc}"
    meta = (("__meta_filepath", path),)
    return tuple(
        TargetGroup(
            source=f"{path}:{i}",
            targets=tuple((("__address__", t),) for t in targets),
            labels=merge(labels, meta),  # Prometheus overrides a user-supplied __meta_filepath
        )
        for i, (targets, labels) in enumerate(groups)
    )

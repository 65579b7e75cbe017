"""HTTP SD answers to target groups, with Prometheus' acceptance rules.

In: one polled answer (status, Content-Type, body). Out: the target groups (source ``<url>:<i>``, label
``__meta_url`` set to the URL, overriding any given), or Prometheus' kind of error text, in which case the
previous targets stay (Prometheus sends nothing on error).
"""

from __future__ import annotations

import re

import orjson

from ta.core.base.labels import merge
from ta.core.base.model import TargetGroup
from ta.core.discovery.groups import GroupsError, parse_groups

_CONTENT_TYPE = re.compile(r'^application/json(;\s*charset=("utf-8"|utf-8))?$', re.IGNORECASE)


def http_sd_groups(url: str, status: int, content_type: str, body: str) -> tuple[TargetGroup, ...] | str:
    if status != 200:
        return f"server returned HTTP status {status}"
    if not _CONTENT_TYPE.match(content_type.strip()):
        return f'unsupported content type "{content_type}"'
    data = body.encode()
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        return f"invalid JSON: {exc}"
    if isinstance(doc, list) and any(item is None for item in doc):
        # file SD reads a null element as an empty group; HTTP SD refuses it.
        return "nil target group item found"
    try:
        raw = parse_groups(data, yaml_format=False)
    except GroupsError as exc:
        return str(exc)
    meta = (("__meta_url", url),)
    return tuple(
        TargetGroup(
            source=f"{url}:{i}",
            targets=tuple((("__address__", t),) for t in targets),
            labels=merge(labels, meta),
        )
        for i, (targets, labels) in enumerate(raw)
    )

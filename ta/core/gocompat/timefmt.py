"""Kubernetes timestamps (RFC 3339) to Unix seconds, without reading any clock.

In: strings such as ``2024-06-21T20:01:37Z``. Out: float seconds, or None for a missing or odd value.
"""

from __future__ import annotations

from datetime import datetime


def parse_rfc3339(value: object) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.timestamp()

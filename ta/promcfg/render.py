"""The ``GET /scrape_configs`` body, byte for byte as the upstream TA serves it.

In: validated ``ScrapeJob`` values and whether secrets may be revealed (HTTPS or allow_insecure_auth_secrets).
Out: compact JSON bytes: an object job name -> marshalled scrape config, keys sorted, no trailing newline,
``<``, ``>``, ``&``, U+2028 and U+2029 escaped as Go's encoder does, and ``{}`` when there are no jobs.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from ta.promcfg.scrape import ScrapeJob
from ta.promcfg.tree import thaw

# Go's encoding/json escapes these inside strings; they only ever occur inside strings in JSON text.
_GO_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def go_json(value: object) -> bytes:
    """Compact JSON with sorted keys and Go's HTML-safe escaping."""
    out = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    for raw, escaped in _GO_ESCAPES:
        out = out.replace(raw, escaped)
    return out


def render_scrape_configs(jobs: Iterable[ScrapeJob], *, reveal_secrets: bool) -> bytes:
    """Render all jobs; ``"<secret>"`` replaces secret values unless ``reveal_secrets`` (and the value is known)."""
    body = {job.job_name: thaw(job.rendered, reveal_secrets=reveal_secrets) for job in jobs}
    return go_json(body)

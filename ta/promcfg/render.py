"""The ``GET /scrape_configs`` body, byte for byte as the upstream TA serves it.

In: validated ``ScrapeJob`` values and whether secrets may be revealed (HTTPS or allow_insecure_auth_secrets).
Out: compact JSON bytes: an object job name -> marshalled scrape config, keys sorted, no trailing newline,
``<``, ``>``, ``&``, U+2028 and U+2029 escaped as Go's encoder does, and ``{}`` when there are no jobs.
"""

from __future__ import annotations

from collections.abc import Iterable

from ta.core import gojson
from ta.promcfg.scrape import ScrapeJob
from ta.promcfg.tree import thaw


def go_json(value: object) -> bytes:
    """Compact JSON with sorted keys and Go's HTML-safe escaping."""
    return gojson.dumps(value, sort_keys=True)


def render_scrape_configs(jobs: Iterable[ScrapeJob], *, reveal_secrets: bool) -> bytes:
    """Render all jobs; ``"<secret>"`` replaces secret values unless ``reveal_secrets`` (and the value is known)."""
    body = {job.job_name: thaw(job.rendered, reveal_secrets=reveal_secrets) for job in jobs}
    return go_json(body)

"""The ``GET /scrape_configs`` body, byte for byte as the upstream TA serves it.

In: validated ``ScrapeJob`` values and whether secrets may be revealed (HTTPS or allow_insecure_auth_secrets).
Out: compact JSON bytes: an object job name -> marshalled scrape config, keys sorted, no trailing newline,
``<``, ``>``, ``&``, U+2028 and U+2029 escaped as Go's encoder does, and ``{}`` when there are no jobs.
"""

from __future__ import annotations

from collections.abc import Iterable

from ta.core.gocompat import gojson
from ta.core.promcfg.scrape import ScrapeJob
from ta.core.promcfg.tree import thaw


def go_json(value: object) -> bytes:
    """Compact JSON with sorted keys and Go's HTML-safe escaping."""
    return gojson.dumps(value, sort_keys=True)


def render_scrape_configs(jobs: Iterable[ScrapeJob], *, reveal_secrets: bool) -> bytes:
    """Render all jobs; ``"<secret>"`` replaces secret values unless ``reveal_secrets`` (and the value is known)."""
    body = {job.job_name: thaw(job.rendered, reveal_secrets=reveal_secrets) for job in jobs}
    return go_json(body)


class CachedRenderer:
    """Renders ``/scrape_configs`` with each job's JSON kept until that job changes, so a change to one
    job among thousands costs one job's rendering plus a join. Output equals ``render_scrape_configs``."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[ScrapeJob, bytes, bytes]] = {}

    def render(self, jobs: Iterable[ScrapeJob]) -> tuple[bytes, bytes]:
        """(redacted, revealed) bodies."""
        fresh: dict[str, tuple[ScrapeJob, bytes, bytes]] = {}
        for job in jobs:
            cached = self._cache.get(job.job_name)
            if cached is None or (cached[0] is not job and cached[0] != job):
                key = go_json(job.job_name) + b":"
                cached = (
                    job,
                    key + go_json(thaw(job.rendered, reveal_secrets=False)),
                    key + go_json(thaw(job.rendered, reveal_secrets=True)),
                )
            fresh[job.job_name] = cached
        self._cache = fresh
        names = sorted(fresh)
        redacted = b"{" + b",".join(fresh[n][1] for n in names) + b"}"
        revealed = b"{" + b",".join(fresh[n][2] for n in names) + b"}"
        return redacted, revealed

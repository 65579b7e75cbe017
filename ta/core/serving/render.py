"""Byte-exact renderings of the upstream TA's JSON answers.

In: job names, collector names and targets. Out: response bodies as bytes, matching Go's
``json.NewEncoder(w).Encode`` output: compact JSON, sorted map keys, HTML-significant characters and
U+2028/U+2029 escaped as ``\\u003c`` etc., and a trailing newline; links escaped with Go's ``url.QueryEscape``.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote_plus, unquote_plus

from ta.core.base.model import Target
from ta.core.gocompat import gojson


def go_json(value: object, *, newline: bool = True) -> bytes:
    """JSON as Go's encoder writes it. Callers build maps in sorted key order and structs in field order
    (``targets`` before ``labels``, ``_link`` before ``targets``), so no key sorting happens here."""
    return gojson.dumps(value, newline=newline)


def query_escape(value: str) -> str:
    """Go ``url.QueryEscape``: everything but ``A-Za-z0-9-_.~`` percent-encoded, space as ``+``. Bytes that were
    not UTF-8 (held as surrogate escapes, see ``query_unescape``) come back as the same ``%XX``, as Go's do."""
    return quote_plus(value, safe="", errors="surrogateescape")


def query_unescape(value: str) -> str | None:
    """Go ``url.QueryUnescape``; None where Go reports an error (a malformed ``%`` escape). Go strings are bytes:
    escapes that do not decode as UTF-8 are kept as surrogate escapes, so such a name never equals a real one and
    ``query_escape`` gives back the same bytes."""
    i = 0
    while True:
        i = value.find("%", i)
        if i < 0:
            break
        hexpart = value[i + 1 : i + 3]
        if len(hexpart) != 2 or any(c not in "0123456789abcdefABCDEF" for c in hexpart):
            return None
        i += 3
    return unquote_plus(value, errors="surrogateescape")


def jobs_link(job: str) -> str:
    return f"/jobs/{query_escape(job)}/targets"


def collector_link(job: str, collector: str) -> str:
    # Upstream links to /debug/jobs/..., a route that does not exist; ours points at the real one.
    return f"{jobs_link(job)}?collector_id={query_escape(collector)}"


def target_entries(targets: Iterable[Target]) -> list[dict[str, object]]:
    """One http_sd element per target, in a stable order (address, then identity hash)."""
    ordered = sorted(targets, key=lambda t: (t.address, t.hash))
    return [{"targets": [t.address], "labels": dict(t.labels)} for t in ordered]


def render_jobs(jobs: Iterable[str]) -> bytes:
    return go_json({job: {"_link": jobs_link(job)} for job in sorted(jobs)})


def render_targets(targets: Iterable[Target]) -> bytes:
    return go_json(target_entries(targets))


def render_job_by_collector(job: str, per_collector: Iterable[tuple[str, Iterable[Target]]]) -> bytes:
    return go_json(
        {
            collector: {"_link": collector_link(job, collector), "targets": target_entries(targets)}
            for collector, targets in sorted(per_collector, key=lambda item: item[0])
        }
    )

"""The browser pages of ``/`` and ``/debug/*`` (upstream's HTML, byte for byte) and our JSON diagnostics.

In: the ``View`` (placements, collectors, ``/scrape_configs``), the ``Diagnostics`` read model and the
request's query. Out: aiohttp responses. These pages are for people and are rendered on request (they walk
every target), unlike the collectors' answers, which are rendered once per change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from aiohttp import web

from ta.core.model import Target
from ta.http import html
from ta.http.diagnostics import Diagnostics
from ta.http.view import View

JSON = "application/json"


def _page(body: bytes, status: int = 200, headers: Mapping[str, str] = html.HTML_HEADERS) -> web.Response:
    return web.Response(status=status, body=body, headers=dict(headers))


def _all(view: View) -> list[tuple[Target, str]]:
    return [(p.target, p.collector) for job in view.job_names() for p in view.placements(job)]


def index(view: View) -> web.Response:
    placements = _all(view)
    per_collector_targets = Counter(collector for _, collector in placements if collector)
    per_collector_jobs = Counter(c for _, c in {(t.job, c) for t, c in placements if c})
    scrape = view.scrape_configs(reveal=False)
    body = html.index_page(
        scrape_config_count=html.scrape_config_count(scrape.data if scrape else None),
        job_count=len(view.job_names()),
        target_count=len(placements),
        collectors=[(c, per_collector_jobs[c], per_collector_targets[c]) for c in view.collectors],
    )
    return _page(body, headers=html.INDEX_HEADERS)


def scrape_configs(view: View) -> web.Response:
    scrape = view.scrape_configs(reveal=False)  # the HTML page always shows the redacted variant
    return _page(html.scrape_configs_page_from_json(scrape.data if scrape else None))


def jobs(view: View) -> web.Response:
    return _page(html.jobs_page([(job, view.job_size(job)) for job in view.job_names()]))


def job(view: View, query: Mapping[str, list[str]]) -> web.Response:
    values = query.get("job_id", [])
    if len(values) != 1:
        return _page(b"", status=400)
    name = values[0]
    counts = Counter(p.collector for p in view.placements(name) if p.collector)
    return _page(html.job_page(name, [(c, counts[c]) for c in view.collectors]))


def targets(view: View) -> web.Response:
    rows = [
        html.TargetRow(
            job=t.job,
            target_hash=t.hash,
            address=t.address,
            collector=c,
            endpoint_slice=dict(t.labels).get(html.ENDPOINT_SLICE_LABEL, ""),
        )
        for t, c in _all(view)
    ]
    return _page(html.targets_page(rows))


def target(view: View, query: Mapping[str, list[str]]) -> web.Response:
    values = query.get("target_hash", [])
    raw = values[0] if values else ""
    if raw in ("", "0"):
        return _page(html.target_hash_missing_page(), status=400)
    wanted, ok = html.go_parse_uint64(raw)
    if not ok:
        # Upstream writes the 400 page and then, not returning, the lookup's answer too.
        return _page(html.target_hash_not_a_number_page() + html.unknown_target_page(raw), status=400)
    found = next(((t, c) for t, c in _all(view) if t.hash == wanted), None)
    if found is None:
        return _page(html.unknown_target_page(raw), status=404)
    t, collector = found
    return _page(html.target_page(address=t.address, job=t.job, collector=collector, labels=t.labels))


def collector(view: View, query: Mapping[str, list[str]]) -> web.Response:
    values = query.get("collector_id", [])
    if len(values) != 1 or not values[0]:
        return _page(html.collector_id_missing_page(), status=400)
    name = values[0]
    if name not in view.collectors:
        return _page(html.unknown_collector_page(name), status=404)
    rows = [
        (t.job, t.address, t.hash, dict(t.labels).get(html.ENDPOINT_SLICE_LABEL, ""))
        for t, c in _all(view)
        if c == name
    ]
    return _page(html.collector_page(name, rows))


def dropped(diagnostics: Diagnostics, query: Mapping[str, list[str]]) -> web.Response:
    values = query.get("job", [])
    if len(values) != 1:
        return web.Response(status=400, body=b"expected exactly one job query parameter\n")
    return web.Response(body=diagnostics.render_dropped(values[0]), headers={"Content-Type": JSON})


def problems(diagnostics: Diagnostics) -> web.Response:
    return web.Response(body=diagnostics.render_problems(), headers={"Content-Type": JSON})

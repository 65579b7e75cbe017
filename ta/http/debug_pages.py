"""The browser pages of ``/`` and ``/debug/*`` (upstream's HTML) and our JSON diagnostics.

In: the ``View`` (placements, collectors, ``/scrape_configs``), the ``Diagnostics`` read model and the
request's query. Out: aiohttp responses. These pages are for people and are rendered on request, unlike
the collectors' answers, which are rendered once per change.

Every listing is paginated (``?page=N&per_page=M``, see ``ta.http.paging``): a request renders at most one
page of rows, and the work over every target (sorting by hash, counting per collector) is done in steps
with awaits between them, once per view version, so no request stalls the event loop or holds memory in
proportion to the cluster. A listing that fits on one page is upstream's page byte for byte; a bad
``page``/``per_page`` is upstream's 400 page, a page past the end shows the last page.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from ta.core.serving.diagnostics import Diagnostics
from ta.core.serving.view import View
from ta.http import html, paging

JSON = "application/json"
_EXAMPLE = "?page=2&per_page=500"


def _page(body: bytes, status: int = 200, headers: Mapping[str, str] = html.HTML_HEADERS) -> web.Response:
    return web.Response(status=status, body=body, headers=dict(headers))


def _bad_page_request(path: str, error: str) -> web.Response:
    return _page(html.bad_request_page(error, path + _EXAMPLE), status=400)


def _endpoint_slice(row: paging.Placed) -> str:
    return dict(row[1].labels).get(html.ENDPOINT_SLICE_LABEL, "")


_Handler = Callable[["DebugPages", Mapping[str, list[str]]], Awaitable[web.Response]]


def _one_at_a_time(handler: _Handler) -> _Handler:
    """Pages render one at a time and in a loop turn of their own: each render is bounded, but a dozen requests
    ready at once would otherwise render in the same loop turn and a probe would wait behind all of them.
    Waiting requests cost nothing but their connection."""

    @functools.wraps(handler)
    async def serialized(self: DebugPages, query: Mapping[str, list[str]]) -> web.Response:
        async with self._turn:
            # A page whose index is cached has no await of its own: without this one, requests that arrived
            # in the same loop turn would take the free semaphore and render one after another in that turn.
            await paging.pause()
            return await handler(self, query)

    return serialized


class DebugPages:
    """The page handlers, with the indexes they share across requests."""

    def __init__(self, view: View, diagnostics: Diagnostics) -> None:
        self.view = view
        self.diagnostics = diagnostics
        self._turn = asyncio.Semaphore(1)
        self._targets = paging.TargetIndexes(view)
        self._configs = paging.ConfigIndexes()

    @_one_at_a_time
    async def index(self, query: Mapping[str, list[str]]) -> web.Response:
        wanted = paging.page_request(query)
        if isinstance(wanted, str):
            return _bad_page_request("/", wanted)
        view = self.view
        collectors = view.collectors
        pager = wanted.pager("/", len(collectors))
        shown = collectors[pager.offset : pager.offset + pager.per_page]
        # Jobs per collector need one look at each job's buckets: done in steps, for the shown page only.
        jobs_on: Counter[str] = Counter()
        targets_on: Counter[str] = Counter()
        wanted_names = frozenset(shown)
        names = view.job_names()
        for start in range(0, len(names), paging.JOB_STEP):
            for job in names[start : start + paging.JOB_STEP]:
                for collector, count in view.collector_counts(job).items():
                    if collector in wanted_names:
                        jobs_on[collector] += 1
                        targets_on[collector] += count
            await paging.pause()
        scrape = view.scrape_configs(reveal=False)  # the HTML pages always show the redacted variant
        # Upstream counts 0 until the first config is rendered (its decode fails on no bytes).
        configs = len((await self._configs.current(scrape)).jobs) if scrape is not None else 0
        body = html.index_page(
            scrape_config_count=configs,
            job_count=len(names),
            target_count=view.target_count(),
            collectors=[(c, jobs_on[c], targets_on[c]) for c in shown],
            pager=pager,
        )
        return _page(body, headers=html.INDEX_HEADERS)

    @_one_at_a_time
    async def scrape_configs(self, query: Mapping[str, list[str]]) -> web.Response:
        wanted = paging.page_request(query, default=paging.CONFIG_DEFAULT_PER_PAGE, maximum=paging.CONFIG_MAX_PER_PAGE)
        if isinstance(wanted, str):
            return _bad_page_request("/debug/scrape_configs", wanted)
        scrape = self.view.scrape_configs(reveal=False)
        index = await self._configs.current(scrape) if scrape is not None else None
        if index is None or index.empty:
            return _page(html.scrape_configs_page_from_json(None))
        pager = wanted.pager("/debug/scrape_configs", len(index.jobs))
        shown = index.jobs[pager.offset : pager.offset + pager.per_page]
        return _page(html.scrape_configs_page({job: index.configs[job] for job in shown}, pager=pager))

    @_one_at_a_time
    async def jobs(self, query: Mapping[str, list[str]]) -> web.Response:
        wanted = paging.page_request(query)
        if isinstance(wanted, str):
            return _bad_page_request("/debug/jobs", wanted)
        view = self.view
        names = sorted(view.job_names(), key=html.go_order)
        pager = wanted.pager("/debug/jobs", len(names))
        shown = names[pager.offset : pager.offset + pager.per_page]
        return _page(html.jobs_page([(job, view.job_size(job)) for job in shown], pager=pager))

    @_one_at_a_time
    async def job(self, query: Mapping[str, list[str]]) -> web.Response:
        values = query.get("job_id", [])
        if len(values) != 1:
            return _page(b"", status=400)
        wanted = paging.page_request(query)
        if isinstance(wanted, str):
            return _bad_page_request("/debug/job", wanted)
        name = values[0]
        counts = self.view.collector_counts(name)
        collectors = self.view.collectors
        pager = wanted.pager(f"/debug/job?job_id={html.query_escape(name)}", len(collectors))
        shown = collectors[pager.offset : pager.offset + pager.per_page]
        return _page(html.job_page(name, [(c, counts.get(c, 0)) for c in shown], pager=pager))

    @_one_at_a_time
    async def targets(self, query: Mapping[str, list[str]]) -> web.Response:
        wanted = paging.page_request(query)
        if isinstance(wanted, str):
            return _bad_page_request("/debug/targets", wanted)
        index = await self._targets.current()
        pager = wanted.pager("/debug/targets", len(index.targets))
        rows = [
            html.TargetRow(
                job=t.job, target_hash=h, address=t.address, collector=c, endpoint_slice=_endpoint_slice((h, t, c))
            )
            for h, t, c in index.rows(pager.offset, pager.offset + pager.per_page)
        ]
        return _page(html.targets_page(rows, pager=pager))

    @_one_at_a_time
    async def target(self, query: Mapping[str, list[str]]) -> web.Response:
        values = query.get("target_hash", [])
        raw = values[0] if values else ""
        if raw in ("", "0"):
            return _page(html.target_hash_missing_page(), status=400)
        wanted, ok = html.go_parse_uint64(raw)
        if not ok:
            # Upstream writes the 400 page and then, not returning, the lookup's answer too.
            return _page(html.target_hash_not_a_number_page() + html.unknown_target_page(raw), status=400)
        found = self.view.find(wanted)
        if found is None:
            return _page(html.unknown_target_page(raw), status=404)
        t = found.target
        return _page(html.target_page(address=t.address, job=t.job, collector=found.collector, labels=t.labels))

    @_one_at_a_time
    async def collector(self, query: Mapping[str, list[str]]) -> web.Response:
        values = query.get("collector_id", [])
        if len(values) != 1 or not values[0]:
            return _page(html.collector_id_missing_page(), status=400)
        name = values[0]
        if name not in self.view.collectors:
            return _page(html.unknown_collector_page(name), status=404)
        wanted = paging.page_request(query)
        if isinstance(wanted, str):
            return _bad_page_request("/debug/collector", wanted)
        index = await self._targets.current()
        pager = wanted.pager(f"/debug/collector?collector_id={html.query_escape(name)}", index.per_collector[name])
        window = await paging.collector_window(index, name, pager.offset, pager.per_page)
        rows = [(t.job, t.address, h, _endpoint_slice((h, t, c))) for h, t, c in window]
        return _page(html.collector_page(name, rows, pager=pager))

    def dropped(self, query: Mapping[str, list[str]]) -> web.Response:
        """One page of the job's dropped targets as a JSON list (``X-Total-Count``: all of them; a ``Link``
        header names the next and previous pages, as paginated JSON APIs do)."""
        values = query.get("job", [])
        if len(values) != 1:
            return web.Response(status=400, body=b"expected exactly one job query parameter\n")
        wanted = paging.page_request(query)
        if isinstance(wanted, str):
            return web.Response(status=400, body=wanted.encode() + b"\n")
        job = values[0]
        total = self.diagnostics.dropped_count(job)
        pager = wanted.pager(f"/debug/dropped?job={html.query_escape(job)}", total)
        body, _ = self.diagnostics.dropped_page(job, pager.offset, pager.per_page)
        headers = {"Content-Type": JSON, "X-Total-Count": str(total)}
        links = []
        if pager.page > 1:
            links.append(f'<{pager.link(pager.page - 1)}>; rel="prev"')
        if pager.page < pager.pages:
            links.append(f'<{pager.link(pager.page + 1)}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        return web.Response(body=body, headers=headers)

    def problems(self) -> web.Response:
        return web.Response(body=self.diagnostics.render_problems(), headers={"Content-Type": JSON})

"""The HTML debug pages at cluster scale: pagination, bad page parameters, and work done in steps.

Views are built directly (20 000+ targets) and the handlers are called as the server calls them; the
server-level cases go through aiohttp's test client. Nothing here is timed: "does not stall the loop" is
pinned as "other tasks run while the index is built" (the pre-pagination handler ran in one step).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import orjson
import pytest
import xxhash
from aiohttp.test_utils import TestClient, TestServer

from ta.core.allocation.allocator import Move
from ta.core.base.labels import label_set
from ta.core.base.model import Target
from ta.core.discovery.targets import DroppedTarget
from ta.core.serving.diagnostics import Diagnostics
from ta.core.serving.view import View
from ta.http import paging
from ta.http.debug_pages import DebugPages
from ta.http.server import ServerState, build_app
from ta.process.metrics import Metrics

T = TypeVar("T")

TARGETS = 20_500
JOBS = 41
COLLECTORS = [f"col-{c}" for c in range(7)]
_ROW = re.compile(rb'<a href="/debug/target\?target_hash=(\d+)">')


def _job(j: int) -> str:
    return f"serviceMonitor/ns/app-{j}/0"


def _target(i: int, job: str) -> Target:
    address = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}:80"
    labels = {"__address__": address, "__meta_kubernetes_endpointslice_name": f"slice-{i // 50}"}
    return Target(job=job, address=address, own=label_set(labels), hash=xxhash.xxh64_intdigest(address.encode()))


def _big_view(targets: int = TARGETS) -> View:
    view = View()
    view.set_collectors(COLLECTORS)
    moves = [Move(_target(i, _job(i % JOBS)), "", COLLECTORS[i % len(COLLECTORS)]) for i in range(targets)]
    moves.sort(key=lambda m: m.target.job)
    view.apply(moves)
    configs = {_job(j): {"job_name": _job(j), "scrape_interval": "30s"} for j in range(JOBS)}
    raw = orjson.dumps(configs)
    view.set_scrape_configs(raw, raw)
    return view


@pytest.fixture(scope="module")
def view() -> View:
    return _big_view()


def _hashes(body: bytes) -> list[int]:
    return [int(h) for h in _ROW.findall(body)]


def _rows(body: bytes) -> int:
    return body.count(b"<tr >") + body.count(b'<tr style="background: #eee">')


async def test_targets_page_one_is_bounded_and_sorted(view: View) -> None:
    pages = DebugPages(view, Diagnostics())
    resp = await pages.targets({})
    assert resp.status == 200
    body = resp.body
    assert isinstance(body, bytes)
    every = sorted(_target(i, "").hash for i in range(TARGETS))
    assert _hashes(body) == every[: paging.DEFAULT_PER_PAGE]
    assert _rows(body) == paging.DEFAULT_PER_PAGE
    pages_total = -(-TARGETS // paging.DEFAULT_PER_PAGE)
    nav = f"<p>Rows 1-500 of {TARGETS}, page 1 of {pages_total}: ".encode()
    assert body.count(nav) == 2  # above and below the table
    assert b'<a href="/debug/targets?page=2&amp;per_page=500">Next</a>' in body
    assert f'<a href="/debug/targets?page={pages_total}&amp;per_page=500">Last</a>'.encode() in body
    assert b">Previous<" not in body and b">First<" not in body
    assert len(body) < 400_000


async def test_every_page_together_is_every_target_once(view: View) -> None:
    pages = DebugPages(view, Diagnostics())
    seen: list[int] = []
    for page in range(1, 22):
        resp = await pages.targets({"page": [str(page)], "per_page": ["1000"]})
        assert isinstance(resp.body, bytes)
        got = _hashes(resp.body)
        assert len(got) == (1000 if page < 21 else TARGETS - 20_000)
        seen.extend(got)
    assert seen == sorted(_target(i, "").hash for i in range(TARGETS))
    last = (await pages.targets({"page": ["21"], "per_page": ["1000"]})).body
    assert isinstance(last, bytes)
    assert b"<p>Rows 20001-20500 of 20500, page 21 of 21: " in last
    assert b'<a href="/debug/targets?page=20&amp;per_page=1000">Previous</a>' in last
    assert b">Next<" not in last


@pytest.mark.parametrize(
    ("query", "rows", "page_of"),
    [
        ({"page": ["9999"]}, TARGETS - 40 * 500, b"page 41 of 41"),  # past the end: the last page
        ({"page": ["123456789012345678901234567890"]}, TARGETS - 40 * 500, b"page 41 of 41"),
        ({"per_page": ["100000"]}, paging.MAX_PER_PAGE, b"page 1 of 21"),  # clamped to the maximum
        ({"page": ["2"], "per_page": ["20000"]}, paging.MAX_PER_PAGE, b"page 2 of 21"),
        ({"page": [""], "per_page": [""]}, paging.DEFAULT_PER_PAGE, b"page 1 of 41"),
        ({"page": ["3", "x"]}, paging.DEFAULT_PER_PAGE, b"page 3 of 41"),  # the first value counts
    ],
)
async def test_page_parameters_clamp(view: View, query: dict[str, list[str]], rows: int, page_of: bytes) -> None:
    resp = await DebugPages(view, Diagnostics()).targets(query)
    assert resp.status == 200
    assert isinstance(resp.body, bytes)
    assert _rows(resp.body) == rows
    assert page_of in resp.body


@pytest.mark.parametrize(
    "query",
    [{"page": ["0"]}, {"page": ["-1"]}, {"page": ["x"]}, {"per_page": ["0"]}, {"per_page": ["1e3"]}, {"page": ["²"]}],
)
async def test_bad_page_parameters_are_400(view: View, query: dict[str, list[str]]) -> None:
    pages = DebugPages(view, Diagnostics())
    for handler in (pages.targets, pages.jobs, pages.index, pages.scrape_configs):
        resp = await handler(query)
        assert resp.status == 400
        assert isinstance(resp.body, bytes)
        assert resp.body.startswith(b"<html>\n<body>\n<h1>Bad Request</h1>\n<p>Expected ")
    collector = await pages.collector({"collector_id": ["col-0"], **query})
    assert collector.status == 400


async def test_collector_page_paginates_its_own_targets(view: View) -> None:
    pages = DebugPages(view, Diagnostics())
    mine = sorted(_target(i, "").hash for i in range(TARGETS) if i % len(COLLECTORS) == 3)
    first = await pages.collector({"collector_id": ["col-3"]})
    second = await pages.collector({"collector_id": ["col-3"], "page": ["2"]})
    assert isinstance(first.body, bytes) and isinstance(second.body, bytes)
    assert _hashes(first.body) + _hashes(second.body) == mine[:1000]
    assert f"<p>Rows 501-1000 of {len(mine)}, page 2 of 6: ".encode() in second.body
    assert b'<a href="/debug/collector?collector_id=col-3&amp;page=3&amp;per_page=500">Next</a>' in second.body
    last = await pages.collector({"collector_id": ["col-3"], "page": ["6"]})
    assert isinstance(last.body, bytes)
    assert _hashes(last.body) == mine[2500:]


async def test_index_jobs_job_and_scrape_configs_paginate(view: View) -> None:
    pages = DebugPages(view, Diagnostics())
    index = (await pages.index({"per_page": ["3"], "page": ["3"]})).body
    assert isinstance(index, bytes)
    # The summary keeps the totals; the collector table shows the third page (col-6 only).
    assert f"{TARGETS}\n".encode() in index and f"{JOBS}\n".encode() in index
    assert b"collector_id=col-6" in index and b"collector_id=col-5" not in index
    per_collector = sum(1 for i in range(TARGETS) if i % len(COLLECTORS) == 6)
    assert f"            {per_collector}\n".encode() in index
    assert b"<p>Rows 7-7 of 7, page 3 of 3: " in index
    jobs = (await pages.jobs({"per_page": ["10"], "page": ["5"]})).body
    assert isinstance(jobs, bytes)
    assert _rows(jobs) == 1 and b"<p>Rows 41-41 of 41, page 5 of 5: " in jobs
    job = (await pages.job({"job_id": [_job(1)], "per_page": ["5"], "page": ["2"]})).body
    assert isinstance(job, bytes)
    assert _rows(job) == 2
    assert b'href="/debug/job?job_id=serviceMonitor%2Fns%2Fapp-1%2F0&amp;page=1&amp;per_page=5">First<' in job
    configs = (await pages.scrape_configs({})).body
    assert isinstance(configs, bytes)
    assert _rows(configs) == 41  # fits on the default page of 50: no navigation
    assert b"<p>Rows" not in configs
    configs = (await pages.scrape_configs({"per_page": ["20"], "page": ["3"]})).body
    assert isinstance(configs, bytes)
    assert _rows(configs) == 1 and b"<p>Rows 41-41 of 41, page 3 of 3: " in configs


def _one_bucket_view() -> View:
    view = View()
    view.set_collectors(["only"])
    view.apply([Move(_target(i, "one-big-job"), "", "only") for i in range(TARGETS)])
    return view


async def _loop_turns_during(work: Awaitable[T]) -> tuple[T, int]:
    """``work``'s result, and how many times another task ran while it was awaited."""
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    try:
        result = await work
    finally:
        done = True
        await task
    return result, ticks - before


@pytest.mark.parametrize("make", [_big_view, _one_bucket_view])
async def test_index_build_lets_the_loop_run(make: Callable[[], View]) -> None:
    # Before, the page was built in one step: nothing else ran until it was done. A single job on a single
    # collector (one bucket of every target) is walked in steps too.
    pages = DebugPages(make(), Diagnostics())
    _, turns = await _loop_turns_during(pages.targets({}))
    assert turns >= TARGETS // paging.STEP


async def test_concurrent_requests_share_one_build(view: View, monkeypatch: pytest.MonkeyPatch) -> None:
    builds = 0
    real = paging._build_target_index

    async def counting(v: View) -> paging.TargetIndex:
        nonlocal builds
        builds += 1
        return await real(v)

    monkeypatch.setattr(paging, "_build_target_index", counting)
    pages = DebugPages(view, Diagnostics())
    answers = await asyncio.gather(*(pages.targets({"page": [str(p)]}) for p in range(1, 9)))
    assert [a.status for a in answers] == [200] * 8
    assert builds == 1
    await pages.collector({"collector_id": ["col-1"]})
    assert builds == 1  # same view version: the index is reused


async def test_index_follows_the_view() -> None:
    view = _big_view(3000)
    pages = DebugPages(view, Diagnostics())
    before = await pages.targets({"per_page": ["1000"]})
    assert isinstance(before.body, bytes)
    assert b"of 3000," in before.body
    newcomer = Target(job="new", address="1.2.3.4:5", own=label_set({"__address__": "1.2.3.4:5"}), hash=1)
    view.place(newcomer, "col-0", removed=False)
    after = await pages.targets({"per_page": ["1000"]})
    assert isinstance(after.body, bytes)
    assert b"of 3001," in after.body
    assert _hashes(after.body)[0] == 1
    found = await pages.target({"target_hash": ["1"]})
    assert found.status == 200


async def test_a_cancelled_request_does_not_cancel_the_shared_build(view: View) -> None:
    pages = DebugPages(view, Diagnostics())
    first = asyncio.create_task(pages.targets({}))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    second = asyncio.create_task(pages.targets({}))
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (await second).status == 200


def _dropped(i: int) -> DroppedTarget:
    return DroppedTarget(job="j", own=label_set({"__address__": f"10.0.{i >> 8}.{i & 255}:80"}), reason="keep")


async def test_dropped_is_paged_with_totals_and_links() -> None:
    diagnostics = Diagnostics()
    for s in range(300):
        diagnostics.set_dropped("j", f"k8s/0/endpointslice/ns/s{s:03d}", tuple(_dropped(s * 10 + k) for k in range(10)))
    pages = DebugPages(View(), diagnostics)
    whole = orjson.loads(diagnostics.render_dropped("j"))
    assert len(whole) == 3000
    first = pages.dropped({"job": ["j"]})
    assert first.headers["X-Total-Count"] == "3000"
    assert first.headers["Link"] == '</debug/dropped?job=j&page=2&per_page=500>; rel="next"'
    assert isinstance(first.body, bytes)
    assert orjson.loads(first.body) == whole[:500]
    middle = pages.dropped({"job": ["j"], "page": ["3"], "per_page": ["1000"]})
    assert isinstance(middle.body, bytes)
    assert orjson.loads(middle.body) == whole[2000:3000]
    assert middle.headers["Link"] == '</debug/dropped?job=j&page=2&per_page=1000>; rel="prev"'
    odd = pages.dropped({"job": ["j"], "page": ["2"], "per_page": ["7"]})
    assert isinstance(odd.body, bytes)
    assert orjson.loads(odd.body) == whole[7:14]
    assert pages.dropped({"job": ["j"], "page": ["x"]}).status == 400
    small = pages.dropped({"job": ["nope"]})
    assert (small.body, small.headers["X-Total-Count"], "Link" in small.headers) == (b"[]\n", "0", False)


@pytest.fixture
async def client(view: View) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    state = ServerState(
        view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False, is_ready=lambda: True
    )
    async with TestClient(TestServer(build_app(state))) as c:
        yield c


async def test_server_routes_take_page_parameters(client: TestClient) -> None:  # type: ignore[type-arg]
    for path in ("/", "/debug/jobs", "/debug/targets", "/debug/scrape_configs", "/debug/collector?collector_id=col-1"):
        joiner = "&" if "?" in path else "?"
        resp = await client.get(f"{path}{joiner}page=2&per_page=3")
        assert resp.status == 200, path
        assert b"page 2 of " in await resp.read(), path
        bad = await client.get(f"{path}{joiner}page=%FF")
        assert bad.status == 400, path
    for path in ("/jobs", "/scrape_configs"):
        resp = await client.get(f"{path}?per_page=3", headers={"Accept": "text/html"})
        assert resp.status == 200
        assert b"<p>Rows 1-3 of " in await resp.read()


async def test_pages_render_one_per_loop_turn(view: View, monkeypatch: pytest.MonkeyPatch) -> None:
    # A probe arriving while many page requests are ready waits for one page render, not for all of them.
    from ta.http import html

    turn = 0
    done = False
    rendered_in: list[int] = []
    real = html.targets_page

    def recording(*args: object, **kwargs: object) -> bytes:
        rendered_in.append(turn)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    async def ticker() -> None:
        nonlocal turn
        while not done:
            turn += 1
            await asyncio.sleep(0)

    monkeypatch.setattr(html, "targets_page", recording)
    pages = DebugPages(view, Diagnostics())
    # With the index built, a page has nothing to wait for: requests that arrive together must still not
    # render in the same loop turn.
    await pages.targets({})
    rendered_in.clear()
    task = asyncio.create_task(ticker())
    answers = await asyncio.gather(*(pages.targets({"page": [str(p)]}) for p in range(1, 9)))
    done = True
    await task
    assert [a.status for a in answers] == [200] * 8
    assert len(rendered_in) == 8
    assert len(set(rendered_in)) == 8


@pytest.mark.parametrize(
    "raw",
    [
        b"{}",
        b" { } ",
        b"null",
        b' {"b": {"x": [1, -0, 2.5e-7, "a\\u003cb"]}, "a" : null , "a": {"y": true}} \n',
        b'{"j\\ud800": {"k\\udfff": "v\\ud83d"}}',  # lone surrogate escapes become U+FFFD
        b'{"j\xff": {"k": "\xfe"}}',  # undecodable bytes pass through as surrogates
        b'{"j": {"k": "v", "k": "w"}}',
    ],
)
async def test_stepwise_config_decode_equals_the_whole_decode(raw: bytes) -> None:
    from ta.http import html

    assert await paging.decode_config_map(raw) == html.decode_config_map(raw)


@pytest.mark.parametrize(
    "raw", [b"[]", b"7", b'"x"', b"{", b'{"a"}', b'{"a": 1,}', b'{"a": 1} x', b'{"a": 1 "b": 2}', b"nul", b"{1: 2}"]
)
async def test_stepwise_config_decode_rejects_what_the_whole_decode_rejects(raw: bytes) -> None:
    from ta.http import html

    with pytest.raises(ValueError):
        html.decode_config_map(raw)
    with pytest.raises(ValueError):
        await paging.decode_config_map(raw)


async def test_config_decode_lets_the_loop_run() -> None:
    raw = orjson.dumps({f"job-{j:05d}": {"job_name": f"job-{j:05d}", "params": list(range(20))} for j in range(3000)})
    decoded, turns = await _loop_turns_during(paging.decode_config_map(raw))
    assert len(decoded) == 3000
    assert turns >= 3000 // paging.CONFIG_STEP - 1

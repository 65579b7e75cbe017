from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from ta.core.base.labels import label_set
from ta.core.base.model import Target
from ta.core.serving.view import View
from ta.http.server import ServerState, build_app
from ta.process.metrics import Metrics

JOB = "serviceMonitor/ns/app/0"


def _target(address: str, h: int) -> Target:
    return Target(job=JOB, address=address, own=label_set({"__address__": address, "__meta_x": "y"}), hash=h)


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    view = View()
    view.set_collectors(["col-0", "col-1"])
    view.place(_target("10.0.0.1:80", 1), "col-0", removed=False)
    view.set_scrape_configs(b'{"a":{"basic_auth":{"password":"<secret>"}}}', b'{"a":{"basic_auth":{"password":"p"}}}')
    state = ServerState(
        view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False, is_ready=lambda: view.ready
    )
    async with TestClient(TestServer(build_app(state))) as c:
        yield c


async def test_escaped_job_name_resolves_on_raw_path(client: TestClient) -> None:  # type: ignore[type-arg]
    resp = await client.get("/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=col-0")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/json"
    body = await resp.read()
    assert body == b'[{"targets":["10.0.0.1:80"],"labels":{"__address__":"10.0.0.1:80","__meta_x":"y"}}]\n'


async def test_unknown_collector_job_and_empty_id_are_empty_lists(client: TestClient) -> None:  # type: ignore[type-arg]
    for url in (
        "/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=nope",
        "/jobs/nope/targets?collector_id=col-0",
        "/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=",
    ):
        resp = await client.get(url)
        assert (resp.status, await resp.read()) == (200, b"[]\n")


async def test_first_collector_id_wins(client: TestClient) -> None:  # type: ignore[type-arg]
    resp = await client.get("/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=col-1&collector_id=col-0")
    assert await resp.read() == b"[]\n"


async def test_jobs_and_by_collector(client: TestClient) -> None:  # type: ignore[type-arg]
    resp = await client.get("/jobs")
    assert await resp.read() == b'{"serviceMonitor/ns/app/0":{"_link":"/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets"}}\n'
    resp = await client.get("/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets")
    body = await resp.read()
    assert body.startswith(b'{"col-0":{"_link":"/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=col-0"')
    assert body.endswith(
        b'"col-1":{"_link":"/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=col-1","targets":[]}}\n'
    )


async def test_etag_gives_304(client: TestClient) -> None:  # type: ignore[type-arg]
    first = await client.get("/jobs")
    etag = first.headers["ETag"]
    again = await client.get("/jobs", headers={"If-None-Match": etag})
    assert again.status == 304
    assert await again.read() == b""


async def test_scrape_configs_redacted_over_plain_http(client: TestClient) -> None:  # type: ignore[type-arg]
    resp = await client.get("/scrape_configs")
    assert await resp.read() == b'{"a":{"basic_auth":{"password":"<secret>"}}}'


async def test_probes_have_no_body_or_content_type(client: TestClient) -> None:  # type: ignore[type-arg]
    for path in ("/livez", "/readyz"):
        resp = await client.get(path)
        assert resp.status == 200
        assert await resp.read() == b""
        assert "Content-Type" not in resp.headers
        assert "Server" not in resp.headers


async def test_unknown_routes_and_methods_are_go_404(client: TestClient) -> None:  # type: ignore[type-arg]
    for method, path in (("GET", "/nope"), ("POST", "/jobs"), ("GET", "/jobs/a/b/targets")):
        resp = await client.request(method, path)
        assert resp.status == 404
        assert await resp.read() == b"404 page not found"


async def test_metrics_exposes_upstream_names(client: TestClient) -> None:  # type: ignore[type-arg]
    await client.get("/jobs")
    resp = await client.get("/metrics")
    text = await resp.text()
    assert "opentelemetry_allocator_http_duration_seconds_bucket" in text
    assert 'path="/jobs"' in text


async def test_not_ready_until_scrape_configs_rendered() -> None:
    view = View()
    state = ServerState(
        view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False, is_ready=lambda: view.ready
    )
    async with TestClient(TestServer(build_app(state))) as c:
        assert (await c.get("/readyz")).status == 503
        view.set_scrape_configs(b"{}", b"{}")
        assert (await c.get("/readyz")).status == 200


async def test_html_debug_pages_are_served(client: TestClient) -> None:  # type: ignore[type-arg]
    from ta.http import html

    resp = await client.get("/")
    assert resp.status == 200 and resp.headers["Content-Type"] == "text/html"
    assert b"col-0" in await resp.read()
    resp = await client.get("/debug/jobs")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert await resp.read() == html.jobs_page([(JOB, 1)])
    resp = await client.get("/jobs", headers={"Accept": "text/html"})
    assert await resp.read() == html.jobs_page([(JOB, 1)])
    resp = await client.get("/debug/target?target_hash=1")
    assert resp.status == 200 and b"10.0.0.1:80" in await resp.read()
    for url, status in (
        ("/debug/target", 400),
        ("/debug/target?target_hash=x", 400),
        ("/debug/target?target_hash=99", 404),
        ("/debug/collector", 400),
        ("/debug/collector?collector_id=nope", 404),
        ("/debug/job", 400),
    ):
        assert (await client.get(url)).status == status, url
    resp = await client.get("/debug/collector?collector_id=col-0")
    assert b"10.0.0.1:80" in await resp.read()


async def test_diagnostics_routes(client: TestClient) -> None:  # type: ignore[type-arg]
    assert await (await client.get("/debug/problems")).read() == b"[]\n"
    assert (await client.get("/debug/dropped")).status == 400
    assert await (await client.get("/debug/dropped?job=nope")).read() == b"[]\n"


async def test_large_answers_go_gzipped_to_clients_that_accept_it() -> None:
    view = View()
    view.set_collectors(["col-0"])
    for i in range(300):
        view.place(_target(f"10.0.{i // 250}.{i % 250}:80", i + 1), "col-0", removed=False)
    state = ServerState(
        view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False, is_ready=lambda: True
    )
    path = f"/jobs/{JOB.replace('/', '%2F')}/targets?collector_id=col-0"
    async with TestClient(TestServer(build_app(state))) as c:
        zipped = await c.get(path, headers={"Accept-Encoding": "gzip"})  # the client inflates it
        plain = await c.get(path, headers={"Accept-Encoding": "identity"})
        refused = await c.get(path, headers={"Accept-Encoding": "gzip;q=0"})
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert "Content-Encoding" not in plain.headers and "Content-Encoding" not in refused.headers
        body = await plain.read()
        assert await zipped.read() == body == await refused.read()
        assert body.endswith(b"]\n") and body.count(b'"targets"') == 300
        assert zipped.headers["ETag"] == plain.headers["ETag"]
        assert zipped.headers["Content-Type"] == plain.headers["Content-Type"] == "application/json"
        assert zipped.headers["Vary"] == "Accept-Encoding"

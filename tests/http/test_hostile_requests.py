"""No path or query a client sends gets a 5xx or an error log; invented names cost no memory."""

import asyncio
import logging
import random
from collections.abc import Iterator

import pytest
import structlog
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from ta.core.base.labels import label_set
from ta.core.base.model import Target
from ta.core.serving.view import View
from ta.http.server import ServerState, build_app, go_query_values
from ta.process.metrics import Metrics

JOB = "serviceMonitor/ns/app/0"


def _state() -> ServerState:
    view = View()
    view.set_collectors(["col-0", "col-1"])
    for i in range(3):
        address = f"10.0.0.{i}:80"
        target = Target(job=JOB, address=address, own=label_set({"__address__": address}), hash=i + 1)
        view.place(target, f"col-{i % 2}", removed=False)
    view.set_scrape_configs(b"{}", b"{}")
    return ServerState(
        view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False, is_ready=lambda: True
    )


class _Client:
    """One test server and client for all examples (hypothesis runs the test body many times)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.state = _state()
        self.client: TestClient = TestClient(TestServer(build_app(self.state)), loop=self.loop)  # type: ignore[type-arg]
        self.loop.run_until_complete(self.client.start_server())

    def get(self, raw: str) -> tuple[int, bytes]:
        async def go() -> tuple[int, bytes]:
            resp = await self.client.get(URL(raw, encoded=True))
            return resp.status, await resp.read()

        return self.loop.run_until_complete(go())

    def close(self) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()


@pytest.fixture(scope="module")
def client() -> Iterator[_Client]:
    c = _Client()
    yield c
    c.close()


# Path and query text as a client could put in a request line: URL characters, escapes valid or not,
# escapes of bytes that are not UTF-8.
_chars = st.sampled_from(
    [*"abcAZ09-._~!$&'()*+,;=:@/?%", "%2F", "%25", "%FF", "%C0%AF", "%ED%A0%80", "%zz", "%E2%82%AC", "%0"]
)
_text = st.lists(_chars, max_size=12).map("".join)
_prefixes = st.sampled_from(
    [
        "/jobs/",
        "/jobs",
        "/scrape_configs",
        "/livez",
        "/readyz",
        "/metrics",
        "/",
        "/debug/jobs",
        "/debug/job",
        "/debug/targets",
        "/debug/target",
        "/debug/collector",
        "/debug/scrape_configs",
        "/debug/dropped",
        "/debug/problems",
        "/debug/events",
    ]
)
_keys = st.sampled_from(["collector_id", "job_id", "job", "target_hash", "since", "follow", "x"])


@st.composite
def _requests(draw: st.DrawFn) -> str:
    prefix = draw(_prefixes)
    path = prefix + (draw(_text) + "/targets" if prefix == "/jobs/" and draw(st.booleans()) else draw(_text))
    pairs = draw(st.lists(st.tuples(_keys, _text), max_size=3))
    if pairs:
        path += "?" + "&".join(f"{k}={v}" for k, v in pairs)
    # The test client reads "//host..." as another host; such paths go over a raw socket below.
    return path if not path.startswith("//") else "/." + path[1:]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=_requests())
def test_no_request_gets_a_5xx_or_an_error_log(client: _Client, raw: str) -> None:
    errors: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            errors.append(record)

    handler = Collect(level=logging.ERROR)
    logging.getLogger().addHandler(handler)
    try:
        with structlog.testing.capture_logs() as logged:
            status, _ = client.get(raw)
    finally:
        logging.getLogger().removeHandler(handler)
    assert status < 500, raw
    assert errors == [], raw
    assert [e for e in logged if e["log_level"] in ("error", "critical")] == [], raw


@pytest.mark.parametrize("escaped", ["%FF", "%C0%AF", "%ED%A0%80", "%FF%FE%2F"])
def test_invalid_utf8_job_is_a_job_that_does_not_exist(client: _Client, escaped: str) -> None:
    # Go keeps the raw bytes as the job name, finds no such job, and QueryEscapes them back in the links.
    status, body = client.get(f"/jobs/{escaped}/targets")
    assert status == 200
    assert body == (
        b'{"col-0":{"_link":"/jobs/%s/targets?collector_id=col-0","targets":[]},'
        b'"col-1":{"_link":"/jobs/%s/targets?collector_id=col-1","targets":[]}}\n'
        % (escaped.encode(), escaped.encode())
    )
    assert client.get(f"/jobs/{escaped}/targets?collector_id=col-0") == (200, b"[]\n")


def test_malformed_escape_anywhere_in_the_path_is_gos_400(client: _Client) -> None:
    for raw in ("/jobs/%zz/targets", "/jobs/a%/targets", "/livez%", "/nope%2"):
        assert client.get(raw) == (400, b"400 Bad Request"), raw


def test_collector_id_is_read_as_go_reads_the_query(client: _Client) -> None:
    job = "/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets"
    by_collector = client.get(job)[1]
    assert by_collector.startswith(b'{"col-0"')
    # A pair with a malformed escape or a ";" is skipped by Go: as if there were no collector_id at all.
    assert client.get(job + "?collector_id=%zz")[1] == by_collector
    assert client.get(job + "?collector_id=col-0;x=1")[1] == by_collector
    assert b"10.0.0.0:80" in client.get(job + "?collector%5Fid=col-0")[1]
    assert b"10.0.0.1:80" in client.get(job + "?collector_id=%zz&collector_id=col-1")[1]
    assert go_query_values("a=1&a=%2B+x&b=2&a=%&;a=3", "a") == ["1", "+ x"]


def test_raw_request_lines_are_not_5xx(client: _Client) -> None:
    async def ask(target: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", client.client.port)
        writer.write(b"GET " + target + b" HTTP/1.1\r\nHost: ta\r\nConnection: close\r\n\r\n")
        out = await reader.read()
        writer.close()
        return out

    for target in (b"//a", b"//", b"/jobs/\xff\xfe/targets", b"/jobs/\xe2\x82\xac/targets", b"*", b"http://x/jobs"):
        answer = client.loop.run_until_complete(ask(target))
        assert answer.startswith((b"HTTP/1.1 2", b"HTTP/1.1 3", b"HTTP/1.1 4", b"HTTP/1.0 4")), (target, answer)


def test_odd_debug_queries_are_not_5xx(client: _Client) -> None:
    for raw in (
        "/debug/target?target_hash=99999999999999999999999999",
        "/debug/target?target_hash=-1",
        "/debug/target?target_hash=%FF",
        "/debug/job?job_id=%FF",
        "/debug/job?job_id=a&job_id=b",
        "/debug/collector?collector_id=%ED%A0%80",
        "/debug/dropped?job=%C0%AF",
        "/debug/events?since=x",
    ):
        assert client.get(raw)[0] < 500, raw


def test_invented_job_names_and_collector_ids_are_not_cached() -> None:
    async def run() -> tuple[int, int]:
        state = _state()
        async with TestClient(TestServer(build_app(state))) as c:
            rng = random.Random(7)
            for _ in range(2000):
                name = f"{rng.getrandbits(64):x}"
                assert (await (await c.get(f"/jobs/{name}/targets")).read()).startswith(b'{"col-0":')
                resp = await c.get(f"/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id={name}")
                assert await resp.read() == b"[]\n"
            invented = state.view.cached_answers
            await (await c.get("/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets")).read()
            await (await c.get("/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets?collector_id=col-0")).read()
            return invented, state.view.cached_answers

    invented, real = asyncio.run(run())
    assert (invented, real) == (0, 2)  # only the real job's two answers are kept

"""Connection limits on loopback, with short deadlines injected: timeouts close, the cap sheds, probes answer.

No assertion is about speed: each wait is a generous bound on a connection being closed.
"""

import asyncio
import os
import socket
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ta.core.serving.view import View
from ta.http.connections import Guard, Limits, fd_budget, limits_from_env
from ta.http.server import ServerState, build_app, listening
from ta.process.metrics import Metrics

GET_LIVEZ = b"GET /livez HTTP/1.1\r\nHost: ta\r\n\r\n"
GET_LIVEZ_CLOSE = b"GET /livez HTTP/1.1\r\nHost: ta\r\nConnection: close\r\n\r\n"
BOUND = 10.0  # seconds: far above any deadline used here


def _state() -> ServerState:
    view = View()
    view.set_collectors(["c0"])
    view.set_scrape_configs(b"{}", b"{}")
    return ServerState(
        view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False, is_ready=lambda: True
    )


class Served:
    def __init__(self, state: ServerState, port: int) -> None:
        self.state = state
        self.port = port

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)

    def counter(self, name: str, reason: str) -> float:
        value = self.state.metrics.registry.get_sample_value(f"{name}_total", {"reason": reason})
        return value or 0.0


async def _closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (fails the test if it never does). A reset
    counts as closed: a client that wrote after the server closed gets one."""
    async with asyncio.timeout(BOUND):
        try:
            return await reader.read()
        except ConnectionResetError:
            return b""


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    state = _state()
    limits = Limits(header_timeout=0.2, idle_timeout=0.3, max_connections=8)
    async with listening(build_app(state), "127.0.0.1", 0, limits=limits) as site:
        yield Served(state, site.port)


async def test_silent_connection_is_closed(served: Served) -> None:
    reader, writer = await served.connect()
    assert await _closed_by_server(reader) == b""
    writer.close()
    assert served.counter("ta_http_connections_closed", "header_timeout") == 1


async def test_half_sent_header_is_closed_even_while_trickling(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(b"GET /livez HTTP/1.1\r\n")
    for _ in range(20):  # a byte every 50 ms: the deadline counts from the opening, not from the last byte
        if reader.at_eof() or writer.is_closing():
            break
        writer.write(b"X")
        try:
            await writer.drain()
        except ConnectionError:
            break
        await asyncio.sleep(0.05)
    assert await _closed_by_server(reader) == b""
    writer.close()
    assert served.counter("ta_http_connections_closed", "header_timeout") == 1


async def test_idle_keep_alive_is_closed_after_its_answer(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(GET_LIVEZ)
    rest = await _closed_by_server(reader)
    writer.close()
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n")
    assert served.counter("ta_http_connections_closed", "idle_timeout") == 1
    assert served.counter("ta_http_connections_closed", "header_timeout") == 0


async def test_keep_alive_that_keeps_asking_is_kept(served: Served) -> None:
    reader, writer = await served.connect()
    for _ in range(6):  # 6 requests 0.1 s apart: 0.6 s in all, twice the idle timeout, never idle 0.3 s
        writer.write(GET_LIVEZ)
        async with asyncio.timeout(BOUND):
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200 OK\r\n")
        await asyncio.sleep(0.1)
    writer.close()
    assert served.counter("ta_http_connections_closed", "idle_timeout") == 0


async def test_over_the_cap_the_oldest_silent_connection_goes_and_probes_answer(served: Served) -> None:
    silent = [await served.connect() for _ in range(20)]
    for path in (b"/livez", b"/readyz"):
        reader, writer = await served.connect()
        writer.write(b"GET " + path + b" HTTP/1.1\r\nHost: ta\r\nConnection: close\r\n\r\n")
        assert (await _closed_by_server(reader)).startswith(b"HTTP/1.1 200 OK\r\n")
        writer.close()
    # The first 13 silent ones (20 + 2 probes over a cap of 8, less the ones the probes displaced) were shed,
    # oldest first; at least the first one is closed already.
    assert await _closed_by_server(silent[0][0]) == b""
    assert served.counter("ta_http_connections_closed", "over_limit") >= 12
    for _, writer in silent:
        writer.close()


async def test_client_errors_are_counted_not_logged_as_errors(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    reader, writer = await served.connect()
    writer.write(b"NOT HTTP AT ALL\r\n\r\n")
    assert (await _closed_by_server(reader)).startswith(b"HTTP/1.0 400 Bad Request\r\n")
    writer.close()
    sock = socket.create_connection(("127.0.0.1", served.port))
    sock.sendall(b"GET /jobs HTTP/1.1\r\nHost: ta\r\n")
    await asyncio.sleep(0.05)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()  # a reset
    for _ in range(1000):  # bounded: the server notices the reset within a few loop iterations
        if served.counter("ta_http_client_errors", "reset"):
            break
        await asyncio.sleep(0.01)
    assert served.counter("ta_http_client_errors", "reset") == 1
    assert served.counter("ta_http_client_errors", "bad_request") == 1
    assert [r for r in caplog.records if r.levelno >= 30] == []


# --- the guard's bookkeeping, without sockets ---------------------------------------------------------


class _FakeHandler:
    def __init__(self) -> None:
        self.closed = False

    def force_close(self) -> None:
        self.closed = True


class _FakeConn:
    def __init__(self) -> None:
        self.handler = _FakeHandler()
        self.opened = 0.0


async def test_busy_connections_are_never_shed_or_timed_out() -> None:
    metrics = Metrics()
    guard = Guard(Limits(header_timeout=0.01, idle_timeout=0.01), metrics, cap=2)
    a, b, c = _FakeConn(), _FakeConn(), _FakeConn()
    assert guard.admit(a) and guard.admit(b)  # type: ignore[arg-type]
    guard.begin(a.handler)
    guard.begin(b.handler)
    assert not guard.admit(c)  # type: ignore[arg-type]  # every connection is busy: the newcomer is refused
    await asyncio.sleep(0.05)
    guard.sweep()
    assert (a.handler.closed, b.handler.closed) == (False, False)
    guard.end(a.handler)
    await asyncio.sleep(0.05)
    guard.sweep()
    assert (a.handler.closed, b.handler.closed) == (True, False)
    assert metrics.registry.get_sample_value("ta_http_connections_closed_total", {"reason": "over_limit_refused"}) == 1


async def test_the_longest_idle_keep_alive_goes_when_none_is_silent() -> None:
    guard = Guard(Limits(), Metrics(), cap=2)
    a, b, c = _FakeConn(), _FakeConn(), _FakeConn()
    guard.admit(a)  # type: ignore[arg-type]
    guard.admit(b)  # type: ignore[arg-type]
    for conn in (b, a):  # b answered first, so it has been idle longest
        guard.begin(conn.handler)
        guard.end(conn.handler)
    assert guard.admit(c)  # type: ignore[arg-type]
    assert b.handler.closed and not a.handler.closed
    assert guard.open == 2


def test_limits_from_env_and_the_fd_budget() -> None:
    assert limits_from_env({}) == Limits()
    got = limits_from_env(
        {"TA_HTTP_HEADER_TIMEOUT": "5", "TA_HTTP_IDLE_TIMEOUT": "7.5", "TA_HTTP_MAX_CONNECTIONS": "9"}
    )
    assert got == Limits(header_timeout=5.0, idle_timeout=7.5, max_connections=9)
    assert got.connection_cap(2) == 9
    for bad in ({"TA_HTTP_HEADER_TIMEOUT": "0"}, {"TA_HTTP_IDLE_TIMEOUT": "x"}, {"TA_HTTP_MAX_CONNECTIONS": "-1"}):
        with pytest.raises(ValueError):
            limits_from_env(bad)
    assert 8 <= fd_budget(2) <= fd_budget(1)


# --- a flood under a 1024 file limit, in a process of its own ----------------------------------------

_SERVER = textwrap.dedent(
    """
    import asyncio, resource, sys
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
    from ta.process import logs
    logs.configure("json", "info")
    from ta.http.server import ServerState, build_app, listening
    from ta.core.serving.view import View
    from ta.process.metrics import Metrics

    async def main():
        view = View()
        view.set_scrape_configs(b"{}", b"{}")
        state = ServerState(view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False,
                            is_ready=lambda: True)
        async with listening(build_app(state), "127.0.0.1", 0) as site:
            print(site.port, flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)

    asyncio.run(main())
    """
)


def _probe(port: int, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=BOUND) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: ta\r\nConnection: close\r\n\r\n".encode())
        out = b""
        while chunk := sock.recv(4096):
            out += chunk
        return out


def test_probes_answer_under_a_flood_of_silent_connections_with_1024_fds(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    held: list[socket.socket] = []
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        for _ in range(1100):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=BOUND))
        time.sleep(0.5)  # let the server accept (and shed) the flood
        assert _probe(port, "/livez").startswith(b"HTTP/1.1 200 OK\r\n")
        assert _probe(port, "/readyz").startswith(b"HTTP/1.1 200 OK\r\n")
    finally:
        for sock in held:
            sock.close()
        _, err = proc.communicate(b"", timeout=BOUND * 3)
    lines = err.decode().splitlines()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert not any("out of system resource" in line for line in lines), lines[:5]
    assert not any('"level": "error"' in line for line in lines), lines[:5]


class _EndlessJournal:
    """Stands in for the sequencer behind /debug/events: a new 4 KiB line every few milliseconds."""

    def __init__(self) -> None:
        self.seq = 0

    def tail_since(self, seq: int, limit: int | None = None) -> list[tuple[int, bytes]]:
        last = self.seq if limit is None else min(self.seq, seq + limit)
        return [(s, b"x" * 4095 + b"\n") for s in range(seq + 1, last + 1)]

    async def wait_appended(self, after: int, max_wait: float | None = None) -> bool:
        await asyncio.sleep(0.002)
        self.seq += 8
        return True


async def test_clients_resetting_an_event_stream_are_counted_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    state = _state()
    state.sequencer = _EndlessJournal()  # type: ignore[assignment]
    state.debug_events_on_plain_port = True
    async with listening(build_app(state), "127.0.0.1", 0) as site:
        served = Served(state, site.port)
        for _ in range(5):
            reader, writer = await served.connect()
            writer.write(b"GET /debug/events HTTP/1.1\r\nHost: ta\r\n\r\n")
            async with asyncio.timeout(BOUND):
                await reader.readexactly(64 * 1024)  # the stream is flowing
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.close()  # a reset in the middle of the stream
        for _ in range(1000):  # bounded: each stream notices at its next write
            gone = served.counter("ta_http_client_errors", "gone_during_response")
            if gone + served.counter("ta_http_client_errors", "reset") >= 5:
                break
            await asyncio.sleep(0.01)
    # Each reset is counted once, whichever way the server saw it (the connection reset under it, or a
    # write to a client already gone); with handler cancellation most streams end as resets.
    counted = served.counter("ta_http_client_errors", "gone_during_response") + served.counter(
        "ta_http_client_errors", "reset"
    )
    assert counted >= 5
    assert [r for r in caplog.records if r.levelno >= 30] == []

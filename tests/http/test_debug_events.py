"""``/debug/events`` on the servers as ``ta run`` runs them: who may read it, and that its streams never hold
up shutdown nor outlive their client.

Every server here is the production one (``serve`` / ``serve_https`` / ``run_pipeline``), not aiohttp's test
client, whose runner differs (it cancels handlers of vanished clients on its own)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import orjson
import pytest
from structlog.testing import capture_logs

from ta.actors.ingress import Sequencer
from ta.actors.runtime import InFlight
from ta.app import Listener, build_pipeline, run_pipeline
from ta.core.serving.view import View
from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.events.files import FileRead
from ta.http.server import HANDLERS, ServerState, build_app, serve
from ta.http.tls import ReloadingTLS, serve_https
from ta.process.metrics import Metrics
from tests.http.tls_certs import make_ca, make_client, make_server

# Generous bound on anything that should take milliseconds; the old code took 5-15 s where this applies.
BOUND = 3.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _listening(port: int) -> None:
    async with asyncio.timeout(10):
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            return


def _sequencer() -> Sequencer:
    async def router(_env: Envelope) -> None:
        return None

    return Sequencer(inflight=InFlight(), router=router, clock=lambda: 0.0)


def _state(sequencer: Sequencer, *, plain: bool = False) -> ServerState:
    view = View()
    return ServerState(
        view=view,
        metrics=Metrics(),
        sequencer=sequencer,
        allow_insecure_auth_secrets=False,
        is_ready=lambda: True,
        debug_events_on_plain_port=plain,
    )


@contextlib.asynccontextmanager
async def _running(sequencer: Sequencer, entries: int = 3) -> AsyncIterator[None]:
    task = asyncio.create_task(sequencer.run())
    for _ in range(entries):
        await sequencer.submit(Tick())
    await sequencer.wait_drained()
    try:
        yield
    finally:
        await sequencer.inbox.close()
        await asyncio.wait_for(task, BOUND)


@contextlib.asynccontextmanager
async def _plain(state: ServerState) -> AsyncIterator[tuple[int, asyncio.Event, asyncio.Task[None]]]:
    port, stop = _free_port(), asyncio.Event()
    task = asyncio.create_task(serve(build_app(state), "127.0.0.1", port, stop))
    await _listening(port)
    try:
        yield port, stop, task
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def _get(url: str, **kwargs: object) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, **kwargs) as resp:  # type: ignore[arg-type]
        return resp.status, await resp.read()


# --- who may read it ------------------------------------------------------------------------------------


async def test_plain_port_refuses_by_default_with_a_one_line_hint() -> None:
    sequencer = _sequencer()
    async with _running(sequencer), _plain(_state(sequencer)) as (port, _stop, _task):
        for query in ("", "?follow=false", "?since=0&follow=true"):
            status, body = await _get(f"http://127.0.0.1:{port}/debug/events{query}")
            assert status == 403
            assert body.count(b"\n") == 1 and b"--enable-debug-events-on-plain-port" in body
            assert b"clock.tick" not in body
        # The rest of the API is untouched.
        assert (await _get(f"http://127.0.0.1:{port}/livez"))[0] == 200


async def test_plain_port_serves_it_with_the_flag() -> None:
    sequencer = _sequencer()
    async with _running(sequencer), _plain(_state(sequencer, plain=True)) as (port, _stop, _task):
        status, body = await _get(f"http://127.0.0.1:{port}/debug/events?follow=false")
        assert status == 200
        assert [orjson.loads(line)["seq"] for line in body.splitlines()] == [1, 2, 3]
        status, body = await _get(f"http://127.0.0.1:{port}/debug/events?follow=false&since=2")
        assert [orjson.loads(line)["seq"] for line in body.splitlines()] == [3]


async def test_mtls_listener_serves_it_to_verified_clients(tmp_path: Path) -> None:
    ca = make_ca("ca")
    cert, key = make_server(ca).write(tmp_path, "server")
    client_cert, client_key = make_client(ca).write(tmp_path, "client")
    ca_file = tmp_path / "ca.crt"
    ca_file.write_bytes(ca.cert_pem)
    context = ssl.create_default_context(cafile=str(ca_file))
    context.load_cert_chain(client_cert, client_key)
    sequencer = _sequencer()
    port, stop = _free_port(), asyncio.Event()
    async with _running(sequencer):
        task = asyncio.create_task(
            serve_https(
                build_app(_state(sequencer)),
                "127.0.0.1",
                port,
                ReloadingTLS(cert, key, ca_file),
                stop,
                reload_interval=None,
            )
        )
        try:
            await _listening(port)
            status, body = await _get(f"https://127.0.0.1:{port}/debug/events?follow=false", ssl=context)
            assert status == 200
            assert [orjson.loads(line)["seq"] for line in body.splitlines()] == [1, 2, 3]
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)


# --- streams, shutdown and vanished clients -------------------------------------------------------------


async def _open_follower(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw follower: request sent, headers read; its first chunk of lines is waiting in ``reader``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /debug/events?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND)
    assert head.startswith(b"HTTP/1.1 200"), head
    return reader, writer


async def _until(predicate: object, what: str) -> None:
    assert callable(predicate)
    try:
        async with asyncio.timeout(BOUND):
            while not predicate():  # noqa: ASYNC110 - the condition is the server's state, polled, bounded
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"not within {BOUND} s: {what}") from None


async def test_a_follower_gets_each_new_entry_and_one_that_vanishes_is_released_without_a_write() -> None:
    sequencer = _sequencer()
    state = _state(sequencer, plain=True)
    app = build_app(state)
    handlers = app[HANDLERS]
    port, stop = _free_port(), asyncio.Event()
    async with _running(sequencer, entries=2):
        server = asyncio.create_task(serve(app, "127.0.0.1", port, stop))
        try:
            await _listening(port)
            reader, writer = await _open_follower(port)
            await _until(lambda: handlers.open_streams == 1, "the stream is open")
            await sequencer.submit(Tick())
            seen = b""
            async with asyncio.timeout(BOUND):
                while b'"seq":3' not in seen:
                    seen += await reader.read(4096)
            # The client goes away while the follower waits for an entry that never comes: no write would
            # ever tell. It must be released all the same.
            writer.close()
            await writer.wait_closed()
            await _until(lambda: handlers.open_streams == 0, "the vanished follower is released")
        finally:
            stop.set()
            await asyncio.wait_for(server, BOUND)


async def test_shutdown_with_an_open_follower_is_prompt_and_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pipeline = build_pipeline(clock=lambda: 0.0)
    port, stop, started = _free_port(), asyncio.Event(), asyncio.Event()
    with capture_logs() as logs:
        runner = asyncio.create_task(
            run_pipeline(
                pipeline,
                sources=[],
                listeners=[Listener(host="127.0.0.1", port=port)],
                stop=stop,
                started=started,
                debug_events_on_plain_port=True,
            )
        )
        await started.wait()
        await pipeline.sequencer.submit(Tick())
        await _listening(port)
        reader, writer = await _open_follower(port)
        # A second follower that vanished earlier must not hold shutdown up either.
        _gone_reader, gone = await _open_follower(port)
        gone.close()
        await gone.wait_closed()
        stop.set()
        await asyncio.wait_for(runner, BOUND)
        # The open stream was ended cleanly: the chunked body's last chunk arrived.
        rest = await asyncio.wait_for(reader.read(), BOUND)
        assert rest.endswith(b"0\r\n\r\n")
        writer.close()
    assert not [entry for entry in logs if entry.get("log_level") in ("error", "critical")], logs
    assert "shutdown.finished" in [entry["event"] for entry in logs]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records



async def test_a_follower_stuck_writing_to_a_client_that_does_not_read_does_not_hold_up_the_server() -> None:
    # Lines big enough to fill the socket buffers of a client that never reads.
    sequencer = _sequencer()
    big = b"x" * 200_000
    app = build_app(_state(sequencer, plain=True))
    port, stop = _free_port(), asyncio.Event()
    task = asyncio.create_task(sequencer.run())
    for _ in range(50):
        await sequencer.submit(FileRead(path="/big", content=big))
    await sequencer.wait_drained()
    server = asyncio.create_task(serve(app, "127.0.0.1", port, stop))
    await _listening(port)
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /debug/events?since=0 HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    await _until(lambda: app[HANDLERS].open_streams == 1, "the stream is open")
    await asyncio.sleep(0.2)  # let it fill the buffers and block in a write
    stop.set()
    await asyncio.wait_for(server, BOUND)
    assert app[HANDLERS].open_streams == 0
    writer.close()
    await sequencer.inbox.close()
    await asyncio.wait_for(task, BOUND)


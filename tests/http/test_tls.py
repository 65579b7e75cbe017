"""mTLS server: who gets in, what they see, and hot reload of the certificate, key and client CA."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import structlog
from structlog.testing import CapturingLogger

from ta.core.config.model import HTTPSConfig
from ta.core.serving.view import View
from ta.http import tls as tls_module
from ta.http.server import ServerState, build_app, serve
from ta.http.tls import ReloadingTLS, build_server_context, run_tls_reloader, serve_https
from ta.process.metrics import Metrics
from tests.http.tls_certs import (
    CLIENT_AUTH,
    SERVER_AUTH,
    Issued,
    make_ca,
    make_client,
    make_intermediate,
    make_server,
)

REDACTED = b'{"a":{"basic_auth":{"password":"<secret>"}}}'
REVEALED = b'{"a":{"basic_auth":{"password":"hunter2"}}}'
BOUND = 10.0  # seconds: the most any wait below may take before the test fails


@dataclass(slots=True)
class Files:
    """The server's three files, as the TA is configured with them."""

    cert: Path
    key: Path
    ca: Path

    def install(self, ca: Issued, server: Issued) -> None:
        self.cert.write_bytes(server.cert_pem)
        self.key.write_bytes(server.key_pem)
        self.ca.write_bytes(ca.cert_pem)


@dataclass(slots=True)
class Client:
    """Client-side material: the CA it trusts for the server and the certificate (chain) it presents."""

    trust: Path
    cert: Path | None = None
    key: Path | None = None

    def context(self, *, max_version: ssl.TLSVersion | None = None) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.trust))
        if max_version is not None:
            ctx.maximum_version = max_version
        if self.cert is not None:
            ctx.load_cert_chain(self.cert, self.key)
        return ctx


@pytest.fixture
def files(tmp_path: Path) -> Files:
    d = tmp_path / "tls"
    d.mkdir()
    return Files(cert=d / "tls.crt", key=d / "tls.key", ca=d / "ca.crt")


@pytest.fixture
def ca1() -> Issued:
    return make_ca("ca-one")


@pytest.fixture
def server1(ca1: Issued) -> Issued:
    return make_server(ca1)


def _client(tmp_path: Path, name: str, trust: Issued, leaf: Issued | None, chain: tuple[Issued, ...] = ()) -> Client:
    d = tmp_path / "clients"
    d.mkdir(exist_ok=True)
    trust_path = d / f"{name}-trust.crt"
    trust_path.write_bytes(trust.cert_pem)
    if leaf is None:
        return Client(trust_path)
    cert, key = leaf.write(d, name, chain=chain)
    return Client(trust_path, cert, key)


def _state() -> ServerState:
    view = View()
    view.set_scrape_configs(REDACTED, REVEALED)
    return ServerState(
        view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False, is_ready=lambda: view.ready
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def _eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds; fail after ``BOUND`` seconds."""
    try:
        async with asyncio.timeout(BOUND):
            while not await check():  # noqa: ASYNC110 - polling the outside world, bounded
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"gave up waiting for {what}") from None


async def _listening(port: int) -> bool:
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


@asynccontextmanager
async def _serving(
    runner: Callable[[asyncio.Event, int], Coroutine[Any, Any, None]],
) -> AsyncIterator[int]:
    port, stop = _free_port(), asyncio.Event()
    task = asyncio.create_task(runner(stop, port))
    try:
        await _eventually(lambda: _listening(port), f"a listener on port {port}")
        yield port
    finally:
        stop.set()
        async with asyncio.timeout(BOUND):
            await task


def _https(
    tls: ReloadingTLS, reload_interval: float | None = None
) -> Callable[[asyncio.Event, int], Coroutine[Any, Any, None]]:
    def run(stop: asyncio.Event, port: int) -> Coroutine[Any, Any, None]:
        return serve_https(build_app(_state()), "127.0.0.1", port, tls, stop, reload_interval=reload_interval)

    return run


async def _get(
    port: int, client: Client, path: str = "/scrape_configs", *, max_version: ssl.TLSVersion | None = None
) -> tuple[int, bytes]:
    connector = aiohttp.TCPConnector(ssl=client.context(max_version=max_version), force_close=True)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get(f"https://127.0.0.1:{port}{path}") as resp,
    ):
        return resp.status, await resp.read()


async def _refused(port: int, client: Client, *, max_version: ssl.TLSVersion | None = None) -> None:
    """The server ends the connection during or right after the handshake, before any HTTP answer."""
    with pytest.raises((aiohttp.ClientError, ssl.SSLError, ConnectionError)):
        await _get(port, client, max_version=max_version)


async def _server_cert(port: int, client: Client) -> bytes:
    """The DER certificate the server presents to a new connection."""
    _reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=client.context(), server_hostname="127.0.0.1"
    )
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        assert isinstance(der, bytes)
        return der
    finally:
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()


def _capture_logs(monkeypatch: pytest.MonkeyPatch) -> CapturingLogger:
    cap = CapturingLogger()
    monkeypatch.setattr(tls_module, "log", structlog.wrap_logger(cap, processors=[]))
    return cap


def _events(cap: CapturingLogger, method: str) -> list[str]:
    return [call.kwargs["event"] for call in cap.calls if call.method_name == method]


# --- who gets in --------------------------------------------------------------------------------------


@pytest.mark.parametrize("max_version", [None, ssl.TLSVersion.TLSv1_2], ids=["tls-newest", "tls1.2"])
async def test_valid_client_gets_revealed_scrape_configs_and_every_route(
    tmp_path: Path, files: Files, ca1: Issued, server1: Issued, max_version: ssl.TLSVersion | None
) -> None:
    files.install(ca1, server1)
    client = _client(tmp_path, "good", ca1, make_client(ca1))
    async with _serving(_https(ReloadingTLS(files.cert, files.key, files.ca))) as port:
        assert await _get(port, client, max_version=max_version) == (200, REVEALED)
        assert await _get(port, client, "/jobs", max_version=max_version) == (200, b"{}\n")
        assert (await _get(port, client, "/livez", max_version=max_version))[0] == 200
        assert (await _get(port, client, "/metrics", max_version=max_version))[0] == 200


async def test_plain_http_beside_https_stays_redacted(
    tmp_path: Path, files: Files, ca1: Issued, server1: Issued
) -> None:
    files.install(ca1, server1)
    client = _client(tmp_path, "good", ca1, make_client(ca1))
    state = _state()
    tls = ReloadingTLS(files.cert, files.key, files.ca)

    def https(stop: asyncio.Event, port: int) -> Coroutine[Any, Any, None]:
        return serve_https(build_app(state), "127.0.0.1", port, tls, stop, reload_interval=None)

    def plain(stop: asyncio.Event, port: int) -> Coroutine[Any, Any, None]:
        return serve(build_app(state), "127.0.0.1", port, stop)

    async with _serving(https) as tls_port, _serving(plain) as http_port:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{http_port}/scrape_configs") as resp,
        ):
            assert await resp.read() == REDACTED
        assert await _get(tls_port, client) == (200, REVEALED)


@pytest.mark.parametrize("max_version", [None, ssl.TLSVersion.TLSv1_2], ids=["tls-newest", "tls1.2"])
async def test_clients_the_server_refuses(
    tmp_path: Path, files: Files, ca1: Issued, server1: Issued, max_version: ssl.TLSVersion | None
) -> None:
    files.install(ca1, server1)
    other_ca = make_ca("ca-other")
    good = _client(tmp_path, "good", ca1, make_client(ca1))
    no_cert = _client(tmp_path, "none", ca1, None)
    foreign = _client(tmp_path, "foreign", ca1, make_client(other_ca))
    server_auth_only = _client(tmp_path, "srvauth", ca1, make_client(ca1, eku=(SERVER_AUTH,)))
    intermediate = make_intermediate(ca1, "ca-one-intermediate")
    leaf_without_its_intermediate = _client(tmp_path, "nochain", ca1, make_client(intermediate))
    server_auth_intermediate = make_intermediate(ca1, "ca-one-servers", eku=(SERVER_AUTH,))
    via_server_auth_intermediate = _client(
        tmp_path, "srvchain", ca1, make_client(server_auth_intermediate), chain=(server_auth_intermediate,)
    )
    async with _serving(_https(ReloadingTLS(files.cert, files.key, files.ca))) as port:
        await _refused(port, no_cert, max_version=max_version)
        await _refused(port, foreign, max_version=max_version)
        await _refused(port, server_auth_only, max_version=max_version)
        await _refused(port, leaf_without_its_intermediate, max_version=max_version)
        await _refused(port, via_server_auth_intermediate, max_version=max_version)
        assert await _get(port, good, max_version=max_version) == (
            200,
            REVEALED,
        )  # and the server still serves the rest


async def test_clients_the_server_accepts(tmp_path: Path, files: Files, ca1: Issued, server1: Issued) -> None:
    files.install(ca1, server1)
    intermediate = make_intermediate(ca1, "ca-one-intermediate")
    # Intermediates come from the chain the client presents.
    via_intermediate = _client(tmp_path, "chain", ca1, make_client(intermediate), chain=(intermediate,))
    client_auth_intermediate = make_intermediate(ca1, "ca-one-clients", eku=(CLIENT_AUTH,))
    via_client_auth_intermediate = _client(
        tmp_path, "clichain", ca1, make_client(client_auth_intermediate), chain=(client_auth_intermediate,)
    )
    # No EKU extension at all means "any purpose", in OpenSSL as in Go.
    without_eku = _client(tmp_path, "noeku", ca1, make_client(ca1, eku=None))
    async with _serving(_https(ReloadingTLS(files.cert, files.key, files.ca))) as port:
        assert await _get(port, via_intermediate) == (200, REVEALED)
        assert await _get(port, via_client_auth_intermediate) == (200, REVEALED)
        assert await _get(port, without_eku) == (200, REVEALED)


async def test_intermediate_in_ca_file_is_a_trust_anchor(tmp_path: Path, files: Files, ca1: Issued) -> None:
    intermediate = make_intermediate(ca1, "ca-one-intermediate")
    files.install(intermediate, make_server(ca1))  # the CA file holds only the intermediate
    client = _client(tmp_path, "chain", ca1, make_client(intermediate))
    async with _serving(_https(ReloadingTLS(files.cert, files.key, files.ca))) as port:
        assert await _get(port, client) == (200, REVEALED)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
async def test_tls_1_1_is_refused(tmp_path: Path, files: Files, ca1: Issued, server1: Issued) -> None:
    files.install(ca1, server1)
    client = _client(tmp_path, "good", ca1, make_client(ca1))
    ctx = client.context()
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer TLS 1.1 at all
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_1

    # Control: a server that allows TLS 1.1 does complete the handshake with this client.
    lax = build_server_context(files.cert, files.key, files.ca)
    lax.set_ciphers("DEFAULT:@SECLEVEL=0")
    lax.minimum_version = ssl.TLSVersion.TLSv1_1
    lax_server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0, ssl=lax)
    async with lax_server:
        lax_port = lax_server.sockets[0].getsockname()[1]
        _reader, writer = await asyncio.open_connection("127.0.0.1", lax_port, ssl=ctx, server_hostname="127.0.0.1")
        assert writer.get_extra_info("ssl_object").version() == "TLSv1.1"
        writer.close()
        with contextlib.suppress(ssl.SSLError, ConnectionError):
            await writer.wait_closed()

    async with _serving(_https(ReloadingTLS(files.cert, files.key, files.ca))) as port:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname="127.0.0.1")


async def test_tls13_sessions_are_not_resumed(tmp_path: Path, files: Files, ca1: Issued, server1: Issued) -> None:
    """No session tickets: every TLS 1.3 connection runs the full handshake, client certificate check included."""
    files.install(ca1, server1)
    ctx = _client(tmp_path, "good", ca1, make_client(ca1)).context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3

    def connect(port: int, session: ssl.SSLSession | None) -> tuple[bool, ssl.SSLSession | None]:
        with (
            socket.create_connection(("127.0.0.1", port)) as sock,
            ctx.wrap_socket(sock, server_hostname="127.0.0.1", session=session) as conn,
        ):
            conn.sendall(b"GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert conn.recv(12) == b"HTTP/1.1 200"
            return bool(conn.session_reused), conn.session

    async with _serving(_https(ReloadingTLS(files.cert, files.key, files.ca))) as port:
        reused, session = await asyncio.to_thread(connect, port, None)
        assert not reused
        reused, _ = await asyncio.to_thread(connect, port, session)
        assert not reused


def test_server_context_settings(files: Files, ca1: Issued, server1: Issued) -> None:
    files.install(ca1, server1)
    ctx = build_server_context(files.cert, files.key, files.ca)
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    assert ctx.num_tickets == 0


def test_from_config(files: Files, ca1: Issued, server1: Issued) -> None:
    files.install(ca1, server1)
    https = HTTPSConfig(
        enabled=True, ca_file_path=str(files.ca), tls_cert_file_path=str(files.cert), tls_key_file_path=str(files.key)
    )
    assert ReloadingTLS.from_config(https).paths == (files.cert, files.key, files.ca)
    with pytest.raises(ValueError, match="certificate file path"):
        ReloadingTLS.from_config(HTTPSConfig(enabled=True))


def test_bad_startup_material_raises(files: Files, ca1: Issued, server1: Issued) -> None:
    with pytest.raises(FileNotFoundError):
        ReloadingTLS(files.cert, files.key, files.ca)
    files.install(ca1, server1)
    with pytest.raises(ValueError, match="CA file path"):
        ReloadingTLS(files.cert, files.key, "")
    files.ca.write_bytes(b"not a certificate\n")
    with pytest.raises(ssl.SSLError):
        ReloadingTLS(files.cert, files.key, files.ca)
    files.install(ca1, server1)
    files.key.write_bytes(make_server(ca1).key_pem)  # a key that does not match the certificate
    with pytest.raises(ssl.SSLError):
        ReloadingTLS(files.cert, files.key, files.ca)


# --- reloading ----------------------------------------------------------------------------------------


async def test_rotation_serves_new_cert_and_trusts_only_new_ca(
    tmp_path: Path, files: Files, ca1: Issued, server1: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = _capture_logs(monkeypatch)
    files.install(ca1, server1)
    old_client = _client(tmp_path, "old", ca1, make_client(ca1))
    ca2 = make_ca("ca-two")
    server2 = make_server(ca2)
    new_client = _client(tmp_path, "new", ca2, make_client(ca2))
    old_client_trusting_new_server = _client(tmp_path, "old-2", ca2, make_client(ca1))
    tls = ReloadingTLS(files.cert, files.key, files.ca)
    async with _serving(_https(tls, reload_interval=0.02)) as port:
        assert await _get(port, old_client) == (200, REVEALED)
        assert await _server_cert(port, old_client) == server1.cert_der

        files.install(ca2, server2)

        async def reloaded() -> bool:
            return tls.generation >= 1

        await _eventually(reloaded, "the reloader to pick up the new files")
        assert tls.generation == 1
        assert await _server_cert(port, new_client) == server2.cert_der
        assert await _get(port, new_client) == (200, REVEALED)
        await _refused(port, old_client_trusting_new_server)
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await _get(port, old_client)  # and the client that trusts only the old CA refuses the server
    assert _events(cap, "info") == ["tls.reloaded"]
    assert _events(cap, "warning") == []


async def test_garbage_keeps_old_material_and_warns_once(
    tmp_path: Path, files: Files, ca1: Issued, server1: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = _capture_logs(monkeypatch)
    files.install(ca1, server1)
    client = _client(tmp_path, "good", ca1, make_client(ca1))
    tls = ReloadingTLS(files.cert, files.key, files.ca)
    async with _serving(_https(tls)) as port:
        files.cert.write_bytes(b"-----BEGIN CERTIFICATE-----\nhalf a certif")
        assert [tls.reload_if_changed() for _ in range(5)] == [False] * 5
        assert tls.generation == 0
        assert _events(cap, "warning") == ["tls.reload_failed"]
        assert await _server_cert(port, client) == server1.cert_der
        assert await _get(port, client) == (200, REVEALED)

        # A new certificate whose key has not been written yet: the pair does not match, the old one stays.
        server2 = make_server(ca1, "target-allocator-2")
        files.cert.write_bytes(server2.cert_pem)
        assert [tls.reload_if_changed() for _ in range(3)] == [False] * 3
        assert _events(cap, "warning") == ["tls.reload_failed"] * 2
        assert await _server_cert(port, client) == server1.cert_der

        # A file that disappears (mid symlink swap) is no different.
        files.key.unlink()
        assert [tls.reload_if_changed() for _ in range(3)] == [False] * 3
        assert _events(cap, "warning") == ["tls.reload_failed"] * 3
        assert await _get(port, client) == (200, REVEALED)

        # Then the key lands: the next stable poll loads the pair.
        files.key.write_bytes(server2.key_pem)
        assert tls.reload_if_changed() is False  # changed since the last poll: wait until it holds still
        assert tls.reload_if_changed() is True
        assert tls.generation == 1
        assert await _server_cert(port, client) == server2.cert_der
        assert await _get(port, client) == (200, REVEALED)
        assert tls.reload_if_changed() is False
    assert _events(cap, "warning") == ["tls.reload_failed"] * 3
    assert _events(cap, "info") == ["tls.reloaded"]


def test_restoring_the_loaded_files_clears_a_failure(
    files: Files, ca1: Issued, server1: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = _capture_logs(monkeypatch)
    files.install(ca1, server1)
    tls = ReloadingTLS(files.cert, files.key, files.ca)
    first = tls.current
    files.ca.write_bytes(b"garbage")
    tls.reload_if_changed()
    tls.reload_if_changed()
    files.install(ca1, server1)
    assert tls.reload_if_changed() is False
    files.ca.write_bytes(b"garbage")
    tls.reload_if_changed()
    tls.reload_if_changed()
    assert tls.current is first and tls.generation == 0
    assert _events(cap, "warning") == ["tls.reload_failed"] * 2  # a new episode warns again


async def test_reloader_polls_until_stopped_and_survives_errors(
    files: Files, ca1: Issued, server1: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = _capture_logs(monkeypatch)
    files.install(ca1, server1)
    tls = ReloadingTLS(files.cert, files.key, files.ca)
    polls = 0

    def boom() -> bool:
        nonlocal polls
        polls += 1
        raise RuntimeError("unexpected")

    monkeypatch.setattr(tls, "reload_if_changed", boom)
    stop = asyncio.Event()
    task = asyncio.create_task(run_tls_reloader(tls, 0.01, stop))

    async def polled_twice() -> bool:
        return polls >= 2

    await _eventually(polled_twice, "two polls")
    stop.set()
    async with asyncio.timeout(BOUND):
        await task
    assert _events(cap, "error")[:2] == ["tls.reload_error"] * 2

    target = polls + 1

    async def polled_again() -> bool:
        return polls >= target

    task = asyncio.create_task(run_tls_reloader(tls, 0.01))
    await _eventually(polled_again, "a poll without a stop event")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

"""The mTLS side of the HTTP API: a server TLS context whose certificate, key and client CA reload from disk.

In: three PEM files (server certificate chain, its private key, the client CA bundle). Out: an
``ssl.SSLContext`` for the listening socket that serves the newest good material to every *new*
connection, and ``serve_https``, the HTTPS twin of ``ta.http.server.serve`` (every route; the handlers see
``request.secure`` and so reveal secrets in ``/scrape_configs``).

What a client must present (checked by OpenSSL during the handshake, before any HTTP is read):

- TLS 1.2 or newer.
- A certificate (``CERT_REQUIRED``): no certificate fails the handshake.
- That certificate must chain to a certificate in the CA file. Intermediates are taken from the chain the
  client presents; a CA-file certificate that is not self-signed still works as a trust anchor
  (``VERIFY_X509_PARTIAL_CHAIN``, as Go's ``x509.Verify`` treats every root-pool certificate).
- Purpose ``sslclient``: a server verifying a client checks the chain for the TLS client purpose, so a leaf
  whose ExtendedKeyUsage lacks ``clientAuth`` (say, ``serverAuth`` only) is refused, and so is a chain through an
  intermediate CA whose EKU lacks ``clientAuth``. A leaf with *no* EKU extension is accepted for any
  purpose; Go's ``ExtKeyUsageClientAuth`` check (upstream) treats a missing EKU the same way. OpenSSL in
  addition refuses a leaf whose KeyUsage extension, when present, has neither ``digitalSignature`` nor
  ``keyAgreement`` (Go does not look at KeyUsage here).

Reloading: an ``SSLContext`` cannot drop CAs it has loaded (``load_verify_locations`` only adds), and the
listening socket keeps the one context it was given. So the listening socket gets a *front* context whose
``sni_callback``, which OpenSSL runs on every ClientHello, with or without SNI, before the certificate is
chosen or the client's is verified, points the connection at the newest context
(``ssl_object.context = current``: ``SSL_set_SSL_CTX`` switches both the certificate and the trust store).
``ReloadingTLS.reload_if_changed`` builds that newest context from the files.

Session resumption: the contexts issue no session tickets (``num_tickets = 0``, ``OP_NO_TICKET``), so a
TLS 1.3 connection always runs the full handshake, client-certificate check included. A TLS 1.2 client that
offers a session ID cached within the last two hours (OpenSSL's default timeout) can still resume the
session it verified under the old CA, because the session cache belongs to the front context and Python has
no way to turn it off or empty it. Upstream behaves alike: Go does not verify client certificates again when
it resumes a session.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
from pathlib import Path

import structlog
from aiohttp import web

from ta.core.config.model import HTTPSConfig
from ta.http.connections import Limits
from ta.http.server import listening

log = structlog.get_logger("ta.http.tls")

DEFAULT_RELOAD_INTERVAL = 2.0
MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2

# A digest per file, or the error that kept it from being read.
_Snapshot = tuple[str, ...]


def build_server_context(cert_file: str | Path, key_file: str | Path, ca_file: str | Path) -> ssl.SSLContext:
    """A server context that requires a client certificate chaining to ``ca_file``; raises when any file
    is missing or does not load (``ssl.SSLError`` / ``OSError`` / ``ValueError``)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = MINIMUM_VERSION
    ctx.options |= ssl.OP_NO_TICKET
    ctx.num_tickets = 0
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.load_cert_chain(certfile=cert_file, keyfile=key_file)
    ctx.load_verify_locations(cafile=ca_file)
    if ctx.cert_store_stats()["x509"] == 0:
        raise ValueError(f"no certificate in CA file {str(ca_file)!r}")
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return ctx


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        return f"unreadable: {e.strerror or e}"


class ReloadingTLS:
    """The server TLS material, reloaded from its files.

    ``context`` is the context to give the listening socket; it never changes. Each new connection is
    served with ``current``, which ``reload_if_changed`` replaces when the files hold new material that
    loads. A change is acted on once the files read the same on two polls in a row, so a writer caught
    half-way is waited out; material that then fails to load is logged once and the previous material
    stays in use.
    """

    def __init__(self, cert_file: str | Path, key_file: str | Path, ca_file: str | Path) -> None:
        for what, path in (("certificate", cert_file), ("key", key_file), ("CA", ca_file)):
            if not str(path):
                raise ValueError(f"HTTPS needs a {what} file path")
        self.paths: tuple[Path, Path, Path] = (Path(cert_file), Path(key_file), Path(ca_file))
        loaded = self._snapshot()
        front = build_server_context(*self.paths)
        front.sni_callback = self._select
        self._front = front
        self._current = front
        self._loaded = loaded
        self._pending: _Snapshot | None = None
        self._failed: _Snapshot | None = None
        self.generation = 0

    @classmethod
    def from_config(cls, https: HTTPSConfig) -> ReloadingTLS:
        return cls(https.tls_cert_file_path, https.tls_key_file_path, https.ca_file_path)

    @property
    def context(self) -> ssl.SSLContext:
        """The context for the listening socket."""
        return self._front

    @property
    def current(self) -> ssl.SSLContext:
        """The context new connections are served with."""
        return self._current

    def _select(self, ssl_object: ssl.SSLObject | ssl.SSLSocket, _server_name: str | None, ctx: object) -> None:
        current = self._current
        if current is not ctx:
            ssl_object.context = current

    def _snapshot(self) -> _Snapshot:
        # The digest is taken before the files are loaded: should a file change in between, the next poll
        # sees a digest other than the recorded one and loads again.
        return tuple(_digest(path) for path in self.paths)

    def reload_if_changed(self) -> bool:
        """Poll the files once; True when new material was loaded and is now served."""
        seen = self._snapshot()
        if seen == self._loaded:
            self._pending = self._failed = None
            return False
        if seen != self._pending:
            self._pending = seen  # changed since the last poll: wait until it holds still
            return False
        if seen == self._failed:
            return False
        try:
            ctx = build_server_context(*self.paths)
        except (OSError, ValueError) as e:  # ssl.SSLError is an OSError
            self._failed = seen
            log.warning(
                "tls.reload_failed",
                error=str(e) or type(e).__name__,
                cert_file=str(self.paths[0]),
                key_file=str(self.paths[1]),
                ca_file=str(self.paths[2]),
                generation=self.generation,
            )
            return False
        self._current = ctx
        self._loaded = seen
        self._pending = self._failed = None
        self.generation += 1
        log.info(
            "tls.reloaded",
            generation=self.generation,
            cert_sha256=seen[0][:16],
            ca_sha256=seen[2][:16],
        )
        return True


async def run_tls_reloader(
    tls: ReloadingTLS, interval: float = DEFAULT_RELOAD_INTERVAL, stop: asyncio.Event | None = None
) -> None:
    """Poll ``tls`` every ``interval`` seconds until cancelled or ``stop`` is set; never raises otherwise."""
    while stop is None or not stop.is_set():
        if stop is None:
            await asyncio.sleep(interval)
        else:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await stop.wait()
            if stop.is_set():
                return
        try:
            tls.reload_if_changed()
        except Exception:
            log.exception("tls.reload_error")


async def serve_https(
    app: web.Application,
    host: str,
    port: int,
    tls: ReloadingTLS,
    stop: asyncio.Event,
    *,
    reload_interval: float | None = DEFAULT_RELOAD_INTERVAL,
    limits: Limits | None = None,
    listeners: int = 1,
) -> None:
    """``ta.http.server.serve`` over mTLS: serve until ``stop`` is set, then stop accepting and finish
    in-flight requests within a bound. While serving, the TLS files are polled every ``reload_interval``
    seconds (``None``: the caller runs ``run_tls_reloader`` itself)."""
    reloader: asyncio.Task[None] | None = None
    async with listening(app, host, port, limits=limits, listeners=listeners, ssl_context=tls.context):
        try:
            if reload_interval is not None:
                reloader = asyncio.create_task(run_tls_reloader(tls, reload_interval, stop), name="tls-reloader")
            await stop.wait()
        finally:
            if reloader is not None:
                reloader.cancel()
                await asyncio.gather(reloader, return_exceptions=True)

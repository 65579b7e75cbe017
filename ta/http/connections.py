"""Connection limits of the HTTP servers: a header deadline, an idle timeout and a cap on open connections.

In: connections accepted by a listening socket (``GuardedSite`` wraps each aiohttp request handler) and the
start and end of every request on them (``Guard.begin`` / ``Guard.end``, called by the dispatcher). Out:
connections closed by the server, each counted in ``ta_http_connections_closed_total{reason}``; client
errors aiohttp reports (malformed requests, connections reset) as debug lines and
``ta_http_client_errors_total{reason}``, never as tracebacks.

Why: aiohttp keeps a connection that never sends a request for an hour and an idle keep-alive one forever,
and accepts until the process runs out of file descriptors; then ``accept()`` fails, asyncio logs every
failure, and ``/livez`` cannot be reached. Upstream (Go's ``net/http`` with ``ReadHeaderTimeout: 90s``)
closes a connection whose request header is not complete 90 s after it opened; it has no idle timeout
and no cap. Here:

- ``header_timeout``: a connection must deliver a complete request header within this many seconds of
  opening (upstream's 90 s). A client trickling its header a byte at a time gets no more time.
- ``idle_timeout``: a keep-alive connection may wait this long after its last answer for its next request
  (a request half sent in that time counts as waiting). Collectors poll every 30 s or so and keep their
  connection; Go's client drops its own idle connections after 90 s.
- ``max_connections``: open connections per listener, kept below the file-descriptor limit. One more
  connection closes the one that has waited longest without sending a request, else the longest-idle
  keep-alive one, so a flood of silent connections cannot lock out the kubelet's probes; only when every
  connection is busy with a request is the newcomer closed at once.

A connection with a request in progress (a long ``/debug/events`` stream included) is never closed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import socket
import struct
from dataclasses import dataclass
from typing import Any, cast

import structlog
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestHandler

from ta.process.metrics import Metrics

log = structlog.get_logger("ta.http")

DEFAULT_HEADER_TIMEOUT = 90.0
DEFAULT_IDLE_TIMEOUT = 120.0
# Above what a TA needs (a few connections per collector, Prometheus, the kubelet), below what would cost
# memory that matters (an idle aiohttp connection holds a few KiB).
DEFAULT_MAX_CONNECTIONS = 2048
BACKLOG = 128
# File descriptors left to everything else. asyncio accepts up to one backlog of sockets per loop iteration
# before the guard sees any of them, and a connection the guard closes gives its descriptor back only an
# iteration or two later, so under a flood up to about three backlogs are open beyond the cap (with two,
# the flood test still hit EMFILE now and then on a loaded machine); plus the Kubernetes and HTTP SD
# clients, the journal, watched files.
RESERVED_FDS = 4 * BACKLOG + 64


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Connection limits of one listener; ``max_connections`` 0 means "derive it from the file limit"."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    max_connections: int = 0

    def connection_cap(self, listeners: int = 1) -> int:
        if self.max_connections > 0:
            return self.max_connections
        return fd_budget(listeners)


def fd_budget(listeners: int = 1) -> int:
    """Connections each of ``listeners`` listeners may hold without exhausting the file-descriptor limit."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 1 << 20
    return max(8, min(DEFAULT_MAX_CONNECTIONS, (soft - RESERVED_FDS) // max(1, listeners)))


def limits_from_env(environ: dict[str, str] | Any) -> Limits:
    """``TA_HTTP_HEADER_TIMEOUT`` / ``TA_HTTP_IDLE_TIMEOUT`` (seconds) and ``TA_HTTP_MAX_CONNECTIONS``;
    unset or empty means the default. Raises ValueError for a value that is not a positive number."""

    def number(name: str, default: float) -> float:
        raw = str(environ.get(name, "") or "").strip()
        if not raw:
            return default
        value = float(raw)
        if not value > 0 or value == float("inf"):
            raise ValueError(f"{name} must be a positive number of seconds, not {raw!r}")
        return value

    raw_cap = str(environ.get("TA_HTTP_MAX_CONNECTIONS", "") or "").strip()
    cap = int(raw_cap) if raw_cap else 0
    if cap < 0:
        raise ValueError(f"TA_HTTP_MAX_CONNECTIONS must not be negative, not {raw_cap!r}")
    return Limits(
        header_timeout=number("TA_HTTP_HEADER_TIMEOUT", DEFAULT_HEADER_TIMEOUT),
        idle_timeout=number("TA_HTTP_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT),
        max_connections=cap,
    )


class _Conn(asyncio.Protocol):
    """One accepted connection: forwards every protocol call to aiohttp's handler, and tells the guard
    when the connection opens and closes. Wrapping (rather than subclassing aiohttp's handler) keeps to
    aiohttp's public interface: the handler is the one its server makes."""

    __slots__ = ("_guard", "handler", "opened", "refused")

    def __init__(self, guard: Guard, handler: RequestHandler) -> None:
        self._guard = guard
        self.handler = handler
        self.opened = 0.0
        self.refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self._guard.admit(self):
            self.refused = True
            # No answer to give: close at once (RST, no TIME_WAIT) and never hand it to aiohttp.
            with contextlib.suppress(OSError):
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.close()
            return
        self.handler.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.refused:
            return
        self._guard.release(self, exc)
        self.handler.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.handler.data_received(data)

    def eof_received(self) -> bool | None:
        # aiohttp's handler returns None here: let the transport close once the client has sent all it will.
        self.handler.eof_received()
        return None

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()


class _ClientLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Stands in for aiohttp's ``aiohttp.server`` logger on our connections: what a client did wrong (a
    request that does not parse, a connection reset) becomes a debug line and a counter; anything else
    aiohttp reports (a bug of ours) stays an error, with its traceback inside the one JSON line."""

    def __init__(self, guard: Guard) -> None:
        super().__init__(logging.getLogger("aiohttp.server"), {})
        self._guard = guard

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info")
        text = str(msg) % args if args else str(msg)
        if isinstance(exc, HttpProcessingError):
            self._guard.client_error("bad_request", detail=_one_line(exc))
        elif isinstance(exc, ConnectionError):
            self._guard.client_error("reset", detail=_one_line(exc))
        elif level >= logging.WARNING:
            log.error("http.server_error", message=text, exc_info=exc)
        else:
            log.debug("http.server", message=text)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


class Guard:
    """The connections of one listener (see the module docstring). Entries live in one of three places:
    ``_fresh`` (no request yet, in opening order), ``_idle`` (between requests, in order of their last
    answer) or ``_busy`` (a request in progress); the first entry of an ordered dict is the oldest."""

    def __init__(self, limits: Limits, metrics: Metrics, *, cap: int | None = None) -> None:
        self.limits = limits
        self.cap = cap if cap is not None else limits.connection_cap()
        self._metrics = metrics
        self._fresh: dict[_Conn, float] = {}
        self._idle: dict[_Conn, float] = {}
        self._busy: dict[_Conn, int] = {}
        self._by_handler: dict[RequestHandler, _Conn] = {}
        self.client_log = cast(logging.Logger, _ClientLog(self))

    @property
    def open(self) -> int:
        return len(self._fresh) + len(self._idle) + len(self._busy)

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    # --- connection life -----------------------------------------------------------------------------

    def admit(self, conn: _Conn) -> bool:
        """A connection opened: track it, making room if the cap is reached; False to refuse it."""
        if self.open >= self.cap:
            victim = next(iter(self._fresh), None) or next(iter(self._idle), None)
            if victim is None:
                self.closed("over_limit_refused")
                return False
            self._close(victim, "over_limit")
        conn.opened = self._now()
        self._fresh[conn] = conn.opened
        self._by_handler[conn.handler] = conn
        return True

    def release(self, conn: _Conn, exc: Exception | None) -> None:
        self._fresh.pop(conn, None)
        self._idle.pop(conn, None)
        self._busy.pop(conn, None)
        self._by_handler.pop(conn.handler, None)
        if isinstance(exc, ConnectionError):
            # The peer reset the connection (or a write hit a closed socket): the client's doing.
            self.client_error("reset", detail=_one_line(exc))

    def _close(self, conn: _Conn, reason: str) -> None:
        self._fresh.pop(conn, None)
        self._idle.pop(conn, None)
        self._by_handler.pop(conn.handler, None)
        self.closed(reason)
        conn.handler.force_close()

    # --- requests ------------------------------------------------------------------------------------

    def begin(self, handler: object) -> None:
        conn = self._by_handler.get(cast(RequestHandler, handler))
        if conn is None:
            return
        self._fresh.pop(conn, None)
        self._idle.pop(conn, None)
        self._busy[conn] = self._busy.get(conn, 0) + 1

    def end(self, handler: object) -> None:
        conn = self._by_handler.get(cast(RequestHandler, handler))
        if conn is None or conn not in self._busy:
            return
        left = self._busy[conn] - 1
        if left > 0:
            self._busy[conn] = left
            return
        del self._busy[conn]
        self._idle[conn] = self._now()

    # --- timeouts ------------------------------------------------------------------------------------

    def sweep(self) -> None:
        """Close the connections past their deadline. Both dicts are in deadline order, so this stops at
        the first connection still within its time."""
        now = self._now()
        for entries, limit, reason in (
            (self._fresh, self.limits.header_timeout, "header_timeout"),
            (self._idle, self.limits.idle_timeout, "idle_timeout"),
        ):
            expired = []
            for conn, since in entries.items():
                if now - since < limit:
                    break
                expired.append(conn)
            for conn in expired:
                log.debug("http.connection_closed", reason=reason, seconds=round(now - entries[conn], 1))
                self._close(conn, reason)

    async def run_sweeper(self) -> None:
        """Sweep until cancelled, often enough that a deadline is kept to within a quarter of its length."""
        interval = min(1.0, max(0.01, min(self.limits.header_timeout, self.limits.idle_timeout) / 4))
        while True:
            await asyncio.sleep(interval)
            self.sweep()

    # --- counters ------------------------------------------------------------------------------------

    def closed(self, reason: str) -> None:
        self._metrics.http_connections_closed.labels(reason).inc()

    def client_error(self, reason: str, *, detail: str = "") -> None:
        client_error(self._metrics, reason, detail=detail)


def client_error(metrics: Metrics, reason: str, *, detail: str = "") -> None:
    """A client misbehaved (``reason``: bad_request, reset, gone_during_response): a counter and a debug line."""
    metrics.http_client_errors.labels(reason).inc()
    log.debug("http.client_error", reason=reason, detail=detail)


class GuardedSite(web.BaseSite):
    """aiohttp's ``TCPSite``, with every connection under a ``Guard``."""

    __slots__ = ("_guard", "_host", "_port")

    def __init__(
        self,
        runner: web.BaseRunner,
        guard: Guard,
        host: str | None,
        port: int,
        *,
        ssl_context: Any = None,
    ) -> None:
        super().__init__(runner, ssl_context=ssl_context, backlog=BACKLOG)
        self._guard = guard
        self._host = host
        self._port = port

    @property
    def name(self) -> str:
        scheme = "https" if self._ssl_context else "http"
        return f"{scheme}://{self._host or '0.0.0.0'}:{self._port}"

    @property
    def port(self) -> int:
        """The bound port (useful when 0 was asked for)."""
        server = self._server
        if isinstance(server, asyncio.Server) and server.sockets:
            return int(server.sockets[0].getsockname()[1])
        return self._port

    def _connection(self) -> asyncio.Protocol:
        server = self._runner.server
        assert server is not None
        handler = server()
        handler.logger = self._guard.client_log
        return _Conn(self._guard, handler)

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._connection,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=True,
        )

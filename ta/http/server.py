"""The HTTP API collectors and people use, served from the ``View`` read model.

In: HTTP requests. Out: the upstream TA's answers, byte for byte: ``/scrape_configs``, ``/jobs``,
``/jobs/{job}/targets[?collector_id=]``, ``/livez``, ``/readyz``, ``/metrics``, the HTML pages of ``/`` and
``/debug/*`` (also ``Accept: text/html`` on ``/jobs`` and ``/scrape_configs``), plus our own
``/debug/events`` (the journal as NDJSON), ``/debug/dropped?job=`` and ``/debug/problems`` (why a target
is missing). Routing works on the *raw* path, as upstream's router does, so a job name with
``%2F`` is one path segment and is decoded with Go's ``url.QueryUnescape`` afterwards.

A request can never get a 5xx for what it asks: a path with a malformed ``%`` escape gets Go's server's
``400 Bad Request`` (for every route, as Go rejects it before routing), escapes that are not UTF-8 name a job
that does not exist, and ``collector_id`` is read from the raw query as Go's ``URL.Query`` reads it. A
client that goes away in the middle of an answer is a counter and a debug line (``ta.http.connections``).
``serve`` runs the app under ``connections.Limits`` (header and idle timeouts, a connection cap).

``/debug/events`` shows every input (object names, labels, secret digests): it is served to clients of the
mTLS listener, and on the plain port only with ``--enable-debug-events-on-plain-port`` (otherwise 403 with a
one-line hint). Its streams end when the sequencer stops or the client goes. The sequencer is seen only through
``JournalTail`` (the ingress actor's ``Sequencer`` is one), so this edge imports no actor.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import structlog
from aiohttp import web

from ta.core.serving import render
from ta.core.serving.diagnostics import Diagnostics
from ta.core.serving.view import Body, View
from ta.http import debug_pages
from ta.http.connections import Guard, GuardedSite, Limits, client_error
from ta.process.metrics import CONTENT_TYPE, Metrics

JSON = "application/json"
_TARGETS_PATH = re.compile(r"^/jobs/([^/]+)/targets$")
_NOT_FOUND = b"404 page not found"
_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_EVENTS_REFUSED = (
    b"403 forbidden: /debug/events is served on the mTLS listener; "
    b"to serve it on this port start ta with --enable-debug-events-on-plain-port\n"
)
# Lines per write: a follower far behind (or starting at 0) catches up in bounded steps.
_EVENTS_CHUNK = 512

log = structlog.get_logger("ta.http")


class JournalTail(Protocol):
    """The recent journal lines ``/debug/events`` streams: ``ta.actors.ingress.Sequencer`` in a running TA."""

    def tail_since(self, seq: int, limit: int | None = None) -> list[tuple[int, bytes]]: ...

    async def wait_appended(self, after: int, max_wait: float | None = None) -> bool: ...


@dataclass(slots=True, kw_only=True)
class ServerState:
    view: View
    metrics: Metrics
    sequencer: JournalTail | None
    allow_insecure_auth_secrets: bool
    is_ready: Callable[[], bool]
    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    # /debug/events on a listener without client certificates (our flag; off by default).
    debug_events_on_plain_port: bool = False


def _wants_html(request: web.Request) -> bool:
    return "text/html" in request.headers.get("Accept", "")


def _query(request: web.Request) -> dict[str, list[str]]:
    return {key: request.query.getall(key) for key in request.query}


def _accepts_gzip(request: web.Request) -> bool:
    for coding in request.headers.get("Accept-Encoding", "").split(","):
        name, _, params = coding.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _json(body: Body, request: web.Request) -> web.Response:
    headers = {"ETag": body.etag}
    gzipped = body.gzipped
    if gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if request.headers.get("If-None-Match") == body.etag:
        return web.Response(status=304, headers=headers)
    if gzipped is not None and _accepts_gzip(request):
        return web.Response(body=gzipped, headers={**headers, "Content-Type": JSON, "Content-Encoding": "gzip"})
    return web.Response(body=body.data, headers={**headers, "Content-Type": JSON})


def _not_found() -> web.Response:
    return web.Response(status=404, body=_NOT_FOUND, headers={"Content-Type": "text/plain"})


def _bad_request() -> web.Response:
    # What Go's HTTP server writes for a request it cannot parse (it closes the connection too).
    response = web.Response(status=400, body=b"400 Bad Request", headers={"Content-Type": "text/plain; charset=utf-8"})
    response.force_close()
    return response


def go_query_values(raw_query: str, key: str) -> list[str]:
    """``URL.Query()[key]`` as Go computes it from the raw query: ``&``-separated pairs, a pair holding ``;``
    or a malformed escape skipped, ``+`` as space, non-UTF-8 escapes kept as surrogate escapes."""
    values = []
    for pair in raw_query.split("&"):
        if not pair or ";" in pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        if render.query_unescape(raw_key) != key:
            continue
        value = render.query_unescape(raw_value)
        if value is not None:
            values.append(value)
    return values
def _verified_client(request: web.Request) -> bool:
    """The request came over TLS with a client certificate the handshake verified (the mTLS listener)."""
    transport = request.transport
    return request.secure and transport is not None and bool(transport.get_extra_info("peercert"))


def _empty(status: int) -> web.Response:
    # No body and no Content-Type, as upstream answers probes.
    return web.Response(status=status)


class Handlers:
    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.pages = debug_pages.DebugPages(state.view, state.diagnostics)
        self._streams: set[asyncio.Task[object]] = set()  # the handler tasks of open /debug/events streams

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    async def end_streams(self, _app: web.Application) -> None:
        """On server shutdown: cancel streams still open (a follower ends by itself when the sequencer stops;
        one left is stuck writing to a client that does not read), so shutdown never waits on them."""
        for task in list(self._streams):
            task.cancel()

    async def scrape_configs(self, request: web.Request) -> web.Response:
        if _wants_html(request):
            return await self.pages.scrape_configs(_query(request))
        reveal = self.state.allow_insecure_auth_secrets or request.secure
        body = self.state.view.scrape_configs(reveal=reveal)
        if body is None:
            return web.Response(body=b"", headers={"Content-Type": JSON})
        return _json(body, request)

    async def jobs(self, request: web.Request) -> web.Response:
        if _wants_html(request):
            return await self.pages.jobs(_query(request))
        return _json(self.state.view.jobs(), request)

    def targets(self, request: web.Request, raw_job: str) -> web.Response:
        job = render.query_unescape(raw_job)
        if job is None:
            return _bad_request()
        collector_ids = go_query_values(request.raw_path.partition("?")[2], "collector_id")
        if not collector_ids:
            return _json(self.state.view.targets_by_collector(job), request)
        return _json(self.state.view.targets_for(job, collector_ids[0]), request)

    def metrics(self, request: web.Request) -> web.Response:
        return web.Response(body=self.state.metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    async def events(self, request: web.Request) -> web.StreamResponse:
        sequencer = self.state.sequencer
        if sequencer is None:
            return _not_found()
        if not (self.state.debug_events_on_plain_port or _verified_client(request)):
            # 403 rather than a bare 404: the operator learns which switch serves it; nothing is disclosed
            # that the README does not say.
            return web.Response(status=403, body=_EVENTS_REFUSED, headers={"Content-Type": "text/plain"})
        try:
            since = int(request.query.get("since", "0"))
        except ValueError:
            return web.Response(status=400, body=b"since must be an integer sequence number\n")
        follow = request.query.get("follow", "true").lower() not in ("0", "false", "no")
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        task = asyncio.current_task()
        assert task is not None
        self._streams.add(task)
        try:
            await response.prepare(request)
            # A client that goes away cancels this task (the servers run with handler_cancellation), so a
            # follower waiting for the next entry is released at once, not at its next write.
            while True:
                batch = sequencer.tail_since(since, limit=_EVENTS_CHUNK)
                if batch:
                    await response.write(b"".join(line for _, line in batch))
                    since = batch[-1][0]
                    if len(batch) == _EVENTS_CHUNK:
                        continue
                if not follow or not await sequencer.wait_appended(since):
                    break  # everything asked for was sent, or the sequencer stopped: end the stream cleanly
            await response.write_eof()
        except ConnectionError:
            log.debug("debug_events.client_gone", since=since)
        finally:
            self._streams.discard(task)
        return response

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.raw_path.split("?", 1)[0]
        if _MALFORMED_ESCAPE.search(raw_path):
            return _bad_request()
        route, handler = self._route(request.method, raw_path)
        guard = request.app.get(GUARD)
        if guard is not None:
            guard.begin(request.protocol)
        start = time.perf_counter()
        try:
            return await handler(request)
        except ConnectionError as exc:
            # The client went away mid-answer: nothing to tell it. Close our side, so the empty answer
            # below (aiohttp wants one) can never reach a live connection, and count it.
            client_error(self.state.metrics, "gone_during_response", detail=str(exc))
            transport = request.transport
            if transport is not None:
                transport.close()
            return web.Response()
        finally:
            if guard is not None:
                guard.end(request.protocol)
            self.state.metrics.http_duration.labels(route).observe(time.perf_counter() - start)

    def _route(self, method: str, raw_path: str) -> tuple[str, Callable[[web.Request], Awaitable[web.StreamResponse]]]:
        if method != "GET":
            return "", _sync(lambda _r: _not_found())
        match raw_path:
            case "/scrape_configs":
                return "/scrape_configs", self.scrape_configs
            case "/jobs":
                return "/jobs", self.jobs
            case "/livez":
                return "/livez", _sync(lambda _r: _empty(200))
            case "/readyz":
                return "/readyz", _sync(lambda _r: _empty(200 if self.state.is_ready() else 503))
            case "/metrics":
                return "/metrics", _sync(self.metrics)
            case "/debug/events":
                return "/debug/events", self.events
            case "/":
                return "/", lambda r: self.pages.index(_query(r))
            case "/debug/scrape_configs":
                return raw_path, lambda r: self.pages.scrape_configs(_query(r))
            case "/debug/jobs":
                return raw_path, lambda r: self.pages.jobs(_query(r))
            case "/debug/job":
                return raw_path, lambda r: self.pages.job(_query(r))
            case "/debug/targets":
                return raw_path, lambda r: self.pages.targets(_query(r))
            case "/debug/target":
                return raw_path, lambda r: self.pages.target(_query(r))
            case "/debug/collector":
                return raw_path, lambda r: self.pages.collector(_query(r))
            case "/debug/dropped":
                return raw_path, _sync(lambda r: self.pages.dropped(_query(r)))
            case "/debug/problems":
                return raw_path, _sync(lambda _r: self.pages.problems())
        found = _TARGETS_PATH.match(raw_path)
        if found is not None:
            raw_job = found.group(1)
            return "/jobs/:job_id/targets", _sync(lambda r: self.targets(r, raw_job))
        return "", _sync(lambda _r: _not_found())


def _sync(fn: Callable[[web.Request], web.StreamResponse]) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        return fn(request)

    return handler


async def _drop_server_header(_request: web.Request, response: web.StreamResponse) -> None:
    # Upstream (Go net/http) sends no Server header; keep answers header-for-header alike.
    response.headers.popall("Server", None)


STATE = web.AppKey("state", ServerState)
GUARD = web.AppKey("guard", Guard)
HANDLERS = web.AppKey("handlers", Handlers)


def build_app(state: ServerState) -> web.Application:
    handlers = Handlers(state)
    app = web.Application(handler_args={"max_field_size": 65536})
    app[STATE] = state
    app[HANDLERS] = handlers
    app.router.add_route("*", "/{tail:.*}", handlers.dispatch)
    app.on_response_prepare.append(_drop_server_header)
    app.on_shutdown.append(handlers.end_streams)
    return app


@contextlib.asynccontextmanager
async def listening(
    app: web.Application,
    host: str,
    port: int,
    *,
    limits: Limits | None = None,
    listeners: int = 1,
    ssl_context: object = None,
) -> AsyncIterator[GuardedSite]:
    """Serve ``app`` (from ``build_app``) on ``host:port`` under ``limits`` while the block runs (the
    connection cap shared among ``listeners`` listeners), then stop accepting and finish in-flight requests
    within a bound."""
    limits = limits or Limits()
    guard = Guard(limits, app[STATE].metrics, cap=limits.connection_cap(listeners))
    app[GUARD] = guard
    # aiohttp's own keep-alive timer stays as a backstop behind the guard's deadlines. handler_cancellation: a
    # client gone mid-request cancels its handler (a /debug/events follower would otherwise wait for its next
    # write to notice).
    backstop = 2 * max(limits.header_timeout, limits.idle_timeout) + 1
    runner = web.AppRunner(
        app, access_log=None, shutdown_timeout=5.0, keepalive_timeout=backstop, handler_cancellation=True
    )
    await runner.setup()
    sweeper: asyncio.Task[None] | None = None
    try:
        site = GuardedSite(runner, guard, host or None, port, ssl_context=ssl_context)
        await site.start()
        sweeper = asyncio.create_task(guard.run_sweeper(), name=f"http-sweeper-{port}")
        yield site
    finally:
        if sweeper is not None:
            sweeper.cancel()
            await asyncio.gather(sweeper, return_exceptions=True)
        await runner.cleanup()


async def serve(
    app: web.Application,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    limits: Limits | None = None,
    listeners: int = 1,
) -> None:
    """Serve until ``stop`` is set, then stop accepting and finish in-flight requests within a bound."""
    async with listening(app, host, port, limits=limits, listeners=listeners):
        await stop.wait()

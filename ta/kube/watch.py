"""List-then-watch one ``WatchScope``, forever, emitting exactly the changes the API server made.

In: an ``ApiClient``, a scope, and ``emit`` (the ingress). Out, through ``emit``:
- after every (re-)list: ``KubeObjectChanged`` for the difference from what was emitted before (ADDED for
  new objects, MODIFIED for a changed resourceVersion, DELETED for vanished ones; on the first list that is
  an ADDED per object), one ``KubeObjectBatch`` per page (the deletions in a last one), then
  ``KubeListSynced`` at the list's resourceVersion;
- while watching: each ADDED/MODIFIED/DELETED as served (BOOKMARKs only move the resume point);
- ``KubeResourceUnavailable`` once when the resource answers 403 (RBAC) or 404 (CRD not installed); it is
  retried slowly, and the next successful list ends the episode.

Every object is sanitised (``ta.core.objects.sanitize``, Secret and ConfigMap values as digests under the
process's key, ``ta.process.digestkey``, unless another ``Digester`` is given) before it is encoded as compact JSON.
A broken stream (or one silent for longer than the API server's bookmark heartbeat) resumes from the last
resourceVersion seen, so nothing is lost or repeated; when that is too old (410, as an HTTP status or an ERROR
event) the scope is re-listed and diffed. Other failures retry with capped exponential backoff. Only cancellation
ends ``run``.

The last emitted resourceVersion of each object is kept, and with ``keep_bodies`` its body too (the same
``bytes`` the emitted event holds): the final state reported when a re-list finds the object gone, and what
``snapshot`` replays to a late subscriber of a shared watch. Without bodies, such a deletion carries only the
object's name, namespace and last resourceVersion.
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import structlog
from kubernetes_asyncio.client import ApiClient

from ta.core.gocompat import jsonbytes
from ta.core.objects.sanitize import sanitize
from ta.core.objects.secrets import Digester
from ta.events.cluster import (
    KubeListSynced,
    KubeObjectBatch,
    KubeObjectChanged,
    KubeResourceUnavailable,
    WatchType,
)
from ta.kube.api import ApiStatusError, get_json, iter_lines, open_stream
from ta.kube.backoff import Backoff
from ta.kube.scope import WatchScope
from ta.process.digestkey import process_digester

log = structlog.get_logger("ta.kube.watch")

KubeEvent = KubeObjectChanged | KubeObjectBatch | KubeListSynced | KubeResourceUnavailable
Emit = Callable[[KubeEvent], Awaitable[None]]
# Sees each object as served, before sanitising: the live process keeps Secret values in memory this way.
RawObserver = Callable[[WatchType, str, Mapping[str, Any]], None]

_Key = tuple[str, str]
_UNAVAILABLE = {403: "forbidden", 404: "not served"}
_GONE = 410


async def _discard(task: asyncio.Future[Any]) -> None:
    """Cancel a page request no longer wanted and wait for it to end (its outcome, even an error, is moot)."""
    if not task.done():
        task.cancel()
        await asyncio.wait((task,))  # raises only if *this* task is cancelled meanwhile
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not report it as never retrieved


class _Gone(Exception):
    """The resume point is older than the API server keeps: re-list."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchTuning:
    page_size: int = 500
    # Like client-go: the server ends each watch after a random 5-10 min, spreading reconnects.
    watch_timeout_s: tuple[int, int] = (300, 600)
    # A watch that asks for bookmarks hears from kube-apiserver at least once a minute (its watch cache's
    # bookmark heartbeat), so longer silence is a stalled stream (a hung proxy, a half-open connection): resume
    # it rather than miss changes until the server's own timeout. Where no heartbeat comes, a quiet watch is
    # just resumed from its resourceVersion.
    silence_s: float = 120.0
    list_timeout_s: float = 120.0
    connect_timeout_s: float = 10.0
    # RBAC may be fixed, a CRD installed, later: look again, but slowly.
    unavailable_retry_s: float = 60.0
    # Restart a paginated list whose continue token expired this many times before backing off.
    list_restarts: int = 3


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _key(obj: Mapping[str, Any]) -> _Key:
    meta = _meta(obj)
    return (sys.intern(str(meta.get("namespace", "") or "")), str(meta.get("name", "")))


def _rv(obj: Mapping[str, Any]) -> str:
    return str(_meta(obj).get("resourceVersion", "") or "")


class Watcher:
    def __init__(
        self,
        api: ApiClient,
        scope: WatchScope,
        emit: Emit,
        *,
        backoff: Backoff | None = None,
        tuning: WatchTuning | None = None,
        raw_observer: RawObserver | None = None,
        keep_bodies: bool = True,
        digest: Digester | None = None,
    ) -> None:
        self._api = api
        self._digest = digest or process_digester()
        self._scope = scope
        self._emit = emit
        self._backoff = backoff or Backoff()
        self._tuning = tuning or WatchTuning()
        self._raw_observer = raw_observer
        # key -> resourceVersion of what was emitted last; its body too while ``keep_bodies`` (see ``snapshot``).
        self._known: dict[_Key, str] = {}
        self._bodies: dict[_Key, bytes] | None = {} if keep_bodies else None
        self._resume_rv: str | None = None  # None: the next step is a (re-)list
        self._synced: KubeListSynced | None = None
        self._unavailable_status: int | None = None
        self._rng = random.Random()

    @property
    def scope(self) -> WatchScope:
        return self._scope

    def snapshot(self) -> tuple[list[KubeObjectChanged], KubeListSynced | None]:
        """What a consumer joining now needs: an ADDED per known object, and the last sync marker if any.

        Only a watcher that keeps bodies can tell; one that does not (``ta run``, whose scopes are all subscribed
        before the watches start) saves holding a second reference to every object's JSON.
        """
        if self._bodies is None:
            raise RuntimeError(f"watch {self._scope} keeps no bodies: it cannot serve a late subscriber")
        scope = self._scope
        events = [
            KubeObjectChanged(watch_type="ADDED", resource=scope.resource, namespace=ns, name=name, body=body)
            for (ns, name), body in self._bodies.items()
        ]
        return events, self._synced

    def _remember(self, key: _Key, rv: str, body: bytes) -> None:
        self._known[key] = rv
        if self._bodies is not None:
            self._bodies[key] = body

    def _forget(self, key: _Key) -> bytes:
        """Drop a known object; returns its last body, or a minimal stand-in (name, namespace, resourceVersion)."""
        rv = self._known.pop(key)
        if self._bodies is not None:
            return self._bodies.pop(key)
        meta = {"name": key[1], "resourceVersion": rv, **({"namespace": key[0]} if key[0] else {})}
        return jsonbytes.dumps({"metadata": meta})

    async def run(self) -> None:
        while True:
            try:
                if self._resume_rv is None:
                    await self._relist()
                await self._watch()
            except _Gone:
                log.info("watch expired, re-listing", scope=self._scope)
                self._resume_rv = None
            except ApiStatusError as e:
                if e.status in _UNAVAILABLE:
                    await self._mark_unavailable(e)
                    self._resume_rv = None
                    await asyncio.sleep(self._tuning.unavailable_retry_s)
                    continue
                if e.status == _GONE and self._resume_rv is not None:
                    self._resume_rv = None  # a watch from a compacted resourceVersion: re-list at once
                    continue
                await self._retry_later("api error", e)
            except (aiohttp.ClientError, TimeoutError, OSError, orjson.JSONDecodeError) as e:
                await self._retry_later("connection error", e)
            except Exception as e:
                # One resource must never take the process down; a re-list restores a consistent view.
                log.exception("watch failed", scope=self._scope)
                self._resume_rv = None
                await self._retry_later("unexpected error", e)

    async def _retry_later(self, what: str, error: BaseException) -> None:
        delay = self._backoff.next_delay()
        log.warning(what, scope=self._scope, error=str(error) or type(error).__name__, retry_in_s=round(delay, 3))
        await asyncio.sleep(delay)

    async def _mark_unavailable(self, error: ApiStatusError) -> None:
        if self._unavailable_status == error.status:
            return
        reason = f"{_UNAVAILABLE[error.status]}: {error.message}" if error.message else _UNAVAILABLE[error.status]
        log.warning("resource unavailable", scope=self._scope, status=error.status, reason=reason)
        await self._emit(
            KubeResourceUnavailable(resource=self._scope.resource, namespace=self._scope.namespace, reason=reason)
        )
        self._unavailable_status = error.status

    def _encode(self, watch_type: WatchType, obj: Mapping[str, Any]) -> tuple[bytes, dict[str, Any]]:
        """The sanitised object as compact JSON, and the sanitised object itself."""
        if self._raw_observer is not None:
            self._raw_observer(watch_type, self._scope.resource, obj)
        sanitized = sanitize(self._scope.resource, obj, self._digest)
        meta = sanitized.get("metadata")
        if isinstance(meta, dict) and isinstance(meta.get("namespace"), str):
            # Consumers keep it in many keys: one string per namespace, not one per object (100 000 pods).
            meta["namespace"] = sys.intern(meta["namespace"])
        return jsonbytes.dumps(sanitized), sanitized

    def _change(
        self, watch_type: WatchType, key: _Key, body: bytes, decoded: dict[str, Any] | None = None
    ) -> KubeObjectChanged:
        return KubeObjectChanged(
            watch_type=watch_type,
            resource=self._scope.resource,
            namespace=key[0],
            name=key[1],
            body=body,
            decoded=decoded,
        )

    async def _send(self, watch_type: WatchType, key: _Key, body: bytes, decoded: dict[str, Any] | None = None) -> None:
        await self._emit(self._change(watch_type, key, body, decoded))

    # -- list -------------------------------------------------------------------------------------------

    async def _relist(self) -> None:
        """List the scope page by page, emitting each page's changes as it arrives, then the deletions.

        Page by page, so that only one page of decoded objects is alive at a time (a whole cluster's pods decoded
        at once is ~10x their JSON), plus the next page, which is requested as soon as its continue token is known
        (its task gets to run before this page is encoded): the API server prepares it while this page's objects
        are encoded and emitted. If the continue token expires mid-list the list starts over; what was already
        emitted stays true (each event is a state the object had), and deletions are only decided from a complete
        list.
        """
        timeout = aiohttp.ClientTimeout(total=self._tuning.list_timeout_s, sock_connect=self._tuning.connect_timeout_s)
        for _ in range(self._tuning.list_restarts):
            seen: set[_Key] = set()
            token = ""
            ahead = asyncio.ensure_future(self._page(token, timeout))
            try:
                while True:
                    try:
                        page = await ahead
                    except ApiStatusError as e:
                        if e.status == _GONE and token:
                            break  # the continue token expired mid-list: start the list again
                        raise
                    meta = _meta(page)
                    token = str(meta.get("continue", "") or "")
                    if token:
                        ahead = asyncio.ensure_future(self._page(token, timeout))
                        await asyncio.sleep(0)  # let it send the request before this page is encoded
                    changes = self._page_changes(page, seen)
                    del page  # only one page of decoded objects alive while this one is emitted
                    await self._send_batch([change for change, _ in changes])
                    for change, rv in changes:  # emitted: now they are known
                        self._remember((change.namespace, change.name), rv, change.body)
                    if not token:
                        await self._list_complete(seen, str(meta.get("resourceVersion", "")))
                        return
            finally:
                await _discard(ahead)
        raise ApiStatusError(_GONE, "Expired", "list continue token kept expiring")

    async def _page(self, token: str, client_timeout: aiohttp.ClientTimeout) -> dict[str, Any]:
        query = [("limit", str(self._tuning.page_size)), *self._scope.selector_params()]
        if token:
            query.append(("continue", token))
        return await get_json(self._api, self._scope.path(), query, client_timeout=client_timeout)

    def _page_changes(self, page: dict[str, Any], seen: set[_Key]) -> list[tuple[KubeObjectChanged, str]]:
        """A listed page's changes from what was emitted before, each with its object's resourceVersion."""
        # List items carry no kind/apiVersion; watch events do. Make both look the same downstream.
        kind = str(page.get("kind", "")).removesuffix("List")
        api_version = str(page.get("apiVersion", ""))
        return [
            change
            for item in page.get("items") or ()
            if isinstance(item, dict)
            and (change := self._listed({"kind": kind, "apiVersion": api_version, **item}, seen)) is not None
        ]

    def _listed(self, obj: dict[str, Any], seen: set[_Key]) -> tuple[KubeObjectChanged, str] | None:
        """The change a listed object is, with its resourceVersion (None if it is as last emitted)."""
        key, rv = _key(obj), _rv(obj)
        seen.add(key)
        known = self._known.get(key)
        if known == rv:
            return None
        watch_type: WatchType = "ADDED" if known is None else "MODIFIED"
        body, sanitized = self._encode(watch_type, obj)
        return self._change(watch_type, key, body, sanitized), rv

    async def _send_batch(self, changes: list[KubeObjectChanged]) -> None:
        """A page's changes as one journal entry (none for an unchanged page)."""
        if changes:
            await self._emit(KubeObjectBatch(resource=self._scope.resource, changes=tuple(changes)))

    async def _list_complete(self, seen: set[_Key], list_rv: str) -> None:
        self._backoff.reset()
        self._unavailable_status = None
        # The final state is unknown (deleted while we were not watching): report the last one we had, or (not
        # keeping bodies) just which object it was; consumers read only that from a deletion.
        gone = [self._change("DELETED", key, self._forget(key)) for key in sorted(self._known.keys() - seen)]
        await self._send_batch(gone)
        self._synced = KubeListSynced(
            resource=self._scope.resource, namespace=self._scope.namespace, resource_version=list_rv
        )
        await self._emit(self._synced)
        self._resume_rv = list_rv

    # -- watch ------------------------------------------------------------------------------------------

    async def _watch(self) -> None:
        """One watch request, from ``_resume_rv``; returns when the server ends it, advancing the resume point."""
        lo, hi = self._tuning.watch_timeout_s
        server_timeout = self._rng.randint(lo, hi) if hi > lo else lo
        # No bytes for longer than the bookmark heartbeat (or the server's own timeout) means a dead stream.
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=self._tuning.connect_timeout_s,
            sock_read=min(server_timeout + 30, self._tuning.silence_s),
        )
        query = [
            ("watch", "1"),
            ("resourceVersion", self._resume_rv or ""),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(server_timeout)),
            *self._scope.selector_params(),
        ]
        async with open_stream(self._api, self._scope.path(), query, client_timeout=timeout) as response:
            self._backoff.reset()
            async for line in iter_lines(response):
                await self._apply(orjson.loads(line))

    async def _apply(self, event: object) -> None:
        if not isinstance(event, dict):
            raise ValueError("watch event is not a JSON object")
        event_type = event.get("type")
        obj = event.get("object")
        if not isinstance(obj, dict):
            raise ValueError(f"watch event {event_type!r} without an object")
        if event_type == "BOOKMARK":
            self._resume_rv = _rv(obj) or self._resume_rv
            return
        if event_type == "ERROR":
            code = int(obj.get("code", 0) or 0)
            if code == _GONE:
                raise _Gone
            raise ApiStatusError(code, str(obj.get("reason", "")), str(obj.get("message", "")))
        if event_type not in ("ADDED", "MODIFIED", "DELETED"):
            raise ValueError(f"unknown watch event type {event_type!r}")
        key, rv = _key(obj), _rv(obj)
        known = self._known.get(key)
        if event_type == "DELETED":
            if known is not None:
                await self._send("DELETED", key, *self._encode("DELETED", obj))
                self._forget(key)
        elif known is None or known != rv:
            # A repeat of what was already emitted (same resourceVersion) would be a duplicate.
            watch_type: WatchType = "ADDED" if event_type == "ADDED" else "MODIFIED"
            body, sanitized = self._encode(watch_type, obj)
            await self._send(watch_type, key, body, sanitized)
            self._remember(key, rv, body)
        self._resume_rv = rv or self._resume_rv

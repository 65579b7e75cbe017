"""A fake Kubernetes API server on 127.0.0.1, for tests and benchmarks of the watch machinery.

In (over HTTP): LIST (with ``limit``/``continue``, label and field selectors), WATCH (``watch=1`` from a
``resourceVersion``, ``allowWatchBookmarks``, ``timeoutSeconds``), GET of one object, and API discovery
(``/api``, ``/api/v1``, ``/apis``, ``/apis/<group>``, ``/apis/<group>/<version>``) for any resource, core
(``/api/v1/...``) or grouped (``/apis/<group>/<version>/...``), namespaced or cluster-wide.
In (test controls, plain method calls on the loop's thread): add/modify/delete objects (fanned out to open
watches, kept in a history so a watch can resume from any not-yet-compacted resourceVersion), ``compact``
(resourceVersions before now answer ``410 Gone``), ``drop_watches`` (abrupt disconnect mid-stream),
``bookmark``, ``fail`` (any status, e.g. 5xx or 403, for a resource or discovery) and ``fail_all`` (a storm
over every resource), ``stall`` (open watches go silent and never end by themselves, as behind a hung proxy),
unserved resources answer 404 (a CRD not installed), ``delay`` (slow responses); ``stop`` then ``start`` is a
restart on the same port that keeps every object and the resourceVersion history, as etcd does.
Out: JSON as the real API server shapes it, a request log (``requests``) and ``wait_until`` to await a
condition on it without timing assumptions; ``write_kubeconfig`` points a client at the server.

Resource versions are one global counter, as with etcd. It was written rather than taking ``kmock`` because
kmock has no resourceVersion history, 410 semantics, pagination or bookmarks, which are what is under test.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from ta.testing.selectors import Predicate, field_selector, label_selector

_KINDS: dict[str, str] = {
    "pods": "Pod",
    "services": "Service",
    "endpoints": "Endpoints",
    "endpointslices": "EndpointSlice",
    "nodes": "Node",
    "namespaces": "Namespace",
    "secrets": "Secret",
    "configmaps": "ConfigMap",
    "ingresses": "Ingress",
    "servicemonitors": "ServiceMonitor",
    "podmonitors": "PodMonitor",
    "probes": "Probe",
    "scrapeconfigs": "ScrapeConfig",
}
_CLUSTER_SCOPED = frozenset({"nodes", "namespaces"})

DEFAULT_SERVED: tuple[str, ...] = (
    "v1/pods",
    "v1/services",
    "v1/endpoints",
    "v1/nodes",
    "v1/namespaces",
    "v1/secrets",
    "v1/configmaps",
    "discovery.k8s.io/v1/endpointslices",
    "networking.k8s.io/v1/ingresses",
)

Key = tuple[str, str]

SAFETY_TIMEOUT_S = 20.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ServedResource:
    resource: str  # "<group/version>/<plural>"
    kind: str
    namespaced: bool

    @property
    def group_version(self) -> str:
        return self.resource.rsplit("/", 1)[0]

    @property
    def plural(self) -> str:
        return self.resource.rsplit("/", 1)[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestRecord:
    verb: str  # list, watch, get, discovery
    resource: str  # "" for discovery
    namespace: str
    query: tuple[tuple[str, str], ...]
    status: int

    def param(self, name: str) -> str | None:
        for k, v in self.query:
            if k == name:
                return v
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Change:
    rv: int
    resource: str
    watch_type: str
    old: Mapping[str, Any] | None
    new: Mapping[str, Any]


@dataclass(slots=True)
class _Failure:
    status: int
    remaining: int | None  # None = until cleared


class _Drop:
    """Sentinel: close the watch's connection abruptly."""


class _Gone:
    """Sentinel: send an ERROR 410 event and end the watch (compaction)."""


class _Bookmark:
    """Sentinel: send a BOOKMARK at the current resourceVersion."""


class _Stall:
    """Sentinel: send nothing more and ignore ``timeoutSeconds``; only the client closing ends the watch."""


_Item = _Change | _Drop | _Gone | _Bookmark | _Stall


@dataclass(slots=True, eq=False)
class _Watch:
    resource: str
    namespace: str
    matches: Predicate
    bookmarks: bool
    queue: asyncio.Queue[_Item] = field(default_factory=asyncio.Queue)


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _key(obj: Mapping[str, Any]) -> Key:
    meta = _meta(obj)
    return (str(meta.get("namespace", "")), str(meta.get("name", "")))


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


_REASONS = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 410: "Expired", 429: "TooManyRequests"}


def _json(body: object, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


class FakeApiServer:
    """Serve on 127.0.0.1 (ephemeral port unless ``port`` is given); use as ``async with FakeApiServer() as s``."""

    def __init__(
        self,
        *,
        port: int = 0,
        token: str | None = None,
        served: Iterable[str] = DEFAULT_SERVED,
        gone_as_http_status: bool = False,
    ) -> None:
        self._port = port
        self._token = token
        # Real API servers answer a too-old watch with 200 + an ERROR event; some proxies/versions with 410.
        self.gone_as_http_status = gone_as_http_status
        self.delay = 0.0
        self.requests: list[RequestRecord] = []
        self._served: dict[str, ServedResource] = {}
        self._objects: dict[str, dict[Key, dict[str, Any]]] = {}
        self._history: list[_Change] = []
        self._rv = 1
        self._compacted = 0
        self._uids = itertools.count(1)
        self._continues: dict[str, tuple[int, list[dict[str, Any]]]] = {}
        self._continue_ids = itertools.count(1)
        self._failures: dict[str, _Failure] = {}
        self._watches: list[_Watch] = []
        self._stalled: list[asyncio.Event] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        for resource in served:
            self.serve(resource)

    # -- lifecycle ---------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._handle)
        # A bounded shutdown: watches are closed first, so nothing should need the grace period.
        # handler_cancellation: a watch whose client went away must close (and count as closed) at once.
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=2.0, handler_cancellation=True
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self._port, reuse_address=True)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        """Stop listening; open watches are dropped abruptly, as when an API server goes away."""
        self.drop_watches()
        for released in self._stalled:
            released.set()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    # -- controls ----------------------------------------------------------------------------------------

    def serve(self, resource: str, *, kind: str | None = None, namespaced: bool | None = None) -> None:
        plural = resource.rsplit("/", 1)[1]
        self._served[resource] = ServedResource(
            resource=resource,
            kind=kind or _KINDS.get(plural) or plural.removesuffix("s").capitalize(),
            namespaced=(plural not in _CLUSTER_SCOPED) if namespaced is None else namespaced,
        )
        self._objects.setdefault(resource, {})

    def unserve(self, resource: str) -> None:
        self._served.pop(resource, None)

    @property
    def resource_version(self) -> str:
        return str(self._rv)

    def objects(self, resource: str) -> list[dict[str, Any]]:
        return list(self._objects.get(resource, {}).values())

    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self._objects.get(resource, {}).get((namespace, name))

    def add(self, resource: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        if resource not in self._served:
            self.serve(resource)
        info = self._served[resource]
        key = _key(obj)
        if not info.namespaced:
            key = ("", key[1])
        if key in self._objects[resource]:
            raise KeyError(f"{resource} {key} already exists")
        stored = self._stamp(info, obj, uid=f"uid-{next(self._uids)}")
        self._objects[resource][key] = stored
        self._record(resource, "ADDED", None, stored)
        return stored

    def modify(self, resource: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        info = self._served[resource]
        key = _key(obj)
        old = self._objects[resource][key]
        stored = self._stamp(info, obj, uid=str(_meta(old).get("uid", "")))
        self._objects[resource][key] = stored
        self._record(resource, "MODIFIED", old, stored)
        return stored

    def upsert(self, resource: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        if self.get(resource, *_key(obj)) is None:
            return self.add(resource, obj)
        return self.modify(resource, obj)

    def delete(self, resource: str, namespace: str, name: str) -> dict[str, Any]:
        old = self._objects[resource].pop((namespace, name))
        self._rv += 1
        # A DELETED event carries the last state, at the deletion's resourceVersion.
        final = {**old, "metadata": {**_meta(old), "resourceVersion": str(self._rv)}}
        change = _Change(rv=self._rv, resource=resource, watch_type="DELETED", old=old, new=final)
        self._publish(change)
        return final

    def compact(self) -> None:
        """Forget all history: resuming from any earlier resourceVersion, or continuing a list, gets 410."""
        self._compacted = self._rv
        self._history.clear()
        self._continues.clear()
        for watch in self._watches:
            watch.queue.put_nowait(_Gone())

    def drop_watches(self, resource: str | None = None) -> int:
        """Close matching open watch connections abruptly (no final chunk); returns how many."""
        count = 0
        for watch in self._watches:
            if resource is None or watch.resource == resource:
                watch.queue.put_nowait(_Drop())
                count += 1
        return count

    def bookmark(self) -> None:
        for watch in self._watches:
            if watch.bookmarks:
                watch.queue.put_nowait(_Bookmark())

    def fail(self, resource: str, status: int, *, times: int | None = None) -> None:
        """Answer requests for ``resource`` (or ``"discovery"``) with ``status`` (``times`` times, or until cleared)."""
        self._failures[resource] = _Failure(status=status, remaining=times)

    def clear_failure(self, resource: str) -> None:
        self._failures.pop(resource, None)

    def fail_all(self, status: int) -> None:
        """Answer every request (each served resource and discovery) with ``status`` until ``clear_failures``."""
        for name in (*self._served, "discovery"):
            self.fail(name, status)

    def clear_failures(self) -> None:
        self._failures.clear()

    def stall(self, resource: str | None = None) -> int:
        """Matching open watches stop sending (changes, bookmarks, their end) while the connection stays open;
        returns how many. Watches opened later are served normally."""
        count = 0
        for watch in self._watches:
            if resource is None or watch.resource == resource:
                watch.queue.put_nowait(_Stall())
                count += 1
        return count

    def open_watches(self, resource: str | None = None) -> int:
        return sum(1 for w in self._watches if resource is None or w.resource == resource)

    def count(self, verb: str, resource: str | None = None, status: int | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if r.verb == verb
            and (resource is None or r.resource == resource)
            and (status is None or r.status == status)
        )

    async def wait_until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate()`` holds, re-checked on every request and watch open/close.

        The timeout is only a safety net so a broken test fails instead of hanging.
        """
        async with asyncio.timeout(SAFETY_TIMEOUT_S):
            while not predicate():
                await self._changed.wait()

    # -- internals ---------------------------------------------------------------------------------------

    def _stamp(self, info: ServedResource, obj: Mapping[str, Any], *, uid: str) -> dict[str, Any]:
        self._rv += 1
        meta = dict(_meta(obj))
        meta["resourceVersion"] = str(self._rv)
        meta.setdefault("uid", uid)
        if not info.namespaced:
            meta.pop("namespace", None)
        api_version = info.group_version
        return {**obj, "apiVersion": api_version, "kind": info.kind, "metadata": meta}

    def _record(self, resource: str, watch_type: str, old: Mapping[str, Any] | None, new: dict[str, Any]) -> None:
        self._publish(_Change(rv=self._rv, resource=resource, watch_type=watch_type, old=old, new=new))

    def _publish(self, change: _Change) -> None:
        self._history.append(change)
        for watch in self._watches:
            if watch.resource == change.resource:
                watch.queue.put_nowait(change)

    def _notify(self) -> None:
        # Wake every waiter, and give later waiters a fresh event to wait on.
        self._changed.set()
        self._changed = asyncio.Event()

    def _log(self, request: web.Request, verb: str, resource: str, namespace: str, status: int) -> None:
        query = tuple((k, v) for k, v in request.query.items())
        self.requests.append(
            RequestRecord(verb=verb, resource=resource, namespace=namespace, query=query, status=status)
        )
        self._notify()

    def _take_failure(self, name: str) -> int | None:
        failure = self._failures.get(name)
        if failure is None:
            return None
        if failure.remaining is not None:
            failure.remaining -= 1
            if failure.remaining <= 0:
                del self._failures[name]
        return failure.status

    async def _error(
        self, request: web.Request, *, verb: str, resource: str, namespace: str, code: int, message: str
    ) -> web.Response:
        self._log(request, verb, resource, namespace, code)
        reason = _REASONS.get(code, "InternalError" if code >= 500 else "BadRequest")
        return _json(_status(code, reason, message), status=code)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self._token is not None and request.headers.get("Authorization") != f"Bearer {self._token}":
            return await self._error(
                request, verb="unknown", resource="", namespace="", code=401, message="Unauthorized"
            )
        parts = [p for p in request.path.split("/") if p]
        if parts[:1] == ["api"]:
            gv, rest = "v1", parts[2:]
            if len(parts) < 2:
                return await self._discovery(request, parts)
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            gv, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            return await self._discovery(request, parts)
        if not rest:
            return await self._discovery(request, parts)
        namespace, name = "", ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, plural = rest[1], rest[2]
            name = rest[3] if len(rest) > 3 else ""
        else:
            plural = rest[0]
            name = rest[1] if len(rest) > 1 else ""
        resource = f"{gv}/{plural}"
        watching = request.query.get("watch", "") in ("1", "true")
        verb = "get" if name else ("watch" if watching else "list")
        info = self._served.get(resource)
        if info is None:
            return await self._error(
                request,
                verb=verb,
                resource=resource,
                namespace=namespace,
                code=404,
                message="the server could not find the resource",
            )
        failure = self._take_failure(resource)
        if failure is not None:
            return await self._error(
                request, verb=verb, resource=resource, namespace=namespace, code=failure, message=f"injected {failure}"
            )
        if name:
            obj = self.get(resource, namespace, name)
            if obj is None:
                return await self._error(
                    request,
                    verb=verb,
                    resource=resource,
                    namespace=namespace,
                    code=404,
                    message=f"{plural} {name!r} not found",
                )
            self._log(request, verb, resource, namespace, 200)
            return _json(obj)
        matches = self._predicate(request, namespace)
        if watching:
            return await self._watch(request, info, namespace, matches)
        return await self._list(request, info, namespace, matches)

    @staticmethod
    def _predicate(request: web.Request, namespace: str) -> Predicate:
        labels = label_selector(request.query.get("labelSelector", ""))
        fields = field_selector(request.query.get("fieldSelector", ""))

        def matches(obj: Mapping[str, Any]) -> bool:
            if namespace and _key(obj)[0] != namespace:
                return False
            return labels(obj) and fields(obj)

        return matches

    async def _list(
        self, request: web.Request, info: ServedResource, namespace: str, matches: Predicate
    ) -> web.Response:
        token = request.query.get("continue", "")
        if token:
            entry = self._continues.pop(token, None)
            if entry is None or entry[0] < self._compacted:
                return await self._error(
                    request,
                    verb="list",
                    resource=info.resource,
                    namespace=namespace,
                    code=410,
                    message="The provided continue parameter is too old",
                )
            rv, items = entry
        else:
            rv = self._rv
            # Real list items carry no kind/apiVersion; the list does.
            items = [
                {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
                for _, obj in sorted(self._objects[info.resource].items())
                if matches(obj)
            ]
        limit = int(request.query.get("limit", "0") or "0")
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        if limit > 0 and len(items) > limit:
            page, rest = items[:limit], items[limit:]
            next_token = f"c{next(self._continue_ids)}"
            self._continues[next_token] = (rv, rest)
            metadata["continue"] = next_token
            metadata["remainingItemCount"] = len(rest)
        else:
            page = items
        self._log(request, "list", info.resource, namespace, 200)
        api_version = info.group_version
        return _json({"kind": f"{info.kind}List", "apiVersion": api_version, "metadata": metadata, "items": page})

    def _event(self, change: _Change, watch: _Watch) -> dict[str, Any] | None:
        """The event a watch sees for a change: selectors turn updates into ADDED/DELETED at the edges."""
        new_match = watch.matches(change.new)
        old_match = change.old is not None and watch.matches(change.old)
        if change.watch_type == "DELETED":
            return {"type": "DELETED", "object": change.new} if old_match else None
        if change.watch_type == "ADDED":
            return {"type": "ADDED", "object": change.new} if new_match else None
        if old_match and new_match:
            return {"type": "MODIFIED", "object": change.new}
        if new_match:
            return {"type": "ADDED", "object": change.new}
        if old_match:
            return {"type": "DELETED", "object": change.new}
        return None

    async def _watch(
        self, request: web.Request, info: ServedResource, namespace: str, matches: Predicate
    ) -> web.StreamResponse:
        raw_rv = request.query.get("resourceVersion", "")
        watch = _Watch(
            resource=info.resource,
            namespace=namespace,
            matches=matches,
            bookmarks=request.query.get("allowWatchBookmarks", "") in ("1", "true"),
        )
        # Snapshot and registration happen with no await in between: nothing can slip past.
        backlog: list[_Item] = []
        gone = False
        if raw_rv in ("", "0"):
            for _, obj in sorted(self._objects[info.resource].items()):
                backlog.append(_Change(rv=self._rv, resource=info.resource, watch_type="ADDED", old=None, new=obj))
        else:
            since = int(raw_rv)
            if since < self._compacted:
                gone = True
            else:
                backlog.extend(c for c in self._history if c.resource == info.resource and c.rv > since)
        if gone and self.gone_as_http_status:
            return await self._error(
                request,
                verb="watch",
                resource=info.resource,
                namespace=namespace,
                code=410,
                message="too old resource version",
            )
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        if gone:
            self._log(request, "watch", info.resource, namespace, 200)
            await self._write_gone(response, raw_rv)
            return response
        for item in backlog:
            watch.queue.put_nowait(item)
        self._watches.append(watch)
        self._log(request, "watch", info.resource, namespace, 200)
        timeout = float(request.query.get("timeoutSeconds", "0") or "0")
        try:
            async with asyncio.timeout(timeout if timeout > 0 else None) as deadline:
                await self._stream(request, response, watch, deadline)
        except TimeoutError:
            pass
        finally:
            if watch in self._watches:
                self._watches.remove(watch)
            self._notify()
        return response

    async def _stream(
        self, request: web.Request, response: web.StreamResponse, watch: _Watch, deadline: asyncio.Timeout
    ) -> None:
        while True:
            item = await watch.queue.get()
            if isinstance(item, _Drop):
                if request.transport is not None:
                    request.transport.abort()
                return
            if isinstance(item, _Stall):
                # Out of the open-watch list, so later changes do not pile up in a queue nobody reads.
                self._watches.remove(watch)
                self._notify()
                deadline.reschedule(None)
                released = asyncio.Event()
                self._stalled.append(released)
                try:
                    await released.wait()  # the client going away cancels this handler; ``stop`` releases it
                finally:
                    self._stalled.remove(released)
                if request.transport is not None:
                    request.transport.abort()
                return
            if isinstance(item, _Gone):
                await self._write_gone(response, "")
                return
            if isinstance(item, _Bookmark):
                info = self._served.get(watch.resource)
                kind = info.kind if info is not None else ""
                bookmark = {"kind": kind, "metadata": {"resourceVersion": str(self._rv)}}
                await response.write(orjson.dumps({"type": "BOOKMARK", "object": bookmark}) + b"\n")
                continue
            event = self._event(item, watch)
            if event is not None:
                await response.write(orjson.dumps(event) + b"\n")

    @staticmethod
    async def _write_gone(response: web.StreamResponse, rv: str) -> None:
        status = _status(410, "Expired", f"too old resource version: {rv}")
        await response.write(orjson.dumps({"type": "ERROR", "object": status}) + b"\n")

    async def _discovery(self, request: web.Request, parts: list[str]) -> web.Response:
        failure = self._take_failure("discovery")
        if failure is not None:
            return await self._error(
                request, verb="discovery", resource="", namespace="", code=failure, message=f"injected {failure}"
            )
        body: dict[str, Any] | None = None
        if parts == ["api"]:
            body = {"kind": "APIVersions", "versions": ["v1"]}
        elif parts == ["api", "v1"]:
            body = self._resource_list("v1")
        elif parts == ["apis"]:
            groups = sorted({r.group_version.split("/")[0] for r in self._served.values() if "/" in r.group_version})
            body = {"kind": "APIGroupList", "apiVersion": "v1", "groups": [self._group(g) for g in groups]}
        elif len(parts) == 2 and parts[0] == "apis":
            group = self._group(parts[1])
            body = group if group["versions"] else None
        elif len(parts) == 3 and parts[0] == "apis":
            listing = self._resource_list(f"{parts[1]}/{parts[2]}")
            body = listing if listing["resources"] else None
        if body is None:
            return await self._error(
                request,
                verb="discovery",
                resource="",
                namespace="",
                code=404,
                message="the server could not find the resource",
            )
        self._log(request, "discovery", "", "", 200)
        return _json(body)

    def _group(self, group: str) -> dict[str, Any]:
        versions = sorted({r.group_version for r in self._served.values() if r.group_version.startswith(group + "/")})
        entries = [{"groupVersion": gv, "version": gv.split("/")[1]} for gv in versions]
        return {
            "kind": "APIGroup",
            "apiVersion": "v1",
            "name": group,
            "versions": entries,
            "preferredVersion": entries[-1] if entries else {},
        }

    def _resource_list(self, group_version: str) -> dict[str, Any]:
        resources = [
            {
                "name": r.plural,
                "singularName": r.kind.lower(),
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": ["get", "list", "watch"],
            }
            for r in sorted(self._served.values(), key=lambda r: r.resource)
            if r.group_version == group_version
        ]
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def write_kubeconfig(path: Path, url: str, *, token: str | None = None, namespace: str = "default") -> Path:
    """Write a kubeconfig (JSON is valid YAML) whose current context points at ``url``."""
    user: dict[str, Any] = {"token": token} if token is not None else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": url}}],
        "users": [{"name": "fake", "user": user}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": namespace}}],
        "current-context": "fake",
    }
    path.write_bytes(orjson.dumps(config, option=orjson.OPT_INDENT_2))
    return path

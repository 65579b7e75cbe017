"""Tests for ta.kube.watch over real HTTP (kubernetes-asyncio ApiClient) against the fake API server."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from ta.events.cluster import KubeListSynced, KubeObjectChanged, WatchType
from ta.kube.backoff import Backoff
from ta.kube.client import client_for_url
from ta.kube.scope import WatchScope
from ta.kube.watch import Watcher
from ta.testing.fake_apiserver import FakeApiServer
from tests.kube.support import FAST, SAFETY_S, Recorder, fast_backoff, pod, running

PODS = WatchScope(resource="v1/pods")


def watcher(api: Any, recorder: Recorder, scope: WatchScope = PODS, **kwargs: Any) -> Watcher:
    return Watcher(api, scope, recorder, backoff=kwargs.pop("backoff", fast_backoff()), tuning=FAST, **kwargs)


async def test_initial_paginated_list_then_watch(server: FakeApiServer, api: Any, recorder: Recorder) -> None:
    for i in range(5):
        server.add("v1/pods", pod(f"p{i}"))
    async with running(watcher(api, recorder).run()):
        await recorder.wait_synced()
        assert recorder.changes() == [("ADDED", "ns", f"p{i}") for i in range(5)]
        assert recorder.events[-1] == KubeListSynced(resource="v1/pods", namespace="", resource_version="6")
        # page_size=2: three pages, the later ones by continue token.
        lists = [r for r in server.requests if r.verb == "list"]
        assert [r.param("limit") for r in lists] == ["2", "2", "2"]
        assert [bool(r.param("continue")) for r in lists] == [False, True, True]
        # One journal entry per list page.
        assert [type(e).__name__ for e in recorder.events[:3]] == ["KubeObjectBatch"] * 3
        first = recorder.objects()[0]
        body = first.obj()
        assert (body["kind"], body["apiVersion"], body["metadata"]["name"]) == ("Pod", "v1", "p0")
        # One namespace string for all of them (consumers keep it in many keys).
        last = recorder.objects()[-1].obj()
        assert body["metadata"]["namespace"] is last["metadata"]["namespace"] is recorder.objects()[-1].namespace

        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        watch = next(r for r in server.requests if r.verb == "watch")
        assert watch.param("resourceVersion") == "6"
        assert watch.param("allowWatchBookmarks") == "true"

        recorder.clear()
        server.add("v1/pods", pod("new"))
        server.modify("v1/pods", pod("p1", extra="x"))
        server.delete("v1/pods", "ns", "p2")
        await recorder.wait_for(lambda evs: len(evs) == 3)
        assert recorder.changes() == [("ADDED", "ns", "new"), ("MODIFIED", "ns", "p1"), ("DELETED", "ns", "p2")]
        modified = recorder.events[1]
        assert isinstance(modified, KubeObjectChanged)
        assert modified.obj()["metadata"]["labels"] == {"extra": "x"}


class _HeldFirstPage(Recorder):
    """A ``Recorder`` whose first emit waits until released: a consumer still busy with the first page."""

    def __init__(self) -> None:
        super().__init__()
        self.holding = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, event: Any) -> None:
        if not self.events and not self.release.is_set():
            self.holding.set()
            await self.release.wait()
        await super().__call__(event)


@contextlib.asynccontextmanager
async def _first_page_held(server: FakeApiServer, api: Any) -> AsyncIterator[_HeldFirstPage]:
    """Five pods listed two a page, the consumer still busy with the first page once the second was requested."""
    for i in range(5):
        server.add("v1/pods", pod(f"p{i}"))
    held = _HeldFirstPage()
    async with running(watcher(api, held).run()):
        async with asyncio.timeout(SAFETY_S):
            await held.holding.wait()
        await server.wait_until(lambda: server.count("list", "v1/pods") == 2)
        yield held


async def test_next_list_page_is_requested_while_the_current_one_is_emitted(server: FakeApiServer, api: Any) -> None:
    async with _first_page_held(server, api) as held:
        # Only one page ahead: the third page waits for its token, in the second page's answer.
        assert not held.events
        assert server.count("list", "v1/pods") == 2
        held.release.set()
        await held.wait_synced()
        assert held.changes() == [("ADDED", "ns", f"p{i}") for i in range(5)]


async def test_an_expired_continue_token_restarts_the_list_without_repeats(server: FakeApiServer, api: Any) -> None:
    async with _first_page_held(server, api) as held:
        server.compact()  # the token in the prefetched second page is now too old
        held.release.set()
        await held.wait_synced()
        assert server.count("list", "v1/pods", status=410) == 1
        # Pages one and two were emitted before the restart; the restarted list repeats none of them.
        assert held.changes() == [("ADDED", "ns", f"p{i}") for i in range(5)]
        assert len(held.synced()) == 1


async def test_bookmark_moves_resume_point_without_events(server: FakeApiServer, api: Any, recorder: Recorder) -> None:
    server.add("v1/pods", pod("a"))
    server.serve("v1/services")
    server.add("v1/services", {"metadata": {"name": "s", "namespace": "ns"}})  # advances the global RV
    async with running(watcher(api, recorder).run()):
        await recorder.wait_synced()
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        server.fail("v1/pods", 503)  # hold the reconnect so the resume point can be inspected
        server.bookmark()
        server.add("v1/services", {"metadata": {"name": "s2", "namespace": "ns"}})
        server.bookmark()
        server.drop_watches()
        await server.wait_until(lambda: server.count("watch", "v1/pods", status=503) >= 1)
        server.clear_failure("v1/pods")
        await server.wait_until(lambda: server.count("watch", "v1/pods", status=200) >= 2)
        resumed = [r for r in server.requests if r.verb == "watch" and r.status == 200][-1]
        # The second bookmark carried the RV after s2 (4): the watch resumes there, not at the list's RV (3).
        assert resumed.param("resourceVersion") == "4"
        assert recorder.changes() == [("ADDED", "ns", "a")]


async def test_a_stalled_watch_is_resumed_after_silence_and_loses_nothing(
    server: FakeApiServer, api: Any, recorder: Recorder
) -> None:
    # The server's own timeout is far away: only the silence bound can end the stalled stream.
    tuning = replace(FAST, watch_timeout_s=(600, 600), silence_s=0.3)
    server.add("v1/pods", pod("a"))
    async with running(Watcher(api, PODS, recorder, backoff=fast_backoff(), tuning=tuning).run()):
        await recorder.wait_synced()
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        assert server.stall("v1/pods") == 1
        server.add("v1/pods", pod("b"))
        await recorder.wait_for(lambda evs: len(recorder.changes()) == 2)
        assert recorder.changes() == [("ADDED", "ns", "a"), ("ADDED", "ns", "b")]
        resumed = [r for r in server.requests if r.verb == "watch"][-1]
        assert resumed.param("resourceVersion") == "2"  # resumed where it was, not re-listed
        assert server.count("list", "v1/pods") == 1


async def test_broken_watch_loses_nothing_and_repeats_nothing(
    server: FakeApiServer, api: Any, recorder: Recorder
) -> None:
    for name in ("a", "b", "c"):
        server.add("v1/pods", pod(name))
    async with running(watcher(api, recorder).run()):
        await recorder.wait_synced()
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        server.modify("v1/pods", pod("a", v="1"))
        await recorder.wait_for(lambda evs: len(recorder.objects()) == 4)

        # Break the stream mid-flight and keep the watcher out while the cluster changes.
        server.fail("v1/pods", 503)
        assert server.drop_watches("v1/pods") == 1
        server.add("v1/pods", pod("d"))
        server.modify("v1/pods", pod("b", v="2"))
        server.delete("v1/pods", "ns", "c")
        await server.wait_until(lambda: server.count("watch", "v1/pods", status=503) >= 2)
        server.clear_failure("v1/pods")

        await recorder.wait_for(lambda evs: len(recorder.objects()) == 7)
        server.add("v1/pods", pod("e"))  # a marker: once it arrives, anything duplicated would have too
        await recorder.wait_for(lambda evs: len(recorder.objects()) == 8)
        assert recorder.changes() == [
            ("ADDED", "ns", "a"),
            ("ADDED", "ns", "b"),
            ("ADDED", "ns", "c"),
            ("MODIFIED", "ns", "a"),
            ("ADDED", "ns", "d"),
            ("MODIFIED", "ns", "b"),
            ("DELETED", "ns", "c"),
            ("ADDED", "ns", "e"),
        ]
        # Resumed from the last RV: no second list was needed.
        assert server.count("list", "v1/pods") == 2  # the initial list's two pages
        assert len(recorder.synced()) == 1


@pytest.mark.parametrize("gone_as_http_status", [False, True])
async def test_relist_after_410_emits_exactly_the_difference(
    server: FakeApiServer, api: Any, recorder: Recorder, gone_as_http_status: bool
) -> None:
    server.gone_as_http_status = gone_as_http_status
    for name in ("keep", "change", "remove"):
        server.add("v1/pods", pod(name))
    async with running(watcher(api, recorder).run()):
        await recorder.wait_synced()
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        recorder.clear()

        server.fail("v1/pods", 503, times=1)
        server.drop_watches()
        server.add("v1/pods", pod("new"))
        server.modify("v1/pods", pod("change", v="2"))
        server.delete("v1/pods", "ns", "remove")
        server.add("v1/pods", pod("transient"))
        server.delete("v1/pods", "ns", "transient")
        server.compact()  # the watcher's resume point is now too old

        await recorder.wait_synced()
        assert sorted(recorder.changes()) == [
            ("ADDED", "ns", "new"),
            ("DELETED", "ns", "remove"),
            ("MODIFIED", "ns", "change"),
        ]
        assert recorder.events[-1] == KubeListSynced(
            resource="v1/pods", namespace="", resource_version=server.resource_version
        )
        deleted = next(e for e in recorder.objects() if e.watch_type == "DELETED")
        assert deleted.obj()["metadata"]["name"] == "remove"  # last known state, not an empty stub
        expired = [r for r in server.requests if r.verb == "watch"][-1]
        assert expired.status == (410 if gone_as_http_status else 200)


async def test_compaction_under_an_open_watch_relists_with_nothing_new(
    server: FakeApiServer, api: Any, recorder: Recorder
) -> None:
    server.add("v1/pods", pod("a"))
    async with running(watcher(api, recorder).run()):
        await recorder.wait_synced()
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        server.compact()  # an ERROR 410 event on the open stream
        await recorder.wait_synced(2)
        assert recorder.changes() == [("ADDED", "ns", "a")]
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        server.add("v1/pods", pod("b"))
        await recorder.wait_for(lambda evs: len(evs) == 4)
        assert recorder.changes() == [("ADDED", "ns", "a"), ("ADDED", "ns", "b")]


class CountingBackoff(Backoff):
    def __init__(self) -> None:
        super().__init__(initial=0.005, cap=0.02, jitter=0.0)
        self.failures = 0
        self.failed_three_times = asyncio.Event()

    def next_delay(self) -> float:
        self.failures += 1
        if self.failures >= 3:
            self.failed_three_times.set()
        return super().next_delay()


async def test_server_down_at_startup_then_catches_up(recorder: Recorder) -> None:
    async with FakeApiServer() as probe:
        port = probe.port  # a loopback port nobody listens on once this closes
    api = client_for_url(f"http://127.0.0.1:{port}")
    backoff = CountingBackoff()
    try:
        async with running(watcher(api, recorder, backoff=backoff).run()):
            async with asyncio.timeout(20):
                await backoff.failed_three_times.wait()
            assert recorder.events == []  # nothing wrong, nothing at all, while the server is down
            async with FakeApiServer(port=port) as server:
                server.add("v1/pods", pod("a"))
                server.add("v1/pods", pod("b"))
                await recorder.wait_synced()
                assert recorder.changes() == [("ADDED", "ns", "a"), ("ADDED", "ns", "b")]
                assert recorder.unavailable() == []
    finally:
        await api.close()


async def test_forbidden_and_missing_crd_are_reported_once_and_others_keep_working(
    server: FakeApiServer, api: Any
) -> None:
    server.fail("v1/secrets", 403)
    server.add("v1/pods", pod("a"))
    secrets, monitors, pods = Recorder(), Recorder(), Recorder()
    sm_scope = WatchScope(resource="monitoring.coreos.com/v1/servicemonitors", namespace="ns")
    async with (
        running(watcher(api, secrets, WatchScope(resource="v1/secrets")).run()),
        running(watcher(api, monitors, sm_scope).run()),
        running(watcher(api, pods).run()),
    ):
        await pods.wait_synced()
        # Several retries each, yet one report per resource.
        await server.wait_until(lambda: server.count("list", "v1/secrets", status=403) >= 3)
        await server.wait_until(lambda: server.count("list", sm_scope.resource, status=404) >= 3)
        assert [(u.resource, u.namespace) for u in secrets.unavailable()] == [("v1/secrets", "")]
        assert secrets.unavailable()[0].reason.startswith("forbidden")
        assert [(u.resource, u.namespace) for u in monitors.unavailable()] == [(sm_scope.resource, "ns")]
        assert monitors.unavailable()[0].reason.startswith("not served")
        assert len(secrets.events) == 1
        assert len(monitors.events) == 1

        # RBAC fixed, CRD installed: both recover without a restart.
        server.clear_failure("v1/secrets")
        server.add("v1/secrets", {"metadata": {"name": "s", "namespace": "ns"}, "data": {"k": "aGk="}})
        server.serve(sm_scope.resource, kind="ServiceMonitor")
        server.add(sm_scope.resource, {"metadata": {"name": "sm", "namespace": "ns"}, "spec": {}})
        await secrets.wait_synced()
        await monitors.wait_synced()
        assert secrets.changes() == [("ADDED", "ns", "s")]
        assert monitors.changes() == [("ADDED", "ns", "sm")]
        assert len(pods.unavailable()) == 0


async def test_5xx_and_slow_responses_are_retried(server: FakeApiServer, api: Any, recorder: Recorder) -> None:
    server.add("v1/pods", pod("a"))
    server.fail("v1/pods", 500, times=3)
    server.delay = 0.05
    async with running(watcher(api, recorder).run()):
        await recorder.wait_synced()
    assert recorder.changes() == [("ADDED", "ns", "a")]
    assert server.count("list", "v1/pods", status=500) == 3


async def test_selectors_and_namespace_scope(server: FakeApiServer, api: Any, recorder: Recorder) -> None:
    server.add("v1/pods", pod("match", app="x"))
    server.add("v1/pods", pod("other", app="y"))
    server.add("v1/pods", pod("elsewhere", namespace="ns2", app="x"))
    scope = WatchScope(
        resource="v1/pods", namespace="ns", label_selector="app=x", field_selector="spec.nodeName=node-1"
    )
    async with running(watcher(api, recorder, scope).run()):
        await recorder.wait_synced()
        assert recorder.changes() == [("ADDED", "ns", "match")]
        assert recorder.synced()[0].namespace == "ns"
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        server.modify("v1/pods", pod("match", app="gone"))  # leaves the selection
        server.modify("v1/pods", pod("other", app="x"))  # enters it
        await recorder.wait_for(lambda evs: len(evs) == 4)
        assert recorder.changes()[1:] == [("DELETED", "ns", "match"), ("ADDED", "ns", "other")]
    lst = next(r for r in server.requests if r.verb == "list")
    assert lst.param("labelSelector") == "app=x"
    assert lst.param("fieldSelector") == "spec.nodeName=node-1"


async def test_everything_emitted_is_sanitised_and_raw_values_reach_the_observer(
    server: FakeApiServer, api: Any, recorder: Recorder
) -> None:
    seen: list[tuple[WatchType, str, dict[str, Any]]] = []
    db_url = "postgres://app:pw@db/app"
    server.add("v1/pods", pod("a"))
    server.add("v1/secrets", {"metadata": {"name": "s", "namespace": "ns"}, "data": {"pw": "aHVudGVyMg=="}})
    server.add("v1/configmaps", {"metadata": {"name": "c", "namespace": "ns"}, "data": {"db_url": db_url}})
    observe = lambda t, r, o: seen.append((t, r, dict(o)))  # noqa: E731
    w_pods = watcher(api, recorder)
    w_secrets = watcher(api, recorder, WatchScope(resource="v1/secrets"), raw_observer=observe)
    w_configmaps = watcher(api, recorder, WatchScope(resource="v1/configmaps"), raw_observer=observe)
    async with running(w_pods.run()), running(w_secrets.run()), running(w_configmaps.run()):
        await recorder.wait_synced(3)
        await server.wait_until(lambda: server.open_watches() == 3)
        server.modify("v1/pods", pod("a", v="2"))
        server.modify("v1/secrets", {"metadata": {"name": "s", "namespace": "ns"}, "data": {"pw": "aHVudGVyMw=="}})
        server.modify("v1/configmaps", {"metadata": {"name": "c", "namespace": "ns"}, "data": {"db_url": db_url + "2"}})
        await recorder.wait_for(lambda evs: len(evs) == 9)
    bodies = [e.body for e in recorder.objects()]
    assert len(bodies) == 6
    plain_sha = hashlib.sha256(b"hunter2").hexdigest().encode()
    for body in bodies:
        assert b"hunter2" not in body
        assert b"aHVudGVy" not in body
        assert b"postgres" not in body and b"pw@db" not in body
        assert plain_sha not in body
    # The watchers interleave: pick each resource's events out.
    pod_body = next(e.obj() for e in recorder.objects() if e.resource == "v1/pods")
    assert pod_body["spec"]["containers"] == [{"name": "c"}]
    for resource, key in (("v1/secrets", "pw"), ("v1/configmaps", "db_url")):
        journaled = [e.obj()["data"][key] for e in recorder.objects() if e.resource == resource]
        assert journaled[0].startswith("hmac-sha256:")
        assert journaled[0] != journaled[1]  # a change still shows
    by_resource = {r: [(t, o["data"]) for t, rr, o in seen if rr == r] for r in ("v1/secrets", "v1/configmaps")}
    assert by_resource["v1/secrets"] == [("ADDED", {"pw": "aHVudGVyMg=="}), ("MODIFIED", {"pw": "aHVudGVyMw=="})]
    assert by_resource["v1/configmaps"] == [("ADDED", {"db_url": db_url}), ("MODIFIED", {"db_url": db_url + "2"})]


async def test_without_bodies_a_relist_deletion_names_the_object_and_snapshots_are_refused(
    server: FakeApiServer, api: Any, recorder: Recorder
) -> None:
    for name in ("keep", "remove"):
        server.add("v1/pods", pod(name))
    w = watcher(api, recorder, keep_bodies=False)
    async with running(w.run()):
        await recorder.wait_synced()
        await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
        recorder.clear()
        server.drop_watches()
        server.delete("v1/pods", "ns", "remove")
        server.compact()
        await recorder.wait_synced()
        assert recorder.changes() == [("DELETED", "ns", "remove")]
        deleted = recorder.objects()[0]
        assert deleted.obj()["metadata"]["name"] == "remove"
        assert deleted.obj()["metadata"]["namespace"] == "ns"
        assert deleted.obj()["metadata"]["resourceVersion"]
        with pytest.raises(RuntimeError, match="keeps no bodies"):
            w.snapshot()

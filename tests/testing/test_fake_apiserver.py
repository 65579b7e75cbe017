"""Tests for ta.testing.fake_apiserver: the API shapes the watch machinery relies on, over plain aiohttp."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson
import pytest

from ta.testing.fake_apiserver import FakeApiServer
from ta.testing.selectors import field_selector, label_selector


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, Any]:
    async with session.get(url) as response:
        return response.status, orjson.loads(await response.read())


async def test_paths_pagination_and_get() -> None:
    async with FakeApiServer() as server, aiohttp.ClientSession() as session:
        server.add("v1/pods", {"metadata": {"name": "a", "namespace": "x"}})
        server.add("v1/pods", {"metadata": {"name": "b", "namespace": "y"}})
        server.add("v1/nodes", {"metadata": {"name": "n1"}})
        status, page = await _get(session, f"{server.url}/api/v1/pods?limit=1")
        assert status == 200
        assert page["kind"] == "PodList"
        assert [i["metadata"]["name"] for i in page["items"]] == ["a"]
        assert "kind" not in page["items"][0]
        token = page["metadata"]["continue"]
        _, rest = await _get(session, f"{server.url}/api/v1/pods?limit=1&continue={token}")
        assert [i["metadata"]["name"] for i in rest["items"]] == ["b"]
        assert "continue" not in rest["metadata"]
        _, in_y = await _get(session, f"{server.url}/api/v1/namespaces/y/pods")
        assert [i["metadata"]["name"] for i in in_y["items"]] == ["b"]
        _, node = await _get(session, f"{server.url}/api/v1/nodes/n1")
        assert (node["kind"], node["metadata"]["name"]) == ("Node", "n1")
        status, missing = await _get(session, f"{server.url}/apis/monitoring.coreos.com/v1/servicemonitors")
        assert (status, missing["reason"]) == (404, "NotFound")


async def test_watch_replays_history_from_a_resource_version() -> None:
    async with FakeApiServer() as server, aiohttp.ClientSession() as session:
        server.add("v1/pods", {"metadata": {"name": "a", "namespace": "x"}})
        since = server.resource_version
        server.add("v1/pods", {"metadata": {"name": "b", "namespace": "x"}})
        server.delete("v1/pods", "x", "a")
        url = f"{server.url}/api/v1/pods?watch=1&resourceVersion={since}&timeoutSeconds=1"
        async with session.get(url) as response:
            lines = [orjson.loads(line) for line in (await response.read()).splitlines()]
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in lines] == [("ADDED", "b"), ("DELETED", "a")]


async def test_discovery_documents() -> None:
    async with FakeApiServer(served=()) as server, aiohttp.ClientSession() as session:
        server.serve("monitoring.coreos.com/v1/podmonitors")
        _, groups = await _get(session, f"{server.url}/apis")
        assert [g["name"] for g in groups["groups"]] == ["monitoring.coreos.com"]
        _, listing = await _get(session, f"{server.url}/apis/monitoring.coreos.com/v1")
        assert [(r["name"], r["kind"], r["namespaced"]) for r in listing["resources"]] == [
            ("podmonitors", "PodMonitor", True)
        ]


def test_selectors() -> None:
    obj = {"metadata": {"name": "n", "labels": {"app": "a", "tier": "web"}}, "spec": {"nodeName": "x"}}
    assert label_selector("app=a,tier in (web,db)")(obj)
    assert label_selector("app,!missing")(obj)
    assert not label_selector("app!=a")(obj)
    assert not label_selector("tier notin (web)")(obj)
    assert label_selector("")(obj)
    assert field_selector("spec.nodeName=x,metadata.name==n")(obj)
    assert not field_selector("spec.nodeName!=x")(obj)


async def test_fail_all_is_a_storm_over_every_resource_until_cleared() -> None:
    async with FakeApiServer() as server, aiohttp.ClientSession() as session:
        server.fail_all(503)
        for path in ("/api/v1/pods", "/apis/discovery.k8s.io/v1/endpointslices", "/api/v1/nodes?watch=1", "/apis"):
            status, body = await _get(session, server.url + path)
            assert (status, body["code"]) == (503, 503), path
        server.clear_failures()
        status, _ = await _get(session, f"{server.url}/api/v1/pods")
        assert status == 200


async def test_a_stalled_watch_sends_nothing_and_outlives_its_timeout() -> None:
    async with FakeApiServer() as server, aiohttp.ClientSession() as session:
        server.add("v1/pods", {"metadata": {"name": "a", "namespace": "x"}})
        since = server.resource_version
        url = f"{server.url}/api/v1/pods?watch=1&resourceVersion={since}&timeoutSeconds=1"
        async with session.get(url) as response:
            await server.wait_until(lambda: server.open_watches("v1/pods") == 1)
            assert server.stall("v1/pods") == 1
            await server.wait_until(lambda: server.open_watches("v1/pods") == 0)
            server.add("v1/pods", {"metadata": {"name": "b", "namespace": "x"}})
            # Well past timeoutSeconds the stream is still open and has delivered nothing.
            read = asyncio.ensure_future(response.content.readline())
            done, _ = await asyncio.wait({read}, timeout=1.5)
            assert not done
            read.cancel()
        # A new watch is served normally, from the same resourceVersion.
        async with session.get(url) as response:
            lines = [orjson.loads(line) for line in (await response.read()).splitlines()]
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in lines] == [("ADDED", "b")]


async def test_a_restart_keeps_port_objects_and_history() -> None:
    server = FakeApiServer()
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            server.add("v1/pods", {"metadata": {"name": "a", "namespace": "x"}})
            since = server.resource_version
            server.add("v1/pods", {"metadata": {"name": "b", "namespace": "x"}})
            port = server.port
            await server.stop()
            with pytest.raises(aiohttp.ClientConnectionError):
                await _get(session, f"{server.url}/api/v1/pods")
            await server.start()
            assert server.port == port
            _, pods = await _get(session, f"{server.url}/api/v1/pods")
            assert [i["metadata"]["name"] for i in pods["items"]] == ["a", "b"]
            url = f"{server.url}/api/v1/pods?watch=1&resourceVersion={since}&timeoutSeconds=1"
            async with session.get(url) as response:
                lines = [orjson.loads(line) for line in (await response.read()).splitlines()]
            assert [(e["type"], e["object"]["metadata"]["name"]) for e in lines] == [("ADDED", "b")]
    finally:
        await server.stop()

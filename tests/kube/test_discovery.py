"""Tests for ta.kube.discovery against the fake API server's discovery endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from ta.kube.api import ApiStatusError
from ta.kube.discovery import served_resources
from ta.testing.fake_apiserver import FakeApiServer


async def test_lists_served_monitoring_resources(server: FakeApiServer, api: Any) -> None:
    server.serve("monitoring.coreos.com/v1/servicemonitors")
    server.serve("monitoring.coreos.com/v1/podmonitors")
    server.serve("monitoring.coreos.com/v1alpha1/scrapeconfigs")
    assert await served_resources(api) == {
        "monitoring.coreos.com/v1/servicemonitors",
        "monitoring.coreos.com/v1/podmonitors",
        "monitoring.coreos.com/v1alpha1/scrapeconfigs",
    }
    assert await served_resources(api, "discovery.k8s.io") == {"discovery.k8s.io/v1/endpointslices"}


async def test_group_not_installed_is_empty(api: Any) -> None:
    assert await served_resources(api) == frozenset()


async def test_other_failures_raise_so_the_caller_can_fail_open(server: FakeApiServer, api: Any) -> None:
    server.serve("monitoring.coreos.com/v1/probes")
    server.fail("discovery", 503)
    with pytest.raises(ApiStatusError) as info:
        await served_resources(api)
    assert info.value.status == 503

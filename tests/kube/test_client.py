"""Tests for ta.kube.client: kubeconfig precedence and that the built client authenticates."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes_asyncio.config import ConfigException

from ta.kube.client import build_api_client, client_for_url
from ta.kube.discovery import served_resources
from ta.testing.fake_apiserver import FakeApiServer, write_kubeconfig


async def test_explicit_kubeconfig_wins_over_env_and_sends_the_token(tmp_path: Path) -> None:
    async with FakeApiServer(token="t0ken") as server:
        server.serve("monitoring.coreos.com/v1/servicemonitors")
        good = write_kubeconfig(tmp_path / "good", server.url, token="t0ken")
        other = write_kubeconfig(tmp_path / "other", "http://127.0.0.1:1", token="nope")
        api = await build_api_client(kubeconfig=str(good), env={"KUBECONFIG": str(other)})
        try:
            assert api.configuration.host == server.url
            assert await served_resources(api) == {"monitoring.coreos.com/v1/servicemonitors"}
        finally:
            await api.close()
        assert all(r.status == 200 for r in server.requests)


async def test_kubeconfig_env_is_used_without_an_explicit_path(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "cfg", "http://127.0.0.1:6443")
    api = await build_api_client(env={"KUBECONFIG": str(path)})
    try:
        assert api.configuration.host == "http://127.0.0.1:6443"
    finally:
        await api.close()


async def test_without_kubeconfig_it_is_in_cluster() -> None:
    # Outside a pod the service-account environment is missing: the in-cluster loader is what complains.
    with pytest.raises(ConfigException, match=r"[Ss]ervice host/port"):
        await build_api_client(env={})


async def test_wrong_token_is_rejected_by_the_fake(tmp_path: Path) -> None:
    async with FakeApiServer(token="right") as server:
        api = client_for_url(server.url, token="wrong")
        try:
            with pytest.raises(Exception, match="401"):
                await served_resources(api)
        finally:
            await api.close()

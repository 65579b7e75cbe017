"""Build the kubernetes-asyncio ``ApiClient`` the watches use.

In: an explicit kubeconfig path (CLI/config), the environment (``KUBECONFIG``), or the pod's service account.
Out: an ``ApiClient`` (the caller closes it). Precedence: explicit path, else ``KUBECONFIG``, else in-cluster.
``client_for_url`` points a client straight at a URL (tests, benchmarks, the fake API server).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.config import load_incluster_config, load_kube_config


async def build_api_client(
    *, kubeconfig: str | None = None, context: str | None = None, env: Mapping[str, str] | None = None
) -> ApiClient:
    environ = os.environ if env is None else env
    path = kubeconfig or environ.get("KUBECONFIG") or None
    configuration = Configuration()
    if path:
        # persist_config=False: never write refreshed tokens back into a user's kubeconfig.
        await load_kube_config(
            config_file=path, context=context, client_configuration=configuration, persist_config=False
        )
    else:
        load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    return ApiClient(configuration=configuration)


def client_for_url(url: str, *, token: str | None = None) -> ApiClient:
    configuration = Configuration(host=url)
    if token is not None:
        configuration.api_key = {"BearerToken": token}
        configuration.api_key_prefix = {"BearerToken": "Bearer"}
    return ApiClient(configuration=configuration)

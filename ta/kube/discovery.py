"""API discovery: which resources of an API group the server actually serves.

In: an ``ApiClient`` and a group (``monitoring.coreos.com``). Out: the served resources, named as in events
(``monitoring.coreos.com/v1/servicemonitors``), subresources (``.../status``) excluded. A group the server does
not know gives an empty set (CRDs not installed). Any other failure raises ``ApiStatusError`` or a connection
error; upstream fails open on those (watches everything and lets each watch report 404), and so should the
caller.
"""

from __future__ import annotations

import aiohttp
from kubernetes_asyncio.client import ApiClient

from ta.kube.api import ApiStatusError, get_json

MONITORING_GROUP = "monitoring.coreos.com"
_TIMEOUT = aiohttp.ClientTimeout(total=30.0)
_NOT_FOUND = 404


async def served_resources(api: ApiClient, group: str = MONITORING_GROUP) -> frozenset[str]:
    try:
        group_doc = await get_json(api, f"/apis/{group}", (), client_timeout=_TIMEOUT)
    except ApiStatusError as e:
        if e.status == _NOT_FOUND:
            return frozenset()
        raise
    served: set[str] = set()
    for version in group_doc.get("versions") or ():
        group_version = version.get("groupVersion") if isinstance(version, dict) else None
        if not isinstance(group_version, str):
            continue
        try:
            listing = await get_json(api, f"/apis/{group_version}", (), client_timeout=_TIMEOUT)
        except ApiStatusError as e:
            if e.status == _NOT_FOUND:
                continue  # the version went away between the two requests
            raise
        for resource in listing.get("resources") or ():
            name = resource.get("name") if isinstance(resource, dict) else None
            if isinstance(name, str) and "/" not in name:
                served.add(f"{group_version}/{name}")
    return frozenset(served)

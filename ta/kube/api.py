"""Raw JSON GETs through a kubernetes-asyncio ``ApiClient`` (its auth, TLS and host; none of its models).

In: an ``ApiClient``, an API path and query parameters. Out: the decoded JSON object (``get_json``) or an
open streaming response (``open_stream``) for watches. Non-2xx answers raise ``ApiStatusError`` carrying
the HTTP status and the API ``Status`` reason/message. Model deserialisation is skipped on purpose: objects
are re-serialised as compact JSON anyway, and the generated models are slow and lossy for CRDs.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import orjson
from kubernetes_asyncio.client import ApiClient

Query = Sequence[tuple[str, str]]


class ApiStatusError(Exception):
    def __init__(self, status: int, reason: str = "", message: str = "") -> None:
        super().__init__(f"{status} {reason}: {message}".strip())
        self.status = status
        self.reason = reason
        self.message = message


def _status_error(status: int, body: bytes) -> ApiStatusError:
    reason, message = "", body[:200].decode(errors="replace")
    with contextlib.suppress(orjson.JSONDecodeError):
        decoded = orjson.loads(body)
        if isinstance(decoded, dict):
            reason = str(decoded.get("reason", ""))
            message = str(decoded.get("message", message))
    return ApiStatusError(status, reason, message)


@contextlib.asynccontextmanager
async def open_stream(
    api: ApiClient, path: str, query: Query, *, client_timeout: aiohttp.ClientTimeout
) -> AsyncIterator[aiohttp.ClientResponse]:
    """GET ``path``; yields the response once its status is 2xx, releasing the connection afterwards."""
    response: aiohttp.ClientResponse = await api.call_api(
        path,
        "GET",
        query_params=list(query),
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
        _preload_content=False,
        _request_timeout=client_timeout,
    )
    try:
        if not 200 <= response.status <= 299:
            raise _status_error(response.status, await response.read())
        yield response
    finally:
        response.release()


async def get_json(api: ApiClient, path: str, query: Query, *, client_timeout: aiohttp.ClientTimeout) -> dict[str, Any]:
    async with open_stream(api, path, query, client_timeout=client_timeout) as response:
        body = await response.read()
    decoded = orjson.loads(body)
    if not isinstance(decoded, dict):
        raise ValueError(f"GET {path}: expected a JSON object")
    return decoded


async def iter_lines(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """Newline-delimited chunks of a watch stream, of any length (aiohttp's readline caps lines at 64 KiB)."""
    buffer = bytearray()
    async for chunk in response.content.iter_any():
        buffer += chunk
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            line = bytes(buffer[start:end])
            start = end + 1
            if line.strip():
                yield line
        del buffer[:start]
    if bytes(buffer).strip():
        yield bytes(buffer)

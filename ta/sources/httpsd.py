"""The HTTP SD source: polls every ``http_sd_configs`` endpoint and reports what it answered.

In: the distinct endpoints of the scrape jobs (URL, refresh interval, client settings). Out: an
``HttpSDResponse`` whenever an endpoint's answer (status, Content-Type, body) differs from the last one, or a
request fails in a new way, submitted to the sequencer. Requests send Prometheus' headers (``Accept:
application/json``, ``X-Prometheus-Refresh-Interval-Seconds``) and time out after the refresh interval.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import aiohttp
import structlog

from ta.core.promcfg.duration import parse_duration
from ta.core.promcfg.httpclient import HTTPClientConfig
from ta.core.promcfg.scrape import ScrapeJob
from ta.events.base import Journaled
from ta.events.httpsd import HttpSDResponse

log = structlog.get_logger("ta.sources.httpsd")
USER_AGENT = "ta-target-allocator (Prometheus http_sd compatible)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    url: str
    refresh_seconds: float
    client: HTTPClientConfig


def endpoints(jobs: Iterable[ScrapeJob]) -> tuple[Endpoint, ...]:
    """One poller per URL: the shortest refresh interval asked for, the first job's client settings."""
    found: dict[str, Endpoint] = {}
    for job in jobs:
        for sd in job.http_sd_configs:
            seconds = parse_duration(sd.refresh_interval) / 1000
            known = found.get(sd.url)
            if known is None or seconds < known.refresh_seconds:
                found[sd.url] = Endpoint(url=sd.url, refresh_seconds=seconds, client=sd.http_client)
    return tuple(found[url] for url in sorted(found))


def _headers(endpoint: Endpoint) -> dict[str, str]:
    headers = {
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "X-Prometheus-Refresh-Interval-Seconds": f"{endpoint.refresh_seconds:g}",
    }
    client = endpoint.client
    if client.basic_auth is not None:
        password = client.basic_auth.password.value if client.basic_auth.password is not None else ""
        token = base64.b64encode(f"{client.basic_auth.username}:{password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    elif client.authorization is not None and client.authorization.credentials is not None:
        headers["Authorization"] = (
            f"{client.authorization.type or 'Bearer'} {client.authorization.credentials.value or ''}"
        )
    return headers


def _ssl(client: HTTPClientConfig) -> ssl.SSLContext | bool:
    tls = client.tls_config
    if not (tls.ca_file or tls.cert_file or tls.insecure_skip_verify):
        return True
    context = ssl.create_default_context(cafile=tls.ca_file or None)
    if tls.cert_file and tls.key_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    if tls.insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def poll(submit: Callable[[Journaled], Awaitable[None]], endpoint: Endpoint) -> None:
    last: HttpSDResponse | None = None
    timeout = aiohttp.ClientTimeout(total=endpoint.refresh_seconds)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        while True:
            try:
                async with session.get(
                    endpoint.url,
                    headers=_headers(endpoint),
                    ssl=_ssl(endpoint.client),
                    allow_redirects=endpoint.client.follow_redirects,
                ) as resp:
                    body = await resp.text(errors="replace")
                    answer = HttpSDResponse(
                        url=endpoint.url,
                        status=resp.status,
                        content_type=resp.headers.get("Content-Type", ""),
                        body=body,
                    )
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, TimeoutError, OSError, ssl.SSLError) as exc:
                answer = HttpSDResponse(url=endpoint.url, status=0, error=str(exc) or type(exc).__name__)
            if answer != last:
                last = answer
                if answer.error:
                    log.warning("http_sd.failed", url=endpoint.url, error=answer.error)
                await submit(answer)
            await asyncio.sleep(endpoint.refresh_seconds)


async def run_http_sd(submit: Callable[[Journaled], Awaitable[None]], targets: Iterable[Endpoint]) -> None:
    async with asyncio.TaskGroup() as tg:
        for endpoint in targets:
            tg.create_task(poll(submit, endpoint), name=f"http_sd {endpoint.url}")

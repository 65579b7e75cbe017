import asyncio

from aiohttp import web

from ta.core.promcfg.scrape import parse_prometheus_config
from ta.events.base import Journaled
from ta.events.httpsd import HttpSDResponse
from ta.sources.httpsd import endpoints, poll


async def test_polls_with_prometheus_headers_and_reports_changes_only() -> None:
    seen_headers: list[dict[str, str]] = []
    bodies = iter(['[{"targets":["a:1"]}]', '[{"targets":["a:1"]}]', '[{"targets":["b:2"]}]'])

    async def handler(request: web.Request) -> web.Response:
        seen_headers.append(dict(request.headers))
        return web.Response(text=next(bodies, "[]"), content_type="application/json")

    app = web.Application()
    app.router.add_get("/sd", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/sd"
    parsed = parse_prometheus_config(
        {
            "scrape_configs": [
                {
                    "job_name": "j",
                    "http_sd_configs": [
                        {"url": url, "refresh_interval": "50ms", "basic_auth": {"username": "u", "password": "p"}}
                    ],
                }
            ]
        }
    )
    [endpoint] = endpoints(parsed.jobs)
    got: list[HttpSDResponse] = []
    done = asyncio.Event()

    async def submit(event: Journaled) -> None:
        assert isinstance(event, HttpSDResponse)
        got.append(event)
        if len(got) == 2:
            done.set()

    task = asyncio.create_task(poll(submit, endpoint))
    try:
        await asyncio.wait_for(done.wait(), 10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await runner.cleanup()
    assert [g.body for g in got] == ['[{"targets":["a:1"]}]', '[{"targets":["b:2"]}]']  # unchanged answer not resent
    assert got[0].status == 200 and got[0].content_type.startswith("application/json")
    assert seen_headers[0]["Accept"] == "application/json"
    assert seen_headers[0]["X-Prometheus-Refresh-Interval-Seconds"] == "0.05"
    assert seen_headers[0]["Authorization"] == "Basic dTpw"

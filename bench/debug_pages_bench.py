"""HTML debug pages under load: per-request time, event-loop stalls and probe latency at 100 000 targets.

In: sizes (targets, jobs, collectors), client counts, seconds per run. Out: a plain-text
``metric | value | aim`` table on stdout; nothing is asserted.

Two processes. The server builds a ``View`` directly (no pipeline: the pages read only the view) with
``--targets`` targets (Kubernetes-like discovered labels, an EndpointSlice name, xxhash64 identity hashes)
in ``--jobs`` jobs over ``--collectors`` collectors and a redacted ``/scrape_configs`` body of that many
jobs, and serves it with ``ta.http.server.build_app`` on 127.0.0.1. A monitor task in the server sleeps
5 ms at a time and records how late it wakes: the longest lateness is the longest event-loop stall.
The client (this process) first times one request of each page, then runs N clients looping on
``/debug/targets`` (the issue's case) while a probe requests ``/readyz`` every 100 ms, and reports the
pages' latency, the slowest probe, the longest stall and the server's peak RSS during the run.

Run: ``python bench/debug_pages_bench.py [--targets 100000 --jobs 500 --collectors 50 --clients 2 12
--seconds 20]``. Run against another checkout with ``PYTHONPATH=<checkout>`` (the script uses only
``View``, ``ServerState`` and ``build_app``, which the pre-pagination code has too).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import os
import platform
import socket
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

# The checkout under test: PYTHONPATH if given (to measure another version), else this one.
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import xxhash

HOST = "127.0.0.1"
TICK = 0.005
PROBE_EVERY = 0.1
PROBE_TIMEOUT = 3.0  # the manifest's readiness probe timeout


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--collectors", type=int, default=50)
    parser.add_argument("--clients", type=int, nargs="+", default=[2, 12])
    parser.add_argument("--seconds", type=float, default=20.0, help="per load run")
    return parser.parse_args(argv)


# --- the server process -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _job(j: int) -> str:
    return f"serviceMonitor/ns-{j % 20}/app-{j}/0" if j % 3 else f"static-{j}"


def _scrape_configs(jobs: int) -> bytes:
    configs = {
        _job(j): {
            "job_name": _job(j),
            "honor_timestamps": True,
            "scrape_interval": "30s",
            "scrape_timeout": "10s",
            "metrics_path": "/metrics",
            "scheme": "http",
            "follow_redirects": True,
            "enable_http2": True,
            "relabel_configs": [
                {
                    "source_labels": [f"__meta_kubernetes_service_label_app_{k}"],
                    "separator": ";",
                    "regex": f"app-{j}",
                    "replacement": "$1",
                    "action": "keep",
                }
                for k in range(8)
            ],
            "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": [f"ns-{j % 20}"]}}],
        }
        for j in range(jobs)
    }
    return json.dumps(configs, sort_keys=True, separators=(",", ":")).encode()


def _build_view(args: argparse.Namespace) -> object:
    from ta.core.allocation.allocator import Move
    from ta.core.base.labels import label_set
    from ta.core.base.model import Target
    from ta.core.serving.view import View

    view = View()
    collectors = [f"collector-{c}" for c in range(args.collectors)]
    view.set_collectors(collectors)
    moves = []
    for i in range(args.targets):
        j = i % args.jobs
        job = _job(j)
        address = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}:8080"
        labels = {
            "__address__": address,
            "__meta_kubernetes_namespace": f"ns-{j % 20}",
            "__meta_kubernetes_service_name": f"app-{j}",
            "__meta_kubernetes_pod_name": f"app-{j}-{i}",
            "__meta_kubernetes_pod_node_name": f"node-{i % 300}",
            "__meta_kubernetes_endpointslice_name": f"app-{j}-{i // 50}",
            "__meta_kubernetes_pod_container_name": "app",
        }
        identity = xxhash.xxh64_intdigest(f"{job}|{address}".encode())
        target = Target(job=job, address=address, own=label_set(labels), hash=identity)
        moves.append(Move(target, "", collectors[i % len(collectors)]))
    moves.sort(key=lambda m: m.target.job)  # the view expects moves grouped by job
    view.apply(moves)
    redacted = _scrape_configs(args.jobs)
    view.set_scrape_configs(redacted, redacted)
    return view


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM (peak RSS) starts again from the current RSS


def serve(args: argparse.Namespace, port: int, conn: Connection) -> None:
    asyncio.run(_serve(args, port, conn))


async def _serve(args: argparse.Namespace, port: int, conn: Connection) -> None:
    from aiohttp import web

    from ta.app import tune_gc
    from ta.http.server import ServerState, build_app
    from ta.process import logs
    from ta.process.metrics import Metrics

    logs.configure("console", "warning")
    tune_gc()
    view = _build_view(args)
    gc.freeze()  # as ta run does once its first lists are loaded (ta.app.LoadGC)
    state = ServerState(
        view=view,  # type: ignore[arg-type]
        metrics=Metrics(),
        sequencer=None,
        allow_insecure_auth_secrets=False,
        is_ready=lambda: True,
    )
    runner = web.AppRunner(build_app(state), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, HOST, port).start()
    stalls: list[float] = []
    cpu_stalls: list[float] = []

    async def monitor() -> None:
        # Wall lateness includes the OS not running this process at all (a busy machine); the thread's CPU
        # time between two ticks is what the loop itself spent without coming back to the timer.
        loop = asyncio.get_running_loop()
        while True:
            before, cpu = loop.time(), time.thread_time()
            await asyncio.sleep(TICK)
            stalls.append(loop.time() - before - TICK)
            cpu_stalls.append(time.thread_time() - cpu)

    task = asyncio.create_task(monitor())
    conn.send("ready")
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "reset":
            stalls.clear()
            cpu_stalls.clear()
            _reset_peak_rss()
            conn.send("ok")
        elif command == "stats":
            conn.send(
                {
                    "max_stall": max(stalls, default=0.0),
                    "max_cpu_stall": max(cpu_stalls, default=0.0),
                    "hwm_kib": _rss_kib("VmHWM"),
                    "rss_kib": _rss_kib("VmRSS"),
                }
            )
        else:
            break
    task.cancel()
    await runner.cleanup()


# --- the client -------------------------------------------------------------------------------------------


def _stall(stats: dict[str, float]) -> str:
    return f"{stats['max_stall'] * 1000:.0f} ms ({stats['max_cpu_stall'] * 1000:.0f} ms)"


async def _timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    async with session.get(url, timeout=aiohttp.ClientTimeout(total=120)) as resp:
        body = await resp.read()
    return time.perf_counter() - start, resp.status, len(body)


async def _single_pages(base: str, conn: Connection, rows: list[tuple[str, str, str]]) -> None:
    pages = [
        ("/debug/targets (first, builds the index)", "/debug/targets"),
        ("/debug/targets (again)", "/debug/targets"),
        ("/debug/targets?page=150", "/debug/targets?page=150"),
        ("/", "/"),
        ("/debug/jobs", "/debug/jobs"),
        ("/debug/collector?collector_id=collector-7", "/debug/collector?collector_id=collector-7"),
        ("/debug/scrape_configs", "/debug/scrape_configs"),
    ]
    async with aiohttp.ClientSession() as session:
        for label, path in pages:
            conn.send("reset")
            conn.recv()
            took, status, size = await _timed_get(session, base + path)
            conn.send("stats")
            stats = conn.recv()
            rows.append(
                (
                    f"{label}: time / body / max stall (CPU)",
                    f"{took * 1000:.0f} ms / {size / 1e6:.2f} MB / {_stall(stats)} ({status})",
                    "stall < 50 ms",
                )
            )


async def _load(base: str, conn: Connection, clients: int, seconds: float, rows: list[tuple[str, str, str]]) -> None:
    conn.send("reset")
    conn.recv()
    stop = time.perf_counter() + seconds
    page_times: list[float] = []
    probe_times: list[float] = []
    probe_failures = 0

    async def client(session: aiohttp.ClientSession) -> None:
        while time.perf_counter() < stop:
            took, _, _ = await _timed_get(session, base + "/debug/targets")
            page_times.append(took)

    async def probe(session: aiohttp.ClientSession) -> None:
        nonlocal probe_failures
        while time.perf_counter() < stop:
            start = time.perf_counter()
            try:
                async with session.get(base + "/readyz", timeout=aiohttp.ClientTimeout(total=30)) as resp:
                    await resp.read()
            except (TimeoutError, aiohttp.ClientError):
                probe_failures += 1
            took = time.perf_counter() - start
            probe_times.append(took)
            await asyncio.sleep(max(0.0, PROBE_EVERY - took))

    async with aiohttp.ClientSession() as pages, aiohttp.ClientSession() as probes:
        await asyncio.gather(*(client(pages) for _ in range(clients)), probe(probes))
    conn.send("stats")
    stats = conn.recv()
    late = sum(1 for t in probe_times if t > PROBE_TIMEOUT)
    rows.append(
        (
            f"{clients} clients on /debug/targets: requests, p50 / max",
            f"{len(page_times)}, {statistics.median(page_times) * 1000:.0f} / {max(page_times) * 1000:.0f} ms",
            "",
        )
    )
    rows.append(
        (
            f"{clients} clients: /readyz p50 / max, over {PROBE_TIMEOUT:.0f} s",
            f"{statistics.median(probe_times) * 1000:.0f} / {max(probe_times) * 1000:.0f} ms, {late + probe_failures}",
            "max < 100 ms, 0",
        )
    )
    rows.append((f"{clients} clients: max event-loop stall (CPU)", _stall(stats), "< 50 ms"))
    rows.append(
        (
            f"{clients} clients: server peak RSS / RSS after",
            f"{stats['hwm_kib'] / 1024:.0f} / {stats['rss_kib'] / 1024:.0f} MiB",
            "flat",
        )
    )


async def _client(args: argparse.Namespace, port: int, conn: Connection) -> list[tuple[str, str, str]]:
    base = f"http://{HOST}:{port}"
    rows: list[tuple[str, str, str]] = []
    conn.send("stats")
    rows.append(("server RSS with the view built", f"{conn.recv()['rss_kib'] / 1024:.0f} MiB", ""))
    await _single_pages(base, conn, rows)
    for clients in args.clients:
        await _load(base, conn, clients, args.seconds, rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    port = _free_port()
    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=serve, args=(args, port, theirs), daemon=True)
    started = time.perf_counter()
    server.start()
    try:
        if not ours.poll(600):
            raise SystemExit("server did not start in 600 s")
        ours.recv()
        built = time.perf_counter() - started
        rows = asyncio.run(_client(args, port, ours))
    finally:
        ours.send("stop")
        server.join(30)
        if server.is_alive():
            server.kill()
    title = (
        f"debug pages: {args.targets} targets, {args.jobs} jobs, {args.collectors} collectors "
        f"(server up in {built:.0f} s; Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f})"
    )
    width = max(len(r[0]) for r in rows)
    vwidth = max(len(r[1]) for r in rows)
    print(title)
    print(f"{'metric'.ljust(width)} | {'value'.ljust(vwidth)} | aim")
    for metric, value, aim in rows:
        print(f"{metric.ljust(width)} | {value.ljust(vwidth)} | {aim}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

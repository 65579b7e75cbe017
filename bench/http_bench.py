"""HTTP benchmark: ``/jobs/{job}/targets?collector_id=`` under concurrent clients on loopback.

In: sizes and strategy (as ``pipeline_bench.py``), concurrency levels, a request count and a time cap per
run. Out: a plain-text ``metric | value | aim`` table on stdout; nothing is asserted.

Two processes: the server is a replay-like in-process pipeline (the same generated state: 100 000 targets,
500 jobs, 50 collector pods, one file-SD job) serving HTTP on 127.0.0.1 (an ephemeral port); the client is
this process, an ``aiohttp.ClientSession`` with N concurrent workers requesting seeded-random
``/jobs/{QueryEscape(job)}/targets?collector_id=<c>`` URLs until the request count or the time cap is hit.
Every answer is rendered once before the runs, so they measure the cached path (the steady state between
changes). For each run: requests/s, p50/p99 latency, and the *server's* CPU time during the run (from
``/proc``), so "requests per server CPU-second" is the one-core throughput whatever the client costs. The
``If-None-Match`` variant sends each URL's current ETag (the 304 path collectors use when nothing changed).

Then, over HTTP: a one-target change (the file-SD file gains / loses a target) and a one-collector change (a
pod ADDED / DELETED), each timed from the command to the server until a client polling
``/jobs/{job}/targets`` sees a new ETag (polls are bounded in count and time).

Run: ``python bench/http_bench.py [--targets 100000 --jobs 500 --collectors 50 --concurrency 16 64
--requests 20000 --seconds 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import socket
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

from ta.app import Listener
from ta.core.serving import render

HOST = "127.0.0.1"
CHANGE_REPEAT = 10
POLL_LIMIT = 5000  # polls per change
POLL_SECONDS = 10.0  # per change


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--collectors", type=int, default=50)
    parser.add_argument("--strategy", default="consistent-hashing", choices=common.STRATEGIES)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--requests", type=int, default=20_000, help="requests per run")
    parser.add_argument("--seconds", type=float, default=30.0, help="time cap per run")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


# --- the server process -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def serve(args: argparse.Namespace, port: int, conn: Connection) -> None:
    common.quiet_logs()
    asyncio.run(_serve(args, port, conn))


async def _serve(args: argparse.Namespace, port: int, conn: Connection) -> None:
    with tempfile.TemporaryDirectory(prefix="ta-http-bench-") as directory:
        state = common.make_state(
            targets=args.targets,
            jobs=args.jobs,
            collectors=args.collectors,
            strategy=args.strategy,
            directory=directory,
        )
        running = await common.start([Listener(host=HOST, port=port)])
        p = running.pipeline
        t0 = time.perf_counter()
        await common.load(p, state, pods_first=True)
        loaded = time.perf_counter() - t0
        jobs = state.job_names()
        common.render_all(p.view, jobs)
        etags = {
            f"{render.jobs_link(job)}?collector_id={c}": p.view.targets_for(job, c).etag
            for job in jobs
            for c in p.view.collectors
        }
        conn.send(
            {
                "load_seconds": loaded,
                "jobs": jobs,
                "collectors": list(p.view.collectors),
                "etags": etags,
                "rss_mib": common.rss_mib(),
            }
        )
        commands: asyncio.Queue[str] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
        try:
            while True:
                command = await commands.get()
                if command == "stop":
                    break
                if command.startswith("file"):
                    await p.sequencer.submit(state.file_read(int(command[4:])))
                elif command == "pod-add":
                    await p.sequencer.submit(common.pod_event(args.collectors, "ADDED"))
                elif command == "pod-del":
                    await p.sequencer.submit(common.pod_event(args.collectors, "DELETED"))
        finally:
            loop.remove_reader(conn.fileno())
            await running.close()


# --- the client -------------------------------------------------------------------------------------------


async def load_run(
    base: str,
    urls: list[str],
    etags: dict[str, str] | None,
    *,
    concurrency: int,
    requests: int,
    seconds: float,
    seed: int,
) -> dict[str, Any]:
    import aiohttp

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    issued = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession, rng: random.Random) -> None:
        nonlocal issued
        while issued < requests and time.perf_counter() < deadline:
            issued += 1
            url = urls[rng.randrange(len(urls))]
            headers = {"If-None-Match": etags[url]} if etags is not None else None
            t = time.perf_counter()
            async with session.get(base + url, headers=headers) as response:
                await response.read()
                status = response.status
            latencies.append(time.perf_counter() - t)
            statuses[status] = statuses.get(status, 0) + 1

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # Warm the connections (not measured).
        rng0 = random.Random(seed - 1)
        await asyncio.gather(*(session.get(base + urls[rng0.randrange(len(urls))]) for _ in range(concurrency)))
        client_cpu0 = time.process_time()
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(session, random.Random(seed * 1000 + i)) for i in range(concurrency)))
        elapsed = time.perf_counter() - t0
        client_cpu = time.process_time() - client_cpu0
    return {"elapsed": elapsed, "latencies": latencies, "statuses": statuses, "client_cpu": client_cpu}


async def change_to_http(base: str, conn: Connection, command: str, poll_path: str) -> float | None:
    """Seconds from sending ``command`` to the server until ``poll_path`` answers with a new ETag."""
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.get(base + poll_path) as response:
            await response.read()
            before = response.headers.get("ETag")
        t0 = time.perf_counter()
        conn.send(command)
        for _ in range(POLL_LIMIT):
            async with session.get(base + poll_path) as response:
                await response.read()
                if response.headers.get("ETag") != before:
                    return time.perf_counter() - t0
            if time.perf_counter() - t0 > POLL_SECONDS:
                break
    return None


def _lat(samples: list[float]) -> str:
    if not samples:
        return "n/a"
    return f"median {common.ms(statistics.median(samples))}, p99 {common.ms(common.percentile(samples, 99))}"


async def client(
    args: argparse.Namespace, pid: int, port: int, info: dict[str, Any], conn: Connection
) -> list[tuple[str, str, str]]:
    base = f"http://{HOST}:{port}"
    etags: dict[str, str] = info["etags"]
    urls = sorted(etags)
    rows: list[tuple[str, str, str]] = [
        ("server: first allocation (pods before config), drained", common.ms(info["load_seconds"]), "-"),
        ("server: RSS after load", f"{info['rss_mib']:.0f} MiB", "-"),
    ]
    for concurrency in args.concurrency:
        for conditional in (False, True):
            label = f"c={concurrency}{' If-None-Match' if conditional else ''}"
            cpu0 = common.cpu_seconds(pid)
            result = await load_run(
                base,
                urls,
                etags if conditional else None,
                concurrency=concurrency,
                requests=args.requests,
                seconds=args.seconds,
                seed=args.seed,
            )
            server_cpu = common.cpu_seconds(pid) - cpu0
            lat = result["latencies"]
            n = len(lat)
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
            rows.append(
                (
                    f"{label}: requests/s (wall)",
                    f"{n / result['elapsed']:,.0f} ({n} in {result['elapsed']:.2f} s)",
                    ">= 2000",
                )
            )
            rows.append(
                (
                    f"{label}: requests per server CPU-second",
                    f"{n / server_cpu:,.0f} (server CPU {server_cpu:.2f} s, client CPU {result['client_cpu']:.2f} s)"
                    if server_cpu > 0
                    else "n/a",
                    ">= 2000",
                )
            )
            rows.append(
                (
                    f"{label}: latency p50 / p99",
                    f"{common.ms(common.percentile(lat, 50))} / {common.ms(common.percentile(lat, 99))}",
                    "-",
                )
            )
            rows.append((f"{label}: statuses", statuses, "-"))

    one_target: list[float] = []
    one_collector: dict[str, list[float]] = {"pod-add": [], "pod-del": []}
    misses = 0
    file_sd_path = render.jobs_link(common.FILE_SD_JOB)
    other_path = render.jobs_link(info["jobs"][1])
    for i in range(CHANGE_REPEAT):
        seconds = await change_to_http(base, conn, "file1" if i % 2 == 0 else "file0", file_sd_path)
        if seconds is None:
            misses += 1
        else:
            one_target.append(seconds)
    for _ in range(CHANGE_REPEAT // 2):
        for command, samples in one_collector.items():
            seconds = await change_to_http(base, conn, command, other_path)
            if seconds is None:
                misses += 1
            else:
                samples.append(seconds)
    rows.append(("one-target change, command -> new answer over HTTP", _lat(one_target), "< 5 ms"))
    rows.append(("one-collector change (pod ADDED) -> new answer over HTTP", _lat(one_collector["pod-add"]), "-"))
    rows.append(("one-collector change (pod DELETED) -> new answer over HTTP", _lat(one_collector["pod-del"]), "-"))
    if misses:
        rows.append(("WARNING: changes not seen within the poll bound", str(misses), "-"))
    rows.append(("server: peak RSS (VmHWM)", f"{common.proc_status_mib(pid, 'VmHWM'):.0f} MiB", "-"))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    common.quiet_logs()
    port = _free_port()
    parent, child = mp.Pipe()
    server = mp.get_context("fork").Process(target=serve, args=(args, port, child), daemon=True)
    server.start()
    assert server.pid is not None
    try:
        if not parent.poll(300):
            print("server did not load within 300 s", file=sys.stderr)
            return 1
        info = parent.recv()
        rows = asyncio.run(client(args, server.pid, port, info, parent))
    finally:
        if server.is_alive():
            parent.send("stop")
            server.join(30)
        if server.is_alive():
            server.terminate()
            server.join(5)
    title = (
        f"http_bench: {args.targets} targets, {args.jobs} jobs, {args.collectors} collectors, {args.strategy}, "
        f"{args.requests} requests per run (cap {args.seconds:.0f} s); {common.environment()}"
    )
    print(common.table(rows, title))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

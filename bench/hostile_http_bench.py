"""The HTTP server under careless or hostile clients: memory with invented names, a silent-connection flood.

In: a collector count, a request count, a flood size and a file limit. Out: a plain-text
``metric | value | aim`` table on stdout; nothing is asserted.

Two processes: the server (a ``View`` with ``--collectors`` collectors and one job of 200 targets, served by
``ta.http.server``, JSON logs on its stderr) and this client. Measured:

- RSS of the server before and after ``--names`` requests for ``/jobs/<random name>/targets`` and as many for
  ``/jobs/<real job>/targets?collector_id=<random id>`` (one keep-alive connection, sequential), and the
  number of cached answers the view holds afterwards;
- under a file limit of ``--nofile`` (set in the server process), ``--flood`` silent connections opened at
  once: whether ``/livez`` and ``/readyz`` still answer, their latency, how many connections the server
  shed, and how many log lines it wrote (asyncio's "out of system resource" among them).

``--tree DIR`` runs the server from another source tree (say, an older commit unpacked with ``git archive``)
to compare before and after.

Run: ``python bench/hostile_http_bench.py [--collectors 100 --names 20000 --flood 1100 --nofile 1024]``.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

ROOT = Path(__file__).resolve().parents[1]

_SERVER = textwrap.dedent(
    """
    import asyncio, json, resource, sys
    nofile = int(sys.argv[2])
    if nofile:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    from ta.process import logs
    logs.configure("json", "info")
    from aiohttp import web
    from ta.core.base.labels import label_set
    from ta.core.base.model import Target
    from ta.http import server
    from ta.core.serving.view import View
    from ta.process.metrics import Metrics

    JOB = "serviceMonitor/ns/app/0"

    async def main():
        view = View()
        collectors = [f"collector-{i}" for i in range(int(sys.argv[1]))]
        view.set_collectors(collectors)
        for i in range(200):
            address = f"10.0.{i // 250}.{i % 250}:8080"
            target = Target(job=JOB, address=address, own=label_set({"__address__": address}), hash=i + 1)
            view.place(target, collectors[i % len(collectors)], removed=False)
        view.set_scrape_configs(b"{}", b"{}")
        state = server.ServerState(view=view, metrics=Metrics(), sequencer=None, allow_insecure_auth_secrets=False,
                                   is_ready=lambda: True)
        app = server.build_app(state)

        async def cached(_request):
            held = len(view._job_bodies) + len(view._pair_bodies)  # an older tree has no cached_answers
            return web.Response(text=str(held))

        app.router.add_get("/bench/cached", cached)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_reader(sys.stdin.fileno(), stop.set)
        if hasattr(server, "listening"):
            async with server.listening(app, "127.0.0.1", 0) as site:
                print(site.port, flush=True)
                await stop.wait()
        else:  # an older tree: aiohttp's own site
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            print(site._server.sockets[0].getsockname()[1], flush=True)
            await stop.wait()
            await runner.cleanup()

    asyncio.run(main())
    """
)


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--collectors", type=int, default=100)
    parser.add_argument("--names", type=int, default=20_000, help="invented job names (and as many collector ids)")
    parser.add_argument("--flood", type=int, default=1100, help="silent connections")
    parser.add_argument("--nofile", type=int, default=1024, help="the server's file limit in the flood run")
    parser.add_argument("--tree", type=Path, default=ROOT, help="source tree the server runs from")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


class Server:
    def __init__(self, tree: Path, collectors: int, nofile: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(collectors), str(nofile)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(tree)},
            cwd=tree,  # "-c" puts the working directory first on sys.path
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())

    def rss(self) -> float:
        return common.proc_status_mib(self.proc.pid, "VmRSS")

    def stop(self) -> list[str]:
        _, err = self.proc.communicate(b"\n", timeout=60)
        return err.decode(errors="replace").splitlines()


class Connection:
    """One keep-alive HTTP/1.1 connection, sequential requests (Content-Length answers only)."""

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def get(self, path: str) -> tuple[int, bytes]:
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: ta\r\n\r\n".encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        fields = dict(h.partition(b":")[::2] for h in lines[1:])
        length = int(next((v for k, v in fields.items() if k.lower() == b"content-length"), b"0"))
        while len(self.buf) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, body

    def close(self) -> None:
        self.sock.close()


def _probe(port: int, path: str) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        conn = Connection(port, timeout=5.0)
        status, _ = conn.get(path)
        conn.close()
        return str(status), time.perf_counter() - start
    except OSError as exc:
        return type(exc).__name__, time.perf_counter() - start


def memory_run(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    rng = random.Random(args.seed)
    server = Server(args.tree, args.collectors, 0)
    try:
        conn = Connection(server.port)
        job = "serviceMonitor%2Fns%2Fapp%2F0"
        conn.get(f"/jobs/{job}/targets")
        conn.get(f"/jobs/{job}/targets?collector_id=collector-0")
        before = server.rss()
        start = time.perf_counter()
        for _ in range(args.names):
            conn.get(f"/jobs/{rng.getrandbits(64):x}/targets")
        invented_jobs = time.perf_counter() - start
        after_jobs = server.rss()
        for _ in range(args.names):
            conn.get(f"/jobs/{job}/targets?collector_id={rng.getrandbits(64):x}")
        after_ids = server.rss()
        cached = conn.get("/bench/cached")[1].decode()
        status = conn.get("/jobs/%FF/targets")[0]
        conn.close()
    finally:
        lines = server.stop()
    n = f"{args.names:,}".replace(",", " ")
    return [
        ("server RSS before", f"{before:.1f} MiB", ""),
        (f"after {n} invented job names", f"{after_jobs:.1f} MiB (+{after_jobs - before:.1f})", "flat"),
        (f"after {n} invented collector ids", f"{after_ids:.1f} MiB (+{after_ids - after_jobs:.1f})", "flat"),
        ("cached answers afterwards", cached, "2 (the real job's)"),
        ("requests/s, invented job names", f"{args.names / invented_jobs:.0f}", ""),
        ("GET /jobs/%FF/targets", str(status), "200"),
        ("log lines", str(len(lines)), ""),
    ]


def flood_run(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    server = Server(args.tree, args.collectors, args.nofile)
    held: list[socket.socket] = []
    refused = 0
    try:
        for _ in range(args.flood):
            try:
                held.append(socket.create_connection(("127.0.0.1", server.port), timeout=2.0))
            except OSError:
                refused += 1
        time.sleep(1.0)
        rss = server.rss()
        livez, livez_s = _probe(server.port, "/livez")
        readyz, readyz_s = _probe(server.port, "/readyz")
        time.sleep(2.0)  # what the server logs meanwhile counts too
        shed = 0
        for sock in held:
            sock.settimeout(0.0)
            try:
                shed += sock.recv(1) == b""
            except BlockingIOError:
                pass
            except OSError:
                shed += 1
    finally:
        for sock in held:
            sock.close()
        lines = server.stop()
    accept_errors = sum("out of system resource" in line for line in lines)
    return [
        (f"silent connections opened ({args.nofile} fd limit)", f"{len(held)} ({refused} failed)", ""),
        ("/livez", f"{livez} in {common.ms(livez_s)}", "200"),
        ("/readyz", f"{readyz} in {common.ms(readyz_s)}", "200"),
        ("silent connections shed by the server", str(shed), ""),
        ("server RSS with the flood", f"{rss:.1f} MiB", ""),
        ("server log lines", str(len(lines)), "few"),
        ('of which "out of system resource"', str(accept_errors), "0"),
    ]


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    rows = memory_run(args) + flood_run(args)
    print(common.table(rows, f"hostile HTTP clients, server from {args.tree}; {common.environment()}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A real client: Debian's ``prometheus`` binary discovers its targets from a running ``ta`` over
``http_sd_configs``, the way the OpenTelemetry Collector's prometheus receiver uses the TA, and scrapes them.

``ta replay --serve`` serves a capture of three collectors and two static jobs (one named like a
ServiceMonitor job, with slashes, so its SD URL carries ``%2F``). Prometheus gets one collector's view:
for each job, ta's own ``/scrape_configs`` entry (relabel_configs included) with the static targets swapped
for ``http_sd_configs`` pointing at ``/jobs/<QueryEscape(job)>/targets?collector_id=<collector>``. The test
then checks, through Prometheus' ``/api/v1/targets``, that it discovered exactly what ta assigned to that
collector, that the job's relabeling ran once (in Prometheus) with the expected results, that targets dropped
by relabeling never became active, that the loopback target the test serves was scraped, and that the HTTP SD
requests never failed (Content-Type, JSON shape).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from tests.e2e.capture import collector_pod

PROMETHEUS = shutil.which("prometheus")
COLLECTORS = ("collector-0", "collector-1", "collector-2")
LOOPBACK_JOB = "loopback"
SM_JOB = "serviceMonitor/ns/app/0"
# Nothing listens on these (127.0.0.0/8 is all loopback on Linux): Prometheus scrapes them and marks them down.
DEAD_TARGETS = ("127.0.0.2:9", "127.0.0.2:7", "127.0.0.2:13")
DROPPED_TARGETS = ("127.0.0.2:17", "127.0.0.2:19")  # tier=canary: dropped by the job's relabel_configs
SM_TARGETS = tuple(f"127.0.0.3:{port}" for port in range(9, 21))
# Keys ta's /scrape_configs carries (as the upstream TA does, from a newer Prometheus) that Debian bookworm's
# Prometheus 2.42 rejects as unknown fields. The collector's embedded Prometheus knows them; this one does not.
NEWER_SCRAPE_KEYS = frozenset(
    {
        "always_scrape_classic_histograms",
        "convert_classic_histograms_to_nhcb",
        "enable_compression",
        "extra_scrape_metrics",
        "metric_name_escaping_scheme",
        "metric_name_validation_scheme",
        "scrape_native_histograms",
        "scrape_protocols",
        "track_timestamps_staleness",
    }
)
METRICS_TEXT = b"# HELP e2e_answer A constant.\n# TYPE e2e_answer gauge\ne2e_answer 42\n"
WAIT = 45.0


def require_prometheus() -> str:
    if PROMETHEUS is None:
        message = "install Debian's prometheus (scripts/install-prometheus.sh) to run this test"
        if os.environ.get("CI") == "true":
            pytest.fail(f"prometheus not on PATH in CI: {message}")
        pytest.skip(message)
    return PROMETHEUS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def get_json(url: str) -> Any:
    status, _, body = get(url)
    assert status == 200, (url, status, body)
    return orjson.loads(body)


class _Metrics(BaseHTTPRequestHandler):
    scrapes = 0

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/metrics":
            self.send_error(404)
            return
        type(self).scrapes += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(METRICS_TEXT)))
        self.end_headers()
        self.wfile.write(METRICS_TEXT)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def metrics_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def process(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def wait_for(what: str, check: Any, proc: subprocess.Popen[bytes], log: Path, timeout: float = WAIT) -> Any:
    """Poll ``check()`` until it returns something truthy; fail with the process's log if it exits or time
    runs out."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what}: process exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            last = check()
        except (OSError, AssertionError) as exc:
            last = exc
        if last and not isinstance(last, BaseException):
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}\n{log.read_text()[-4000:]}")


def ta_config(served: str) -> dict[str, Any]:
    return {
        "collector_namespace": "otel",
        "collector_selector": {"matchlabels": {"app.kubernetes.io/component": "opentelemetry-collector"}},
        "allocation_strategy": "consistent-hashing",
        "config": {
            "scrape_configs": [
                {
                    "job_name": LOOPBACK_JOB,
                    "scrape_interval": "1s",
                    "scrape_timeout": "1s",
                    "static_configs": [
                        {"targets": [served, *DEAD_TARGETS], "labels": {"team": "a", "tier": "stable"}},
                        {"targets": list(DROPPED_TARGETS), "labels": {"team": "a", "tier": "canary"}},
                    ],
                    "relabel_configs": [
                        {"source_labels": ["tier"], "regex": "canary", "action": "drop"},
                        {"source_labels": ["team"], "target_label": "owner", "replacement": "team-$1"},
                        {"regex": "team", "action": "labeldrop"},
                        {"source_labels": ["__address__"], "regex": ".*:(.*)", "target_label": "port"},
                        {"target_label": "env", "replacement": "e2e"},
                    ],
                },
                {
                    "job_name": SM_JOB,
                    "scrape_interval": "1s",
                    "scrape_timeout": "1s",
                    "metrics_path": "/m",
                    "static_configs": [{"targets": list(SM_TARGETS), "labels": {"shard": "x"}}],
                    "relabel_configs": [{"source_labels": ["shard"], "target_label": "shard", "replacement": "s-$1"}],
                },
            ]
        },
    }


def prometheus_config(scrape_configs: dict[str, Any], ta: str, collector: str) -> dict[str, Any]:
    """What the collector's prometheus receiver builds from the TA: each job from ``/scrape_configs`` with its
    service discovery replaced by one http_sd_config for this collector."""
    jobs = []
    for name, settings in sorted(scrape_configs.items()):
        job = {k: v for k, v in settings.items() if k not in NEWER_SCRAPE_KEYS and not k.endswith("_sd_configs")}
        job.pop("static_configs", None)
        escaped = urllib.parse.quote_plus(name, safe="")  # Go's url.QueryEscape, as the receiver does
        collector_id = urllib.parse.quote_plus(collector, safe="")
        job["http_sd_configs"] = [
            {"url": f"{ta}/jobs/{escaped}/targets?collector_id={collector_id}", "refresh_interval": "1s"}
        ]
        jobs.append(job)
    return {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"}, "scrape_configs": jobs}


def metric_value(text: str, name: str) -> float | None:
    """The sum of a metric's samples in Prometheus text format; None where it has none."""
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and line[len(name) : len(name) + 1] in (" ", "{")
    ]
    return sum(values) if values else None


def test_prometheus_discovers_and_scrapes_what_ta_assigned(tmp_path: Path) -> None:
    binary = require_prometheus()
    with contextlib.ExitStack() as stack:
        served = stack.enter_context(metrics_server())

        # ta, as users start it.
        capture = tmp_path / "cluster.json"
        pods = [collector_pod(name, f"node-{i}") for i, name in enumerate(COLLECTORS)]
        capture.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": pods}))
        cfg = tmp_path / "targetallocator.yaml"
        cfg.write_text(yaml.safe_dump(ta_config(served)))
        ta_port = free_port()
        ta = f"http://127.0.0.1:{ta_port}"
        ta_log = tmp_path / "ta.log"
        ta_args = [sys.executable, "-m", "ta", "replay", str(capture), "--config-file", str(cfg), "--serve"]
        ta_proc = stack.enter_context(process([*ta_args, "--listen-addr", f"127.0.0.1:{ta_port}"], ta_log))

        def allocation() -> dict[str, dict[str, list[dict[str, Any]]]] | None:
            out = {}
            for job, expected in ((LOOPBACK_JOB, 1 + len(DEAD_TARGETS)), (SM_JOB, len(SM_TARGETS))):
                by_collector = get_json(f"{ta}/jobs/{urllib.parse.quote_plus(job, safe='')}/targets")
                if sorted(by_collector) != list(COLLECTORS):
                    return None
                out[job] = {c: v["targets"] for c, v in by_collector.items()}
                if sum(len(groups) for groups in out[job].values()) != expected:
                    return None
            return out

        wait_for("ta to serve the replayed allocation", allocation, ta_proc, ta_log)
        alloc = allocation()
        assert alloc is not None
        # The collector Prometheus plays: the one ta gave the served target.
        collector = next(c for c, groups in alloc[LOOPBACK_JOB].items() if any(served in g["targets"] for g in groups))
        assigned: dict[str, dict[str, dict[str, str]]] = {}
        for job in (LOOPBACK_JOB, SM_JOB):
            escaped = urllib.parse.quote_plus(job, safe="")
            status, headers, body = get(f"{ta}/jobs/{escaped}/targets?collector_id={collector}")
            assert status == 200
            assert headers["Content-Type"] == "application/json"
            groups = orjson.loads(body)
            assert groups == alloc[job][collector]
            assigned[job] = {}
            for group in groups:
                assert len(group["targets"]) == 1
                assigned[job][group["targets"][0]] = group["labels"]
        # The consistent-hashing placement of the fixed ServiceMonitor targets does not depend on the served
        # port: this collector always has some, so the %2F SD URL is exercised with a non-empty answer.
        assert assigned[SM_JOB], alloc[SM_JOB]
        # ta filters relabel-dropped targets but serves the rest with their discovered (pre-relabel) labels:
        # relabeling must run once, in the collector, not twice.
        everything = {addr for groups in alloc[LOOPBACK_JOB].values() for g in groups for addr in g["targets"]}
        assert everything == {served, *DEAD_TARGETS}
        for labels in assigned[LOOPBACK_JOB].values():
            assert labels["team"] == "a" and labels["tier"] == "stable"
            assert "owner" not in labels and "env" not in labels

        # Prometheus, configured as the receiver would be for that collector.
        prom_cfg = tmp_path / "prometheus.yml"
        prom_cfg.write_text(yaml.safe_dump(prometheus_config(get_json(f"{ta}/scrape_configs"), ta, collector)))
        prom_port = free_port()
        prom = f"http://127.0.0.1:{prom_port}"
        prom_log = tmp_path / "prometheus.log"
        prom_args = [
            binary,
            f"--config.file={prom_cfg}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
            "--log.level=debug",
        ]
        prom_proc = stack.enter_context(process(prom_args, prom_log))

        def targets() -> dict[str, Any] | None:
            data = get_json(f"{prom}/api/v1/targets")["data"]
            active = data["activeTargets"]
            by_pool: dict[str, dict[str, Any]] = {LOOPBACK_JOB: {}, SM_JOB: {}}
            for target in active:
                by_pool[target["scrapePool"]][target["discoveredLabels"]["__address__"]] = target
            if any(set(by_pool[job]) != set(assigned[job]) for job in by_pool):
                return None
            if by_pool[LOOPBACK_JOB][served]["health"] != "up":
                return None
            return {"pools": by_pool, "dropped": data["droppedTargets"]}

        found = wait_for("Prometheus to discover and scrape ta's targets", targets, prom_proc, prom_log)
        pools = found["pools"]
        # Exactly what ta assigned to this collector, per job: checked in targets() and restated here.
        for job in (LOOPBACK_JOB, SM_JOB):
            assert set(pools[job]) == set(assigned[job])
        # Relabel-dropped targets never became active (ta filtered them; Prometheus would drop them too).
        dropped = {t["discoveredLabels"]["__address__"] for t in found["dropped"]}
        active_addresses = {addr for pool in pools.values() for addr in pool}
        assert not active_addresses & set(DROPPED_TARGETS)
        assert dropped <= set(DROPPED_TARGETS)

        sd_url = f"{ta}/jobs/{urllib.parse.quote_plus(LOOPBACK_JOB, safe='')}/targets?collector_id={collector}"
        for address, target in pools[LOOPBACK_JOB].items():
            discovered = target["discoveredLabels"]
            # ta's labels arrive as discovered labels, unchanged; Prometheus adds its own.
            for key, value in assigned[LOOPBACK_JOB][address].items():
                assert discovered[key] == value
            assert discovered["job"] == LOOPBACK_JOB
            assert discovered["__meta_url"] == sd_url
            assert target["labels"] == {
                "instance": address,
                "job": LOOPBACK_JOB,
                "tier": "stable",
                "owner": "team-a",
                "port": address.rsplit(":", 1)[1],
                "env": "e2e",
            }
        for address, target in pools[SM_JOB].items():
            assert target["labels"] == {"instance": address, "job": SM_JOB, "shard": "s-x"}
            assert target["scrapeUrl"] == f"http://{address}/m"
        up = pools[LOOPBACK_JOB][served]
        assert up["scrapeUrl"] == f"http://{served}/metrics"
        assert up["lastError"] == ""
        assert _Metrics.scrapes > 0

        # The scraped sample is stored under the relabeled target labels.
        def sample() -> list[dict[str, Any]] | None:
            query = urllib.parse.urlencode({"query": "e2e_answer"})
            result: list[dict[str, Any]] = get_json(f"{prom}/api/v1/query?{query}")["data"]["result"]
            return result or None

        result = wait_for("the scraped sample to be queryable", sample, prom_proc, prom_log)
        assert [r["metric"] for r in result] == [
            {
                "__name__": "e2e_answer",
                "instance": served,
                "job": LOOPBACK_JOB,
                "tier": "stable",
                "owner": "team-a",
                "port": served.rsplit(":", 1)[1],
                "env": "e2e",
            }
        ]
        assert result[0]["value"][1] == "42"

        # Every HTTP SD refresh succeeded: ta's Content-Type and JSON were accepted.
        _, _, own_metrics = get(f"{prom}/metrics")
        text = own_metrics.decode()
        assert metric_value(text, "prometheus_sd_http_failures_total") == 0, text
        assert metric_value(text, "prometheus_sd_refresh_failures_total") == 0, text
        refreshes = metric_value(text, "prometheus_sd_refresh_duration_seconds_count")
        assert refreshes is not None and refreshes >= 2, text  # one per job at least
        log = prom_log.read_text()
        assert "Unable to refresh target groups" not in log, log[-4000:]
        assert "unsupported content type" not in log.lower()

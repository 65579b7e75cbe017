"""Record a small journal of a live ``ta run`` holding every journaled event kind, and its replay answers.

``tests/data/journal/v<N>/`` are generations of fixture journals: a new one each time an event kind is added
or a version bumped, recorded with the code of that moment (``python -m tests.data.journal.record
tests/data/journal/v<N>`` from the repository root), and never changed afterwards. It writes
``all-kinds.jsonl`` (a live run against the fake API server, a ``file_sd`` file and an ``http_sd`` endpoint on
127.0.0.1, until every kind of ``ALL_INPUT_KINDS`` is journaled), and ``all-kinds.answers.ndjson`` and
``all-kinds.summary.txt`` (``ta replay --dump-answers`` of that journal, and what it printed).
``tests/journal/test_fixture_journals.py`` checks that later builds read every generation to the same answers.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import yaml

from ta.events.inputs import ALL_INPUT_KINDS
from ta.testing.fake_apiserver import DEFAULT_SERVED
from tests.e2e.capture import collector_pod
from tests.e2e.fakekube import ThreadedFakeApi
from tests.e2e.k8s_objects import app_pod
from tests.e2e.test_run_cli import fetch, free_port, wait_ready

SERVICE_MONITORS = "monitoring.coreos.com/v1/servicemonitors"
POD_SD = {"role": "pod", "namespaces": {"names": ["app"]}}
HTTP_SD_BODY = orjson.dumps([{"targets": ["10.0.2.1:9100"], "labels": {"source": "http"}}])


class _SDHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(HTTP_SD_BODY)))
        self.end_headers()
        self.wfile.write(HTTP_SD_BODY)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _wait_for_kinds(journal: Path, kinds: set[str], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None
        seen = {orjson.loads(line)["kind"] for line in journal.read_bytes().splitlines() if line.strip()}
        if kinds <= seen:
            return
        time.sleep(0.2)
    raise AssertionError(f"never journaled: {sorted(kinds - seen)}")


def record(out: Path, tmp: Path) -> None:
    sd_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SDHandler)
    threading.Thread(target=sd_server.serve_forever, daemon=True).start()
    sd_file = tmp / "targets.yaml"
    sd_file.write_text(yaml.safe_dump([{"targets": ["10.0.1.1:9100", "10.0.1.2:9100"], "labels": {"f": "1"}}]))
    cfg = tmp / "ta.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "allocation_strategy": "consistent-hashing",
                "prometheus_cr": {"enabled": True},
                "config": {
                    "scrape_configs": [
                        {"job_name": "static", "static_configs": [{"targets": ["10.0.0.1:80"]}]},
                        {"job_name": "files", "file_sd_configs": [{"files": [str(sd_file)]}]},
                        {
                            "job_name": "http",
                            "http_sd_configs": [{"url": f"http://127.0.0.1:{sd_server.server_port}/sd"}],
                        },
                        {"job_name": "pods", "kubernetes_sd_configs": [POD_SD]},
                    ]
                },
            }
        )
    )
    journal = out / "all-kinds.jsonl"
    port = free_port()
    with ThreadedFakeApi(served=(*DEFAULT_SERVED, SERVICE_MONITORS)) as api:
        api.call(lambda s: s.fail(SERVICE_MONITORS, 403))  # RBAC says no: k8s.unavailable
        for n in range(2):
            api.call(lambda s, n=n: s.add("v1/pods", collector_pod(f"collector-{n}", "node-a")))
        api.call(lambda s: s.add("v1/pods", app_pod("web-0", "app", "10.1.0.1")))
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "ta", "--config-file", str(cfg), f"--listen-addr=127.0.0.1:{port}"),
                f"--kubeconfig-path={api.kubeconfig(tmp / 'kubeconfig')}",
                *("--journal", str(journal), "--log-format", "json"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            wait_ready(f"http://127.0.0.1:{port}", proc)
            api.call(lambda s: s.add("v1/pods", app_pod("web-1", "app", "10.1.0.2")))  # a watch event: k8s.object
            _wait_for_kinds(journal, set(ALL_INPUT_KINDS), proc)
            assert fetch(f"http://127.0.0.1:{port}/readyz")[0] == 200
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            sd_server.shutdown()
    answers = out / "all-kinds.answers.ndjson"
    done = subprocess.run(
        [sys.executable, "-m", "ta", "replay", str(journal), "--dump-answers", str(answers)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (out / "all-kinds.summary.txt").write_bytes(done.stdout)


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        record(target, Path(scratch))

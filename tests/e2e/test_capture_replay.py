"""A live session against the (fake) Kubernetes API, recorded by `ta run --journal`, replays offline to
byte-identical HTTP answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

import orjson
import yaml

from tests.e2e.capture import collector_pod
from tests.e2e.fakekube import ThreadedFakeApi
from tests.e2e.k8s_objects import app_pod, endpointslice, endpointslice_job, namespace, service
from tests.e2e.test_run_cli import fetch, free_port, spawn_ta_run, wait_ready, wait_until

PODS = "v1/pods"
SLICES = "discovery.k8s.io/v1/endpointslices"


def live_answers(base: str) -> dict[str, bytes]:
    answers: dict[str, bytes] = {"/jobs": fetch(base + "/jobs")[1]}
    answers["/scrape_configs"] = fetch(base + "/scrape_configs")[1]
    for job in orjson.loads(answers["/jobs"]):
        path = f"/jobs/{urllib.parse.quote_plus(job, safe='')}/targets"
        answers[path] = fetch(base + path)[1]
        for collector in orjson.loads(answers[path]):
            answers[f"{path}?collector_id={collector}"] = fetch(f"{base}{path}?collector_id={collector}")[1]
    return answers


def test_live_capture_replays_to_identical_answers(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "allocation_strategy": "least-weighted",
                "config": {
                    "scrape_configs": [
                        endpointslice_job("shop"),
                        {"job_name": "static", "static_configs": [{"targets": ["10.9.9.9:9100", "10.9.9.8:9100"]}]},
                    ]
                },
            }
        )
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with ThreadedFakeApi() as api:

        def seed(s: object) -> None:
            from ta.testing.fake_apiserver import FakeApiServer

            assert isinstance(s, FakeApiServer)
            s.add("v1/namespaces", namespace("shop"))
            for i in range(3):
                s.add(PODS, collector_pod(f"collector-{i}", f"node-{i}"))
            s.add("v1/services", service("web", "shop"))
            pods = [(f"web-{i}", f"10.1.0.{i + 1}") for i in range(6)]
            for pod, ip in pods:
                s.add(PODS, app_pod(pod, "shop", ip))
            s.add(SLICES, endpointslice("web-abc", "shop", "web", pods[:4]))

        api.call(seed)
        proc = spawn_ta_run(cfg, port, api.kubeconfig(tmp_path / "kubeconfig"), "--journal", str(journal))
        try:
            wait_ready(base, proc)
            job_path = "/jobs/serviceMonitor%2Fshop%2Fweb%2F0/targets"
            wait_until(lambda: fetch(base + job_path)[1].count(b'"targets":["10.1.0.') == 4, "4 slice targets")
            # Live changes: a second slice, a pod relabel, a collector leaving.
            api.call(lambda s: s.add(SLICES, endpointslice("web-def", "shop", "web", [("web-4", "10.1.0.5")])))
            changed = app_pod("web-0", "shop", "10.1.0.1")
            changed["metadata"]["labels"]["version"] = "2"
            api.call(lambda s: s.modify(PODS, changed))
            api.call(lambda s: s.delete(PODS, "otel", "collector-2"))
            wait_until(lambda: fetch(base + job_path)[1].count(b'"targets":["10.1.0.') == 5, "5 slice targets")
            wait_until(lambda: b"collector-2" not in fetch(base + job_path)[1], "collector-2 gone")
            wait_until(lambda: b"pod_label_version" in fetch(base + job_path)[1], "pod relabel")
            live = live_answers(base)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""

    dump = tmp_path / "answers.ndjson"
    done = subprocess.run(
        [sys.executable, "-m", "ta", "replay", str(journal), "--dump-answers", str(dump), "--log-format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONHASHSEED": "99"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    replayed = {line["path"]: line["body"].encode() for line in map(orjson.loads, dump.read_bytes().splitlines())}
    assert len(live) >= 8
    for path, body in live.items():
        assert replayed[path] == body, path

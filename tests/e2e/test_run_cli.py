"""`ta run` as a process: clean one-line config errors, serving, journaling, ordered SIGTERM shutdown."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest
import yaml

from tests.e2e.capture import collector_pod
from tests.e2e.fakekube import ThreadedFakeApi


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def run_ta(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ta", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": "/nonexistent", **(env or {})},
        check=False,
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("collector_namespace: x\nconfig: {scrape_configs: [{job_name: a\n", "error unmarshaling YAML"),
        ("collector_namespace: x\nprometheus_cr: {enabled: yes please}\n", "prometheus_cr.enabled"),
        ("collector_namespace: x\ncollector_not_ready_grace_period: 1d\n", "collector_not_ready_grace_period"),
        ("collector_namespace: x\nallocation_strategy: foo\nprometheus_cr: {enabled: true}\n", "allocation_strategy"),
        ("collector_namespace: x\n", "at least one scrape config must be defined"),
    ],
)
def test_bad_config_is_one_line_and_non_zero(tmp_path: Path, content: str, expected: str) -> None:
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(content)
    done = run_ta("--config-file", str(cfg))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Failed to load config:")
    assert expected in lines[0]
    assert "Traceback" not in done.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    done = run_ta("--config-file", str(tmp_path / "absent.yaml"))
    assert done.returncode == 1
    assert "no such file or directory" in done.stderr


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def spawn_ta_run(cfg: Path, port: int, kubeconfig: Path, *extra: str) -> subprocess.Popen[str]:
    """``ta run`` in a child process on loopback ``port``, logging JSON to pipes, with no kubeconfig in $HOME."""
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "ta", "--config-file", str(cfg), f"--listen-addr=127.0.0.1:{port}"),
            *(f"--kubeconfig-path={kubeconfig}", "--log-format", "json", *extra),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HOME": "/nonexistent"},
    )


def wait_until(check: Callable[[], object], what: str, proc: subprocess.Popen[str] | None = None) -> None:
    """Poll ``check`` for up to 30 s; fail at once with its stderr if ``proc`` ends first."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc is not None:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


def _ready(base: str) -> bool:
    try:
        return fetch(base + "/readyz")[0] == 200
    except OSError:
        return False


def wait_ready(base: str, proc: subprocess.Popen[str]) -> None:
    wait_until(lambda: _ready(base), "ta run became ready", proc)


def test_serves_journals_and_shuts_down_on_sigterm(tmp_path: Path) -> None:
    with ThreadedFakeApi() as api:
        api.call(lambda s: s.add("v1/pods", collector_pod("collector-0", "node-a")))
        _serve_journal_and_stop(tmp_path, api.kubeconfig(tmp_path / "kubeconfig"))


def _serve_journal_and_stop(tmp_path: Path, kubeconfig: Path) -> None:
    port = free_port()
    cfg = tmp_path / "ta.yaml"
    journal = tmp_path / "journal.jsonl"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "config": {
                    "scrape_configs": [
                        {
                            "job_name": "static",
                            "static_configs": [{"targets": ["127.0.0.1:9100"]}],
                            "basic_auth": {"username": "u", "password": "hunter2"},
                        },
                    ]
                },
            }
        )
    )
    proc = spawn_ta_run(cfg, port, kubeconfig, "--journal", str(journal), "--enable-debug-events-on-plain-port")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, proc)
        status, body = fetch(base + "/jobs")
        assert (status, body) == (200, b'{"static":{"_link":"/jobs/static/targets"}}\n')
        status, body = fetch(base + "/jobs/static/targets?collector_id=collector-0")
        assert body == b'[{"targets":["127.0.0.1:9100"],"labels":{"__address__":"127.0.0.1:9100"}}]\n'
        status, body = fetch(base + "/scrape_configs")
        assert b'"password":"\\u003csecret\\u003e"' in body or b'"password":"<secret>"' in body
        assert b"hunter2" not in body
        status, body = fetch(base + "/debug/events?follow=0")
        assert status == 200
        kinds = [orjson.loads(line)["kind"] for line in body.splitlines()]
        assert kinds[0] == "config.loaded"
        assert "k8s.objects" in kinds and "k8s.synced" in kinds  # a list page is one entry
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
    stderr = proc.stderr.read() if proc.stderr else ""
    events = [orjson.loads(line)["event"] for line in stderr.splitlines() if line.startswith("{")]
    assert events.index("shutdown.started") < events.index("shutdown.finished")
    text = journal.read_text()
    assert "hunter2" not in text
    records = [orjson.loads(line) for line in text.splitlines()]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert records[0]["kind"] == "config.loaded"


def test_api_server_down_at_start_keeps_readyz_503_then_recovers(tmp_path: Path) -> None:
    api_port = free_port()
    kubeconfig = tmp_path / "kubeconfig"
    from ta.testing.fake_apiserver import write_kubeconfig

    write_kubeconfig(kubeconfig, f"http://127.0.0.1:{api_port}")
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "config": {
                    "scrape_configs": [{"job_name": "static", "static_configs": [{"targets": ["10.0.0.1:80"]}]}]
                },
            }
        )
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = spawn_ta_run(cfg, port, kubeconfig)
    try:
        deadline = time.monotonic() + 20
        statuses = []
        while time.monotonic() < deadline and len(statuses) < 10:
            with contextlib.suppress(OSError):
                statuses.append(fetch(base + "/readyz")[0])
            time.sleep(0.3)
        assert statuses and set(statuses) == {503}
        assert proc.poll() is None
        with ThreadedFakeApi(port=api_port) as api:
            api.call(lambda s: s.add("v1/pods", collector_pod("collector-0", "node-a")))
            wait_ready(base, proc)
            # The pod may be added just after the first (empty) list: it arrives through the watch.
            deadline = time.monotonic() + 20
            body = b""
            while time.monotonic() < deadline and b"10.0.0.1:80" not in body:
                body = fetch(base + "/jobs/static/targets?collector_id=collector-0")[1]
                time.sleep(0.1)
            assert b"10.0.0.1:80" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0


def _static_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "config": {"scrape_configs": [{"job_name": "s", "static_configs": [{"targets": ["10.0.0.1:80"]}]}]},
            }
        )
    )
    return cfg


def test_listen_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    from ta.testing.fake_apiserver import write_kubeconfig

    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{free_port()}")  # nobody there
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_ta(
            "--config-file",
            str(_static_config(tmp_path)),
            f"--listen-addr=127.0.0.1:{port}",
            f"--kubeconfig-path={kubeconfig}",
            "--log-format",
            "json",
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [orjson.loads(x) for x in done.stderr.splitlines() if x.startswith("{") and '"level": "error"' in x]
    assert [(e["event"], "address already in use" in e["error"]) for e in errors] == [("ta.failed", True)]


def test_unwritable_journal_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = run_ta("--config-file", str(_static_config(tmp_path)), "--journal", str(tmp_path / "absent" / "j.jsonl"))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"ta run: cannot write --journal {tmp_path}/absent/j.jsonl: No such file or directory"
    ]


def test_lone_surrogate_job_name_is_a_config_error(tmp_path: Path) -> None:
    cfg = tmp_path / "ta.yaml"
    cfg.write_text('collector_namespace: x\nconfig:\n  scrape_configs:\n  - job_name: "a\\udc80"\n')
    done = run_ta("--config-file", str(cfg))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"Failed to load config: config file {cfg}: error unmarshaling YAML: line 4, column 15: "
        "found invalid Unicode character escape code"
    ]

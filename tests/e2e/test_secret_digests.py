"""Secret and ConfigMap values as a running `ta` handles them: in memory for the answers, keyed digests in the
journal and the event stream, and digests that mean nothing outside the process that made them."""

from __future__ import annotations

import base64
import hashlib
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import yaml

from ta.testing.fake_apiserver import DEFAULT_SERVED
from tests.e2e.capture import collector_pod
from tests.e2e.fakekube import ThreadedFakeApi
from tests.e2e.test_run_cli import fetch, free_port, spawn_ta_run, wait_ready, wait_until

DB_URL = "postgres://app:pw@db/app"
PASSWORD = "hunter2"
CA = "-----BEGIN CERTIFICATE-----\nMIIBexampleCA\n-----END CERTIFICATE-----\n"
SERVICE_MONITORS = "monitoring.coreos.com/v1/servicemonitors"


def _configmap(ca: str = CA) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "app"},
        "data": {"db_url": DB_URL, "ca.crt": ca},
    }


def _secret(password: str = PASSWORD) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "app"},
        "data": {"user": base64.b64encode(b"admin").decode(), "pw": base64.b64encode(password.encode()).decode()},
    }


def _service_monitor() -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {"name": "web", "namespace": "app"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "endpoints": [
                {
                    "port": "http",
                    "tlsConfig": {"ca": {"configMap": {"name": "settings", "key": "ca.crt"}}},
                    "basicAuth": {
                        "username": {"name": "creds", "key": "user"},
                        "password": {"name": "creds", "key": "pw"},
                    },
                }
            ],
        },
    }


def _forbidden(*values: str) -> list[bytes]:
    """Every form in which a value could leak: as is, JSON-escaped, base64, and its plain SHA-256."""
    out: list[bytes] = []
    for value in values:
        raw = value.encode()
        out += [raw, orjson.dumps(value)[1:-1], base64.b64encode(raw), hashlib.sha256(raw).hexdigest().encode()]
    return out


def _assert_hidden(text: bytes, *values: str) -> None:
    for form in _forbidden(*values):
        assert form not in text, form


def _digests(journal: bytes, resource: str, name: str, key: str) -> list[str]:
    """The journaled digests of one Secret/ConfigMap key, in journal order."""
    found: list[str] = []
    for line in journal.splitlines():
        record = orjson.loads(line)
        data = record["data"]
        changes = data.get("changes", [data]) if record["kind"] in ("k8s.objects", "k8s.object") else []
        for change in changes:
            if change.get("resource") == resource and change.get("name") == name and change["type"] != "DELETED":
                found.append(change["object"]["data"][key])
    return found


def test_live_answers_inline_values_while_journal_and_stream_hold_only_keyed_digests(tmp_path: Path) -> None:
    port = free_port()
    journal = tmp_path / "journal.jsonl"
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "prometheus_cr": {"enabled": True, "service_monitor_selector": {}},
                "config": {
                    "scrape_configs": [
                        {
                            "job_name": "static",
                            "static_configs": [{"targets": ["10.0.0.1:80"]}],
                            "basic_auth": {"username": "u", "password": PASSWORD},
                        }
                    ]
                },
            }
        )
    )
    with ThreadedFakeApi(served=(*DEFAULT_SERVED, SERVICE_MONITORS)) as api:
        api.call(lambda s: s.add("v1/pods", collector_pod("collector-0", "node-a")))
        api.call(lambda s: s.add("v1/namespaces", {"metadata": {"name": "app"}}))
        api.call(lambda s: s.add("v1/configmaps", _configmap()))
        api.call(lambda s: s.add("v1/secrets", _secret()))
        api.call(lambda s: s.add(SERVICE_MONITORS, _service_monitor()))
        kubeconfig = api.kubeconfig(tmp_path / "kubeconfig")
        proc = spawn_ta_run(cfg, port, kubeconfig, "--journal", str(journal), "--enable-debug-events-on-plain-port")
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, proc)
            wait_until(lambda: b"serviceMonitor/app/web/0" in fetch(base + "/scrape_configs")[1], "the CR job", proc)
            # Live answers are what they were: the ConfigMap's CA inlined, the Secret's password redacted.
            answer = fetch(base + "/scrape_configs")[1]
            assert orjson.dumps(CA)[1:-1].replace(b"<", b"\\u003c") in answer or CA.encode() in answer
            assert b'"username":"admin"' in answer and PASSWORD.encode() not in answer

            # A changed value is still seen (same process, same key): the answer follows the new CA.
            api.call(lambda s: s.modify("v1/configmaps", _configmap(CA.replace("exampleCA", "rotatedCA"))))
            api.call(lambda s: s.modify("v1/secrets", _secret("hunter3")))
            wait_until(lambda: b"rotatedCA" in fetch(base + "/scrape_configs")[1], "the rotated CA served", proc)

            status, stream = fetch(base + "/debug/events?follow=false")
            assert status == 200 and b"hmac-sha256:" in stream
            _assert_hidden(stream, DB_URL, PASSWORD, "hunter3", "admin", "rotatedCA", "exampleCA")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        assert proc.returncode == 0
    text = journal.read_bytes()
    _assert_hidden(text, DB_URL, PASSWORD, "hunter3", "admin", "rotatedCA", "exampleCA")
    # Within the process, a changed value got a new digest; an unchanged one kept its digest.
    pw = _digests(text, "v1/secrets", "creds", "pw")
    user = _digests(text, "v1/secrets", "creds", "user")
    db = _digests(text, "v1/configmaps", "settings", "db_url")
    assert len(pw) == len(user) == len(db) == 2
    assert pw[0] != pw[1] and user[0] == user[1] and db[0] == db[1]
    assert all(d.startswith("hmac-sha256:") for d in pw + user + db)


def test_two_processes_digest_the_same_values_differently_and_answer_the_same(tmp_path: Path) -> None:
    capture = tmp_path / "cluster.yaml"
    capture.write_text(
        yaml.safe_dump_all([collector_pod("collector-0", "node-a"), _configmap(), _secret()], sort_keys=False)
    )
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "collector_namespace": "otel",
                "config": {
                    "scrape_configs": [
                        {
                            "job_name": "s",
                            "static_configs": [{"targets": ["10.0.0.1:80"]}],
                            "basic_auth": {"username": "u", "password": PASSWORD},
                        }
                    ]
                },
            }
        )
    )
    journals, answers = [], []
    for run in ("a", "b"):
        journal, dumped = tmp_path / f"journal-{run}.jsonl", tmp_path / f"answers-{run}.ndjson"
        done = subprocess.run(
            [
                *(sys.executable, "-m", "ta", "replay", str(capture), "--config-file", str(cfg)),
                *("--journal", str(journal), "--dump-answers", str(dumped), "--log-format", "json"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        journals.append(journal.read_bytes())
        answers.append(dumped.read_bytes())
    for text in journals:
        _assert_hidden(text, DB_URL, PASSWORD, "admin")
    first, second = (_digests(text, "v1/configmaps", "settings", "db_url") for text in journals)
    assert first and second and first != second  # not comparable across processes (nor guessable from either)
    jobs = [orjson.loads(text.splitlines()[0])["data"]["config"]["config"]["scrape_configs"][0] for text in journals]
    assert jobs[0]["basic_auth"]["password"] != jobs[1]["basic_auth"]["password"]
    assert answers[0] == answers[1]  # digests never reach an answer

    # A replay of a journal needs no key: re-recording copies the digests, byte for byte.
    again = tmp_path / "journal-again.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "ta", "replay", str(tmp_path / "journal-a.jsonl"), "--journal", str(again)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert again.read_bytes() == journals[0]

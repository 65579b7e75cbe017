"""Bad input is logged once, with where it came from, and skipped; nothing else is lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

from tests.e2e.capture import collector_pod


def _line(seq: int, kind: str, data: object) -> bytes:
    return orjson.dumps({"seq": seq, "ts": 1000.0 + seq, "kind": kind, "v": 1, "data": data})


def _object(seq: int, obj: dict[str, object], resource: str = "v1/pods") -> bytes:
    meta = obj.get("metadata") or {}
    assert isinstance(meta, dict)
    return _line(
        seq,
        "k8s.object",
        {
            "type": "ADDED",
            "resource": resource,
            "namespace": meta.get("namespace", ""),
            "name": meta.get("name", ""),
            "object": obj,
        },
    )


def test_bad_entries_are_logged_once_and_skipped(tmp_path: Path) -> None:
    config = {
        "collector_namespace": "otel",
        "config": {
            "scrape_configs": [
                {"job_name": "good", "static_configs": [{"targets": ["10.0.0.1:80", ""]}]},
                {
                    "job_name": "bad-regex",
                    "static_configs": [{"targets": ["10.0.0.2:80"]}],
                    "relabel_configs": [{"source_labels": ["a"], "regex": "(", "action": "keep"}],
                },
            ]
        },
    }
    nameless = collector_pod("x", "n1")
    nameless["metadata"] = {"namespace": "otel"}
    lines = [
        _line(1, "config.loaded", {"source": "test", "config": config}),
        b"{not json",
        _line(3, "no.such.kind", {}),
        _object(4, collector_pod("collector-0", "n1")),
        _object(5, nameless),
        _object(6, {"metadata": {"name": "w", "namespace": "otel"}}, resource="example.com/v1/widgets"),
        _line(7, "k8s.synced", {"resource": "v1/pods", "namespace": "otel", "resource_version": "7"}),
    ]
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b"\n".join(lines) + b"\n")
    done = subprocess.run(
        [sys.executable, "-m", "ta", "replay", str(journal), "--log-format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "entries: 5 replayed, 2 skipped" in done.stdout
    assert "collectors: 1" in done.stdout
    assert "  good: 1" in done.stdout and "bad-regex" not in done.stdout
    logs = [orjson.loads(x) for x in done.stderr.splitlines() if x.startswith("{")]
    skipped = [x for x in logs if x["event"] == "replay.skipped"]
    assert [x["where"] for x in skipped] == ["line 2", "line 3"]
    rejected = [x for x in logs if x["event"] == "input.rejected"]
    by_seq = {(x["seq"], x["source"]): x["reason"] for x in rejected}
    assert by_seq[(5, "v1/pods otel/")] == "pod has no name"
    assert "unknown resource" in by_seq[(6, "example.com/v1/widgets otel/w")]
    assert "error parsing regexp" in by_seq[(1, "job bad-regex")]
    assert "without __address__" in by_seq[(1, "job good")]
    assert len(rejected) == len(by_seq) == 4  # each logged exactly once

"""A short churn soak (bench/soak.py --short): ``ta run`` against the fake API server through 5xx and 410
storms, an API server restart, a 403 appearing on ServiceMonitors and a stalled watch, while pods roll,
endpoints flap, monitors change and collectors scale. Nothing may be lost, the live answers must equal a
fresh replay of the journal byte for byte, and tasks, mailboxes and caches may not grow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[2]


def test_short_soak_loses_nothing_replays_identically_and_does_not_grow(tmp_path: Path) -> None:
    summary_path = tmp_path / "summary.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "soak.py"),
            "--short",
            "--minutes", "0.4",
            "--scale", "0.5",
            "--poll-seconds", "2",
            "--sample-seconds", "3",
            "--workdir", str(tmp_path / "work"),
            "--json", str(summary_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "HOME": "/nonexistent"},
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    summary = orjson.loads(summary_path.read_bytes())
    assert summary["failures"] == []

    # Every fault happened and ta came back to the cluster's state after each.
    faults = summary["faults"]
    assert [f["name"].split(" ")[0] for f in faults] == ["5xx", "410", "API", "403", "stalled"]
    assert all(f["recovery_s"] is not None for f in faults)
    assert faults[0]["failed_requests"] > 0  # the storm was seen by ta
    # Churn really happened, and the final answers are the fake API server's objects, nothing lost.
    assert sum(summary["churn_ops"].values()) >= 10
    assert summary["final_recovery_s"] is not None
    assert summary["quiet_mismatches"] == 0
    assert summary["polls"]["requests"] > 0 and summary["polls"]["errors"] == 0
    # Byte-for-byte: every live answer equals the replay's, and there is more than /jobs to compare.
    replay = summary["replay"]
    assert replay["equal"] == replay["paths"] >= 6

    # No growth: the last sample against the first one after warm-up, and against the state's own size.
    samples = summary["samples"]
    base, end = samples[summary["warm_index"]], samples[-1]
    assert end["tasks"] <= base["tasks"] + 5
    assert sum(v for k, v in end.items() if k.startswith("mailbox:")) <= 5
    limits = summary["limits"]
    for cache in ("view_answers", "view_targets", "kube_objects"):
        assert end[f"cache:{cache}"] <= limits[f"cache:{cache}"], cache
    assert end["cache:kube_objects"] > 0 and end["cache:view_targets"] > 0

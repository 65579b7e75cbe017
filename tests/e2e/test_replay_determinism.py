"""Replaying the same input gives byte-identical answers and summaries, whatever PYTHONHASHSEED is, and a
journal recorded by one replay replays to the same answers again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.e2e.capture import write_capture


def replay(*args: str, seed: str) -> tuple[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "ta", "replay", *args, "--log-format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


@pytest.mark.parametrize("strategy", ["consistent-hashing", "least-weighted", "per-node", "rendezvous-bounded"])
def test_same_answers_under_different_hash_seeds(tmp_path: Path, strategy: str) -> None:
    capture, cfg = write_capture(tmp_path, strategy=strategy)
    outputs = []
    for seed in ("1", "4242"):
        answers = tmp_path / f"answers-{seed}.ndjson"
        stdout, _ = replay(str(capture), "--config-file", str(cfg), "--dump-answers", str(answers), seed=seed)
        outputs.append((stdout, answers.read_bytes()))
    assert outputs[0] == outputs[1]
    stdout, answers = outputs[0]
    assert "collectors: 5" in stdout  # the not-ready pod is past its grace period
    lines = [orjson.loads(line) for line in answers.splitlines()]
    paths = [line["path"] for line in lines]
    assert "/jobs/serviceMonitor%2Fns%2Fapp-0%2F0/targets?collector_id=collector-0" in paths
    # Every target is served by exactly one collector.
    served = sum(len(orjson.loads(line["body"])) for line in lines if "collector_id=" in line["path"])
    total = int(next(x for x in stdout.splitlines() if x.startswith("targets:")).split()[1])
    assert served == total > 0


def test_recorded_journal_replays_to_the_same_answers(tmp_path: Path) -> None:
    capture, cfg = write_capture(tmp_path, strategy="least-weighted")
    journal = tmp_path / "journal.jsonl"
    first = tmp_path / "first.ndjson"
    replay(str(capture), "--config-file", str(cfg), "--journal", str(journal), "--dump-answers", str(first), seed="7")
    again = tmp_path / "again.ndjson"
    replay(str(journal), "--dump-answers", str(again), seed="8")
    assert first.read_bytes() == again.read_bytes()
    text = journal.read_text()
    assert "s3cr3t" not in text  # container env never reaches the journal

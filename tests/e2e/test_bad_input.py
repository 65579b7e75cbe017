"""Bad input is logged once, with where it came from, and skipped; nothing else is lost. Bad files and
arguments end in one clear line and a non-zero exit, never a traceback or a hang."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import io
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from ta.cli import failure_text, run_to_end
from ta.events.base import Envelope
from ta.events.cluster import KubeObjectChanged
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


# --- Bad files and arguments: one clear line, a non-zero exit, never a hang (issue 11, items 8-11) ---

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
CLUSTER, CONFIG = DEMO / "cluster.yaml", DEMO / "targetallocator.yaml"


def ta(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``ta`` as a process; the timeout only bounds a hang (the old behaviour), each run takes about a second."""
    return subprocess.run(
        [sys.executable, "-m", "ta", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": "/nonexistent"},
        check=False,
    )


def error_lines(stderr: str) -> list[str]:
    """Lines that are not info/warning log lines: what a person reads as the error."""
    lines = [x for x in stderr.splitlines() if x.strip()]
    return [x for x in lines if not (x.startswith("{") and orjson.loads(x)["level"] in ("info", "warning"))]


def assert_one_error(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = error_lines(done.stderr)
    assert len(errors) == 1, done.stderr
    for text in expected:
        assert text in errors[0], errors[0]
    return errors[0]


def test_unwritable_outputs_fail_before_replaying(tmp_path: Path) -> None:
    for flag in ("--dump-answers", "--journal"):
        done = ta("replay", CLUSTER, "--config-file", CONFIG, flag, tmp_path / "absent" / "out")
        assert_one_error(done, f"ta replay: cannot write {flag} ", "No such file or directory")
        assert done.stdout == ""


def test_a_failing_replay_task_ends_the_replay(tmp_path: Path) -> None:
    # Past the up-front check (the directory vanishes meanwhile, say): the error must surface, not hang.
    from ta.replay import config_event, load_capture, replay

    capture = load_capture(str(CLUSTER), config_event(str(CONFIG)))
    out = str(tmp_path / "absent" / "answers.ndjson")
    try:
        asyncio.run(asyncio.wait_for(replay(capture, serve=False, listen_addr="127.0.0.1:0", answers_out=out), 30))
    except BaseExceptionGroup as group:
        assert [type(e) for e in group.exceptions] == [FileNotFoundError]
    else:
        raise AssertionError("replay returned despite the failed write")


def test_a_task_failure_is_one_log_line() -> None:
    async def failing() -> int:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(asyncio.sleep(3600))
            tg.create_task(asyncio.to_thread(Path("/nonexistent/x").write_text, "x"))
        return 0

    assert run_to_end(failing()) == 1
    assert "No such file or directory: '/nonexistent/x'" in failure_text(
        BaseExceptionGroup("g", [FileNotFoundError(2, "No such file or directory", "/nonexistent/x")])
    )
    bug = failure_text(ExceptionGroup("g", [_raise(TypeError("'int' object is not iterable"))]))
    assert bug.startswith("TypeError: 'int' object is not iterable (at test_bad_input.py:") and "\n" not in bug


def _raise(exc: Exception) -> Exception:
    try:
        raise exc
    except Exception as caught:
        return caught


def test_replay_serve_on_a_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = ta("replay", CLUSTER, "--config-file", CONFIG, "--serve", f"--listen-addr=127.0.0.1:{port}")
    line = assert_one_error(done, "address already in use")
    assert orjson.loads(line)["event"] == "ta.failed"


def test_lone_surrogate_in_a_config_job_name(tmp_path: Path) -> None:
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(CONFIG.read_text().replace("job_name: otel-collector", 'job_name: "a\\udc80"'))
    assert_one_error(ta("replay", CLUSTER, "--config-file", cfg), "found invalid Unicode character escape code")


def test_a_pod_with_impossible_conditions_is_skipped_and_the_rest_replays(tmp_path: Path) -> None:
    capture = tmp_path / "cluster.yaml"
    text = CLUSTER.read_text()
    start = text.index("    conditions:\n", text.index("name: otelcol-collector-0"))
    capture.write_text(text[:start] + "    conditions: 7\n" + text[text.index("- apiVersion", start) :])
    done = ta("replay", capture, "--config-file", CONFIG)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "entries: 21 replayed, 1 skipped" in done.stdout
    assert "collectors: 2\n" in done.stdout and "targets: 5 (unassigned: 0)" in done.stdout
    warnings = [orjson.loads(x) for x in done.stderr.splitlines() if '"replay.skipped"' in x]
    assert [w["reason"] for w in warnings] == [
        "v1/pods opentelemetry/otelcol-collector-0: status.conditions is 7, not a list"
    ]
    assert ta("replay", capture, "--config-file", CONFIG, "--strict").returncode == 3


@pytest.mark.parametrize("form", ["yaml-flow", "yaml-block", "json"])
def test_twenty_thousand_deep_capture(tmp_path: Path, form: str) -> None:
    depth = 20_000
    capture = tmp_path / "deep"
    if form == "json":
        capture.write_text('{"apiVersion": "v1", "kind": "Pod", "spec": ' + "[" * depth + "]" * depth + "}")
    elif form == "yaml-flow":
        capture.write_text("apiVersion: v1\nkind: Pod\nspec: " + "[" * depth + "]" * depth + "\n")
    else:
        capture.write_text("apiVersion: v1\nkind: Pod\nspec:\n  " + "- " * depth + "x\n")
    assert_one_error(ta("replay", capture, "--config-file", CONFIG), "nesting deeper than 128 levels")


@pytest.mark.parametrize("form", ["flow", "block"])
def test_twenty_thousand_deep_config(tmp_path: Path, form: str) -> None:
    depth = 20_000
    cfg = tmp_path / "ta.yaml"
    if form == "flow":
        cfg.write_text(CONFIG.read_text() + "extra: " + "[" * depth + "]" * depth + "\n")
    else:
        cfg.write_text(CONFIG.read_text() + "extra:\n  " + "- " * depth + "x\n")
    assert_one_error(ta("replay", CLUSTER, "--config-file", cfg), "error unmarshaling YAML", "nesting deeper than")
    run = ta("run", "--config-file", cfg)
    assert run.returncode == 1 and run.stderr.count("\n") == 1 and "nesting deeper than 128" in run.stderr


def _laughs(indent: str) -> str:
    rows = [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "lol"] * 9) + "]" for i in range(10)]
    return "".join(f"{indent}{row}\n" for row in rows)


def test_alias_bombs_are_refused(tmp_path: Path) -> None:
    capture = tmp_path / "bomb.yaml"
    capture.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n" + _laughs("    "))
    assert len(_laughs("")) < 1024
    assert_one_error(ta("replay", capture, "--config-file", CONFIG), "document contains excessive aliasing")
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(CONFIG.read_text() + "extra:\n" + _laughs("  "))
    assert_one_error(ta("replay", CLUSTER, "--config-file", cfg), "document contains excessive aliasing")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """The demo's journal as ``ta replay --journal`` records it: config, plan, lists, one k8s.synced each."""
    journal = tmp_path_factory.mktemp("recorded") / "journal.jsonl"
    done = ta("replay", CLUSTER, "--config-file", CONFIG, "--journal", journal)
    assert done.returncode == 0, done.stderr
    lines = journal.read_bytes().splitlines(keepends=True)
    assert b'"kind":"k8s.synced"' in lines[-1] and b'"kind":"k8s.planned"' in lines[1]
    return lines


def replay_lines(tmp_path: Path, lines: list[bytes], *args: str) -> subprocess.CompletedProcess[str]:
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b"".join(lines))
    return ta("replay", journal, *args)


def test_a_complete_journal_passes_strict(tmp_path: Path, recorded: list[bytes]) -> None:
    done = replay_lines(tmp_path, recorded, "--strict")
    assert done.returncode == 0, done.stderr
    assert "incomplete" not in done.stdout and "targets: 5 " in done.stdout


def test_a_journal_cut_before_its_last_syncs(tmp_path: Path, recorded: list[bytes]) -> None:
    done = replay_lines(tmp_path, recorded[:-4])
    assert done.returncode == 0  # without --strict the replay still succeeds, and says what it lacks
    assert "targets: 1 " in done.stdout
    assert "incomplete journal" in done.stdout
    assert "scope v1/services (all namespaces) never finished its list" in done.stdout
    assert "ServiceMonitor, PodMonitor, Probe and ScrapeConfig jobs may be missing" in done.stdout
    assert '"replay.incomplete"' in done.stderr
    strict = replay_lines(tmp_path, recorded[:-4], "--strict")
    assert strict.returncode == 3 and '"replay.strict_failed"' in strict.stderr


def test_a_second_plan_after_the_lists(tmp_path: Path, recorded: list[bytes]) -> None:
    second = recorded[1].replace(b'"seq":2,', b'"seq":%d,' % (len(recorded) + 1))
    done = replay_lines(tmp_path, [*recorded, second], "--strict")
    assert done.returncode == 3
    assert f"k8s.planned appears 2 times (seq 2, {len(recorded) + 1})" in done.stdout


def test_a_journal_without_its_config(tmp_path: Path, recorded: list[bytes]) -> None:
    done = replay_lines(tmp_path, recorded[1:], "--strict")
    assert done.returncode == 3 and "targets: 0 " in done.stdout
    assert "no config.loaded entry" in done.stdout and "pass --config-file" in done.stdout


def test_an_empty_journal(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n")
    assert_one_error(ta("replay", empty), "empty.jsonl is empty: nothing to replay")


def test_strict_fails_on_undecodable_lines(tmp_path: Path, recorded: list[bytes]) -> None:
    done = replay_lines(tmp_path, [*recorded, b'{"seq": 99, "kind": "k8s.synced"\n'], "--strict")
    assert done.returncode == 3 and "1 skipped" in done.stdout


def _paths(value: object, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(value, dict):
        items: list[tuple[str | int, object]] = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return []
    return [p for key, inner in items for p in [(*prefix, key), *_paths(inner, (*prefix, key))]]


def test_no_field_of_a_wrong_type_makes_a_step_fail() -> None:
    """Journaled objects reach the actors as recorded (no shape check: a replay must match its run), so the
    domain reads every field defensively. Each field of a collector pod and of a ServiceMonitor in turn set to
    7: no step may raise, and every other object still counts."""
    from structlog.testing import capture_logs

    from ta.replay import Capture, config_event, load_capture, replay

    base = load_capture(str(CLUSTER), config_event(str(CONFIG)))
    picked = {
        i: e.event
        for i, e in enumerate(base.envelopes)
        if isinstance(e.event, KubeObjectChanged) and e.event.name in ("otelcol-collector-1", "sm-example")
    }
    assert len(picked) == 2
    runs = 0
    for index, event in picked.items():
        obj = event.obj()
        for path in _paths(obj):
            if path[0] in ("apiVersion", "kind"):
                continue
            broken = copy.deepcopy(obj)
            target: Any = broken
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = 7
            envelopes = list(base.envelopes)
            envelopes[index] = Envelope(
                seq=base.envelopes[index].seq,
                ts=base.envelopes[index].ts,
                event=dataclasses.replace(event, body=orjson.dumps(broken)),
            )
            with capture_logs() as logs, contextlib.redirect_stdout(io.StringIO()) as out:
                pipeline = asyncio.run(
                    replay(
                        Capture(envelopes=tuple(envelopes), skipped=(), is_journal=True),
                        serve=False,
                        listen_addr="127.0.0.1:0",
                    )
                )
            errors = [x for x in logs if x["log_level"] in ("error", "critical")]
            assert errors == [], (path, errors)
            assert "otel-collector: 1" in out.getvalue(), path  # the static job is never hidden
            assert "otelcol-collector-0" in pipeline.view.collectors, path
            runs += 1
    assert runs > 40

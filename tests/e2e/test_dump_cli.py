"""`ta dump` as a user runs it: on a journal file, following a file being appended to, against a live
`ta replay --serve` (served with --enable-debug-events-on-plain-port, refused with the 403 hint without it),
and over mTLS with a client certificate."""

from __future__ import annotations

import asyncio
import io
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from ta.http.server import build_app
from ta.http.tls import ReloadingTLS, serve_https
from ta.journal import dumpcli
from tests.e2e.test_run_cli import fetch, free_port
from tests.http.test_debug_events import _listening, _running, _sequencer, _state
from tests.http.tls_certs import make_ca, make_client, make_server

ALL_KINDS = Path(__file__).parents[1] / "data" / "journal" / "v1" / "all-kinds.jsonl"


def dump(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ta", "dump", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_file_text_and_exit_status() -> None:
    done = dump(str(ALL_KINDS), "--object", "otel/collector-0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "     10 2026-12-07T14:56:57.114Z k8s.objects      ADDED    v1/pods otel/collector-0 rv=2"
        " labels +app.kubernetes.io/component=opentelemetry-collector"
    ]
    nothing = dump(str(ALL_KINDS), "--object", "otel/nobody")
    assert (nothing.returncode, nothing.stdout) == (1, "")


def test_file_json_narrows_batches_and_keeps_other_lines_as_they_are() -> None:
    done = dump(str(ALL_KINDS), "--resource", "pods", "--object", "web-0", "--format", "json")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    record = orjson.loads(line)
    assert record["seq"] == 10 and [c["name"] for c in record["data"]["changes"]] == ["web-0"]
    synced = dump(str(ALL_KINDS), "--kind", "k8s.synced", "--since-seq", "12", "--format", "json")
    assert synced.stdout.splitlines() == ALL_KINDS.read_text().splitlines()[11:13]


def test_relative_time_counts_back_from_the_newest_entry_of_the_file() -> None:
    done = dump(str(ALL_KINDS), "--since", "1s", "--kind", "k8s.object")
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["10", "10", "10", "14"]


def test_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    for args, words in [
        ((str(tmp_path / "absent.jsonl"),), "no such file"),
        ((str(ALL_KINDS), "--resource", "gadgets"), "unknown resource"),
        ((str(ALL_KINDS), "--kind", "k8s.nope"), "unknown kind"),
        ((str(ALL_KINDS), "--since", "last tuesday"), "not a time"),
        (("--url", f"http://127.0.0.1:{free_port()}", "--no-follow"), "127.0.0.1"),
    ]:
        done = dump(*args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert done.stderr.startswith("ta dump: ") and words in done.stderr and done.stderr.count("\n") == 1


def test_skipped_lines_are_noted_on_stderr(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(ALL_KINDS.read_bytes().replace(b'{"seq":15', b'{"seq":15,,', 1))
    done = dump(str(journal), "--since-seq", "14")
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["14"]
    assert "ta dump: skipped line 15: not JSON" in done.stderr


def test_follow_a_file_being_appended_until_sigterm(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    lines = ALL_KINDS.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:5]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ta", "dump", str(journal), "--follow", "--kind", "clock.tick"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with journal.open("ab") as f:
            f.write(b"".join(lines[5:]))
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until the appended tick is shown
        assert first.split()[0] == "15" and "clock.tick" in first
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _wait_ready(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if fetch(base + "/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError("ta replay --serve never became ready")


def _serving(*flags: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ta", "replay", str(ALL_KINDS), "--serve", f"--listen-addr=127.0.0.1:{port}", *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, proc)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def open_events() -> Iterator[str]:
    yield from _serving("--enable-debug-events-on-plain-port")


@pytest.fixture
def closed_events() -> Iterator[str]:
    yield from _serving()


def test_live_plain_port_when_the_server_allows_it(open_events: str) -> None:
    done = dump("--url", open_events, "--no-follow", "--object", "app/web-0")
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == ["10"]
    full = dump("--url", open_events + "/debug/events", "--no-follow", "--format", "json")
    assert full.stdout.splitlines() == ALL_KINDS.read_text().splitlines()
    ranged = dump("--url", open_events, "--since-seq", "13", "--until-seq", "14")  # follows, stops at 14
    assert ranged.returncode == 0 and [line.split()[0] for line in ranged.stdout.splitlines()] == ["13", "14"]


def test_live_follow_ends_on_sigterm(open_events: str) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ta", "dump", "--url", open_events, "--kind", "clock.tick"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().split()[0] == "15"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_live_plain_port_refused_prints_the_servers_hint(closed_events: str) -> None:
    done = dump("--url", closed_events, "--no-follow")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "403 forbidden: /debug/events is served on the mTLS listener" in done.stderr
    assert "--enable-debug-events-on-plain-port" in done.stderr


async def test_mtls_with_a_client_certificate_and_without(tmp_path: Path) -> None:
    ca = make_ca("ca")
    cert, key = make_server(ca).write(tmp_path, "server")
    client_cert, client_key = make_client(ca).write(tmp_path, "client")
    ca_file = tmp_path / "ca.crt"
    ca_file.write_bytes(ca.cert_pem)
    sequencer = _sequencer()
    port, stop = free_port(), asyncio.Event()
    async with _running(sequencer):
        app = build_app(_state(sequencer))
        task = asyncio.create_task(
            serve_https(app, "127.0.0.1", port, ReloadingTLS(cert, key, ca_file), stop, reload_interval=None)
        )
        try:
            await _listening(port)
            url = f"https://127.0.0.1:{port}"
            tls = ["--ca-file", str(ca_file), "--cert-file", str(client_cert), "--key-file", str(client_key)]
            out = io.StringIO()
            args = dumpcli.parser().parse_args(["--url", url, "--no-follow", "--format", "json", *tls])
            assert await dumpcli._dump(args, out) == 0
            assert [orjson.loads(line)["seq"] for line in out.getvalue().splitlines()] == [1, 2, 3]
            # Without a client certificate the handshake is refused: an error, not an empty answer.
            args = dumpcli.parser().parse_args(["--url", url, "--no-follow", "--ca-file", str(ca_file)])
            with pytest.raises(dumpcli.DumpError):
                await dumpcli._dump(args, io.StringIO())
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)

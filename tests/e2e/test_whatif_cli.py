"""``ta whatif`` over the bundled demo capture: table, JSON, --compare, --plot, and its usage errors."""

from __future__ import annotations

import builtins
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import structlog

from ta import cli
from ta.process import logs

ROOT = Path(__file__).resolve().parents[2]
DEMO = [str(ROOT / "examples/demo/cluster.yaml"), "--config-file", str(ROOT / "examples/demo/targetallocator.yaml")]


@pytest.fixture(autouse=True)
def _scoped_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``ta whatif`` configures process-wide logging (cached loggers, a stdlib handler) onto the stderr of the
    moment, here pytest's capture stream, closed after the test: later tests' log lines would fail on it. The
    same levels, uncached, for this test only; the previous configuration comes back afterwards."""
    saved = structlog.get_config()

    def configure(_fmt: str = "", level: str = "info") -> None:
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logs.LEVELS[level]),
            logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
            cache_logger_on_first_use=False,
        )

    monkeypatch.setattr(cli.logs, "configure", configure)
    yield
    structlog.reset_defaults()
    structlog.configure(**saved)


def whatif(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = cli.main(["whatif", *DEMO, *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_json_reports_every_step_of_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = whatif(capsys, "--collectors", "3", "--steps", "4,6,5", "--format", "json")
    assert status == 0
    doc = orjson.loads(out)
    assert doc["targets"] == 5
    assert doc["collector_prefix"] == "otelcol-collector"  # from the demo's collector pods
    assert doc["captured"] == {"strategy": "consistent-hashing", "collectors": 3}
    assert doc["steps"] == [3, 4, 6, 5]
    [setting] = doc["settings"]
    assert setting["strategy"] == "consistent-hashing"
    steps = setting["steps"]
    assert [(s["collectors_before"], s["collectors"]) for s in steps] == [(0, 3), (3, 4), (4, 6), (6, 5)]
    assert steps[0]["placed"] == 5 and steps[0]["moved"] == 0
    assert all(s["unassigned"] == 0 and s["assigned"] == 5 for s in steps)
    # The minimum is |dN|/max(N) of the 5 assigned targets, rounded down: 5/4, 5*2/6, 5/6.
    assert [s["min_moved"] for s in steps] == [0, 1, 1, 0]
    assert setting["total_min_moved"] == 2
    assert setting["total_moved"] == sum(s["moved"] for s in steps)
    again = whatif(capsys, "--collectors", "3", "--steps", "4,6,5", "--format", "json")[1]
    assert again == out  # deterministic


def test_table_is_the_default_and_steps_alone_give_the_start(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = whatif(capsys, "--steps", "3,4,6,5")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("targets: 5  nodes: 1  collectors: otelcol-collector-0..N-1")
    header = next(line for line in lines if line.startswith("step"))
    assert "consistent-hashing" in header
    assert any(line.split()[:2] == ["1", "3->4"] for line in lines)
    assert any(line.split()[:2] == ["3", "6->5"] for line in lines)
    assert lines[-1].startswith("total")


def test_without_steps_uses_the_captured_collectors(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = whatif(capsys, "--format", "json", "--strategy", "least-weighted")
    assert status == 0
    doc = orjson.loads(out)
    assert doc["steps"] == [3]
    assert [s["strategy"] for s in doc["settings"]] == ["least-weighted"]


def test_compare_puts_settings_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--collectors", "3", "--steps", "4,6,5", "--compare", "consistent-hashing", "rendezvous-bounded")
    status, out, _ = whatif(capsys, *args)
    assert status == 0
    header = next(line for line in out.splitlines() if line.startswith("step"))
    assert header.index("consistent-hashing") < header.index("rendezvous-bounded")
    sub = out.splitlines()[out.splitlines().index(header) + 1]
    assert sub.split().count("moved") == 2 and sub.split().count("unassigned") == 2
    status, out, _ = whatif(capsys, *args, "--format", "json")
    doc = orjson.loads(out)
    assert [s["strategy"] for s in doc["settings"]] == ["consistent-hashing", "rendezvous-bounded"]
    # The minimum does not depend on the strategy when both place every target.
    minimums = [[s["min_moved"] for s in setting["steps"]] for setting in doc["settings"]]
    assert minimums[0] == minimums[1]


def test_plot_writes_a_png(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "whatif.png"
    status, _, _ = whatif(
        capsys, "--steps", "3,4,6,5", "--compare", "consistent-hashing", "rendezvous-bounded", "--plot", str(png)
    )
    assert status == 0
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1500, 480)
    assert len(data) > 20_000  # three panels with lines, labels and legends, not a blank canvas


def test_plot_without_matplotlib_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    png = tmp_path / "whatif.png"
    status, out, err = whatif(capsys, "--steps", "3", "--plot", str(png))
    assert status == 2
    assert out == ""
    assert err.strip().splitlines() == ["ta whatif: --plot needs matplotlib: pip install 'ta[plot]'"]
    assert not png.exists()


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        whatif(capsys, "--steps", "3,x")
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        whatif(capsys, "--strategy", "round-robin")
    assert exc.value.code == 2
    capsys.readouterr()


def test_per_node_needs_nodes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # A static job only: no Node objects and no target on a node.
    cfg = tmp_path / "ta.yaml"
    cfg.write_text(
        "collector_namespace: otel\n"
        "config:\n  scrape_configs:\n  - job_name: static\n    static_configs:\n    - targets: ['10.0.0.1:9100']\n"
    )
    capture = tmp_path / "empty.yaml"
    capture.write_text(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: otel}\n"
    )
    status = cli.main(["whatif", str(capture), "--config-file", str(cfg), "--steps", "2", "--strategy", "per-node"])
    err = capsys.readouterr().err
    assert status == 1
    assert "per-node needs nodes" in err
    status = cli.main(["whatif", str(capture), "--config-file", str(cfg), "--format", "json"])
    err = capsys.readouterr().err
    assert status == 1
    assert "no collectors" in err


def test_batching_the_capture_keeps_the_replayed_targets() -> None:
    """``ta whatif`` replays object changes a page at a time (faster); the targets must be those of ``ta replay``."""
    import asyncio

    from ta import replay as replay_mod
    from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
    from ta.whatif import batched, replay_targets

    capture = replay_mod.load_capture(DEMO[0], replay_mod.config_event(DEMO[2]))
    grouped = batched(capture)
    assert len(grouped.envelopes) < len(capture.envelopes)
    assert not any(isinstance(e.event, KubeObjectChanged) for e in grouped.envelopes)
    assert [e.seq for e in grouped.envelopes] == list(range(1, len(grouped.envelopes) + 1))
    singles = [c for e in grouped.envelopes if isinstance(e.event, KubeObjectBatch) for c in e.event.changes]
    assert singles == [e.event for e in capture.envelopes if isinstance(e.event, KubeObjectChanged)]
    pipeline = asyncio.run(replay_mod.replay(capture, serve=False, listen_addr="127.0.0.1:0", print_summary=False))
    view = pipeline.view
    expected = sorted(p.target.hash for job in view.job_names() for p in view.placements(job))
    assert sorted(t.hash for t in replay_targets(capture).targets) == expected
    assert len(expected) == 5

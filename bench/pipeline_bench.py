"""In-process pipeline benchmark: first allocation, one-target and one-collector changes, memory, sequencer cost.

In: sizes and strategy on the command line (defaults: 100 000 targets in 500 jobs, 50 collector pods,
consistent-hashing). Out: a plain-text ``metric | value | aim`` table on stdout; nothing is asserted.

What is measured (wall time, ``time.perf_counter``, on the running event loop with the real actors):

- first complete allocation: from the first ``submit`` (config, then the 50 pods as ADDED events, then the
  file-SD file, in the order a live TA sees them) until ``wait_drained()`` returns, and until every
  ``/jobs/{job}/targets?collector_id=`` answer (jobs x collectors) has been rendered once more;
- one-target change: a ``FileRead`` of the file-SD job's file with one target more (then one fewer, again),
  until drained and that job's answers are current (only the invalidated one is rendered again);
- one-collector change: a pod ADDED (a 51st collector) and the same pod DELETED, each until drained and
  every answer is current again (the ones whose targets moved are re-rendered);
- sequencer overhead: N ``Tick`` events through the whole pipeline (router, membership, discovery), events/s;
- RSS after the first allocation, and peak RSS of the process.

Run: ``python bench/pipeline_bench.py [--targets 100000 --jobs 500 --collectors 50 --strategy
consistent-hashing --repeat 20 --ticks 10000 --profile]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

from ta.events.clock import Tick
from ta.events.cluster import WatchType


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--targets", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--collectors", type=int, default=50)
    parser.add_argument("--strategy", default="consistent-hashing", choices=common.STRATEGIES)
    parser.add_argument("--repeat", type=int, default=20, help="changes of each kind (each way)")
    parser.add_argument("--ticks", type=int, default=10_000, help="Tick events for the sequencer overhead")
    parser.add_argument("--skip-pods-first", action="store_true", help="skip the pods-before-config variant")
    parser.add_argument("--profile", action="store_true", help="cProfile the first allocation, print the top")
    return parser.parse_args(argv)


def _steps(seconds: dict[str, float], per: int = 1, unit: str = "ms") -> str:
    scale = 1e6 if unit == "us" else 1e3
    return ", ".join(
        f"{name[:5]} {value / per * scale:.{0 if unit == 'us' else 1}f}" for name, value in seconds.items()
    ) + (f" {unit}")


def _summary(samples: list[float]) -> str:
    return f"median {common.ms(statistics.median(samples))}, p99 {common.ms(common.percentile(samples, 99))}"


async def bench(args: argparse.Namespace) -> tuple[list[tuple[str, str, str]], str]:
    rows: list[tuple[str, str, str]] = []
    profile_text = ""
    with tempfile.TemporaryDirectory(prefix="ta-bench-") as directory:
        state = common.make_state(
            targets=args.targets,
            jobs=args.jobs,
            collectors=args.collectors,
            strategy=args.strategy,
            directory=directory,
        )
        jobs = state.job_names()
        rows.append(("build ConfigLoaded (mapping -> journaled JSON)", common.ms(state.config_build_seconds), "-"))
        rss_before = common.rss_mib()
        running = await common.start(step_times=True)
        times = running.times
        assert times is not None
        p = running.pipeline
        view = p.view
        try:
            # --- first complete allocation ------------------------------------------------------------
            profiler = cProfile.Profile() if args.profile else None
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            await common.load(p, state)
            t_drained = time.perf_counter()
            rendered_bytes = common.render_all(view, jobs)
            t_rendered = time.perf_counter()
            if profiler is not None:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
                profile_text = out.getvalue()
            cpu1 = time.process_time()
            total = sum(view.job_size(j) for j in view.job_names())
            if total != args.targets or len(view.collectors) != args.collectors or view.unassigned():
                rows.append(("WARNING: unexpected state", f"{total} targets, {len(view.collectors)} collectors", "-"))
            rows.append(("first allocation: pipeline drained", common.ms(t_drained - t0), "-"))
            rows.append(("first allocation: + all answers rendered", common.ms(t_rendered - t0), "< 2000 ms"))
            rows.append(
                (
                    "  (answers rendered / bytes)",
                    f"{len(jobs) * len(view.collectors)} / {rendered_bytes / 1e6:.1f} MB "
                    f"in {common.ms(t_rendered - t_drained)}",
                    "-",
                )
            )
            rows.append(("first allocation: CPU time", f"{cpu1 - cpu0:.2f} s", "-"))
            rows.append(("  time in actor steps", _steps(times.snapshot()), "-"))
            rows.append(
                ("RSS after first allocation", f"{common.rss_mib():.0f} MiB (before: {rss_before:.0f} MiB)", "-")
            )

            # --- one-target change (file SD) -----------------------------------------------------------
            times.reset()
            one_target: list[float] = []
            for i in range(args.repeat * 2):
                extra = 1 if i % 2 == 0 else 0
                event = state.file_read(extra)
                t = time.perf_counter()
                await p.sequencer.submit(event)
                await p.sequencer.wait_drained()
                for collector in view.collectors:
                    view.targets_for(common.FILE_SD_JOB, collector)
                one_target.append(time.perf_counter() - t)
                if view.job_size(common.FILE_SD_JOB) != state.file_sd_size + extra:
                    rows.append(("WARNING: one-target change not visible", str(i), "-"))
                    break
            rows.append(
                (
                    f"one-target change (file SD, {state.file_sd_size} targets in file)",
                    _summary(one_target),
                    "< 5 ms",
                )
            )
            rows.append(("  time in actor steps, per change", _steps(times.snapshot(), len(one_target)), "-"))
            times.reset()

            # --- one-collector change ------------------------------------------------------------------
            samples: dict[WatchType, tuple[list[float], list[float]]] = {"ADDED": ([], []), "DELETED": ([], [])}
            newcomer = args.collectors
            for _ in range(args.repeat):
                for watch_type, (drained, rendered) in samples.items():
                    pod = common.pod_event(newcomer, watch_type)
                    t = time.perf_counter()
                    await p.sequencer.submit(pod)
                    await p.sequencer.wait_drained()
                    drained.append(time.perf_counter() - t)
                    common.render_all(view, jobs)
                    rendered.append(time.perf_counter() - t)
            if len(view.collectors) != args.collectors:
                rows.append(("WARNING: collector count after changes", str(len(view.collectors)), "-"))
            for watch_type, (drained, rendered) in samples.items():
                rows.append((f"one-collector change: pod {watch_type}, drained", _summary(drained), "-"))
                rows.append((f"one-collector change: pod {watch_type}, rendered", _summary(rendered), "-"))
            rows.append(("  time in actor steps, per change", _steps(times.snapshot(), 2 * args.repeat), "-"))
            times.reset()

            # --- sequencer per-event overhead ----------------------------------------------------------
            t = time.perf_counter()
            for _ in range(args.ticks):
                await p.sequencer.submit(Tick())
            await p.sequencer.wait_drained()
            elapsed = time.perf_counter() - t
            rows.append(
                (
                    f"sequencer: {args.ticks} Tick events drained",
                    f"{args.ticks / elapsed:,.0f} events/s ({elapsed / args.ticks * 1e6:.0f} us/event)",
                    "-",
                )
            )
            rows.append(("  time in actor steps, per event", _steps(times.snapshot(), args.ticks, unit="us"), "-"))
        finally:
            await running.close()
        rows.append(("peak RSS (ru_maxrss)", f"{common.peak_rss_mib():.0f} MiB", "-"))
        del running, p, view
        gc.collect()

        # --- first allocation with the pods before the config (one CollectorsChanged) ----------------------
        if not args.skip_pods_first:
            running = await common.start(step_times=True)
            assert running.times is not None
            try:
                t0 = time.perf_counter()
                await common.load(running.pipeline, state, pods_first=True)
                t_drained = time.perf_counter()
                common.render_all(running.pipeline.view, jobs)
                t_rendered = time.perf_counter()
            finally:
                await running.close()
            rows.append(
                (
                    "first allocation, pods before config: drained / rendered",
                    f"{common.ms(t_drained - t0)} / {common.ms(t_rendered - t0)}",
                    "< 2000 ms",
                )
            )
            rows.append(("  time in actor steps", _steps(running.times.snapshot()), "-"))
    return rows, profile_text


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    common.quiet_logs()
    rows, profile_text = asyncio.run(bench(args))
    title = (
        f"pipeline_bench: {args.targets} targets, {args.jobs} jobs, {args.collectors} collectors, "
        f"{args.strategy}; {common.environment()}"
    )
    print(common.table(rows, title))
    if profile_text:
        print("\ncProfile of the first allocation (cumulative):")
        print(profile_text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

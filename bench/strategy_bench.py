"""Churn, balance, per-job spread and rebalance time of the allocation strategies (issue 14, item 3).

In: sizes from the command line (synthetic, deterministic targets: ``--jobs`` jobs of equal size, identity hash
and address as the test builders make them). Out: tables printed to stdout; nothing is asserted.

1. Churn: one allocator per strategy with ``--targets`` (20 000) targets is walked 2 -> 3 -> ... -> 101
   collectors and back down; each step's moved targets, as a fraction of all targets, beside the minimum
   1/(N+1) and the bound of item 3 (minimum + 1%). ``--ns 2,10,16`` restricts the printed rows (the walk still
   takes every step: least-weighted's placements depend on its history).
2. Balance and per-job spread with ``--balance-targets`` (100 000) targets at 10 and 100 collectors:
   max/mean targets per collector; per job, max/mean of its targets per collector (mean over jobs and the
   worst job); the time of one rebalance N -> N+1 and back, and of the initial placement; how many other
   targets one added or removed target moves (500 adds, then their removals).

per-node is left out: it places by node, so its churn and balance are those of the node layout, not of a
strategy. Run from the repository root: ``python bench/strategy_bench.py [--ns 2,3,10,99]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import xxhash

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import environment  # noqa: E402
from ta.core.allocation.allocator import Allocator  # noqa: E402
from ta.core.base.model import Collector, Target  # noqa: E402

STRATEGIES = ("consistent-hashing", "least-weighted", "rendezvous-bounded")
SHORT = {"consistent-hashing": "ring", "least-weighted": "lw", "rendezvous-bounded": "rb"}


def make_targets(count: int, jobs: int, start: int = 0) -> list[Target]:
    out = []
    for i in range(start, start + count):
        job = f"job-{i % jobs}"
        out.append(
            Target(
                job=job,
                address=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}:8080",
                own=(("i", str(i)),),
                hash=xxhash.xxh64_intdigest(f"{job}\x00{i}".encode()),
            )
        )
    return out


def collectors(n: int) -> list[Collector]:
    return [Collector(name=f"collector-{i}") for i in range(n)]


def churn(strategy: str, targets: list[Target], top: int) -> tuple[dict[int, float], dict[int, float], list[float]]:
    """Moved fraction per step: ``up[n]`` for n -> n+1, ``down[n]`` for n+1 -> n; and each step's seconds."""
    allocator = Allocator(strategy)
    allocator.set_collectors(collectors(2))
    allocator.update(upserts=targets)
    total = len(targets)
    up: dict[int, float] = {}
    down: dict[int, float] = {}
    seconds: list[float] = []
    for n in range(2, top + 1):
        start = time.perf_counter()
        moves = allocator.set_collectors(collectors(n + 1))
        seconds.append(time.perf_counter() - start)
        up[n] = len(moves) / total
    for n in range(top, 1, -1):
        start = time.perf_counter()
        moves = allocator.set_collectors(collectors(n))
        seconds.append(time.perf_counter() - start)
        down[n] = len(moves) / total
    return up, down, seconds


def spread(allocator: Allocator, targets: list[Target], n: int) -> tuple[float, float, float]:
    """max/mean per collector; per job max/mean of its targets per collector: mean over jobs, worst job."""
    loads = [count for _name, count in allocator.assigned_counts()]
    by_job: dict[str, Counter[str]] = {}
    for target in targets:
        by_job.setdefault(target.job, Counter())[allocator.collector_of(target.hash)] += 1
    ratios = []
    for job_counts in by_job.values():
        size = sum(job_counts.values())
        ratios.append(max(job_counts.values()) / (size / n))
    return max(loads) / (sum(loads) / n), statistics.fmean(ratios), max(ratios)


def single_changes(allocator: Allocator, start: int, jobs: int, count: int = 500) -> tuple[float, int]:
    """Other targets moved per one-target add or removal (mean, worst) over ``count`` adds then removals."""
    extra = make_targets(count, jobs, start)
    moved = []
    for target in extra:
        moved.append(sum(1 for move in allocator.update(upserts=[target]) if move.target.hash != target.hash))
    for target in extra:
        moved.append(sum(1 for move in allocator.update(removals=[target.hash]) if not move.removed))
    return statistics.fmean(moved), max(moved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=20_000, help="targets in the churn walk")
    parser.add_argument("--balance-targets", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=100, help="jobs (equal sizes) for the per-job spread")
    parser.add_argument("--top", type=int, default=100, help="walk 2..top (+1)")
    parser.add_argument("--ns", default="", help="comma-separated N to print (default: all)")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    args = parser.parse_args()
    strategies = [name for name in args.strategies.split(",") if name]
    shown = [int(n) for n in args.ns.split(",") if n] or list(range(2, args.top + 1))

    targets = make_targets(args.targets, args.jobs)
    walks = {strategy: churn(strategy, targets, args.top) for strategy in strategies}
    print(f"churn: moved fraction of {args.targets} targets per step; min = 1/(N+1), bound = min + 1%")
    header = ["N", "min", "bound"] + [f"{SHORT.get(s, s)} {d}" for s in strategies for d in ("up", "down")]
    rows = []
    for n in shown:
        minimum = 1 / (n + 1)
        row = [str(n), f"{minimum:.4f}", f"{minimum + 0.01:.4f}"]
        for strategy in strategies:
            up, down, _seconds = walks[strategy]
            row += [f"{up[n]:.4f}", f"{down[n]:.4f}"]
        rows.append(row)
    print_rows(header, rows)
    print()
    summary = []
    for strategy in strategies:
        up, down, seconds = walks[strategy]
        excess = [(up[n] - 1 / (n + 1), n, "up") for n in up] + [(down[n] - 1 / (n + 1), n, "down") for n in down]
        worst, worst_n, direction = max(excess)
        ratio = max(max(up[n], down[n]) * (n + 1) for n in up)
        over = sum(1 for value, _n, _d in excess if value > 0.01)
        summary.append(
            [
                strategy,
                f"{worst:+.4f} (N={worst_n} {direction})",
                f"{ratio:.2f}x",
                f"{over} of {len(excess)}",
                f"{statistics.fmean(seconds) * 1000:.0f} ms / {max(seconds) * 1000:.0f} ms",
            ]
        )
    print(f"churn summary over N = 2..{args.top}, both directions")
    print_rows(
        ["strategy", "worst excess over min", "worst moved/min", "steps over bound", "rebalance mean/max"], summary
    )
    print()

    balance_targets = make_targets(args.balance_targets, args.jobs)
    rows = []
    for strategy in strategies:
        for n in (10, 100):
            allocator = Allocator(strategy)
            allocator.set_collectors(collectors(n))
            start = time.perf_counter()
            allocator.update(upserts=balance_targets)
            placed = time.perf_counter() - start
            balance, job_mean, job_worst = spread(allocator, balance_targets, n)
            start = time.perf_counter()
            allocator.set_collectors(collectors(n + 1))
            grow = time.perf_counter() - start
            start = time.perf_counter()
            allocator.set_collectors(collectors(n))
            shrink = time.perf_counter() - start
            others, worst_others = single_changes(allocator, len(balance_targets), args.jobs)
            rows.append(
                [
                    strategy,
                    str(n),
                    f"{balance:.3f}",
                    f"{job_mean:.3f}",
                    f"{job_worst:.3f}",
                    f"{placed:.2f} s",
                    f"{grow * 1000:.0f} / {shrink * 1000:.0f} ms",
                    f"{others:.2f} / {worst_others}",
                ]
            )
    print(
        f"balance with {args.balance_targets} targets in {args.jobs} jobs "
        f"({args.balance_targets // args.jobs} each); aim for rendezvous-bounded: max/mean <= 1.05"
    )
    print_rows(
        [
            "strategy",
            "N",
            "max/mean",
            "job max/mean (mean)",
            "job max/mean (worst)",
            "first placement",
            "N->N+1 / back",
            "others moved per 1-target change (mean / worst)",
        ],
        rows,
    )
    print()
    print(environment())


def print_rows(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    print(" | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)))
    print("-+-".join("-" * width for width in widths))
    for row in rows:
        print(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()

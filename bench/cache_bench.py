"""What the bounded caches (``ta.core.base.cache``) cost on the hot paths of target building, one row per lookup.

In: nothing (the relabel bench's synthetic job and groups). Out: a table of CPU time per target for
``build_targets`` (groups of 50 and of 5: per-group lookups weigh ten times more in the second),
``build_targets_reference`` and the general engine, then nanoseconds per cache hit of the per-group and per-row
lookups (the compiled job, ``split_plan``, ``filter_rules``, ``query_escape``, ``shared_pair``). Each figure is
the minimum over repeats, so other load on the machine matters less. To compare two trees, run it in each,
alternating: ``PYTHONPATH=<tree> python bench/cache_bench.py`` from that tree's root. Nothing is asserted.
"""

from __future__ import annotations

import os
import sys
import time
import timeit
from collections.abc import Callable

import relabel_bench as rb

from ta.core.discovery import targets
from ta.core.k8s_sd.meta import shared_pair
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.engine import apply
from ta.core.relabel.plan import split_plan
from ta.http.html import query_escape


def best_cpu(run: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def per_call_ns(call: Callable[[], object], number: int = 100_000) -> float:
    return min(timeit.repeat(call, number=number, repeat=9)) / number * 1e9


def main() -> None:
    settings = rb.SETTINGS
    g50 = rb.groups_of(10_000, half_kept=False)
    g5 = rb.groups_of(10_000, half_kept=False, size=5)
    gref = rb.groups_of(2_000, half_kept=False)
    rules = targets.filter_rules(settings.relabel_configs, settings.name_validation_scheme)
    flat = [tuple(sorted(g.labels + t)) for g in gref for t in g.targets]
    compiled = targets._compiled(settings)
    assert compiled.plan is not None
    plan, names = compiled.plan, frozenset(compiled.plan.names[:3])
    split_plan(plan, names, False)
    configs = settings.relabel_configs

    def build(groups: list[rb.TargetGroup]) -> Callable[[], None]:
        def run() -> None:
            for g in groups:
                targets.build_targets(settings, g)

        return run

    def reference() -> None:
        for g in gref:
            targets.build_targets_reference(settings, g)

    def engine() -> None:
        for labels in flat:
            apply(LabelBuilder(labels), rules)

    build(g50)()
    rows = [
        ("build_targets, groups of 50", best_cpu(build(g50), 15) / 10_000 * 1e6, "us/target"),
        ("build_targets, groups of 5", best_cpu(build(g5), 15) / 10_000 * 1e6, "us/target"),
        ("build_targets_reference, groups of 50", best_cpu(reference, 7) / 2_000 * 1e6, "us/target"),
        ("engine apply, flat labels", best_cpu(engine, 7) / len(flat) * 1e6, "us/target"),
        ("hit: compiled job (per group)", per_call_ns(lambda: targets._compiled(settings)), "ns"),
        ("hit: split_plan (per group)", per_call_ns(lambda: split_plan(plan, names, False)), "ns"),
        ("hit: filter_rules (per group, reference)", per_call_ns(lambda: targets.filter_rules(configs), 20_000), "ns"),
        ("hit: query_escape (per row)", per_call_ns(lambda: query_escape("serviceMonitor/ns-1/app-3/0")), "ns"),
        ("hit: shared_pair (per label)", per_call_ns(lambda: shared_pair("a", "b")), "ns"),
        ("floor: an empty lambda call", per_call_ns(lambda: None), "ns"),
    ]
    load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    print(f"cache_bench: python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}")
    print(f"{'metric':<44} | {'value':>10} | unit")
    print(f"{'-' * 44}-+-{'-' * 10}-+-{'-' * 9}")
    for name, value, unit in rows:
        print(f"{name:<44} | {value:>10.2f} | {unit}")


if __name__ == "__main__":
    main()

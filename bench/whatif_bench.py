"""What-if over the kube_bench cluster: how long ``ta whatif`` takes on a capture of that size.

In: the kube_bench cluster sizes (same flags and defaults: ``--slices 2000 --endpoints 50`` ...) and the scaling
steps (``--steps``, six by default). Out: a ``run | wall s | CPU s | peak RSS MB`` table on stdout, one row per
``ta whatif`` run (one strategy, then two side by side with ``--compare``); nothing is asserted.

The cluster is written once as a ``kubectl get -o json`` capture (one List of every namespace, node, collector
pod, pod, Service and EndpointSlice, with ``apiVersion``/``kind`` on each item as kubectl writes them) plus the
kube_bench TA config, into a temporary directory; each run is a fresh ``python -m ta whatif`` process, so the
figures include interpreter start, reading the capture, the whole replay and the simulation.
The aim (issue 13): six scaling steps in under a minute.

Run: ``python bench/whatif_bench.py [--slices 2000 ...] [--steps 60,75,70,40,50,45]``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import kube_bench as kb

ROOT = Path(__file__).resolve().parent.parent
KINDS = {
    kb.NAMESPACES: ("v1", "Namespace"),
    kb.NODES: ("v1", "Node"),
    kb.PODS: ("v1", "Pod"),
    kb.SERVICES: ("v1", "Service"),
    kb.SLICES: ("discovery.k8s.io/v1", "EndpointSlice"),
}


def capture(cluster: kb.Cluster) -> bytes:
    """The cluster as one kubectl List."""
    groups: list[tuple[str, list[dict[str, Any]]]] = [
        (
            kb.NAMESPACES,
            [cluster.namespace(i) for i in range(cluster.namespaces)] + [{"metadata": {"name": kb.COLLECTOR_NS}}],
        ),
        (kb.NODES, [cluster.node(i) for i in range(cluster.nodes)]),
        (
            kb.PODS,
            [cluster.collector_pod(i) for i in range(cluster.collectors)]
            + [cluster.pod(i) for i in range(cluster.pods)],
        ),
        (kb.SERVICES, [cluster.service(i) for i in range(cluster.services)]),
        (kb.SLICES, [cluster.endpoint_slice(i) for i in range(cluster.slices)]),
    ]
    items = []
    for resource_name, objs in groups:
        api_version, kind = KINDS[resource_name]
        items += [{"apiVersion": api_version, "kind": kind, **obj} for obj in objs]
    return orjson.dumps({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items})


def run(label: str, argv: list[str]) -> tuple[str, float, float, float, bytes]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ta", *argv], capture_output=True, cwd=ROOT, check=False, timeout=600)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{label}: exit {done.returncode}: {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return label, wall, cpu, after.ru_maxrss / 1024, done.stdout


def main() -> None:
    argv = sys.argv[1:]
    steps = "60,75,70,40,50,45"
    if "--steps" in argv:
        i = argv.index("--steps")
        steps = argv[i + 1]
        del argv[i : i + 2]
    args = kb._args(argv)
    cluster = kb.Cluster(args)
    with tempfile.TemporaryDirectory(prefix="whatif-bench-") as tmp:
        path = Path(tmp) / "cluster.json"
        cfg = Path(tmp) / "ta.yaml"
        path.write_bytes(capture(cluster))
        cfg.write_text(yaml.safe_dump(kb.ta_config(args)))
        base = ["whatif", str(path), "--config-file", str(cfg), "--collectors", str(args.collectors), "--steps", steps]
        rows = [
            run("one strategy (rendezvous-bounded)", [*base, "--strategy", "rendezvous-bounded"]),
            run(
                "--compare consistent-hashing rendezvous-bounded",
                [*base, "--compare", "consistent-hashing", "rendezvous-bounded"],
            ),
        ]
    print(f"capture: {cluster.pods} pods, {cluster.slices} EndpointSlices, {args.collectors} collectors; steps {steps}")
    print(f"{'run':<50} | {'wall s':>7} | {'CPU s':>6} | {'peak RSS MB':>11}")
    for label, wall, cpu, rss, _ in rows:
        print(f"{label:<50} | {wall:7.1f} | {cpu:6.1f} | {rss:11.0f}")
    print()
    sys.stdout.write(rows[-1][4].decode())


if __name__ == "__main__":
    main()

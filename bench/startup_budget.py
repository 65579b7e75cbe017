"""Start-up budget: where ``ta run``'s CPU goes on the kube_bench cluster, stage by stage, in one process.

In: the kube_bench cluster sizes (same flags and defaults: ``--slices 2000 --endpoints 50`` ...). Out: a plain-text
``stage | CPU (per object) | share of the live total`` table on stdout; nothing is asserted.

The cluster's objects are served as the fake API server would (JSON list pages of 500 items per watch scope),
then each stage of what ``ta run`` does with them runs over the whole cluster, timed with ``time.process_time``,
through the code ``ta run`` itself uses:

1. decoding the list pages (``orjson.loads``: what ``ta.kube.api.get_json`` does with a page);
2. the watcher's work per listed object (``Watcher._page_changes``: sanitise, encode as the journal's JSON, the
   ``KubeObjectChanged``);
3. storing each object for kubernetes_sd (``Discovery.kube_object`` while the first lists load: pods cut down and
   compressed, slices compressed, reverse indexes, pod facts);
4. the first build (``Discovery.kube_flush``: every SD group, every job's relabeling, the target index);
5. the whole in-process pipeline fed the same list pages as ``KubeObjectBatch`` journal entries until ``/readyz``
   would answer 200 (sequencer, journal tail, every actor, allocation, rendering ``/scrape_configs``): stages 3
   and 4 again, plus membership, allocation and the plumbing between actors, which is reported as the remainder.

Then the C-level floor no Python tuning removes: the page decoding of stage 1, encoding each sanitised object once
(stage 2) and compressing each stored pod and slice (stage 3). Not included: interpreter start and imports
(~1.3-2.5 s of ``ta run``), the HTTP client, and the event loop's network work; ``kube_bench``'s "ta CPU time
until ready" is the live total. All stages run in one process, one after the other: compare shares, not seconds
across runs (the machines drift).

Run: ``python bench/startup_budget.py [--slices 2000 ...]``.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import zstandard

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common
import kube_bench as kb

from ta.app import build_pipeline, run_pipeline
from ta.core.config.mapping import config_from_mapping
from ta.core.config.model import TAConfig
from ta.core.discovery.jobs import Discovery
from ta.core.promcfg.scrape import parse_prometheus_config
from ta.core.watches import needed_scopes
from ta.events.cluster import KubeListSynced, KubeObjectBatch, KubeObjectChanged, KubeWatchesPlanned
from ta.kube.scope import WatchScope
from ta.kube.watch import Watcher

PAGE = 500
KINDS = {
    kb.NAMESPACES: ("v1", "NamespaceList"),
    kb.NODES: ("v1", "NodeList"),
    kb.PODS: ("v1", "PodList"),
    kb.SERVICES: ("v1", "ServiceList"),
    kb.SLICES: ("discovery.k8s.io/v1", "EndpointSliceList"),
}


def cluster_objects(cluster: kb.Cluster) -> dict[str, list[dict[str, Any]]]:
    objects: dict[str, list[dict[str, Any]]] = {resource: [] for resource in KINDS}
    objects[kb.NAMESPACES] = [cluster.namespace(i) for i in range(cluster.namespaces)]
    objects[kb.NAMESPACES].append({"metadata": {"name": kb.COLLECTOR_NS}})
    objects[kb.NODES] = [cluster.node(i) for i in range(cluster.nodes)]
    objects[kb.PODS] = [cluster.collector_pod(i) for i in range(cluster.collectors)]
    objects[kb.PODS] += [cluster.pod(i) for i in range(cluster.pods)]
    objects[kb.SERVICES] = [cluster.service(i) for i in range(cluster.services)]
    objects[kb.SLICES] = [cluster.endpoint_slice(i) for i in range(cluster.slices)]
    return objects


def pages(scopes: tuple[tuple[str, str], ...], objects: dict[str, list[dict[str, Any]]]) -> list[tuple[str, bytes]]:
    """Every scope's list pages as JSON bytes, in scope order (the live watches interleave them)."""
    out: list[tuple[str, bytes]] = []
    for resource, namespace in scopes:
        api_version, kind = KINDS[resource]
        items = [o for o in objects.get(resource, ()) if not namespace or o["metadata"].get("namespace") == namespace]
        for start in range(0, max(len(items), 1), PAGE):
            page = {"kind": kind, "apiVersion": api_version, "metadata": {}, "items": items[start : start + PAGE]}
            out.append((f"{resource} {namespace}", orjson.dumps(page)))
    return out


def timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    t0 = time.process_time()
    result = fn(*args)
    return time.process_time() - t0, result


def changes_of(scope_pages: list[tuple[str, bytes]], decoded: list[dict[str, Any]]) -> list[KubeObjectBatch]:
    async def emit(_event: Any) -> None:
        return None

    watchers: dict[str, Watcher] = {}
    batches: list[KubeObjectBatch] = []
    for (scope, _), page in zip(scope_pages, decoded, strict=True):
        resource, namespace = scope.split(" ")
        watcher = watchers.get(scope)
        if watcher is None:
            # No API client: only the page handling runs, never a request.
            api: Any = None
            watcher = watchers[scope] = Watcher(
                api, WatchScope(resource=resource, namespace=namespace), emit, keep_bodies=False
            )
        changes = watcher._page_changes(page, set())
        if changes:
            batches.append(KubeObjectBatch(resource=resource, changes=tuple(change for change, _ in changes)))
    return batches


def store(discovery: Discovery, batches: list[KubeObjectBatch]) -> None:
    for change in each_change(batches):
        discovery.kube_object(change.resource, change.watch_type, change.obj(), change.body)


def each_change(batches: list[KubeObjectBatch]) -> Iterator[KubeObjectChanged]:
    for batch in batches:
        yield from batch.changes


async def pipeline_until_ready(
    config: dict[str, Any], scopes: tuple[tuple[str, str], ...], batches: list[KubeObjectBatch]
) -> float:
    pipeline = build_pipeline(clock=lambda: 1_800_000_000.0, load_gc=True)
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_pipeline(pipeline, sources=[], listeners=[], stop=stop, started=started))
    await started.wait()
    t0 = time.process_time()
    submit = pipeline.sequencer.submit
    await submit(common.config_loaded(config))
    await submit(KubeWatchesPlanned(scopes=scopes))
    for batch in batches:
        await submit(batch)
    for resource, namespace in scopes:
        await submit(KubeListSynced(resource=resource, namespace=namespace, resource_version="1"))
    await pipeline.sequencer.wait_drained()
    while not pipeline.is_ready():  # the first build runs in steps after the last list
        await asyncio.sleep(0)
        await pipeline.sequencer.wait_drained()
    cpu = time.process_time() - t0
    stop.set()
    await task
    return cpu


def main() -> None:
    args = kb._args(None)
    cluster = kb.Cluster(args)
    config = kb.ta_config(args)
    common.quiet_logs()
    ta_config, _ = config_from_mapping(config, base=TAConfig())
    jobs = parse_prometheus_config(config["config"]).jobs
    scopes = tuple(scope for scope in needed_scopes(ta_config, jobs, ()) if scope[0] in KINDS)
    # As in ta run while the first lists load and build (``ta.app.LoadGC``): no cyclic collection.
    gc.disable()
    objects = cluster_objects(cluster)
    scope_pages = pages(scopes, objects)
    del objects
    count = sum(1 for _ in scope_pages)
    rows: list[tuple[str, str, str]] = []

    decode_s, decoded = timed(lambda pages: [orjson.loads(page) for _, page in pages], scope_pages)
    objects_n = sum(len(page["items"]) for page in decoded)
    watch_s, batches = timed(changes_of, scope_pages, decoded)
    decoded = []  # only one copy of the cluster decoded at a time

    discovery = Discovery()
    discovery.configure(parse_prometheus_config(config["config"]), filter_relabel=True, own_namespace=kb.COLLECTOR_NS)
    discovery.kube_deferred = True

    store_s, _ = timed(store, discovery, batches)
    build_s, _ = timed(discovery.kube_flush)
    discovery = Discovery()
    gc.enable()
    gc.collect()
    gc.freeze()
    pipeline_s = asyncio.run(pipeline_until_ready(config, scopes, batches))

    # The C-level floor: decoding (stage 1), one encoding of each sanitised object, compressing what is stored.
    packed = (kb.PODS, kb.SLICES)
    bodies = [change.body for change in each_change(batches) if change.resource in packed]
    sanitized = [change.obj() for change in each_change(batches)]
    encode_s, _ = timed(lambda objs: [orjson.dumps(obj) for obj in objs], sanitized)
    compressor = zstandard.ZstdCompressor(level=-1, dict_data=zstandard.ZstdCompressionDict(bodies[-1]))
    compress_s, _ = timed(lambda items: [compressor.compress(body) for body in items], bodies)

    live = decode_s + watch_s + pipeline_s

    def row(stage: str, seconds: float, n: int | None = objects_n) -> tuple[str, str, str]:
        per = f"{seconds / n * 1e6:,.1f} us" if n else "-"
        return (stage, f"{seconds:.2f} s ({per} per object)", f"{seconds / live * 100:.0f}% of 1 + 2 + 5")

    rows.append(("cluster", f"{objects_n:,} objects in {count} list pages over {len(scopes)} watch scopes", "-"))
    rows.append(row("1. decode list pages (orjson)", decode_s))
    rows.append(row("2. watcher: sanitise, encode, event per object", watch_s))
    rows.append(row("3. kubernetes_sd store (slim, pack, indexes, pod facts)", store_s))
    rows.append(row("4. first build (SD groups, relabeling, target index)", build_s))
    rows.append(row("5. whole pipeline to ready (3 + 4 + the rest)", pipeline_s))
    rows.append(row("   of which membership, allocation, journal tail, plumbing", pipeline_s - store_s - build_s))
    rows.append(row("1 + 2 + 5 (= ta run's CPU to ready less imports and HTTP)", live))
    rows.append(row("floor: decode + encode + compress pods and slices (C only)", decode_s + encode_s + compress_s))
    print(common.environment())
    print(common.table(rows, title="start-up budget (process CPU, one process, stages one after the other)"))


if __name__ == "__main__":
    main()

"""Prometheus CR benchmark: ServiceMonitors and PodMonitors to scrape jobs, in full and one change at a time.

In: sizes on the command line (defaults: 50 namespaces, 2 000 Services, 1 000 ServiceMonitors, 500
PodMonitors, the Secrets the monitors read). Out: a plain-text ``metric | value | aim`` table on stdout;
nothing is asserted.

Two ways in, each on its own fresh state:

- pure: ``ta.core.crs.CRState`` alone (``configure``, ``object_changed`` per object as the initial list
  arrives, ``jobs()``); the objects are decoded in advance, exactly as the CR actor would decode them;
- actors: ``CRActor.step`` with the journaled ``KubeObjectChanged`` envelopes, each ``CRJobsChanged`` it
  emits handed to ``DiscoveryActor.step`` (which merges the CR jobs with the config file's, reconfigures
  discovery and re-renders both ``/scrape_configs`` bodies with its ``CachedRenderer``), one event at a
  time as the ingress sequencer admits them. After the CRs, the Services and one EndpointSlice per Service
  reach discovery (the live TA only starts those watches once the jobs ask for them), so the one-change
  rows also include rebuilding the changed jobs' targets.

Measured (wall ``time.perf_counter``, CPU ``time.process_time``): full generation; one ServiceMonitor
change (interval or an added relabeling, ``--repeat`` different monitors, median / p99); a Secret change
read by several ServiceMonitors; a no-op re-sync (MODIFIED with identical content) and whether anything was
regenerated or re-sent; RSS after each stage (``/proc/self/status``) and peak RSS (``ru_maxrss``).

Run: ``python bench/crs_bench.py [--namespaces 50 --services 2000 --service-monitors 1000 --pod-monitors 500
--repeat 50 --profile]``.
"""

from __future__ import annotations

import argparse
import base64
import copy
import cProfile
import gc
import io
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

from ta.actors.crs import CRActor
from ta.actors.discovery import DiscoveryActor
from ta.core.config.mapping import config_from_mapping
from ta.core.config.model import TAConfig
from ta.core.crs import CRState
from ta.core.promcfg.scrape import ScrapeJob
from ta.core.promop import Kind
from ta.events.base import Envelope
from ta.events.cluster import KubeObjectChanged, WatchType
from ta.events.config import ConfigLoaded
from ta.events.crs import CRJobsChanged
from ta.events.discovery import ScrapeConfigsChanged, TargetsChanged
from ta.journal.reader import object_event

T = TypeVar("T")

SERVICE_MONITORS = "monitoring.coreos.com/v1/servicemonitors"
POD_MONITORS = "monitoring.coreos.com/v1/podmonitors"
SECRETS = "v1/secrets"
NAMESPACES = "v1/namespaces"
SERVICES = "v1/services"
ENDPOINTSLICES = "discovery.k8s.io/v1/endpointslices"

SERVICE_PORTS = (("http-metrics", 8080), ("web", 80), ("https-metrics", 8443))
POD_PORTS = ("metrics", "admin")
TIERS = ("web", "api", "db", "cache")
SECRET_KEYS = ("username", "password", "token")


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--namespaces", type=int, default=50)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--service-monitors", type=int, default=1000)
    parser.add_argument("--pod-monitors", type=int, default=500)
    parser.add_argument("--endpoints-per-slice", type=int, default=2, help="pod endpoints in each EndpointSlice")
    parser.add_argument("--repeat", type=int, default=50, help="ServiceMonitor changes (each a different monitor)")
    parser.add_argument("--secret-changes", type=int, default=10, help="Secret changes (each a different Secret)")
    parser.add_argument("--resyncs", type=int, default=20, help="no-op re-syncs (each a different monitor)")
    parser.add_argument("--skip-actors", action="store_true", help="measure CRState alone")
    parser.add_argument("--profile", action="store_true", help="cProfile full generation and one change")
    return parser.parse_args(argv)


# --- generated objects ------------------------------------------------------------------------------------


def block(i: int, total: int, parts: int) -> int:
    """Which of ``parts`` contiguous blocks item ``i`` of ``total`` falls in."""
    return i * parts // max(total, 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sizes:
    namespaces: int
    services: int
    service_monitors: int
    pod_monitors: int
    endpoints_per_slice: int

    def ns(self, n: int) -> str:
        return f"team-{n:02d}"

    def service_ns(self, i: int) -> str:
        return self.ns(block(i, self.services, self.namespaces))

    def first_service(self, j: int) -> int:
        """The first of the (up to) two Services ServiceMonitor ``j`` selects."""
        return j * self.services // max(self.service_monitors, 1)

    def sm_ns(self, j: int) -> str:
        return self.service_ns(self.first_service(j))

    def pm_ns(self, k: int) -> str:
        return self.ns(block(k, self.pod_monitors, self.namespaces))

    @staticmethod
    def has_credentials(j: int) -> bool:
        return j % 4 == 0

    def secret_of(self, j: int) -> tuple[str, str]:
        # Blocks of 20 ServiceMonitors share a Secret; every 4th reads it, so 5 readers each at default sizes.
        return self.sm_ns(j), f"scrape-auth-{j // 20}"


def _meta(kind: str, api_version: str, namespace: str, name: str, *, labels: Any, i: int) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "uid": f"00000000-0000-4000-8000-{i:012d}",
            "resourceVersion": str(100_000 + i),
            "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "managedFields": [{"manager": "helm", "operation": "Update", "apiVersion": api_version}],
        },
    }


def namespace_obj(sizes: Sizes, n: int) -> dict[str, Any]:
    name = sizes.ns(n) if n >= 0 else common.NAMESPACE
    labels = {"kubernetes.io/metadata.name": name, "team": f"t{n % 10}", "env": ("prod", "staging", "dev")[n % 3]}
    obj = _meta("Namespace", "v1", "", name, labels=labels, i=n + 1)
    del obj["metadata"]["namespace"]
    obj["spec"] = {"finalizers": ["kubernetes"]}
    obj["status"] = {"phase": "Active"}
    return obj


def service_labels(i: int) -> dict[str, str]:
    return {
        "app": f"svc-{i}",
        "app.kubernetes.io/name": f"svc-{i}",
        "app.kubernetes.io/part-of": f"group-{i // 2}",
        "tier": TIERS[i % 4],
        "team": f"t{i % 10}",
    }


def service_obj(sizes: Sizes, i: int) -> dict[str, Any]:
    obj = _meta("Service", "v1", sizes.service_ns(i), f"svc-{i}", labels=service_labels(i), i=i)
    obj["spec"] = {
        "type": "ClusterIP",
        "clusterIP": f"10.96.{i // 250 % 256}.{i % 250 + 1}",
        "clusterIPs": [f"10.96.{i // 250 % 256}.{i % 250 + 1}"],
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "selector": {"app": f"svc-{i}"},
        "ports": [{"name": name, "port": port, "targetPort": port, "protocol": "TCP"} for name, port in SERVICE_PORTS],
    }
    return obj


def endpointslice_obj(sizes: Sizes, i: int) -> dict[str, Any]:
    namespace = sizes.service_ns(i)
    labels = {"kubernetes.io/service-name": f"svc-{i}", "endpointslice.kubernetes.io/managed-by": "endpointslice"}
    obj = _meta("EndpointSlice", "discovery.k8s.io/v1", namespace, f"svc-{i}-abcde", labels=labels, i=i)
    obj["addressType"] = "IPv4"
    obj["endpoints"] = [
        {
            "addresses": [f"10.{64 + i // 256 % 64}.{i % 256}.{e + 1}"],
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "nodeName": f"node-{(i + e) % 50}",
            "zone": f"zone-{e % 3}",
            "targetRef": {"kind": "Pod", "namespace": namespace, "name": f"svc-{i}-pod-{e}"},
        }
        for e in range(sizes.endpoints_per_slice)
    ]
    obj["ports"] = [{"name": name, "port": port, "protocol": "TCP"} for name, port in SERVICE_PORTS]
    return obj


def service_monitor_obj(sizes: Sizes, j: int) -> dict[str, Any]:
    namespace = sizes.sm_ns(j)
    s = sizes.first_service(j)
    name = f"sm-{j}"
    selector: dict[str, Any]
    if j % 3 == 0:
        selector = {"matchLabels": {"app.kubernetes.io/part-of": f"group-{s // 2}"}}
    elif j % 3 == 1:
        selector = {"matchExpressions": [{"key": "app", "operator": "In", "values": [f"svc-{s}", f"svc-{s + 1}"]}]}
    else:
        selector = {
            "matchLabels": {"app": f"svc-{s}"},
            "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}],
        }
    endpoints: list[dict[str, Any]] = []
    for e in range(1 + j % 3):
        port = SERVICE_PORTS[e][0]
        ep: dict[str, Any] = {"port": port, "path": "/metrics" if e != 1 else "/admin/metrics"}
        if (j + e) % 4 == 0:
            ep |= {"interval": "15s", "scrapeTimeout": "10s"}
        elif (j + e) % 5 == 1:
            ep["interval"] = "60s"
        if port == "https-metrics":
            ep |= {
                "scheme": "https",
                "tlsConfig": {"insecureSkipVerify": True, "serverName": f"svc-{s}.{namespace}.svc"},
            }
        if j % 3 == 0:
            ep["relabelings"] = [
                {"sourceLabels": ["__meta_kubernetes_pod_node_name"], "targetLabel": "node_name", "action": "replace"},
                {"action": "labeldrop", "regex": "__meta_kubernetes_pod_label_pod_template_hash"},
            ]
        if j % 4 == 1:
            ep["metricRelabelings"] = [
                {"sourceLabels": ["__name__"], "regex": "go_gc_.*|go_memstats_.*", "action": "drop"},
            ]
        if e == 0 and sizes.has_credentials(j):
            _, secret = sizes.secret_of(j)
            if (j // 4) % 2 == 0:
                ep["basicAuth"] = {
                    "username": {"name": secret, "key": "username"},
                    "password": {"name": secret, "key": "password"},
                }
            else:
                ep["bearerTokenSecret"] = {"name": secret, "key": "token"}
        endpoints.append(ep)
    spec: dict[str, Any] = {"selector": selector, "endpoints": endpoints}
    if j % 25 == 7:
        spec["namespaceSelector"] = {"matchNames": [namespace, sizes.ns((int(namespace[5:]) + 1) % sizes.namespaces)]}
    if j % 7 == 0:
        spec["jobLabel"] = "app.kubernetes.io/name"
    if j % 6 == 0:
        spec["targetLabels"] = ["team"]
    if j % 8 == 0:
        spec["podTargetLabels"] = ["version"]
    labels = {"release": "kube-prometheus", "team": "t1"}
    obj = _meta("ServiceMonitor", "monitoring.coreos.com/v1", namespace, name, labels=labels, i=j)
    obj["spec"] = spec
    return obj


def pod_monitor_obj(sizes: Sizes, k: int) -> dict[str, Any]:
    namespace = sizes.pm_ns(k)
    selector: dict[str, Any] = (
        {"matchLabels": {"app.kubernetes.io/name": f"worker-{k}"}}
        if k % 2 == 0
        else {"matchExpressions": [{"key": "component", "operator": "In", "values": [f"worker-{k}", f"batch-{k}"]}]}
    )
    endpoints: list[dict[str, Any]] = []
    for e in range(1 + k % 2):
        ep: dict[str, Any] = {"port": POD_PORTS[e], "path": "/metrics"}
        if k % 4 == 0:
            ep["interval"] = "30s"
        if k % 3 == 0:
            ep["relabelings"] = [
                {"sourceLabels": ["__meta_kubernetes_pod_label_version"], "targetLabel": "version"},
                {"action": "labelmap", "regex": "__meta_kubernetes_pod_label_(team|tier)"},
            ]
        if k % 5 == 0:
            ep["metricRelabelings"] = [{"sourceLabels": ["__name__"], "regex": "process_.*", "action": "drop"}]
        endpoints.append(ep)
    obj = _meta(
        "PodMonitor", "monitoring.coreos.com/v1", namespace, f"pm-{k}", labels={"release": "kube-prometheus"}, i=k
    )
    obj["spec"] = {"selector": selector, "podMetricsEndpoints": endpoints}
    if k % 6 == 0:
        obj["spec"]["podTargetLabels"] = ["version"]
    return obj


def secret_obj(namespace: str, name: str, version: int = 0, i: int = 0) -> dict[str, Any]:
    obj = _meta("Secret", "v1", namespace, name, labels={"app.kubernetes.io/component": "metrics-auth"}, i=i)
    values = {"username": f"scraper-{name}", "password": f"pw-{name}-{version}", "token": f"tok-{name}-{version}"}
    obj["type"] = "Opaque"
    obj["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return obj


def unread_secret_obj(namespace: str, i: int) -> dict[str, Any]:
    """A TLS Secret no monitor reads: Secrets in watched namespaces arrive whether read or not."""
    obj = _meta("Secret", "v1", namespace, f"tls-{i}", labels={}, i=10_000 + i)
    obj["type"] = "kubernetes.io/tls"
    obj["data"] = {"tls.crt": base64.b64encode(b"x" * 1200).decode(), "tls.key": base64.b64encode(b"y" * 1700).decode()}
    return obj


def event(obj: dict[str, Any], watch_type: WatchType = "ADDED") -> KubeObjectChanged:
    """The journaled event for ``obj``, as the live watcher submits it (Secret values in memory alongside)."""
    made = object_event(obj)
    assert isinstance(made, KubeObjectChanged), made
    if made.resource == SECRETS:
        raw = {k: base64.b64decode(v).decode() for k, v in obj.get("data", {}).items()}
        made = replace(made, secret_values=tuple(sorted(raw.items())))
    return replace(made, watch_type=watch_type)


@dataclass(slots=True)
class Inputs:
    sizes: Sizes
    config: ConfigLoaded
    settings: TAConfig
    namespaces: list[KubeObjectChanged] = field(default_factory=list)
    secrets: list[KubeObjectChanged] = field(default_factory=list)
    service_monitors: list[KubeObjectChanged] = field(default_factory=list)
    pod_monitors: list[KubeObjectChanged] = field(default_factory=list)
    services: list[KubeObjectChanged] = field(default_factory=list)
    endpointslices: list[KubeObjectChanged] = field(default_factory=list)
    sm_objects: list[dict[str, Any]] = field(default_factory=list)  # unsanitised originals, to derive changes
    secret_keys: list[tuple[str, str]] = field(default_factory=list)  # (namespace, name) of read Secrets

    def cr_list(self) -> list[KubeObjectChanged]:
        """The CR actor's initial list, in the order the watches typically finish."""
        return [*self.namespaces, *self.secrets, *self.service_monitors, *self.pod_monitors]


def config_mapping(sizes: Sizes) -> dict[str, Any]:
    namespaces = [sizes.ns(n) for n in range(sizes.namespaces)]
    return {
        "collector_namespace": common.NAMESPACE,
        "collector_selector": {"matchlabels": dict(common.COMPONENT)},
        "config": {
            "scrape_configs": [
                {
                    "job_name": "otel-collector",
                    "scrape_interval": "30s",
                    "static_configs": [{"targets": ["0.0.0.0:8888"]}],
                }
            ]
        },
        "prometheus_cr": {
            "enabled": True,
            "scrape_interval": "30s",
            "service_monitor_selector": {},
            "pod_monitor_selector": {},
            "secret_namespaces": namespaces,
        },
    }


def make_inputs(sizes: Sizes) -> Inputs:
    mapping = config_mapping(sizes)
    settings, _ignored = config_from_mapping(mapping, base=TAConfig())
    inputs = Inputs(sizes=sizes, config=common.config_loaded(mapping), settings=settings)
    inputs.namespaces = [event(namespace_obj(sizes, n)) for n in range(-1, sizes.namespaces)]
    read: dict[tuple[str, str], None] = {}
    for j in range(sizes.service_monitors):
        if sizes.has_credentials(j):
            read.setdefault(sizes.secret_of(j))
    inputs.secret_keys = list(read)
    inputs.secrets = [event(secret_obj(ns, name, i=i)) for i, (ns, name) in enumerate(read)]
    inputs.secrets += [event(unread_secret_obj(sizes.ns(n % sizes.namespaces), n)) for n in range(2 * sizes.namespaces)]
    inputs.sm_objects = [service_monitor_obj(sizes, j) for j in range(sizes.service_monitors)]
    inputs.service_monitors = [event(obj) for obj in inputs.sm_objects]
    inputs.pod_monitors = [event(pod_monitor_obj(sizes, k)) for k in range(sizes.pod_monitors)]
    inputs.services = [event(service_obj(sizes, i)) for i in range(sizes.services)]
    inputs.endpointslices = [event(endpointslice_obj(sizes, i)) for i in range(sizes.services)]
    return inputs


# --- changes ----------------------------------------------------------------------------------------------


def changed_service_monitor(inputs: Inputs, j: int, round_: int) -> KubeObjectChanged:
    """ServiceMonitor ``j`` with one real edit: its first endpoint's interval, or one relabeling more."""
    obj = copy.deepcopy(inputs.sm_objects[j])
    ep = obj["spec"]["endpoints"][0]
    if round_ % 2 == 0:
        ep["interval"] = "45s"
        ep.pop("scrapeTimeout", None)
    else:
        ep["relabelings"] = [
            *ep.get("relabelings", []),
            {"sourceLabels": ["__meta_kubernetes_service_label_team"], "targetLabel": "owner", "action": "replace"},
        ]
    obj["metadata"]["resourceVersion"] = str(500_000 + j + round_)
    obj["metadata"]["generation"] = 2
    return event(obj, "MODIFIED")


def changed_secret(inputs: Inputs, index: int, version: int) -> KubeObjectChanged:
    namespace, name = inputs.secret_keys[index]
    return event(secret_obj(namespace, name, version=version, i=index), "MODIFIED")


def resync(state: CRState, inputs: Inputs, j: int) -> KubeObjectChanged:
    """ServiceMonitor ``j`` MODIFIED with exactly the content ``state`` holds (earlier rounds edited some)."""
    obj = state._objects[Kind.SERVICE_MONITOR][(inputs.sizes.sm_ns(j), f"sm-{j}")]
    return replace(inputs.service_monitors[j], watch_type="MODIFIED", body=orjson.dumps(obj))


def spread(count: int, total: int) -> list[int]:
    """``count`` distinct indexes spread evenly over ``range(total)``."""
    count = min(count, total)
    return [i * total // count for i in range(count)] if count else []


# --- measuring --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Timing:
    wall: float = 0.0
    cpu: float = 0.0


def timed(call: Callable[[], T]) -> tuple[T, Timing]:
    w, c = time.perf_counter(), time.process_time()
    result = call()
    return result, Timing(wall=time.perf_counter() - w, cpu=time.process_time() - c)


def wall_cpu(t: Timing) -> str:
    return f"{common.ms(t.wall)} wall / {common.ms(t.cpu)} CPU"


def med_p99(values: Sequence[float]) -> str:
    if not values:
        return "n/a"
    return f"{common.ms(statistics.median(values))} / {common.ms(common.percentile(values, 99))}"


def profile(call: Callable[[], Any], top: int = 30) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def rss_row(label: str, before: float | None = None) -> tuple[tuple[str, str, str], float]:
    gc.collect()
    now = common.rss_mib()
    delta = "" if before is None else f" (+{now - before:.0f} MiB)"
    return (label, f"{now:.0f} MiB{delta}", "-"), now


# --- pure: CRState alone ----------------------------------------------------------------------------------


Decoded = tuple[str, str, dict[str, Any], tuple[tuple[str, str], ...]]


def decoded(events: Iterable[KubeObjectChanged]) -> list[Decoded]:
    return [(e.resource, e.watch_type, e.obj(), e.secret_values) for e in events]


def pure_full(inputs: Inputs, cr_list: list[Decoded]) -> tuple[CRState, tuple[ScrapeJob, ...]]:
    state = CRState()
    state.configure(inputs.settings)
    for resource, watch_type, obj, values in cr_list:
        state.object_changed(resource, watch_type, obj, values)
    return state, state.jobs()


def pure_change(state: CRState, change: KubeObjectChanged) -> tuple[ScrapeJob, ...]:
    state.object_changed(change.resource, change.watch_type, change.obj(), change.secret_values)
    return state.jobs()


def submit_pure(state: CRState, changes: Sequence[KubeObjectChanged]) -> None:
    for change in changes:
        pure_change(state, change)


def changed_jobs(before: Sequence[ScrapeJob], after: Sequence[ScrapeJob]) -> int:
    old = {j.job_name: j for j in before}
    new = {j.job_name: j for j in after}
    return sum(1 for name in old.keys() | new.keys() if old.get(name) != new.get(name))


def bench_pure(
    inputs: Inputs, args: argparse.Namespace, rows: list[tuple[str, str, str]], profiles: list[str]
) -> CRState:
    cr_list = decoded(inputs.cr_list())
    (state, jobs), t = timed(lambda: pure_full(inputs, cr_list))
    rejected = state.rejected()
    sm_jobs = sum(1 for j in jobs if j.job_name.startswith("serviceMonitor/"))
    rows.append(
        (
            "pure: full generation (configure + every object + jobs())",
            f"{wall_cpu(t)}; {len(jobs)} jobs ({sm_jobs} SM, {len(jobs) - sm_jobs} PM)",
            "< 2000 ms",
        )
    )
    if rejected:
        rows.append(("WARNING: rejected objects", f"{len(rejected)}: {rejected[0].source}: {rejected[0].reason}", "0"))
    _, t_jobs = timed(state.jobs)
    rows.append(("pure: jobs() alone (sort + concatenate)", wall_cpu(t_jobs), "-"))
    if args.profile:
        profiles.append("pure full generation\n" + profile(lambda: pure_full(inputs, cr_list)))

    # One ServiceMonitor change.
    walls: list[float] = []
    cpus: list[float] = []
    wrong = 0
    for r, j in enumerate(spread(args.repeat, inputs.sizes.service_monitors)):
        change = changed_service_monitor(inputs, j, r)
        after, t = timed(partial(pure_change, state, change))
        walls.append(t.wall)
        cpus.append(t.cpu)
        expected = 1  # the first endpoint's job
        if changed_jobs(jobs, after) != expected:
            wrong += 1
        jobs = after
    rows.append(
        (
            f"pure: one ServiceMonitor change (object_changed + jobs()), {len(walls)} monitors",
            f"median / p99 {med_p99(walls)} wall; CPU median {common.ms(statistics.median(cpus))}",
            "< 20 ms",
        )
    )
    if wrong:
        rows.append(("WARNING: changes that did not change exactly one job", str(wrong), "0"))
    if args.profile:
        change = changed_service_monitor(inputs, 1, 1)
        profiles.append("pure one ServiceMonitor change x20\n" + profile(partial(submit_pure, state, [change] * 20)))

    # A Secret read by several ServiceMonitors.
    walls = []
    readers: set[int] = set()
    changed: set[int] = set()
    for v, index in enumerate(spread(args.secret_changes, len(inputs.secret_keys)), start=1):
        namespace, name = inputs.secret_keys[index]
        readers.add(len(state._readers.get(("secret", namespace, name), ())))
        change = changed_secret(inputs, index, v)
        after, t = timed(partial(pure_change, state, change))
        walls.append(t.wall)
        changed.add(changed_jobs(jobs, after))
        jobs = after
    rows.append(
        (
            f"pure: one Secret change, {len(walls)} Secrets",
            f"median / p99 {med_p99(walls)} wall; {_counts(readers)} SM readers, {_counts(changed)} jobs changed",
            "-",
        )
    )

    # No-op re-sync: the same ServiceMonitor MODIFIED with identical content.
    walls = []
    regenerated = 0
    for j in spread(args.resyncs, inputs.sizes.service_monitors):
        again = resync(state, inputs, j)
        key = (Kind.SERVICE_MONITOR, inputs.sizes.sm_ns(j), f"sm-{j}")
        before = state._outcomes[key]
        after, t = timed(partial(pure_change, state, again))
        walls.append(t.wall)
        regenerated += state._outcomes[key] is not before
        if after != jobs:
            rows.append(("WARNING: a no-op re-sync changed the jobs", f"sm-{j}", "-"))
        jobs = after
    rows.append(
        (
            f"pure: no-op re-sync (identical MODIFIED), {len(walls)} monitors",
            f"median / p99 {med_p99(walls)} wall; regenerated {regenerated}/{len(walls)}",
            "~0, none regenerated",
        )
    )
    return state


def _counts(values: set[int]) -> str:
    return "-".join(str(v) for v in sorted({min(values), max(values)})) if values else "0"


# --- actors: CRActor + DiscoveryActor ---------------------------------------------------------------------


@dataclass(slots=True)
class Actors:
    crs: CRActor = field(default_factory=CRActor)
    discovery: DiscoveryActor = field(default_factory=DiscoveryActor)
    seq: int = 0
    crs_seconds: float = 0.0
    discovery_seconds: float = 0.0
    cr_jobs_changed: int = 0
    scrape_configs: ScrapeConfigsChanged | None = None
    scrape_configs_sent: int = 0
    targets_changed: int = 0
    rejected: list[str] = field(default_factory=list)

    def reset_counts(self) -> None:
        self.crs_seconds = self.discovery_seconds = 0.0
        self.cr_jobs_changed = self.scrape_configs_sent = self.targets_changed = 0

    def _discovery(self, message: Envelope | CRJobsChanged) -> None:
        t = time.perf_counter()
        out = self.discovery.step(message)
        self.discovery_seconds += time.perf_counter() - t
        for o in out:
            if isinstance(o, ScrapeConfigsChanged):
                self.scrape_configs = o
                self.scrape_configs_sent += 1
            elif isinstance(o, TargetsChanged):
                self.targets_changed += 1
            else:
                self.rejected.append(f"{o.source}: {o.reason}")

    def _crs(self, envelope: Envelope) -> None:
        t = time.perf_counter()
        out = self.crs.step(envelope)
        self.crs_seconds += time.perf_counter() - t
        for o in out:
            if isinstance(o, CRJobsChanged):
                self.cr_jobs_changed += 1
                self._discovery(o)
            else:
                self.rejected.append(f"{o.source}: {o.reason}")

    def submit(self, ev: ConfigLoaded | KubeObjectChanged) -> None:
        """Route one input as ``ta.app`` does, each actor finishing before the next input (the sequencer)."""
        self.seq += 1
        envelope = Envelope(seq=self.seq, ts=0.0, event=ev)
        if isinstance(ev, ConfigLoaded):
            self._discovery(envelope)
            self._crs(envelope)
            return
        if ev.resource in (NAMESPACES, SECRETS, SERVICE_MONITORS, POD_MONITORS):
            self._crs(envelope)
        if ev.resource in (NAMESPACES, SERVICES, ENDPOINTSLICES):
            self._discovery(envelope)


def actors_full(inputs: Inputs) -> Actors:
    actors = Actors()
    actors.submit(inputs.config)
    for ev in inputs.cr_list():
        actors.submit(ev)
    return actors


def submit_all(actors: Actors, events: Iterable[ConfigLoaded | KubeObjectChanged]) -> None:
    for ev in events:
        actors.submit(ev)


def actors_cr_list_first(inputs: Inputs) -> Actors:
    actors = Actors()
    for ev in inputs.cr_list():
        actors.submit(ev)
    actors.submit(inputs.config)
    return actors


def actors_kube(actors: Actors, inputs: Inputs) -> None:
    for ev in (*inputs.services, *inputs.endpointslices):
        actors.submit(ev)


def _steps(actors: Actors, per: int = 1) -> str:
    return f"crs {common.ms(actors.crs_seconds / per)}, discovery {common.ms(actors.discovery_seconds / per)}"


def bench_actors(
    inputs: Inputs, args: argparse.Namespace, rows: list[tuple[str, str, str]], profiles: list[str]
) -> None:
    gc.collect()
    rss_before = common.rss_mib()
    events = len(inputs.cr_list()) + 1
    actors, t = timed(lambda: actors_full(inputs))
    body = actors.scrape_configs
    size = f"{len(body.redacted) / 1e6:.1f} MB" if body is not None else "none"
    rows.append(
        (
            f"actors: full generation, {events} events one at a time",
            f"{wall_cpu(t)}; {actors.cr_jobs_changed} CRJobsChanged, /scrape_configs {size}",
            "< 2000 ms",
        )
    )
    rows.append(("  time in actor steps", _steps(actors), "-"))
    if actors.rejected:
        rows.append(("WARNING: rejections", f"{len(actors.rejected)}: {actors.rejected[0]}", "0"))
    if args.profile:
        profiles.append("actors full generation\n" + profile(lambda: actors_full(inputs), top=40))

    actors.reset_counts()
    _, t = timed(lambda: actors_kube(actors, inputs))
    targets = actors.discovery.core.index.remaining()
    rows.append(
        (
            f"actors: then {len(inputs.services)} Services + {len(inputs.endpointslices)} EndpointSlices to discovery",
            f"{wall_cpu(t)}; {targets} targets kept, {actors.targets_changed} TargetsChanged",
            "-",
        )
    )

    # One ServiceMonitor change, through both actors (incl. that job's targets and /scrape_configs).
    walls: list[float] = []
    cpus: list[float] = []
    crs_s: list[float] = []
    disc_s: list[float] = []
    missing = 0
    for r, j in enumerate(spread(args.repeat, inputs.sizes.service_monitors)):
        change = changed_service_monitor(inputs, j, r)
        actors.reset_counts()
        _, t = timed(partial(actors.submit, change))
        walls.append(t.wall)
        cpus.append(t.cpu)
        crs_s.append(actors.crs_seconds)
        disc_s.append(actors.discovery_seconds)
        missing += actors.scrape_configs_sent != 1
    rows.append(
        (
            f"actors: one ServiceMonitor change, {len(walls)} monitors",
            f"median / p99 {med_p99(walls)} wall; CPU median {common.ms(statistics.median(cpus))}",
            "< 20 ms",
        )
    )
    rows.append(
        (
            "  median in crs / discovery step",
            f"{common.ms(statistics.median(crs_s))} / {common.ms(statistics.median(disc_s))}",
            "-",
        )
    )
    if missing:
        rows.append(("WARNING: changes without exactly one /scrape_configs render", str(missing), "0"))
    if args.profile:
        change_a = changed_service_monitor(inputs, 1, 1)
        change_b = changed_service_monitor(inputs, 1, 0)
        profiles.append(
            "actors one ServiceMonitor change x20\n"
            + profile(partial(submit_all, actors, [change_a, change_b] * 10), top=40)
        )

    # A Secret read by several ServiceMonitors.
    walls, cpus, crs_s, disc_s = [], [], [], []
    for v, index in enumerate(spread(args.secret_changes, len(inputs.secret_keys)), start=100):
        change = changed_secret(inputs, index, v)
        actors.reset_counts()
        _, t = timed(partial(actors.submit, change))
        walls.append(t.wall)
        cpus.append(t.cpu)
        crs_s.append(actors.crs_seconds)
        disc_s.append(actors.discovery_seconds)
    rows.append(
        (
            f"actors: one Secret change, {len(walls)} Secrets",
            f"median / p99 {med_p99(walls)} wall; CPU median {common.ms(statistics.median(cpus))}",
            "-",
        )
    )
    rows.append(
        (
            "  median in crs / discovery step",
            f"{common.ms(statistics.median(crs_s))} / {common.ms(statistics.median(disc_s))}",
            "-",
        )
    )

    # No-op re-sync.
    walls = []
    actors.reset_counts()
    for j in spread(args.resyncs, inputs.sizes.service_monitors):
        again = resync(actors.crs.core, inputs, j)
        _, t = timed(partial(actors.submit, again))
        walls.append(t.wall)
    rows.append(
        (
            f"actors: no-op re-sync (identical MODIFIED), {len(walls)} monitors",
            f"median / p99 {med_p99(walls)} wall; {actors.cr_jobs_changed} CRJobsChanged, "
            f"{actors.scrape_configs_sent} /scrape_configs renders",
            "~0, nothing re-sent",
        )
    )
    row, _ = rss_row("RSS after the actors stage (both states kept, targets built)", rss_before)
    rows.append(row)


def bench_actors_cr_first(inputs: Inputs, rows: list[tuple[str, str, str]]) -> None:
    # The same objects with the CR list before the config: the CR actor answers the config with one
    # CRJobsChanged holding every job, so discovery merges and renders once (the best case).
    cr_first, t = timed(lambda: actors_cr_list_first(inputs))
    rows.append(
        (
            "actors: full generation, CR list before the config",
            f"{wall_cpu(t)}; {cr_first.cr_jobs_changed} CRJobsChanged",
            "< 2000 ms",
        )
    )
    rows.append(("  time in actor steps", _steps(cr_first), "-"))


# --- main -------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    common.quiet_logs()
    sizes = Sizes(
        namespaces=args.namespaces,
        services=args.services,
        service_monitors=args.service_monitors,
        pod_monitors=args.pod_monitors,
        endpoints_per_slice=args.endpoints_per_slice,
    )
    rows: list[tuple[str, str, str]] = []
    profiles: list[str] = []
    rss_start = common.rss_mib()
    inputs, t = timed(lambda: make_inputs(sizes))
    rows.append(
        (
            "generated input events",
            f"{len(inputs.namespaces)} namespaces, {len(inputs.services)} Services, "
            f"{len(inputs.service_monitors)} SMs, {len(inputs.pod_monitors)} PMs, {len(inputs.secrets)} Secrets "
            f"({len(inputs.secret_keys)} read), in {common.ms(t.wall)}",
            "-",
        )
    )
    row, rss_inputs = rss_row("RSS with the inputs built (before any generation)")
    rows.append(row)

    pure_state = bench_pure(inputs, args, rows, profiles)  # kept to the end: the RSS rows count it
    row, _ = rss_row("RSS after the pure stage (CRState kept)", rss_inputs)
    rows.append(row)
    gc.collect()

    if not args.skip_actors:
        bench_actors(inputs, args, rows, profiles)
        gc.collect()
        bench_actors_cr_first(inputs, rows)
    del pure_state
    rows.append(("peak RSS (ru_maxrss)", f"{common.peak_rss_mib():.0f} MiB (process start {rss_start:.0f} MiB)", "-"))

    title = (
        f"crs_bench: {sizes.namespaces} namespaces, {sizes.services} Services, {sizes.service_monitors} "
        f"ServiceMonitors, {sizes.pod_monitors} PodMonitors; {common.environment()}"
    )
    print(common.table(rows, title))
    for text in profiles:
        print("\n=== cProfile: " + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

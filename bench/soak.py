"""Churn soak: ``ta run`` against the fake API server for many minutes, with faults, while collectors poll.

In: ``--minutes`` (default 20), ``--scale`` (cluster size and churn rate), ``--seed``, ``--short`` (the
compressed fault profile a test uses), ``--json PATH`` (the summary as JSON as well).
Out: a plain-text report on stdout (RSS and runtime samples, recovery time per fault, the final comparisons)
and the exit status: 0 when nothing was lost and nothing grew, 1 otherwise.

What runs, all on 127.0.0.1:
- this process: ``ta.testing.fake_apiserver.FakeApiServer`` (on this process's event loop) holding a
  cluster of ``4 x scale`` app namespaces, each with 4 Services labelled ``soak=yes`` (ports ``http`` 8080
  and ``metrics`` 9090), 5 Pods per Service, one EndpointSlice per Service, and one ServiceMonitor selecting
  those Services on one port; collector pods in ``otel``;
- ``python -m ta run --journal`` as a subprocess, with ``prometheus_cr`` on (one generated job per
  ServiceMonitor, EndpointSlice role) and one config-file job (``pods``: kubernetes_sd pod role over the
  app namespaces, keeping the ``metrics`` container port);
- churn (about ``2 x scale`` operations a second, seeded): pods rolling (a new pod with a new IP replaces
  one behind a Service, its slice follows), endpoints flapping (an endpoint leaves its slice and comes back),
  ServiceMonitors edited (their port switches between ``http`` and ``metrics``), collectors scaled
  (collector pods added and deleted);
- one simulated collector per collector pod, polling ``/jobs`` and its own
  ``/jobs/<job>/targets?collector_id=`` every ~5 s with jitter;
- a sampler every ~10 s: ``VmRSS`` of ta from ``/proc``, and from ``/metrics`` the asyncio task count, the
  mailbox depths and the cache sizes (``ta_event_loop_tasks``, ``ta_mailbox_depth``, ``ta_store_entries``);
- faults, one after the other after a warm-up: a 5xx storm (every request answers 503, open watches
  dropped), a 410 storm (history compacted every second: every watch ends with 410 Gone and re-lists), a 403
  on ServiceMonitors appearing mid-run (open watches dropped, then every request forbidden), an API server
  restart on the same port (state kept, as etcd keeps it), and a stalled EndpointSlice watch (the open
  stream goes silent and ignores its timeout). Like kube-apiserver's watch cache, the fake server sends every
  open watch a bookmark each minute.

Truth is computed from the fake server's objects: each ServiceMonitor's job holds ``<ip>:<port>`` for every
endpoint of its namespace's slices, ``pods`` holds ``<podIP>:9090`` for every app pod, and every job lists
every collector pod. A check pauses churn, waits 0.2 s and compares every job's ``/jobs/<job>/targets``
(addresses per job, and the collector names) with that truth. Recovery time: from the end of a fault
(for the stall, from its start: it ends only when ta notices) until the first matching check (checks every
~0.5 s, so the figure is +0.2..0.7 s coarse). At the end churn stops, the answers must match the truth
(nothing lost), every live answer is fetched, ta is stopped, and ``ta replay <journal> --dump-answers``
must give the same bytes for every path.

Growth checks, at the end against the first sample after warm-up: tasks may not grow by more than 5,
mailboxes must be (nearly) empty once converged, ``view_answers`` may hold at most one answer per (job,
collector) plus one per job, ``view_targets`` must equal the truth's target count, ``kube_objects`` may not
exceed what the fake server holds; RSS may not grow by more than max(20 MiB, 20%) -- once the ``/debug/events``
tail is full (it grows by design up to 16 MiB), or net of the tail's growth when a run never fills it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

from ta.core.serving import render
from ta.testing.fake_apiserver import FakeApiServer, write_kubeconfig

HOST = "127.0.0.1"
PODS = "v1/pods"
SERVICES = "v1/services"
SLICES = "discovery.k8s.io/v1/endpointslices"
NAMESPACES = "v1/namespaces"
MONITORS = "monitoring.coreos.com/v1/servicemonitors"
SERVED = (PODS, SERVICES, SLICES, NAMESPACES, "v1/nodes", "v1/endpoints", "v1/secrets", "v1/configmaps")
OTEL = common.NAMESPACE
PORTS = {"http": 8080, "metrics": 9090}
SERVICES_PER_NS = 4
PODS_PER_SERVICE = 5
POD_JOB = "pods"
SETTLE_S = 0.2
CHECK_EVERY_S = 0.5
# A quiet-period check that does not match within this long is a lost change (a lagging ta under load is not).
QUIET_CAP_S = 30.0
SAMPLE_EVERY_S = 10.0
BOOKMARK_EVERY_S = 60.0
TAIL_BOUND_MIB = 16.0  # the sequencer's /debug/events tail bound (retain_bytes)


# --- the cluster and its truth ----------------------------------------------------------------------------


@dataclass(slots=True)
class Service:
    namespace: str
    name: str
    pods: list[tuple[str, str]]  # (pod name, ip), in slice order
    out: set[str] = field(default_factory=set)  # pods flapped out of the slice


class Cluster:
    """The generated cluster; every mutation goes through the fake server (same event loop)."""

    def __init__(self, server: FakeApiServer, *, namespaces: int, collectors: int, seed: int) -> None:
        self.server = server
        self.rng = random.Random(seed)
        self.namespaces = [f"app-{i}" for i in range(namespaces)]
        self.services: list[Service] = []
        self.monitor_port = dict.fromkeys(self.namespaces, "http")
        self.collectors: set[str] = set()
        self.min_collectors = max(2, collectors - 2)
        self.max_collectors = collectors + 2
        self._ips = 0
        self._generation = 0
        self.ops: dict[str, int] = dict.fromkeys(("pod_roll", "endpoint_flap", "monitor_edit", "collector_scale"), 0)
        self.frozen: set[str] = set()  # churn kinds stopped (the short profile's 403 and stall)
        server.serve(MONITORS, kind="ServiceMonitor", namespaced=True)
        server.add(NAMESPACES, {"metadata": {"name": OTEL}})
        for i in range(collectors):
            self._add_collector(i)
        for ns in self.namespaces:
            server.add(NAMESPACES, {"metadata": {"name": ns, "labels": {"soak": "yes"}}})
            for s in range(SERVICES_PER_NS):
                svc = Service(namespace=ns, name=f"svc-{s}", pods=[])
                server.add(SERVICES, self._service(svc))
                for _ in range(PODS_PER_SERVICE):
                    pod = self._new_pod(svc)
                    svc.pods.append(pod)
                server.add(SLICES, self._slice(svc))
                self.services.append(svc)
            server.add(MONITORS, self._monitor(ns))

    # objects

    def _next_ip(self) -> str:
        self._ips += 1
        return f"10.{self._ips // 65536 % 256}.{self._ips // 256 % 256}.{self._ips % 256}"

    @staticmethod
    def _service(svc: Service) -> dict[str, Any]:
        return {
            "metadata": {"name": svc.name, "namespace": svc.namespace, "labels": {"app": svc.name, "soak": "yes"}},
            "spec": {
                "clusterIP": "10.96.0.10",
                "selector": {"app": svc.name},
                "ports": [{"name": n, "port": p, "targetPort": p} for n, p in PORTS.items()],
            },
        }

    def _new_pod(self, svc: Service) -> tuple[str, str]:
        self._generation += 1
        name, ip = f"{svc.name}-{self._generation}", self._next_ip()
        self.server.add(
            PODS,
            {
                "metadata": {"name": name, "namespace": svc.namespace, "labels": {"app": svc.name}},
                "spec": {
                    "nodeName": f"node-{self._generation % 3}",
                    "containers": [
                        {
                            "name": "main",
                            "image": "app:1",
                            "ports": [{"name": n, "containerPort": p} for n, p in PORTS.items()],
                        }
                    ],
                },
                "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": "True"}]},
            },
        )
        return name, ip

    @staticmethod
    def _slice(svc: Service) -> dict[str, Any]:
        return {
            "metadata": {
                "name": f"{svc.name}-slice",
                "namespace": svc.namespace,
                "labels": {"kubernetes.io/service-name": svc.name},
            },
            "addressType": "IPv4",
            "endpoints": [
                {
                    "addresses": [ip],
                    "conditions": {"ready": True, "serving": True, "terminating": False},
                    "targetRef": {"kind": "Pod", "name": pod, "namespace": svc.namespace},
                }
                for pod, ip in svc.pods
                if pod not in svc.out
            ],
            "ports": [{"name": n, "port": p, "protocol": "TCP"} for n, p in PORTS.items()],
        }

    def _monitor(self, ns: str) -> dict[str, Any]:
        return {
            "metadata": {"name": "sm", "namespace": ns},
            "spec": {"selector": {"matchLabels": {"soak": "yes"}}, "endpoints": [{"port": self.monitor_port[ns]}]},
        }

    def _add_collector(self, i: int) -> None:
        self.server.add(PODS, common.collector_pod(i))
        self.collectors.add(f"collector-{i}")

    # churn

    def churn_once(self) -> None:
        kinds = [k for k in ("pod_roll", "endpoint_flap", "monitor_edit", "collector_scale") if k not in self.frozen]
        if not kinds:
            return
        weights = {"pod_roll": 4, "endpoint_flap": 3, "monitor_edit": 1, "collector_scale": 1}
        kind = self.rng.choices(kinds, [weights[k] for k in kinds])[0]
        getattr(self, kind)()
        self.ops[kind] += 1

    def pod_roll(self) -> None:
        svc = self.rng.choice(self.services)
        index = self.rng.randrange(len(svc.pods))
        old, _ = svc.pods[index]
        svc.pods[index] = self._new_pod(svc)
        svc.out.discard(old)
        self.server.modify(SLICES, self._slice(svc))
        self.server.delete(PODS, svc.namespace, old)

    def endpoint_flap(self) -> None:
        svc = self.rng.choice(self.services)
        if svc.out:
            svc.out.clear()
        else:
            svc.out.add(self.rng.choice(svc.pods)[0])
        self.server.modify(SLICES, self._slice(svc))

    def monitor_edit(self) -> None:
        ns = self.rng.choice(self.namespaces)
        self.monitor_port[ns] = "metrics" if self.monitor_port[ns] == "http" else "http"
        self.server.modify(MONITORS, self._monitor(ns))

    def collector_scale(self) -> None:
        grow = len(self.collectors) <= self.min_collectors or (
            len(self.collectors) < self.max_collectors and self.rng.random() < 0.5
        )
        if grow:
            free = [i for i in range(self.max_collectors) if f"collector-{i}" not in self.collectors]
            self._add_collector(self.rng.choice(free))
        else:
            name = self.rng.choice(sorted(self.collectors))
            self.server.delete(PODS, OTEL, name)
            self.collectors.discard(name)

    # truth

    def truth(self) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
        """Expected targets per job (jobs with none are not listed) and the collector names."""
        jobs: dict[str, set[str]] = {}
        for svc in self.services:
            port = PORTS[self.monitor_port[svc.namespace]]
            job = jobs.setdefault(f"serviceMonitor/{svc.namespace}/sm/0", set())
            job.update(f"{ip}:{port}" for pod, ip in svc.pods if pod not in svc.out)
            jobs.setdefault(POD_JOB, set()).update(f"{ip}:{PORTS['metrics']}" for _, ip in svc.pods)
        return {j: frozenset(t) for j, t in jobs.items() if t}, frozenset(self.collectors)

    def object_count(self) -> int:
        return sum(len(self.server.objects(r)) for r in (*SERVED, MONITORS))


# --- talking to ta ----------------------------------------------------------------------------------------


def target_path(job: str) -> str:
    return render.jobs_link(job)


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, bytes]:
    async with session.get(url) as response:
        return response.status, await response.read()


async def live_state(session: aiohttp.ClientSession, base: str) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """What ta serves: targets per listed job, and the collectors named in the jobs' answers."""
    status, body = await get(session, base + "/jobs")
    if status != 200:
        raise RuntimeError(f"/jobs answered {status}")
    jobs: dict[str, frozenset[str]] = {}
    collectors: set[str] = set()
    for job in sorted(orjson.loads(body)):
        status, body = await get(session, base + target_path(job))
        if status != 200:
            raise RuntimeError(f"{job} answered {status}")
        per_collector = orjson.loads(body)
        collectors.update(per_collector)
        jobs[job] = frozenset(t for c in per_collector.values() for group in c["targets"] for t in group["targets"])
    return jobs, frozenset(collectors)


def describe_difference(
    live: tuple[dict[str, frozenset[str]], frozenset[str]], truth: tuple[dict[str, frozenset[str]], frozenset[str]]
) -> str:
    out = []
    (live_jobs, live_collectors), (true_jobs, true_collectors) = live, truth
    if live_collectors != true_collectors and live_jobs:
        out.append(
            f"collectors: live-only {sorted(live_collectors - true_collectors)}, "
            f"missing {sorted(true_collectors - live_collectors)}"
        )
    for job in sorted(live_jobs.keys() | true_jobs.keys()):
        have, want = live_jobs.get(job, frozenset()), true_jobs.get(job, frozenset())
        if have != want:
            out.append(f"{job}: {len(want - have)} missing, {len(have - want)} extra")
    return "; ".join(out) or "equal"


def matches(
    live: tuple[dict[str, frozenset[str]], frozenset[str]], truth: tuple[dict[str, frozenset[str]], frozenset[str]]
) -> bool:
    # No job listed means no answer names the collectors: compare them only when there is a job.
    return live[0] == truth[0] and (live[1] == truth[1] or not truth[0])


async def all_answers(session: aiohttp.ClientSession, base: str) -> dict[str, bytes]:
    """Every answer ``ta replay --dump-answers`` also writes (but the revealed scrape configs)."""
    answers = {"/jobs": (await get(session, base + "/jobs"))[1]}
    answers["/scrape_configs"] = (await get(session, base + "/scrape_configs"))[1]
    for job in orjson.loads(answers["/jobs"]):
        path = target_path(job)
        answers[path] = (await get(session, base + path))[1]
        for collector in orjson.loads(answers[path]):
            answers[f"{path}?collector_id={collector}"] = (
                await get(session, f"{base}{path}?collector_id={collector}")
            )[1]
    return answers


def parse_metrics(text: str) -> dict[str, float]:
    """The runtime gauges from ``/metrics``: ``tasks``, ``mailbox:<actor>``, ``cache:<name>``, ``tail_mib``."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("ta_event_loop_tasks "):
            out["tasks"] = float(line.split()[1])
        elif line.startswith("ta_events_tail_bytes "):
            out["tail_mib"] = float(line.split()[1]) / 2**20
        elif line.startswith("ta_mailbox_depth{"):
            out["mailbox:" + line.split('actor="', 1)[1].split('"', 1)[0]] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("ta_store_entries{"):
            out["cache:" + line.split('store="', 1)[1].split('"', 1)[0]] = float(line.rsplit(" ", 1)[1])
    return out


# --- the soak ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    name: str
    hold_s: float  # how long the fault lasts (the stall: 0, it lasts until ta notices)
    resource: str = ""
    freeze: str = ""  # churn kind to stop from this fault on (short profile only)
    recovery_cap_s: float = 120.0


def long_profile() -> list[Fault]:
    return [
        Fault(name="5xx storm (503 on every request, watches dropped)", hold_s=20),
        Fault(name="410 storm (history compacted every 1 s)", hold_s=20),
        # Not a multiple of ta's 60 s retry of a forbidden resource, so the recovery shows that retry.
        Fault(name="403 on servicemonitors appearing mid-run", hold_s=45, resource=MONITORS),
        Fault(name="API server restart (down 10 s, state kept)", hold_s=10),
        Fault(name="stalled endpointslices watch", hold_s=0, resource=SLICES, recovery_cap_s=700),
    ]


def short_profile() -> list[Fault]:
    # The 403 retry (60 s) and a stall's detection (minutes) do not fit a test: their resources stop
    # changing, so the test checks that nothing is lost or corrupted by them, not how fast ta notices.
    return [
        Fault(name="5xx storm (503 on every request, watches dropped)", hold_s=2),
        Fault(name="410 storm (history compacted every 1 s)", hold_s=2),
        Fault(name="API server restart (down 2 s, state kept)", hold_s=2),
        Fault(name="403 on servicemonitors appearing mid-run", hold_s=2, resource=MONITORS, freeze="monitor_edit"),
        Fault(name="stalled services watch", hold_s=0, resource=SERVICES, recovery_cap_s=30),
    ]


@dataclass(slots=True)
class FaultResult:
    name: str
    started_s: float
    hold_s: float
    recovery_s: float | None  # None: not recovered within the cap
    requests: int
    failed_requests: int
    last_difference: str


@dataclass(slots=True)
class Sample:
    t_s: float
    rss_mib: float
    cpu_s: float
    runtime: dict[str, float]
    objects: int


@dataclass(slots=True)
class Polls:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)


class Soak:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.server = FakeApiServer(served=SERVED)
        self.cluster: Cluster | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.churn_lock = asyncio.Lock()
        self.churning = True
        self.t0 = 0.0
        self.samples: list[Sample] = []
        self.faults: list[FaultResult] = []
        self.polls = Polls()
        self.failures: list[str] = []
        self.checks = 0
        self.quiet_mismatches = 0
        self.journal = workdir / "journal.jsonl"

    def now(self) -> float:
        return time.monotonic() - self.t0

    # set-up

    def config(self) -> dict[str, Any]:
        assert self.cluster is not None
        return {
            "collector_namespace": OTEL,
            "collector_selector": {"matchlabels": dict(common.COMPONENT)},
            "allocation_strategy": "consistent-hashing",
            "prometheus_cr": {"enabled": True, "service_monitor_selector": {}, "scrape_interval": "30s"},
            "config": {
                "scrape_configs": [
                    {
                        "job_name": POD_JOB,
                        "kubernetes_sd_configs": [{"role": "pod", "namespaces": {"names": self.cluster.namespaces}}],
                        "relabel_configs": [
                            {
                                "action": "keep",
                                "source_labels": ["__meta_kubernetes_pod_container_port_name"],
                                "regex": "metrics",
                            }
                        ],
                    }
                ]
            },
        }

    def start_ta(self) -> None:
        cfg = self.workdir / "ta.yaml"
        cfg.write_text(yaml.safe_dump(self.config()))
        kubeconfig = write_kubeconfig(self.workdir / "kubeconfig", self.server.url)
        port = free_port()
        self.base = f"http://{HOST}:{port}"
        self.log = (self.workdir / "ta.log").open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "ta", "run",
                "--config-file", str(cfg),
                f"--listen-addr={HOST}:{port}",
                f"--kubeconfig-path={kubeconfig}",
                "--journal", str(self.journal),
                "--log-format", "json",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=common.ROOT,
            env={**os.environ, "HOME": "/nonexistent"},
        )  # fmt: skip

    async def wait_ready(self, session: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            self.ensure_alive()
            with contextlib.suppress(aiohttp.ClientError):
                if (await get(session, self.base + "/readyz"))[0] == 200:
                    return
            await asyncio.sleep(0.1)
        raise RuntimeError("ta run never became ready")

    def ensure_alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"ta run exited with {self.proc.returncode}; see {self.workdir / 'ta.log'}")

    # background tasks

    async def churn(self) -> None:
        assert self.cluster is not None
        interval = 1.0 / max(0.1, 2.0 * self.args.scale)
        while True:
            await asyncio.sleep(interval * random.uniform(0.5, 1.5))
            if self.churning:
                async with self.churn_lock:
                    self.cluster.churn_once()

    async def heartbeat(self) -> None:
        """A bookmark to every open watch each minute, as kube-apiserver's watch cache sends them."""
        while True:
            await asyncio.sleep(BOOKMARK_EVERY_S)
            self.server.bookmark()

    async def collector(self, session: aiohttp.ClientSession, name: str, rng: random.Random) -> None:
        assert self.cluster is not None
        await asyncio.sleep(rng.uniform(0, self.args.poll_seconds))
        while True:
            await asyncio.sleep(self.args.poll_seconds * rng.uniform(0.8, 1.2))
            if name not in self.cluster.collectors:
                continue
            try:
                t = time.perf_counter()
                status, body = await get(session, self.base + "/jobs")
                self.polls.requests += 1
                jobs = orjson.loads(body) if status == 200 else {}
                for job in sorted(jobs):
                    status, _ = await get(session, f"{self.base}{target_path(job)}?collector_id={name}")
                    self.polls.requests += 1
                    if status != 200:
                        self.polls.errors += 1
                self.polls.latencies.append(time.perf_counter() - t)
            except (aiohttp.ClientError, OSError, ValueError):
                self.polls.errors += 1

    async def sample_once(self, session: aiohttp.ClientSession) -> None:
        assert self.proc is not None and self.cluster is not None
        with contextlib.suppress(aiohttp.ClientError, OSError):
            status, body = await get(session, self.base + "/metrics")
            runtime = parse_metrics(body.decode()) if status == 200 else {}
            self.samples.append(
                Sample(
                    t_s=self.now(),
                    rss_mib=common.proc_status_mib(self.proc.pid, "VmRSS"),
                    cpu_s=common.cpu_seconds(self.proc.pid),
                    runtime=runtime,
                    objects=self.cluster.object_count(),
                )
            )

    async def sampler(self, session: aiohttp.ClientSession) -> None:
        while True:
            await asyncio.sleep(self.args.sample_seconds)
            await self.sample_once(session)

    # checks

    async def check(self, session: aiohttp.ClientSession) -> tuple[bool, str]:
        """Compare ta's answers with the truth, churn paused."""
        assert self.cluster is not None
        async with self.churn_lock:
            await asyncio.sleep(SETTLE_S)
            truth = self.cluster.truth()
            try:
                live = await live_state(session, self.base)
            except (aiohttp.ClientError, OSError, RuntimeError) as exc:
                return False, f"error: {exc}"
        self.checks += 1
        return matches(live, truth), describe_difference(live, truth)

    async def converge(self, session: aiohttp.ClientSession, cap_s: float) -> tuple[float | None, str]:
        """Seconds until ta's answers match the truth (None past ``cap_s``), and the last difference."""
        start = time.monotonic()
        difference = ""
        while time.monotonic() - start <= cap_s:
            self.ensure_alive()
            ok, difference = await self.check(session)
            if ok:
                return time.monotonic() - start, difference
            await asyncio.sleep(CHECK_EVERY_S)
        return None, difference

    # faults

    async def inject(self, session: aiohttp.ClientSession, fault: Fault) -> FaultResult:
        assert self.cluster is not None
        server = self.server
        before = len(server.requests)
        started = self.now()
        if fault.freeze:
            self.cluster.frozen.add(fault.freeze)
        if fault.name.startswith("5xx"):
            server.fail_all(503)
            server.drop_watches()
            await asyncio.sleep(fault.hold_s)
            server.clear_failures()
        elif fault.name.startswith("410"):
            end = time.monotonic() + fault.hold_s
            while time.monotonic() < end:
                server.compact()
                await asyncio.sleep(1.0)
            server.compact()
        elif fault.name.startswith("403"):
            server.fail(fault.resource, 403)
            server.drop_watches(fault.resource)
            await asyncio.sleep(fault.hold_s)
            server.clear_failure(fault.resource)
        elif fault.name.startswith("API server restart"):
            await server.stop()
            await asyncio.sleep(fault.hold_s)
            await server.start()
        elif fault.name.startswith("stalled"):
            if server.stall(fault.resource) == 0:
                self.failures.append(f"{fault.name}: no open watch to stall")
            if fault.resource == SLICES:
                # A change only the stalled stream would carry: recovery then measures how long ta takes to
                # notice the stall, not whether the answers happened to match already.
                async with self.churn_lock:
                    self.cluster.endpoint_flap()
        else:
            raise ValueError(fault.name)
        recovery, difference = await self.converge(session, fault.recovery_cap_s)
        requests = server.requests[before:]
        failed = sum(1 for r in requests if r.status >= 400)
        if recovery is None:
            self.failures.append(f"{fault.name}: not recovered within {fault.recovery_cap_s:.0f} s ({difference})")
        return FaultResult(
            name=fault.name,
            started_s=started,
            hold_s=fault.hold_s,
            recovery_s=recovery,
            requests=len(requests),
            failed_requests=failed,
            last_difference=difference,
        )

    async def quiet(self, session: aiohttp.ClientSession, seconds: float) -> None:
        """Churn only; a check every ~10 s must match within ``QUIET_CAP_S`` (later: a lost change)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await asyncio.sleep(min(10.0, max(0.0, end - time.monotonic())))
            recovery, difference = await self.converge(session, QUIET_CAP_S)
            if recovery is None:
                self.quiet_mismatches += 1
                self.failures.append(
                    f"t={self.now():.0f}s: answers differ from the cluster in a quiet period: {difference}"
                )

    # the run

    async def run(self) -> int:
        args = self.args
        await self.server.start()
        self.cluster = Cluster(
            self.server, namespaces=max(1, round(4 * args.scale)), collectors=args.collectors, seed=args.seed
        )
        timeout = aiohttp.ClientTimeout(total=30)
        tasks: list[asyncio.Task[None]] = []
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                self.start_ta()
                self.t0 = time.monotonic()
                await self.wait_ready(session)
                self.ready_s = self.now()
                rng = random.Random(args.seed + 1)
                tasks.append(asyncio.create_task(self.churn()))
                tasks.append(asyncio.create_task(self.heartbeat()))
                tasks.append(asyncio.create_task(self.sampler(session)))
                for i in range(self.cluster.max_collectors):
                    tasks.append(
                        asyncio.create_task(self.collector(session, f"collector-{i}", random.Random(rng.random())))
                    )
                await self.quiet(session, args.warmup_seconds)
                await self.sample_once(session)
                self.warm_index = len(self.samples) - 1
                deadline = self.t0 + args.minutes * 60
                for _ in range(args.rounds):
                    for fault in short_profile() if args.short else long_profile():
                        self.faults.append(await self.inject(session, fault))
                        await self.quiet(session, args.gap_seconds)
                await self.quiet(session, max(0.0, deadline - time.monotonic()))
                # The end: churn stops, the answers must be the cluster's, then the replay must give the same bytes.
                self.churning = False
                self.final_recovery, self.final_difference = await self.converge(session, 60.0)
                if self.final_recovery is None:
                    self.failures.append(
                        f"final: answers differ from the cluster (lost objects): {self.final_difference}"
                    )
                await asyncio.sleep(1.0)
                await self.sample_once(session)
                self.growth_checks()
                live = await all_answers(session, self.base)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                self.end_s = self.now()
                self.stop_ta()
                await self.server.stop()
        self.compare_replay(live)
        self.report()
        return 1 if self.failures else 0

    def stop_ta(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.failures.append("ta run did not stop within 30 s of SIGTERM")
        self.ta_exit = self.proc.returncode
        if self.ta_exit != 0:
            self.failures.append(f"ta run exited with {self.ta_exit}")
        self.log.close()

    def growth_checks(self) -> None:
        assert self.cluster is not None
        base, end = self.samples[self.warm_index].runtime, self.samples[-1].runtime
        truth_jobs, collectors = self.cluster.truth()
        limits = {
            "tasks": base.get("tasks", 0) + 5,
            "cache:view_answers": len(truth_jobs) * (len(collectors) + 1),
            "cache:view_targets": sum(len(t) for t in truth_jobs.values()),
            "cache:kube_objects": self.cluster.object_count(),
        }
        self.limits = limits
        for key, limit in limits.items():
            if key not in end:
                self.failures.append(f"{key}: not exported by /metrics")
            elif end[key] > limit:
                self.failures.append(f"{key}: {end[key]:.0f} at the end, above {limit:.0f}")
        depth = sum(v for k, v in end.items() if k.startswith("mailbox:"))
        if depth > 5:
            self.failures.append(f"mailboxes hold {depth:.0f} messages once converged")
        after = self.samples[self.warm_index :]
        rss = [s.rss_mib for s in after]
        first, last = statistics.median(rss[:3]), statistics.median(rss[-3:])
        self.rss_growth = (first, last)
        tail = [s.runtime.get("tail_mib", 0.0) for s in after]
        self.tail_growth = statistics.median(tail[-3:]) - statistics.median(tail[:3])
        # The /debug/events tail grows by design until its bound (16 MiB): RSS is judged from the sample where
        # the tail is full when it got there (what grows after that would be a leak), else net of the tail's
        # own growth (the lines, not their few objects' overhead: a run that never fills it is short).
        full = next((i for i, s in enumerate(after) if s.runtime.get("tail_mib", 0.0) >= TAIL_BOUND_MIB - 0.1), None)
        if full is not None and len(after) - full >= 6:
            self.rss_basis = f"from t={after[full].t_s:.0f}s, the tail full"
            since = rss[full:]
            start, growth = statistics.median(since[:3]), statistics.median(since[-3:]) - statistics.median(since[:3])
        else:
            self.rss_basis = "net of the tail's growth"
            start, growth = first, last - first - self.tail_growth
        self.rss_judged = growth
        if growth > max(20.0, 0.2 * start):
            self.failures.append(f"RSS grew by {growth:.1f} MiB after warm-up ({self.rss_basis})")

    def compare_replay(self, live: dict[str, bytes]) -> None:
        dump = self.workdir / "replayed.ndjson"
        t = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ta",
                "replay",
                str(self.journal),
                "--dump-answers",
                str(dump),
                "--log-format",
                "json",
            ],
            capture_output=True,
            cwd=common.ROOT,
            env={**os.environ, "PYTHONHASHSEED": "12345"},
            timeout=600,
            check=False,
        )
        self.replay_s = time.perf_counter() - t
        self.replay_summary = done.stdout.decode().splitlines()[:4]
        self.replay_equal = 0
        self.replay_paths = len(live)
        if done.returncode != 0:
            self.failures.append(f"ta replay exited with {done.returncode}: {done.stderr.decode()[-500:]}")
            return
        replayed = {
            line["path"]: line["body"].encode()
            for line in map(orjson.loads, dump.read_bytes().splitlines())
            if not line["path"].endswith("(revealed)")
        }
        for path in sorted(live.keys() | replayed.keys()):
            if live.get(path) == replayed.get(path):
                self.replay_equal += 1
            else:
                self.failures.append(
                    f"replay differs at {path}: live {len(live.get(path, b''))} B, "
                    f"replayed {len(replayed.get(path, b''))} B"
                )
        self.replay_paths = len(live.keys() | replayed.keys())

    # output

    def summary(self) -> dict[str, Any]:
        assert self.cluster is not None
        lat = self.polls.latencies
        return {
            "minutes": self.end_s / 60,
            "ready_s": self.ready_s,
            "churn_ops": dict(self.cluster.ops),
            "objects": self.cluster.object_count(),
            "checks": self.checks,
            "quiet_mismatches": self.quiet_mismatches,
            "polls": {
                "requests": self.polls.requests,
                "errors": self.polls.errors,
                "p50_ms": 1000 * common.percentile(lat, 50),
                "p99_ms": 1000 * common.percentile(lat, 99),
            },
            "samples": [
                {"t_s": s.t_s, "rss_mib": s.rss_mib, "cpu_s": s.cpu_s, "objects": s.objects, **s.runtime}
                for s in self.samples
            ],
            "warm_index": self.warm_index,
            "limits": self.limits,
            "rss_after_warmup_mib": self.rss_growth[0],
            "rss_end_mib": self.rss_growth[1],
            "events_tail_growth_mib": self.tail_growth,
            "rss_growth_judged_mib": self.rss_judged,
            "rss_basis": self.rss_basis,
            "faults": [
                {
                    "name": f.name,
                    "started_s": f.started_s,
                    "hold_s": f.hold_s,
                    "recovery_s": f.recovery_s,
                    "requests": f.requests,
                    "failed_requests": f.failed_requests,
                }
                for f in self.faults
            ],
            "final_recovery_s": self.final_recovery,
            "replay": {"paths": self.replay_paths, "equal": self.replay_equal, "seconds": self.replay_s},
            "journal_mib": self.journal.stat().st_size / 2**20 if self.journal.exists() else 0.0,
            "failures": self.failures,
        }

    def report(self) -> None:
        s = self.summary()
        if self.args.json:
            Path(self.args.json).write_bytes(orjson.dumps(s, option=orjson.OPT_INDENT_2))
        out = [f"soak: {s['minutes']:.1f} min, scale {self.args.scale}, {common.environment()}"]
        out.append(f"ta ready after {s['ready_s']:.1f} s; {s['objects']} objects at the end; churn {s['churn_ops']}")
        keys = sorted({k for x in self.samples for k in x.runtime if not k.startswith("mailbox:")})
        out.append("")
        out.append("samples (t: seconds since ta started; * = the warm-up baseline)")
        header = ["t", "RSS MiB", "CPU s", "mailboxes", *[k.removeprefix("cache:") for k in keys], "objects"]
        rows = []
        for i, x in enumerate(self.samples):
            depth = sum(v for k, v in x.runtime.items() if k.startswith("mailbox:"))
            rows.append(
                [
                    f"{x.t_s:.0f}{'*' if i == self.warm_index else ''}",
                    f"{x.rss_mib:.1f}",
                    f"{x.cpu_s:.1f}",
                    f"{depth:.0f}",
                ]
                + [f"{x.runtime.get(k, float('nan')):.{1 if k == 'tail_mib' else 0}f}" for k in keys]
                + [str(x.objects)]
            )
        out += _grid(header, rows)
        out.append("")
        out.append("faults (recovery: from the fault's end -- the stall's start -- to answers equal to the cluster)")
        out += _grid(
            ["fault", "at s", "held s", "recovery s", "API requests", "failed"],
            [
                [f["name"], f"{f['started_s']:.0f}", f"{f['hold_s']:.0f}",
                 "NOT RECOVERED" if f["recovery_s"] is None else f"{f['recovery_s']:.1f}",
                 str(f["requests"]), str(f["failed_requests"])]
                for f in s["faults"]
            ],
        )  # fmt: skip
        p = s["polls"]
        rows3 = [
            ("collector polls (requests / errors)", f"{p['requests']} / {p['errors']}", "0 errors"),
            ("collector poll round p50 / p99", f"{p['p50_ms']:.1f} / {p['p99_ms']:.1f} ms", ""),
            ("truth checks / quiet-period mismatches", f"{s['checks']} / {s['quiet_mismatches']}", "0 mismatches"),
            ("RSS after warm-up -> end", f"{s['rss_after_warmup_mib']:.1f} -> {s['rss_end_mib']:.1f} MiB", "flat"),
            (
                "  of which /debug/events tail lines (bounded)",
                f"{s['events_tail_growth_mib']:.1f} MiB",
                "<= 16 MiB",
            ),
            (f"RSS growth judged ({s['rss_basis']})", f"{s['rss_growth_judged_mib']:.1f} MiB", "< max(20 MiB, 20%)"),
            ("final answers equal the cluster", "yes" if s["final_recovery_s"] is not None else "NO", "yes"),
            (
                "replay answers equal live (byte for byte)",
                f"{s['replay']['equal']} / {s['replay']['paths']} paths",
                "all",
            ),
            ("replay time / journal size", f"{s['replay']['seconds']:.1f} s / {s['journal_mib']:.1f} MiB", ""),
        ]
        out.append("")
        out.append(common.table(rows3))
        out.append("")
        out.append("FAILED:\n  " + "\n  ".join(self.failures) if self.failures else "PASSED")
        print("\n".join(out), flush=True)


def _grid(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return lines


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="total length (faults may run past it)")
    parser.add_argument("--scale", type=float, default=1.0, help="app namespaces = 4 x scale; churn = 2 x scale ops/s")
    parser.add_argument("--collectors", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="how many times the fault sequence runs")
    parser.add_argument("--short", action="store_true", help="the compressed fault profile (for tests)")
    parser.add_argument("--warmup-seconds", type=float, default=None, help="default: 120, 4 with --short")
    parser.add_argument("--gap-seconds", type=float, default=None, help="quiet churn between faults (60; 2)")
    parser.add_argument("--poll-seconds", type=float, default=5.0, help="each collector's poll interval")
    parser.add_argument("--sample-seconds", type=float, default=SAMPLE_EVERY_S)
    parser.add_argument("--json", default="", help="also write the summary as JSON here")
    parser.add_argument("--workdir", default="", help="keep the journal and ta's log here")
    args = parser.parse_args(argv)
    if args.warmup_seconds is None:
        args.warmup_seconds = 4.0 if args.short else 120.0
    if args.gap_seconds is None:
        args.gap_seconds = 2.0 if args.short else 60.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        return asyncio.run(Soak(args, Path(args.workdir)).run())
    with tempfile.TemporaryDirectory(prefix="ta-soak-") as tmp:
        return asyncio.run(Soak(args, Path(tmp)).run())


if __name__ == "__main__":
    sys.exit(main())

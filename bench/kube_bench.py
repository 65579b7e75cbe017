"""Live-Kubernetes benchmark: ``ta run`` as a process against a big cluster served by the fake API server.

In: cluster sizes (EndpointSlices, endpoints per slice, Services, namespaces, nodes, collector pods, jobs),
the allocation strategy, a repeat count for the change measurements. Out: a plain-text
``metric | value | aim`` table on stdout; nothing is asserted.

This process runs ``ta.testing.fake_apiserver.FakeApiServer`` on its own event-loop thread on 127.0.0.1 and
loads it with a generated, deterministic cluster: ``--slices`` EndpointSlices of ``--endpoints`` endpoints
each (addresses, conditions, nodeName, zone, a targetRef to a Pod, 1-3 ports, the labels the EndpointSlice
controller sets and a ``last-change-trigger-time`` annotation), one Pod per endpoint (~2 KB of JSON each:
labels, annotations, an owner ReplicaSet, containers with ports, an Istio sidecar on every fourth Service,
full status), ``--services`` Services (labels, Helm annotations and a large
``kubectl.kubernetes.io/last-applied-configuration``), ``--namespaces`` namespaces, ``--nodes`` Nodes, and
``--collectors`` collector pods in ``otel``. Then ``python -m ta run`` starts as a subprocess with a kubeconfig
pointing at the fake server and a config of ``--jobs`` prometheus-operator-like ServiceMonitor jobs
(``kubernetes_sd_configs`` role ``endpointslice`` over every namespace; the relabel rules the operator
generates: keep by the Service's ``team`` label, keep the ``metrics`` port, then the usual replaces and the
``hashmod``/shard keep). Job ``j`` keeps the Services labelled ``team=team-<j>``, so together the jobs keep
every endpoint's ``metrics`` target exactly once: ``slices x endpoints`` targets.

Measured:
- start-up: process start to ``/readyz`` 200 (polled every 50 ms), with the time of the first request the
  fake server saw (interpreter start and imports) and of the last list page it served; the ta process's
  CPU time (``/proc/<pid>/stat`` utime+stime) at ready, and the fake server's (this process's) CPU time over
  the same window, since both share the machine;
- memory: ``VmRSS`` at ready, after every ``/jobs/<job>/targets?collector_id=<c>`` answer was fetched once
  (what the collectors' first poll does; ta caches the rendered bodies), and ``VmHWM`` (peak) at the end;
- the collectors' first poll: every answer fetched once, sequentially, on one keep-alive connection;
- one EndpointSlice change to the new HTTP answer: ``--repeat`` slices each lose their last endpoint and get
  it back; each change is timed from the call into the fake server until the answer of the collector that
  holds (or held) that target, polled every ~2 ms with ``If-None-Match``, has a new ETag and the address is
  gone / back. The collector is found in the first poll's answers (consistent hashing places the same
  target on the same collector again; a fallback polls every collector of the job);
- one Pod label change (``version`` v1 -> v2 on a pod behind one slice) to the new answer of the collector
  that held that pod's target, ``--repeat`` different pods.

Run: ``python bench/kube_bench.py [--slices 2000 --endpoints 50 --services 200 --collectors 50]``.
``--profile PATH`` runs ta under ``cProfile`` (written at its SIGTERM exit): use it for a separate run, the
profiler slows everything down.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import gzip
import hashlib
import http.client
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as common

from ta.testing.fake_apiserver import FakeApiServer, write_kubeconfig

HOST = "127.0.0.1"
COLLECTOR_NS = "otel"
COLLECTOR_LABELS = {
    "app.kubernetes.io/component": "opentelemetry-collector",
    "app.kubernetes.io/instance": "otel.otelcol",
    "app.kubernetes.io/managed-by": "opentelemetry-operator",
    "app.kubernetes.io/name": "otelcol-collector",
    "app.kubernetes.io/part-of": "opentelemetry",
    "app.kubernetes.io/version": "0.115.0",
}
PODS = "v1/pods"
SERVICES = "v1/services"
SLICES = "discovery.k8s.io/v1/endpointslices"
NODES = "v1/nodes"
NAMESPACES = "v1/namespaces"
# (name, port, protocol, appProtocol); a Service has the first 1-3 of these, every one has "metrics".
PORTS = (("metrics", 9090, "TCP", None), ("http", 8080, "TCP", "http"), ("grpc", 9000, "TCP", "grpc"))
SIDECAR_PORT = ("http-envoy-prom", 15090)
TIME = "2026-01-05T10:00:00Z"
POLL_INTERVAL = 0.002  # between polls of one answer
POLL_SECONDS = 10.0  # per change, then it counts as not seen
READY_POLL = 0.05
PROGRESS_SECONDS = 60.0  # start-up progress lines on stderr while waiting for ready
ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # what Kubernetes uses for generated name suffixes

T = TypeVar("T")


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--slices", type=int, default=2000)
    parser.add_argument("--endpoints", type=int, default=50, help="endpoints per EndpointSlice")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--namespaces", type=int, default=10)
    parser.add_argument("--nodes", type=int, default=50)
    parser.add_argument("--collectors", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=10, help="ServiceMonitor-like jobs sharing the Services")
    parser.add_argument(
        "--pods",
        type=int,
        default=None,
        help="pods behind endpoints (default: one per endpoint; fewer: the rest "
        "of the endpoints reference pods that do not exist, as when generation is too slow)",
    )
    parser.add_argument("--strategy", default="consistent-hashing", choices=common.STRATEGIES)
    parser.add_argument("--repeat", type=int, default=20, help="changes of each kind")
    parser.add_argument("--ready-timeout", type=float, default=600.0, help="seconds to wait for /readyz")
    parser.add_argument("--profile", default=None, metavar="PATH", help="run ta under cProfile, stats to PATH")
    args = parser.parse_args(argv)
    if args.pods is None:
        args.pods = args.slices * args.endpoints
    args.services = max(1, min(args.services, args.slices))
    args.jobs = max(1, min(args.jobs, args.services))
    args.repeat = max(1, min(args.repeat, args.slices))
    return args


# --- the generated cluster --------------------------------------------------------------------------------


def suffix(i: int, n: int = 5) -> str:
    """A deterministic generated-name suffix (``-x7kqp``)."""
    x = (i * 2654435761 + 12345) & 0xFFFFFFFFFF
    out = []
    for _ in range(n):
        x, r = divmod(x, len(ALPHABET))
        out.append(ALPHABET[r])
    return "".join(out)


def uid(kind: str, i: int) -> str:
    h = hashlib.md5(f"{kind}/{i}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def namespace_name(n: int) -> str:
    return f"shop-{n}"


def service_name(s: int) -> str:
    return f"svc-{s}"


def job_name(j: int) -> str:
    return f"serviceMonitor/monitoring/team-{j}/0"


def node_name(n: int) -> str:
    return f"ip-172-16-{n // 250}-{n % 250 + 10}.eu-west-1.compute.internal"


def node_ip(n: int) -> str:
    return f"172.16.{n // 250}.{n % 250 + 10}"


def zone(n: int) -> str:
    return f"eu-west-1{'abc'[n % 3]}"


def pod_ip(g: int) -> str:
    """Endpoint ``g``'s pod IP (unique across the cluster)."""
    return f"10.{64 + g // 65536}.{g // 256 % 256}.{g % 256}"


class Cluster:
    """Index arithmetic of the generated cluster (who is where), shared by generation and measurement."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.slices = int(args.slices)
        self.endpoints = int(args.endpoints)
        self.services = int(args.services)
        self.namespaces = int(args.namespaces)
        self.nodes = int(args.nodes)
        self.jobs = int(args.jobs)
        self.pods = int(args.pods)
        self.collectors = int(args.collectors)

    def service_of(self, i: int) -> int:
        return i * self.services // self.slices

    def namespace_of_service(self, s: int) -> int:
        return s % self.namespaces

    def team_of_service(self, s: int) -> int:
        # Decorrelated from the namespace: each team's Services are spread over the namespaces.
        return (s // self.namespaces) % self.jobs

    def ports_of_service(self, s: int) -> Sequence[tuple[str, int, str, str | None]]:
        return PORTS[: 1 + s % 3]

    def slice_name(self, i: int) -> str:
        return f"{service_name(self.service_of(i))}-{suffix(i)}"

    def rs_hash(self, s: int) -> str:
        return suffix(s * 7919 + 3, 10)

    def pod_name(self, g: int) -> str:
        s = self.service_of(g // self.endpoints)
        return f"{service_name(s)}-{self.rs_hash(s)}-{suffix(g + 1_000_003)}"

    def node_of(self, g: int) -> int:
        return (g * 7 + g // self.nodes) % self.nodes

    def address(self, g: int) -> str:
        return f"{pod_ip(g)}:9090"

    def job_of_slice(self, i: int) -> str:
        return job_name(self.team_of_service(self.service_of(i)))

    def collector(self, c: int) -> str:
        return f"otelcol-collector-{c}"

    # -- objects ---------------------------------------------------------------------------------------

    def namespace(self, n: int) -> dict[str, Any]:
        name = namespace_name(n)
        return {
            "metadata": {
                "name": name,
                "uid": uid("ns", n),
                "creationTimestamp": TIME,
                "labels": {"kubernetes.io/metadata.name": name, "istio-injection": "enabled", "env": "prod"},
            },
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }

    def node(self, n: int) -> dict[str, Any]:
        name = node_name(n)
        return {
            "metadata": {
                "name": name,
                "uid": uid("node", n),
                "creationTimestamp": TIME,
                "labels": {
                    "beta.kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "node.kubernetes.io/instance-type": "m6i.4xlarge",
                    "topology.kubernetes.io/region": "eu-west-1",
                    "topology.kubernetes.io/zone": zone(n),
                    "eks.amazonaws.com/nodegroup": f"workers-{n % 4}",
                },
                "annotations": {
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {"providerID": f"aws:///{zone(n)}/i-0{uid('i', n)[:16].replace('-', '')}"},
            "status": {
                "addresses": [
                    {"type": "InternalIP", "address": node_ip(n)},
                    {"type": "Hostname", "address": name},
                    {"type": "InternalDNS", "address": name},
                ],
                "conditions": [
                    {"type": "Ready", "status": "True", "reason": "KubeletReady", "lastTransitionTime": TIME}
                ],
                "nodeInfo": {"kubeletVersion": "v1.30.4-eks-a737599", "containerRuntimeVersion": "containerd://1.7.22"},
            },
        }

    def service_labels(self, s: int) -> dict[str, str]:
        name = service_name(s)
        team = f"team-{self.team_of_service(s)}"
        return {
            "app": name,
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": f"{name}-prod",
            "app.kubernetes.io/part-of": f"shop-{team}",
            "app.kubernetes.io/managed-by": "Helm",
            "helm.sh/chart": f"{name}-0.3.1",
            "team": team,
            "release": "prod",
        }

    def service(self, s: int) -> dict[str, Any]:
        name = service_name(s)
        ns = namespace_name(self.namespace_of_service(s))
        labels = self.service_labels(s)
        cluster_ip = f"172.20.{s // 250}.{s % 250 + 1}"
        ports = [
            {"name": pname, "port": port, "targetPort": pname, "protocol": proto}
            | ({"appProtocol": app} if app else {})
            for pname, port, proto, app in self.ports_of_service(s)
        ]
        annotations = {
            "meta.helm.sh/release-name": f"{name}-prod",
            "meta.helm.sh/release-namespace": ns,
            "service.kubernetes.io/topology-mode": "Auto",
        }
        applied = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "annotations": {
                    **annotations,
                    "description": f"{name}: the {labels['app.kubernetes.io/part-of']} backend for checkout, "
                    "cart and catalogue traffic; owned by " + labels["team"] + ", on-call rota in the wiki; "
                    "scraped by the platform ServiceMonitor on its metrics port every 30 s.",
                },
                "labels": labels,
                "name": name,
                "namespace": ns,
            },
            "spec": {
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": ports,
                "selector": {"app": name, "app.kubernetes.io/instance": f"{name}-prod"},
                "sessionAffinity": "None",
                "type": "ClusterIP",
            },
        }
        last_applied = orjson.dumps(applied).decode() + "\n"
        return {
            "metadata": {
                "name": name,
                "namespace": ns,
                "uid": uid("svc", s),
                "creationTimestamp": TIME,
                "labels": labels,
                "annotations": {**annotations, "kubectl.kubernetes.io/last-applied-configuration": last_applied},
            },
            "spec": {
                "clusterIP": cluster_ip,
                "clusterIPs": [cluster_ip],
                "internalTrafficPolicy": "Cluster",
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "ports": ports,
                "selector": {"app": name, "app.kubernetes.io/instance": f"{name}-prod"},
                "sessionAffinity": "None",
                "type": "ClusterIP",
            },
            "status": {"loadBalancer": {}},
        }

    def endpoint(self, g: int, ns: str) -> dict[str, Any]:
        n = self.node_of(g)
        return {
            "addresses": [pod_ip(g)],
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "nodeName": node_name(n),
            "zone": zone(n),
            "targetRef": {"kind": "Pod", "namespace": ns, "name": self.pod_name(g), "uid": uid("pod", g)},
        }

    def endpoint_slice(self, i: int) -> dict[str, Any]:
        s = self.service_of(i)
        name = service_name(s)
        ns = namespace_name(self.namespace_of_service(s))
        first = i * self.endpoints
        # The EndpointSlice controller copies the Service's labels and adds its own two.
        labels = {
            **self.service_labels(s),
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
            "kubernetes.io/service-name": name,
        }
        return {
            "metadata": {
                "name": self.slice_name(i),
                "generateName": f"{name}-",
                "namespace": ns,
                "uid": uid("eps", i),
                "creationTimestamp": TIME,
                "labels": labels,
                "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": TIME},
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "name": name,
                        "uid": uid("svc", s),
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "addressType": "IPv4",
            "endpoints": [self.endpoint(g, ns) for g in range(first, first + self.endpoints)],
            "ports": [
                {"name": pname, "port": port, "protocol": proto} | ({"appProtocol": app} if app else {})
                for pname, port, proto, app in self.ports_of_service(s)
            ],
        }

    def pod(self, g: int, version: str = "v1") -> dict[str, Any]:
        s = self.service_of(g // self.endpoints)
        name = service_name(s)
        ns = namespace_name(self.namespace_of_service(s))
        team = f"team-{self.team_of_service(s)}"
        rs = self.rs_hash(s)
        n = self.node_of(g)
        image = f"registry.example.com/{team}/{name}:1.4.2"
        digest = hashlib.sha256(f"pod/{g}".encode()).hexdigest()
        containers: list[dict[str, Any]] = [
            {
                "name": "app",
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "ports": [
                    {"name": pname, "containerPort": port, "protocol": proto}
                    for pname, port, proto, _app in self.ports_of_service(s)
                ],
                "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "OTEL_SERVICE_NAME", "value": name}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 9090}, "periodSeconds": 10},
            }
        ]
        statuses = [
            {
                "name": "app",
                "ready": True,
                "started": True,
                "restartCount": 0,
                "image": image,
                "imageID": f"registry.example.com/{team}/{name}@sha256:{digest}",
                "containerID": f"containerd://{digest[::-1]}",
                "state": {"running": {"startedAt": TIME}},
            }
        ]
        if s % 4 == 0:  # an Istio sidecar: an extra container port no endpoint covers
            containers.append(
                {
                    "name": "istio-proxy",
                    "image": "docker.io/istio/proxyv2:1.22.1",
                    "ports": [{"name": SIDECAR_PORT[0], "containerPort": SIDECAR_PORT[1], "protocol": "TCP"}],
                }
            )
        return {
            "metadata": {
                "name": self.pod_name(g),
                "generateName": f"{name}-{rs}-",
                "namespace": ns,
                "uid": uid("pod", g),
                "creationTimestamp": TIME,
                "labels": {
                    "app": name,
                    "app.kubernetes.io/instance": f"{name}-prod",
                    "app.kubernetes.io/name": name,
                    "pod-template-hash": rs,
                    "team": team,
                    "version": version,
                },
                "annotations": {"kubectl.kubernetes.io/restartedAt": TIME, "prometheus.io/scrape": "true"},
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": f"{name}-{rs}",
                        "uid": uid("rs", s),
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {
                "nodeName": node_name(n),
                "serviceAccountName": name,
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30,
                "containers": containers,
            },
            "status": {
                "phase": "Running",
                "hostIP": node_ip(n),
                "podIP": pod_ip(g),
                "podIPs": [{"ip": pod_ip(g)}],
                "qosClass": "Burstable",
                "startTime": TIME,
                "conditions": [
                    {"type": kind, "status": "True", "lastTransitionTime": TIME}
                    for kind in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
                ],
                "containerStatuses": statuses,
            },
        }

    def collector_pod(self, c: int) -> dict[str, Any]:
        name = self.collector(c)
        return {
            "metadata": {
                "name": name,
                "generateName": "otelcol-collector-",
                "namespace": COLLECTOR_NS,
                "uid": uid("collector", c),
                "labels": {**COLLECTOR_LABELS, "statefulset.kubernetes.io/pod-name": name},
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "otelcol-collector", "controller": True}
                ],
            },
            "spec": {
                "nodeName": node_name(c % self.nodes),
                "containers": [
                    {
                        "name": "otc-container",
                        "image": "ghcr.io/open-telemetry/opentelemetry-collector-releases/"
                        "opentelemetry-collector-k8s:0.115.0",
                        "ports": [{"name": "metrics", "containerPort": 8888, "protocol": "TCP"}],
                        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                    }
                ],
            },
            "status": {
                "phase": "Running",
                "podIP": f"10.200.{c // 256}.{c % 256}",
                "hostIP": node_ip(c % self.nodes),
                "startTime": TIME,
                "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": TIME}],
            },
        }


def relabel_configs(team: str) -> list[dict[str, Any]]:
    """What prometheus-operator generates for a ServiceMonitor selecting ``team=<team>``, port ``metrics``."""

    def rule(action: str, sources: list[str] | None, regex: str, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"action": action, "regex": regex, "separator": ";"}
        if sources is not None:
            out["source_labels"] = sources
        if action == "replace" and "replacement" not in extra:
            out["replacement"] = "$1"
        return out | extra

    kind_name = [
        "__meta_kubernetes_endpointslice_address_target_kind",
        "__meta_kubernetes_endpointslice_address_target_name",
    ]
    return [
        rule("replace", ["job"], "(.*)", target_label="__tmp_prometheus_job_name"),
        rule(
            "keep",
            ["__meta_kubernetes_service_label_team", "__meta_kubernetes_service_labelpresent_team"],
            f"({team});true",
        ),
        rule("keep", ["__meta_kubernetes_endpointslice_port_name"], "metrics"),
        rule("replace", kind_name, "Node;(.*)", replacement="${1}", target_label="node"),
        rule("replace", kind_name, "Pod;(.*)", replacement="${1}", target_label="pod"),
        rule("replace", ["__meta_kubernetes_namespace"], "(.*)", target_label="namespace"),
        rule("replace", ["__meta_kubernetes_service_name"], "(.*)", target_label="service"),
        rule("replace", ["__meta_kubernetes_pod_name"], "(.*)", target_label="pod"),
        rule("replace", ["__meta_kubernetes_pod_container_name"], "(.*)", target_label="container"),
        rule("drop", ["__meta_kubernetes_pod_phase"], "(Failed|Succeeded)"),
        rule("replace", ["__meta_kubernetes_service_name"], "(.*)", replacement="${1}", target_label="job"),
        rule("replace", None, "(.*)", replacement="metrics", target_label="endpoint"),
        rule("hashmod", ["__address__"], "(.*)", modulus=1, target_label="__tmp_hash"),
        rule("keep", ["__tmp_hash"], "0"),
    ]


def ta_config(args: argparse.Namespace) -> dict[str, Any]:
    namespaces = [namespace_name(n) for n in range(args.namespaces)]
    jobs = []
    for j in range(args.jobs):
        jobs.append(
            {
                "job_name": job_name(j),
                "honor_labels": False,
                "scrape_interval": "30s",
                "scrape_timeout": "10s",
                "metrics_path": "/metrics",
                "scheme": "http",
                "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": namespaces}}],
                "relabel_configs": relabel_configs(f"team-{j}"),
                "metric_relabel_configs": [{"action": "labeldrop", "regex": "(id|name)"}],
            }
        )
    return {
        "collector_namespace": COLLECTOR_NS,
        "collector_selector": {
            "matchlabels": {
                "app.kubernetes.io/component": COLLECTOR_LABELS["app.kubernetes.io/component"],
                "app.kubernetes.io/instance": COLLECTOR_LABELS["app.kubernetes.io/instance"],
            }
        },
        "allocation_strategy": args.strategy,
        "allocation_fallback_strategy": "consistent-hashing" if args.strategy == "per-node" else "",
        "filter_strategy": "relabel-config",
        "config": {"scrape_configs": jobs},
    }


# --- the fake API server on a thread ----------------------------------------------------------------------


class TimedFakeApiServer(FakeApiServer):
    """The fake server, with the monotonic time of every request it answered (for the start-up breakdown)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.request_times: list[float] = []

    def _log(self, request: Any, verb: str, resource: str, namespace: str, status: int) -> None:
        self.request_times.append(time.perf_counter())
        super()._log(request, verb, resource, namespace, status)


class ThreadedApi:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-apiserver", daemon=True)
        self.server: TimedFakeApiServer | None = None

    def start(self) -> TimedFakeApiServer:
        self._thread.start()

        async def start() -> TimedFakeApiServer:
            server = TimedFakeApiServer()
            await server.start()
            return server

        self.server = self._run(start())
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self._run(self.server.stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self, coro: Any, timeout: float = 120.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=timeout)

    def call(self, fn: Callable[[FakeApiServer], T]) -> T:
        """``fn(server)`` on the server's loop (its controls are not thread-safe)."""
        server = self.server
        assert server is not None

        async def invoke() -> T:
            return fn(server)

        result: T = self._run(invoke())
        return result


def load_cluster(api: ThreadedApi, cluster: Cluster) -> dict[str, Any]:
    """Generate every object and add it to the fake server (in chunks, on its loop); sizes and timings."""
    stats: dict[str, Any] = {"counts": {}, "bytes": {}}
    t0 = time.perf_counter()
    gc.disable()  # millions of fresh containers: the collector would rescan them again and again
    try:
        batches: list[tuple[str, Callable[[int], dict[str, Any]], int]] = [
            (NAMESPACES, cluster.namespace, cluster.namespaces),
            (NAMESPACES, lambda _i: {"metadata": {"name": COLLECTOR_NS}}, 1),
            (NODES, cluster.node, cluster.nodes),
            (PODS, cluster.collector_pod, cluster.collectors),
            (SERVICES, cluster.service, cluster.services),
            (SLICES, cluster.endpoint_slice, cluster.slices),
            (PODS, cluster.pod, cluster.pods),
        ]
        for resource_name, build, count in batches:
            for start in range(0, count, 5000):
                objs = [build(i) for i in range(start, min(count, start + 5000))]
                stats["counts"][resource_name] = stats["counts"].get(resource_name, 0) + len(objs)
                stats["bytes"][resource_name] = stats["bytes"].get(resource_name, 0) + sum(
                    len(orjson.dumps(o)) for o in objs
                )

                def add(server: FakeApiServer, objs: list[dict[str, Any]] = objs, r: str = resource_name) -> None:
                    for obj in objs:
                        server.add(r, obj)

                api.call(add)
    finally:
        gc.enable()
    gc.collect()
    gc.freeze()  # the cluster lives until the end: keep it out of every later collection
    stats["seconds"] = time.perf_counter() - t0
    return stats


# --- the ta process ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Http:
    """One keep-alive HTTP/1.1 connection to ta (reconnects once if ta closed it)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)

    def get(self, path: str, etag: str | None = None) -> tuple[int, str | None, bytes]:
        # Like a collector's Go HTTP client: asks for gzip and inflates what comes gzipped.
        headers = {"Accept-Encoding": "gzip", **({"If-None-Match": etag} if etag else {})}
        for attempt in (0, 1):
            try:
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                if response.getheader("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return response.status, response.getheader("ETag"), body
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def targets_path(job: str, collector: str | None = None) -> str:
    path = f"/jobs/{urllib.parse.quote_plus(job, safe='')}/targets"
    return path if collector is None else f"{path}?collector_id={urllib.parse.quote_plus(collector, safe='')}"


def wait_ready(
    port: int, proc: subprocess.Popen[bytes], t0: float, timeout: float, progress: Callable[[float], None]
) -> float | None:
    """Seconds from ``t0`` to the first ``/readyz`` 200, polled every 50 ms; None on timeout or exit.
    ``progress(elapsed)`` is called about every ``PROGRESS_SECONDS`` meanwhile."""
    deadline = t0 + timeout
    next_progress = t0 + PROGRESS_SECONDS
    conn: http.client.HTTPConnection | None = None
    while time.perf_counter() < deadline and proc.poll() is None:
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/readyz")
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                conn.close()
                return time.perf_counter() - t0
        except (OSError, http.client.HTTPException):
            if conn is not None:
                conn.close()
            conn = None
        now = time.perf_counter()
        if now >= next_progress:
            next_progress = now + PROGRESS_SECONDS
            progress(now - t0)
        time.sleep(READY_POLL)
    if conn is not None:
        conn.close()
    return None


def kept_targets(port: int) -> float | None:
    """``opentelemetry_allocator_targets_remaining`` from ``/metrics`` (None if unavailable)."""
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            conn.request("GET", "/metrics")
            return metric_value(conn.getresponse().read(), "opentelemetry_allocator_targets_remaining")
        finally:
            conn.close()
    except (OSError, http.client.HTTPException, ValueError):
        return None


def metric_value(text: bytes, name: str) -> float | None:
    total = None
    for line in text.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total = (total or 0.0) + float(line.rsplit(" ", 1)[1])
    return total


def await_change(
    client: Http, paths: Sequence[str], etags: dict[str, str | None], done: Callable[[str, bytes], bool], t0: float
) -> float | None:
    """Poll ``paths`` (each with its last ETag) until one answers anew and ``done(path, body)``; seconds since
    ``t0``, or None after ``POLL_SECONDS``."""
    while time.perf_counter() - t0 < POLL_SECONDS:
        for path in paths:
            status, etag, body = client.get(path, etags.get(path))
            if status == 200 and etag != etags.get(path):
                etags[path] = etag
                if done(path, body):
                    return time.perf_counter() - t0
        time.sleep(POLL_INTERVAL)
    return None


def modify(resource_name: str, obj: dict[str, Any]) -> Callable[[FakeApiServer], object]:
    def run(server: FakeApiServer) -> object:
        return server.modify(resource_name, obj)

    return run


def contains(quoted: bytes, present: bool) -> Callable[[str, bytes], bool]:
    def done(_path: str, body: bytes) -> bool:
        return (quoted in body) == present

    return done


def any_change(_path: str, _body: bytes) -> bool:
    return True


def _lat(samples: list[float]) -> str:
    if not samples:
        return "n/a"
    return (
        f"median {common.ms(statistics.median(samples))}, p99 {common.ms(common.percentile(samples, 99))}, "
        f"max {common.ms(max(samples))} (n={len(samples)})"
    )


def _mib(value: float) -> str:
    return f"{value:.0f} MiB"


def measure(args: argparse.Namespace, directory: Path) -> list[tuple[str, str, str]]:
    cluster = Cluster(args)
    rows: list[tuple[str, str, str]] = []
    api = ThreadedApi()
    server = api.start()
    proc: subprocess.Popen[bytes] | None = None
    try:
        stats = load_cluster(api, cluster)
        counts, sizes = stats["counts"], stats["bytes"]
        total_mb = sum(sizes.values()) / 1e6
        rows.append(
            (
                "cluster: objects generated + loaded into the fake API server",
                f"{sum(counts.values()):,} objects, {total_mb:,.0f} MB JSON, {stats['seconds']:.1f} s",
                "-",
            )
        )
        app_pods = counts.get(PODS, 0) - cluster.collectors
        rows.append(
            (
                "cluster: average JSON size pod / Service / EndpointSlice",
                f"{(sizes[PODS] / counts[PODS]):,.0f} B / {sizes[SERVICES] / counts[SERVICES]:,.0f} B / "
                f"{sizes[SLICES] / counts[SLICES]:,.0f} B ({app_pods:,} app pods)",
                "-",
            )
        )
        expected = cluster.slices * cluster.endpoints

        config_path = directory / "targetallocator.yaml"
        config_path.write_text(yaml.safe_dump(ta_config(args), sort_keys=False))
        kubeconfig = write_kubeconfig(directory / "kubeconfig", server.url)
        port = free_port()
        profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
        command = [
            sys.executable,
            *profile,
            "-m",
            "ta",
            "run",
            "--config-file",
            str(config_path),
            f"--kubeconfig-path={kubeconfig}",
            f"--listen-addr={HOST}:{port}",
            "--log-format",
            "json",
        ]
        log_path = directory / "ta.log"
        env = {**os.environ, "HOME": "/nonexistent", "PYTHONPATH": str(common.ROOT)}
        with log_path.open("wb") as log:
            cpu_self0 = self_cpu()
            requests0 = len(server.request_times)
            t0 = time.perf_counter()
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=common.ROOT)
        pid = proc.pid

        def progress(elapsed: float) -> None:
            kept = kept_targets(port)
            print(
                f"kube_bench: {elapsed:.0f} s, not ready yet: ta CPU {common.cpu_seconds(pid):.0f} s, "
                f"RSS {common.proc_status_mib(pid, 'VmRSS'):.0f} MiB, kept targets {kept or 0:,.0f}/{expected:,}",
                file=sys.stderr,
                flush=True,
            )

        ready = wait_ready(port, proc, t0, args.ready_timeout, progress)
        if ready is None:
            elapsed = time.perf_counter() - t0
            if proc.poll() is not None:
                tail = log_path.read_bytes()[-3000:].decode(errors="replace")
                rows.append(("WARNING: ta exited before ready", f"status {proc.returncode} after {elapsed:.1f} s", "-"))
                print(tail, file=sys.stderr)
                return rows
            kept = kept_targets(port)
            rows.append(("start-up: process start -> /readyz 200", f"not within {elapsed:.0f} s", "< 10 s"))
            rows.append(("start-up: ta CPU time (user+system) so far", f"{common.cpu_seconds(pid):.2f} s", "-"))
            rows.append(("start-up: targets kept so far", f"{kept or 0:,.0f} of {expected:,}", "-"))
            rows.append(("RSS when given up", _mib(common.proc_status_mib(pid, "VmRSS")), "< 600 MiB"))
            rows.append(("peak RSS (VmHWM)", _mib(common.proc_status_mib(pid, "VmHWM")), "< 600 MiB"))
            return rows
        ready_cpu = common.cpu_seconds(pid)
        ready_rss = common.proc_status_mib(pid, "VmRSS")
        fake_cpu = self_cpu() - cpu_self0
        times = server.request_times[requests0:]
        list_times = [t for t, r in zip(times, server.requests[requests0:], strict=False) if r.verb == "list"]
        first_request = (times[0] - t0) if times else float("nan")
        last_list = (max(list_times) - t0) if list_times else float("nan")
        list_pages = len(list_times)
        rows.append(("start-up: process start -> /readyz 200", f"{ready:.2f} s", "< 10 s"))
        rows.append(("start-up: first request to the API server (interpreter, imports)", f"{first_request:.2f} s", "-"))
        rows.append(("start-up: last list page served", f"{last_list:.2f} s ({list_pages} pages)", "-"))
        rows.append(("start-up: ta CPU time (user+system) until ready", f"{ready_cpu:.2f} s", "-"))
        rows.append(("start-up: fake API server (this process) CPU meanwhile", f"{fake_cpu:.2f} s", "-"))
        rows.append(("RSS at ready", _mib(ready_rss), "< 600 MiB"))

        client = Http(port)
        _status, _etag, metrics = client.get("/metrics")
        kept = metric_value(metrics, "opentelemetry_allocator_targets_remaining")
        discovered = metric_value(metrics, "opentelemetry_allocator_targets")
        rows.append(
            (
                "targets: discovered (all jobs, before filtering) / kept",
                f"{discovered or 0:,.0f} / {kept or 0:,.0f} (expected kept {expected:,})",
                "-",
            )
        )

        # The collectors' first poll: every answer once. It also tells where the measured targets are.
        slice_picks = [(r * cluster.slices) // args.repeat + r % 7 for r in range(args.repeat)]
        slice_picks = [min(i, cluster.slices - 1) for i in slice_picks]
        removed = {i: i * cluster.endpoints + cluster.endpoints - 1 for i in slice_picks}
        relabelled = {i: i * cluster.endpoints for i in slice_picks}  # the first pod of the same slices
        wanted = {cluster.address(g).encode() for g in (*removed.values(), *relabelled.values())}
        found: dict[tuple[str, bytes], str] = {}
        jobs = [job_name(j) for j in range(args.jobs)]
        collectors = [cluster.collector(c) for c in range(cluster.collectors)]
        etags: dict[str, str | None] = {}
        served_targets = 0
        served_bytes = 0
        cpu0 = common.cpu_seconds(pid)
        t1 = time.perf_counter()
        for job in jobs:
            for collector in collectors:
                path = targets_path(job, collector)
                _status, etag, body = client.get(path)
                etags[path] = etag
                served_targets += body.count(b'{"targets":[')
                served_bytes += len(body)
                for address in wanted:
                    if b'"' + address + b'"' in body:
                        found[(job, address)] = collector
        first_poll = time.perf_counter() - t1
        first_poll_cpu = common.cpu_seconds(pid) - cpu0
        rows.append(
            (
                f"first poll: all {len(jobs) * len(collectors)} answers fetched once",
                f"{first_poll:.2f} s, ta CPU {first_poll_cpu:.2f} s, {served_bytes / 1e6:,.0f} MB, "
                f"{served_targets:,} targets",
                "-",
            )
        )
        rows.append(("RSS after every answer was served once", _mib(common.proc_status_mib(pid, "VmRSS")), "< 600 MiB"))
        if served_targets != expected:
            rows.append(("WARNING: targets served != expected", f"{served_targets:,} != {expected:,}", "-"))

        # One EndpointSlice change: the slice loses its last endpoint, then gets it back.
        removals: list[float] = []
        additions: list[float] = []
        misses = 0
        for i in slice_picks:
            job = cluster.job_of_slice(i)
            address = cluster.address(removed[i]).encode()
            quoted = b'"' + address + b'"'
            holder = found.get((job, address))
            paths = [targets_path(job, holder)] if holder else [targets_path(job, c) for c in collectors]
            original = cluster.endpoint_slice(i)
            shrunk = {**original, "endpoints": original["endpoints"][:-1]}
            for obj, samples, present in ((shrunk, removals, False), (original, additions, True)):
                t = time.perf_counter()
                api.call(modify(SLICES, obj))
                seconds = await_change(client, paths, etags, contains(quoted, present), t)
                if seconds is None:
                    misses += 1
                else:
                    samples.append(seconds)
        rows.append(("one EndpointSlice change -> new answer: endpoint removed", _lat(removals), "< 100 ms"))
        rows.append(("one EndpointSlice change -> new answer: endpoint added", _lat(additions), "< 100 ms"))

        # One pod label change behind one slice: its target's labels (and identity) change.
        relabels: list[float] = []
        for i in slice_picks:
            job = cluster.job_of_slice(i)
            g = relabelled[i]
            if g >= cluster.pods:
                continue
            holder = found.get((job, cluster.address(g).encode()))
            paths = [targets_path(job, holder)] if holder else [targets_path(job, c) for c in collectors]
            t = time.perf_counter()
            api.call(modify(PODS, cluster.pod(g, version="v2")))
            seconds = await_change(client, paths, etags, any_change, t)
            if seconds is None:
                misses += 1
            else:
                relabels.append(seconds)
        rows.append(("one pod label change -> new answer", _lat(relabels), "< 100 ms"))
        if misses:
            rows.append(("WARNING: changes not seen within the poll bound", str(misses), "-"))
        client.close()
        rows.append(("peak RSS (VmHWM)", _mib(common.proc_status_mib(pid, "VmHWM")), "< 600 MiB"))
        rows.append(("ta CPU time in total", f"{common.cpu_seconds(pid):.2f} s", "-"))
        return rows
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60 if args.profile else 20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        api.stop()


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    with tempfile.TemporaryDirectory(prefix="ta-kube-bench-") as directory:
        rows = measure(args, Path(directory))
    title = (
        f"kube_bench: {args.slices} EndpointSlices x {args.endpoints} endpoints, {args.pods} pods, "
        f"{args.services} Services, {args.namespaces} namespaces, {args.nodes} nodes, {args.collectors} "
        f"collectors, {args.jobs} jobs, {args.strategy}{', under cProfile' if args.profile else ''}; "
        f"{common.environment()}"
    )
    print(common.table(rows, title))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

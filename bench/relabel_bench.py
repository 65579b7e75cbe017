"""Throughput and memory of the relabel engine and of target building, one row per scenario.

In: nothing (synthetic, deterministic data). Out: a table printed to stdout: targets/s per CPU-second of the
process (``time.process_time``, so other load on the machine matters less) and the peak RSS of a fresh process
running only that row (``resource.getrusage``), for 100 000 endpointslice targets with ~44 labels each (~40
``__meta_*``) through the 15-rule ServiceMonitor rule set prometheus-operator generates, under the TA's
``relabel-config`` filter strategy (its sharding rules around them). Rows:

* engine (LabelBuilder): ``apply`` over every target's full label set -- the general engine alone;
* build_targets, all kept: groups of 50 targets (one EndpointSlice each) with the realistic split -- namespace,
  service and endpointslice labels on the group, endpoint/pod labels on each target;
* build_targets, half groups kept: the same, with half the services not matching the rule set's service
  label keep rule;
* the two build_targets rows again through ``build_targets_reference`` (the straightforward implementation);
* build_targets, groups of 5: per-group costs (looking the job up, the once-per-group rules) weigh ten times more.

The load average is printed before and after: on a shared machine it explains much of the spread between runs.

Nothing is asserted: these are figures to compare on one machine. Run: ``python bench/relabel_bench.py [targets]``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

from ta.core.base.labels import LabelSet, label_set
from ta.core.base.model import TargetGroup
from ta.core.discovery.targets import JobSettings, build_targets, build_targets_reference, filter_rules
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import RelabelConfig
from ta.core.relabel.engine import apply

ES = "__meta_kubernetes_endpointslice_"
RULES = (
    RelabelConfig(source_labels=("job",), target_label="__tmp_prometheus_job_name"),
    RelabelConfig(
        action="keep",
        source_labels=("__meta_kubernetes_service_label_app", "__meta_kubernetes_service_labelpresent_app"),
        regex="(my-app);true",
    ),
    RelabelConfig(action="keep", source_labels=(ES + "port_name",), regex="prom"),
    RelabelConfig(
        source_labels=(ES + "address_target_kind", ES + "address_target_name"),
        regex="Node;(.*)",
        replacement="${1}",
        target_label="node",
    ),
    RelabelConfig(
        source_labels=(ES + "address_target_kind", ES + "address_target_name"),
        regex="Pod;(.*)",
        replacement="${1}",
        target_label="pod",
    ),
    RelabelConfig(source_labels=("__meta_kubernetes_namespace",), target_label="namespace"),
    RelabelConfig(source_labels=("__meta_kubernetes_service_name",), target_label="service"),
    RelabelConfig(source_labels=("__meta_kubernetes_pod_name",), target_label="pod"),
    RelabelConfig(source_labels=("__meta_kubernetes_pod_container_name",), target_label="container"),
    RelabelConfig(action="drop", source_labels=("__meta_kubernetes_pod_phase",), regex="(Failed|Succeeded)"),
    RelabelConfig(source_labels=("__meta_kubernetes_service_name",), target_label="job", replacement="${1}"),
    RelabelConfig(target_label="endpoint", replacement="prom"),
    RelabelConfig(source_labels=("__address__", "__tmp_hash"), target_label="__tmp_hash", regex="(.+);"),
    RelabelConfig(source_labels=("__tmp_hash",), target_label="__tmp_hash", modulus=1, action="hashmod"),
    RelabelConfig(action="keep", source_labels=("__tmp_hash", "__tmp_disable_sharding"), regex="$(SHARD);|.+;.+"),
)


GROUP_SIZE = 50


def group_labels(g: int, *, half_kept: bool) -> LabelSet:
    """Labels shared by every target of EndpointSlice ``g`` (four slices per service)."""
    s = g // 4
    service = f"svc-{s}"
    app = "other-app" if half_kept and s % 2 else "my-app"
    return label_set(
        {
            "__meta_kubernetes_namespace": f"ns-{s // 10}",
            "__meta_kubernetes_service_name": service,
            "__meta_kubernetes_service_label_app": app,
            "__meta_kubernetes_service_labelpresent_app": "true",
            "__meta_kubernetes_service_label_team": "platform",
            "__meta_kubernetes_service_labelpresent_team": "true",
            "__meta_kubernetes_service_annotation_owner": "sre",
            "__meta_kubernetes_service_annotationpresent_owner": "true",
            ES + "name": f"{service}-{g:05x}",
            ES + "label_kubernetes_io_service_name": service,
            ES + "labelpresent_kubernetes_io_service_name": "true",
            ES + "address_type": "IPv4",
        }
    )


def endpoint_labels(i: int) -> LabelSet:
    """Labels of target ``i`` alone: its endpoint, port and pod."""
    service = f"svc-{i // 200}"
    pod = f"{service}-{i % 200:04d}-7f9c{i % 97:02d}"
    node = f"node-{i % 300}"
    ip = f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}"
    return label_set(
        {
            "__address__": f"{ip}:8080",
            ES + "endpoint_conditions_ready": "true",
            ES + "endpoint_conditions_serving": "true",
            ES + "endpoint_conditions_terminating": "false",
            ES + "endpoint_node_name": node,
            ES + "endpoint_zone": f"zone-{i % 3}",
            ES + "endpoint_hostname": "",
            ES + "address_target_kind": "Pod",
            ES + "address_target_name": pod,
            ES + "port": "8080",
            ES + "port_name": "prom" if i % 10 else "other",
            ES + "port_protocol": "TCP",
            ES + "port_app_protocol": "",
            "__meta_kubernetes_pod_name": pod,
            "__meta_kubernetes_pod_ip": ip,
            "__meta_kubernetes_pod_ready": "true",
            "__meta_kubernetes_pod_phase": "Running",
            "__meta_kubernetes_pod_node_name": node,
            "__meta_kubernetes_pod_host_ip": f"192.168.{i % 300 // 256}.{i % 256}",
            "__meta_kubernetes_pod_uid": f"4c586419-7f6c-448d-aeec-{i:012d}",
            "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
            "__meta_kubernetes_pod_controller_name": f"{service}-7f9c",
            "__meta_kubernetes_pod_label_app": "my-app",
            "__meta_kubernetes_pod_labelpresent_app": "true",
            "__meta_kubernetes_pod_label_pod_template_hash": "7f9c",
            "__meta_kubernetes_pod_labelpresent_pod_template_hash": "true",
            "__meta_kubernetes_pod_container_name": "app",
            "__meta_kubernetes_pod_container_image": "registry/app:1.2.3",
            "__meta_kubernetes_pod_container_init": "false",
            "__meta_kubernetes_pod_container_port_name": "prom",
            "__meta_kubernetes_pod_container_port_number": "8080",
            "__meta_kubernetes_pod_container_port_protocol": "TCP",
        }
    )


def groups_of(count: int, *, half_kept: bool, size: int = GROUP_SIZE) -> list[TargetGroup]:
    return [
        TargetGroup(
            source=f"endpointslice/ns/g{start // size}",
            labels=group_labels(start // size, half_kept=half_kept),
            targets=tuple(endpoint_labels(i) for i in range(start, min(start + size, count))),
        )
        for start in range(0, count, size)
    ]


SETTINGS = JobSettings(
    job="serviceMonitor/default/my-app/0",
    scrape_interval="30s",
    scrape_timeout="10s",
    metrics_path="/metrics",
    scheme="http",
    params=(),
    relabel_configs=RULES,
    filter_relabel=True,
)

ROWS = (
    "engine (LabelBuilder), flat labels",
    "build_targets, groups of 50, all kept",
    "build_targets, groups of 50, half groups kept",
    "build_targets_reference, groups of 50, all kept",
    "build_targets_reference, groups of 50, half groups kept",
    "build_targets, groups of 5, all kept",
)


def run_row(row: int, count: int) -> dict[str, float | int]:
    """Measure one row in this (fresh) process: CPU seconds of the measured loop, kept count, peak RSS."""
    if row == 0:
        groups = groups_of(count, half_kept=False)
        # Engine only: each target's full label set, merged outside the measured loop.
        flat = [label_set((*g.labels, *t)) for g in groups for t in g.targets]
        rules = filter_rules(RULES)
        start = time.process_time()
        kept = sum(apply(LabelBuilder(labels), rules) for labels in flat)
        seconds = time.process_time() - start
    else:
        groups = groups_of(count, half_kept=row in (2, 4), size=5 if row == 5 else GROUP_SIZE)
        build = build_targets if row in (1, 2, 5) else build_targets_reference
        start = time.process_time()
        results = [build(SETTINGS, group) for group in groups]
        seconds = time.process_time() - start
        kept = sum(len(r.targets) for r in results)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": seconds, "kept": kept, "peak_mib": peak_kib / 1024}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--row":
        row, count = int(sys.argv[2]), int(sys.argv[3])
        print(json.dumps(run_row(row, count)))
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print("load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"{count} targets, {len(group_labels(0, half_kept=False)) + len(endpoint_labels(0))} labels each")
    print(f"({len(group_labels(0, half_kept=False))} on the group), {len(RULES)} rules + the TA's 2 sharding rules")
    print(f"{'scenario':<56} {'targets/s (CPU)':>16} {'kept':>8} {'peak RSS MiB':>13}")
    for row, name in enumerate(ROWS):
        # A fresh process per row, so each peak RSS is that row's own.
        out = subprocess.run(
            [sys.executable, __file__, "--row", str(row), str(count)], check=True, capture_output=True, text=True
        ).stdout
        figures = json.loads(out)
        rate = count / figures["seconds"]
        print(f"{name:<56} {rate:>16,.0f} {figures['kept']:>8} {figures['peak_mib']:>13.1f}")
    print("load average (1, 5, 15 min) after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()

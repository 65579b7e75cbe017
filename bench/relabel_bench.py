"""Throughput of the relabel engine and target building on one core.

In: nothing (synthetic, deterministic data). Out: targets/s (per CPU-second of this process, so other load on
the machine matters less) printed for 100 000 endpointslice targets with ~40
``__meta_*`` labels each, through the 15-rule ServiceMonitor rule set prometheus-operator generates (the
``relabel-config`` filter strategy, i.e. with the TA's sharding rules around it).

Run: ``python bench/relabel_bench.py [targets]``.
"""

from __future__ import annotations

import sys
import time

from ta.core.labels import LabelSet, label_set
from ta.core.model import TargetGroup
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import RelabelConfig
from ta.core.relabel.engine import apply
from ta.core.targets import JobSettings, build_targets, filter_rules

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


def target_labels(i: int) -> LabelSet:
    service = f"svc-{i // 200}"
    pod = f"{service}-{i % 200:04d}-7f9c{i % 97:02d}"
    node = f"node-{i % 300}"
    labels = {
        "__address__": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}:8080",
        "__meta_kubernetes_namespace": f"ns-{i // 2000}",
        "__meta_kubernetes_service_name": service,
        "__meta_kubernetes_service_label_app": "my-app",
        "__meta_kubernetes_service_labelpresent_app": "true",
        "__meta_kubernetes_service_label_team": "platform",
        "__meta_kubernetes_service_labelpresent_team": "true",
        "__meta_kubernetes_service_annotation_owner": "sre",
        "__meta_kubernetes_service_annotationpresent_owner": "true",
        ES + "name": f"{service}-abcde",
        ES + "label_kubernetes_io_service_name": service,
        ES + "labelpresent_kubernetes_io_service_name": "true",
        ES + "address_type": "IPv4",
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
        "__meta_kubernetes_pod_ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
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
    return label_set(labels)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    targets = [target_labels(i) for i in range(count)]
    width = sum(len(t) for t in targets) / count
    settings = JobSettings(
        job="serviceMonitor/default/my-app/0",
        scrape_interval="30s",
        scrape_timeout="10s",
        metrics_path="/metrics",
        scheme="http",
        params=(),
        relabel_configs=RULES,
        filter_relabel=True,
    )
    groups = [
        TargetGroup(source=f"endpointslice/g{i}", targets=tuple(targets[i : i + 50])) for i in range(0, count, 50)
    ]

    rules = filter_rules(RULES)
    start = time.process_time()
    kept = sum(apply(LabelBuilder(labels), rules) for labels in targets)
    engine_s = time.process_time() - start

    start = time.process_time()
    results = [build_targets(settings, group) for group in groups]
    build_s = time.process_time() - start
    built = sum(len(r.targets) for r in results)

    print(f"{count} targets, {width:.0f} labels each, {len(RULES)} rules")
    print(f"relabel engine : {count / engine_s:>10,.0f} targets/s ({kept} kept)")
    print(f"build_targets  : {count / build_s:>10,.0f} targets/s ({built} kept, filter_relabel=True)")


if __name__ == "__main__":
    main()

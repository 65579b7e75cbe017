"""Builders for captures used by the end-to-end tests: a kubectl-style List of collector pods and a TA
config with static jobs, written to a temporary directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml


def collector_pod(
    name: str, node: str, *, ready: str = "True", namespace: str = "otel", since: str = "2026-01-01T00:10:00Z"
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/component": "opentelemetry-collector"},
        },
        "spec": {"nodeName": node, "containers": [{"name": "c", "env": [{"name": "TOKEN", "value": "s3cr3t"}]}]},
        "status": {
            "phase": "Running",
            "startTime": "2026-01-01T00:00:00Z",
            "conditions": [{"type": "Ready", "status": ready, "lastTransitionTime": since}],
        },
    }


def config(strategy: str, jobs: int, targets_per_job: int) -> dict[str, Any]:
    scrape_configs = []
    for j in range(jobs):
        scrape_configs.append(
            {
                "job_name": f"job-{j}" if j % 3 else f"serviceMonitor/ns/app-{j}/0",
                "scrape_interval": "30s",
                "static_configs": [
                    {
                        "targets": [f"10.{j}.{t // 250}.{t % 250}:{8000 + t % 7}" for t in range(targets_per_job)],
                        "labels": {"team": f"t{j % 4}", "__meta_kubernetes_pod_node_name": f"node-{j % 3}"},
                    }
                ],
                "relabel_configs": [
                    {"source_labels": ["team"], "regex": "t3", "action": "drop"},
                    {"source_labels": ["__address__"], "target_label": "instance", "regex": "(.*):.*"},
                ],
            }
        )
    return {
        "collector_namespace": "otel",
        "collector_selector": {"matchlabels": {"app.kubernetes.io/component": "opentelemetry-collector"}},
        "allocation_strategy": strategy,
        "allocation_fallback_strategy": "consistent-hashing" if strategy == "per-node" else "",
        "config": {"scrape_configs": scrape_configs},
    }


def write_capture(
    directory: Path, *, strategy: str, collectors: int = 5, jobs: int = 9, targets_per_job: int = 40
) -> tuple[Path, Path]:
    pods = [collector_pod(f"collector-{i}", f"node-{i % 3}") for i in range(collectors)]
    # Not ready for longer than the grace period at capture time (the latest timestamp in the capture).
    pods.append(collector_pod("not-ready", "node-0", ready="False", since="2026-01-01T00:00:05Z"))
    capture = directory / "cluster.json"
    capture.write_bytes(orjson.dumps({"apiVersion": "v1", "kind": "List", "items": pods}))
    cfg = directory / "targetallocator.yaml"
    cfg.write_text(yaml.safe_dump(config(strategy, jobs, targets_per_job)))
    return capture, cfg

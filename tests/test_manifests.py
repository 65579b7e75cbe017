"""The Kubernetes manifests in ``manifests/`` (and the Dockerfile they run) fit together and fit ``ta``.

In: every YAML file in ``manifests/`` (multi-document), the Dockerfile, pyproject's console script. Out:
assertions that kustomize lists every file, the Deployment runs ``ta run`` on the mounted config with the
upstream probes and a locked-down security context, the Service maps 80 to the container port, the
ClusterRole grants exactly the expected read-only permissions, and the ConfigMap's config loads with our own
loader.
"""

from __future__ import annotations

import argparse
import posixpath
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ta.core.config.load import load_config
from ta.core.config.selector import LabelSelector
from ta.core.promcfg.scrape import parse_prometheus_config

ROOT = Path(__file__).resolve().parents[1]
MANIFESTS = ROOT / "manifests"
NAMESPACE = "opentelemetry"
SERVICE_NAME = "otelcol-targetallocator"  # <collector name>-targetallocator, as the operator names it
COMPONENT = "opentelemetry-targetallocator"
# The pod labels the operator puts on the collector `otelcol` in `opentelemetry`.
COLLECTOR_LABELS = {
    "app.kubernetes.io/component": "opentelemetry-collector",
    "app.kubernetes.io/instance": "opentelemetry.otelcol",
    "app.kubernetes.io/managed-by": "opentelemetry-operator",
    "app.kubernetes.io/part-of": "opentelemetry",
}
READ = frozenset({"get", "list", "watch"})
# (api group, resource) -> verbs: exactly what the TA needs (see the comments in clusterrole.yaml).
EXPECTED_RULES: dict[tuple[str, str], frozenset[str]] = {
    ("", "pods"): READ,
    ("", "services"): READ,
    ("", "endpoints"): READ,
    ("", "nodes"): READ,
    ("", "namespaces"): READ,
    ("discovery.k8s.io", "endpointslices"): READ,
    ("networking.k8s.io", "ingresses"): READ,
    ("", "configmaps"): frozenset({"get"}),
    ("", "secrets"): READ,
    ("monitoring.coreos.com", "servicemonitors"): READ,
    ("monitoring.coreos.com", "podmonitors"): READ,
    ("monitoring.coreos.com", "probes"): READ,
    ("monitoring.coreos.com", "scrapeconfigs"): READ,
}
EXPECTED_NON_RESOURCE: dict[str, frozenset[str]] = {"/metrics": frozenset({"get"})}


def _documents(path: Path) -> Iterator[dict[str, Any]]:
    for doc in yaml.safe_load_all(path.read_text()):
        if doc is not None:
            assert isinstance(doc, dict), f"{path.name}: a document is not a mapping"
            yield doc


def _yaml_files() -> list[Path]:
    return sorted(MANIFESTS.glob("*.yaml")) + sorted(MANIFESTS.glob("*.yml"))


@pytest.fixture(scope="module")
def objects() -> dict[str, dict[str, Any]]:
    """Every Kubernetes object in manifests/ (not the kustomization), keyed by kind; one per kind here."""
    found: dict[str, dict[str, Any]] = {}
    for path in _yaml_files():
        if path.name == "kustomization.yaml":
            continue
        for doc in _documents(path):
            assert {"apiVersion", "kind", "metadata"} <= doc.keys(), f"{path.name}: not a Kubernetes object"
            assert doc["kind"] not in found, f"two {doc['kind']} objects"
            found[doc["kind"]] = doc
    return found


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    docs = list(_documents(MANIFESTS / "kustomization.yaml"))
    assert len(docs) == 1
    return docs[0]


@pytest.fixture(scope="module")
def pod_spec(objects: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = objects["Deployment"]["spec"]["template"]["spec"]
    return spec


@pytest.fixture(scope="module")
def container(pod_spec: dict[str, Any]) -> dict[str, Any]:
    containers = pod_spec["containers"]
    assert len(containers) == 1
    first: dict[str, Any] = containers[0]
    return first


def _config_path(container: dict[str, Any]) -> str:
    argv = [*container.get("command", []), *container.get("args", [])]
    for i, arg in enumerate(argv):
        if arg.startswith("--config-file="):
            return str(arg.split("=", 1)[1])
        if arg == "--config-file":
            return str(argv[i + 1])
    raise AssertionError("the container does not pass --config-file")


def _config_text(objects: dict[str, dict[str, Any]]) -> str:
    text: str = objects["ConfigMap"]["data"]["targetallocator.yaml"]
    return text


def test_every_manifest_parses_and_the_expected_kinds_exist(objects: dict[str, dict[str, Any]]) -> None:
    assert set(objects) == {
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
    }


def test_kustomization_lists_every_file(kustomization: dict[str, Any]) -> None:
    on_disk = {p.name for p in _yaml_files()} - {"kustomization.yaml"}
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed)), "a resource is listed twice"
    assert set(listed) == on_disk


def test_kustomization_namespace_and_labels(kustomization: dict[str, Any], objects: dict[str, Any]) -> None:
    assert kustomization["namespace"] == NAMESPACE
    labels: dict[str, str] = {}
    for entry in kustomization.get("labels", []):
        assert entry.get("includeSelectors") is True, "labels must reach the selectors, as commonLabels did"
        labels.update(entry["pairs"])
    labels.update(kustomization.get("commonLabels", {}))
    # The troubleshooting guide finds the Service with `kubectl get svc -l app.kubernetes.io/component=...`.
    assert labels == {"app.kubernetes.io/name": "ta", "app.kubernetes.io/component": COMPONENT}
    # The files carry the same labels, so `kubectl apply -f` of a single file matches what -k produces.
    for kind, obj in objects.items():
        assert labels.items() <= obj["metadata"].get("labels", {}).items(), kind


def test_namespaced_objects_are_in_the_collector_namespace(objects: dict[str, dict[str, Any]]) -> None:
    for kind, obj in objects.items():
        if kind in {"ClusterRole", "ClusterRoleBinding"}:
            assert "namespace" not in obj["metadata"], kind
        else:
            assert obj["metadata"]["namespace"] == NAMESPACE, kind


def test_deployment_runs_ta_run_on_the_mounted_config(
    objects: dict[str, dict[str, Any]], pod_spec: dict[str, Any], container: dict[str, Any]
) -> None:
    assert objects["Deployment"]["spec"]["replicas"] == 1
    assert container["command"] == ["ta"]
    assert container["args"][0] == "run"
    config_path = _config_path(container)
    assert config_path == "/conf/targetallocator.yaml"  # upstream's default path
    mount_dir, key = posixpath.split(config_path)
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts[mount_dir].get("readOnly") is True
    volumes = {v["name"]: v for v in pod_spec["volumes"]}
    source = volumes[mounts[mount_dir]["name"]]["configMap"]
    assert source["name"] == objects["ConfigMap"]["metadata"]["name"]
    data = objects["ConfigMap"]["data"]
    paths = {item["key"]: item["path"] for item in source.get("items", [])} or {k: k for k in data}
    assert paths.get(key) == key
    assert key in data


def test_deployment_env_port_and_probes(container: dict[str, Any]) -> None:
    env = {e["name"]: e for e in container["env"]}
    assert env["OTELCOL_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    ports = {p["name"]: p for p in container["ports"]}
    assert ports["http"]["containerPort"] == 8080
    for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
        get = container[probe]["httpGet"]
        assert get == {"path": path, "port": "http"}, probe
        timings = container[probe]
        assert 0 < timings["timeoutSeconds"] < timings["periodSeconds"], probe
        assert timings["failureThreshold"] >= 3, probe
    # Liveness must be more patient than readiness: a slow recomputation is not a reason to restart.
    live, ready = container["livenessProbe"], container["readinessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] > ready["periodSeconds"] * ready["failureThreshold"]


def test_deployment_resources(container: dict[str, Any]) -> None:
    resources = container["resources"]
    assert resources["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert resources["limits"] == {"memory": "1536Mi"}  # no CPU limit: throttling only stretches the bursts


def test_security_context_is_non_root_and_read_only(pod_spec: dict[str, Any], container: dict[str, Any]) -> None:
    effective = {**pod_spec.get("securityContext", {}), **container["securityContext"]}
    assert effective["runAsNonRoot"] is True
    assert effective["runAsUser"] == 10001
    assert effective["seccompProfile"] == {"type": "RuntimeDefault"}
    own = container["securityContext"]
    assert own["readOnlyRootFilesystem"] is True
    assert own["allowPrivilegeEscalation"] is False
    assert own["capabilities"] == {"drop": ["ALL"]}
    assert own.get("privileged", False) is False
    # With a read-only root, /tmp must be a writable emptyDir (tempfile, and --journal=/tmp/...).
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


def test_service_maps_80_to_the_container_port(
    objects: dict[str, dict[str, Any]], pod_spec: dict[str, Any], container: dict[str, Any]
) -> None:
    service = objects["Service"]
    assert service["metadata"]["name"] == SERVICE_NAME
    (port,) = service["spec"]["ports"]
    assert (port["name"], port["port"], port["targetPort"]) == ("http", 80, "http")
    assert port["targetPort"] in {p["name"] for p in container["ports"]}
    template_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= template_labels.items()
    # The TA's own pod must never count as a collector.
    assert not COLLECTOR_LABELS.items() <= template_labels.items()
    assert pod_spec["serviceAccountName"] == objects["ServiceAccount"]["metadata"]["name"]


def test_deployment_and_pdb_select_the_template(objects: dict[str, dict[str, Any]]) -> None:
    template_labels = objects["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert objects["Deployment"]["spec"]["selector"]["matchLabels"].items() <= template_labels.items()
    pdb = objects["PodDisruptionBudget"]
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["maxUnavailable"] == 1  # what the operator creates for consistent-hashing
    assert pdb["spec"]["selector"]["matchLabels"].items() <= template_labels.items()


def test_cluster_role_has_exactly_the_expected_rules(objects: dict[str, dict[str, Any]]) -> None:
    granted: dict[tuple[str, str], set[str]] = {}
    non_resource: dict[str, set[str]] = {}
    for rule in objects["ClusterRole"]["rules"]:
        verbs = rule["verbs"]
        assert "*" not in verbs, rule
        assert len(verbs) == len(set(verbs)), rule
        if "nonResourceURLs" in rule:
            assert "resources" not in rule and "apiGroups" not in rule, rule
            for url in rule["nonResourceURLs"]:
                assert "*" not in url, rule
                non_resource.setdefault(url, set()).update(verbs)
            continue
        assert not rule.get("resourceNames"), rule
        for group in rule["apiGroups"]:
            assert group != "*", rule
            for resource in rule["resources"]:
                assert "*" not in resource, rule
                granted.setdefault((group, resource), set()).update(verbs)
    assert {key: frozenset(verbs) for key, verbs in granted.items()} == EXPECTED_RULES
    assert {key: frozenset(verbs) for key, verbs in non_resource.items()} == EXPECTED_NON_RESOURCE


def test_cluster_role_binding_ties_the_role_to_the_service_account(objects: dict[str, dict[str, Any]]) -> None:
    binding = objects["ClusterRoleBinding"]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": objects["ClusterRole"]["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": objects["ServiceAccount"]["metadata"]["name"], "namespace": NAMESPACE}
    ]


def test_configmap_config_loads_with_our_loader(objects: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    config_file = tmp_path / "targetallocator.yaml"
    config_file.write_text(_config_text(objects))
    loaded = load_config(
        argparse.Namespace(config_file=str(config_file)),
        {"OTELCOL_NAMESPACE": NAMESPACE},
        lambda p: Path(p).read_text(),
        lambda p: Path(p).exists(),
    )
    config = loaded.config
    assert loaded.ignored_keys == ()  # every key is one the TA understands
    assert config.collector_namespace == NAMESPACE
    assert config.collector_selector == LabelSelector(match_labels=tuple(sorted(COLLECTOR_LABELS.items())))
    assert config.allocation_strategy == "consistent-hashing"
    assert config.filter_strategy == "relabel-config"
    cr = config.prometheus_cr
    assert cr.enabled
    selectors = (cr.service_monitor_selector, cr.pod_monitor_selector, cr.probe_selector, cr.scrape_config_selector)
    for selector in selectors:
        assert selector is not None and selector.is_empty  # `{}`: select every CR of that kind
    parsed = parse_prometheus_config(config.prometheus_config_dict() or {})
    assert parsed.errors == ()
    assert [job.job_name for job in parsed.jobs] == ["otel-collector"]


def test_configmap_namespace_matches_the_deployment(objects: dict[str, dict[str, Any]]) -> None:
    data = yaml.safe_load(_config_text(objects))
    assert data["collector_namespace"] == NAMESPACE == objects["Deployment"]["metadata"]["namespace"]


def test_dockerfile_matches_the_deployment(container: dict[str, Any], pod_spec: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    lines = [line.strip() for line in dockerfile.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert "python:3.11-slim" in dockerfile
    assert sum(line.startswith("FROM ") for line in lines) == 2  # build stage + runtime stage
    assert 'ENTRYPOINT ["ta"]' in lines
    assert 'CMD ["run"]' in lines
    user = next(line.split()[1] for line in reversed(lines) if line.startswith("USER "))
    assert user.split(":")[0] == str(pod_spec["securityContext"]["runAsUser"]) == "10001"
    assert "pip wheel" in dockerfile
    assert ".[test]" not in dockerfile  # no dev dependencies in the image
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[container["command"][0]] == "ta.cli:main"
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", "tests"} <= ignored
    assert not {"ta", "pyproject.toml", "README.md"} & ignored  # the wheel is built from these

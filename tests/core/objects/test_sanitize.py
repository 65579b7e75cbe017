"""Tests for ta.core.objects.sanitize: secrets and unread bulk never survive, everything the TA reads does."""

from __future__ import annotations

import base64
import copy
import hashlib
from typing import Any

import orjson

from ta.core.objects.sanitize import LAST_APPLIED, configmap_values, secret_values
from ta.core.objects.sanitize import sanitize as sanitize_with
from ta.core.objects.secrets import PREFIX, Digester

DIGEST = Digester(b"k" * 32)


def digest(value: bytes) -> str:
    return DIGEST(value)


def sanitize(resource: str, obj: dict[str, Any]) -> dict[str, Any]:
    return sanitize_with(resource, obj, DIGEST)

SECRET_WORDS = ("hunter2", "s3cr3t-arg", "/bin/leak", "vol-secret", "mount-secret", "from-secret")


def _container(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": f"example/{name}:1",
        "ports": [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
        "env": [{"name": "PASSWORD", "value": "hunter2"}],
        "envFrom": [{"secretRef": {"name": "from-secret"}}],
        "args": ["--token=s3cr3t-arg"],
        "command": ["/bin/leak"],
        "volumeMounts": [{"name": "mount-secret", "mountPath": "/x"}],
    }


def _pod_spec() -> dict[str, Any]:
    return {
        "nodeName": "node-1",
        "containers": [_container("app")],
        "initContainers": [_container("init")],
        "ephemeralContainers": [_container("debug")],
        "volumes": [{"name": "vol-secret", "secret": {"secretName": "vol-secret"}}],
    }


def _pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "namespace": "ns",
            "labels": {"app": "a"},
            "annotations": {"prometheus.io/port": "9090", LAST_APPLIED: '{"env":"hunter2"}'},
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
        },
        "spec": _pod_spec(),
        "status": {"phase": "Running", "podIP": "10.0.0.1"},
    }


def _assert_no_secret(obj: object) -> None:
    text = orjson.dumps(obj).decode()
    for word in SECRET_WORDS:
        assert word not in text, word


def test_pod_loses_container_secrets_volumes_and_managed_fields() -> None:
    pod = _pod()
    out = sanitize("v1/pods", pod)
    _assert_no_secret(out)
    assert "managedFields" not in out["metadata"]
    assert "volumes" not in out["spec"]
    for field in ("containers", "initContainers", "ephemeralContainers"):
        (container,) = out["spec"][field]
        assert set(container) == {"name", "image", "ports"}
    # What the TA reads is untouched.
    assert out["spec"]["nodeName"] == "node-1"
    assert out["spec"]["containers"][0]["ports"] == [{"name": "metrics", "containerPort": 9090, "protocol": "TCP"}]
    assert out["metadata"]["labels"] == {"app": "a"}
    assert out["metadata"]["annotations"]["prometheus.io/port"] == "9090"
    assert out["metadata"]["annotations"][LAST_APPLIED] == digest(b'{"env":"hunter2"}')
    assert out["status"] == {"phase": "Running", "podIP": "10.0.0.1"}


def test_input_is_not_mutated() -> None:
    pod = _pod()
    before = copy.deepcopy(pod)
    sanitize("v1/pods", pod)
    assert pod == before


def test_pod_templates_and_workloads_are_sanitised() -> None:
    template = {"metadata": {"labels": {"a": "b"}}, "spec": _pod_spec()}
    podtemplate = sanitize("v1/podtemplates", {"kind": "PodTemplate", "metadata": {"name": "t"}, "template": template})
    deployment = sanitize(
        "apps/v1/deployments", {"metadata": {"name": "d"}, "spec": {"replicas": 2, "template": template}}
    )
    cronjob = sanitize(
        "batch/v1/cronjobs",
        {"metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": template}}}},
    )
    for out in (podtemplate, deployment, cronjob):
        _assert_no_secret(out)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["template"]["metadata"] == {"labels": {"a": "b"}}


def test_crd_spec_template_is_left_alone() -> None:
    # A custom resource's spec.template is not a pod template: sanitising it would change what the TA reads.
    obj = {"metadata": {"name": "x"}, "spec": {"template": {"spec": {"volumes": ["kept"]}}}}
    assert sanitize("example.com/v1/widgets", obj) == obj


def test_managed_fields_removed_from_any_resource() -> None:
    obj = {"metadata": {"name": "svc", "managedFields": [{"manager": "m"}], "annotations": {LAST_APPLIED: "{}"}}}
    out = sanitize("v1/services", obj)
    assert out == {"metadata": {"name": "svc", "annotations": {LAST_APPLIED: "{}"}}}


def test_secret_values_are_digested_per_key() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "ns", "annotations": {LAST_APPLIED: '{"data":{"pw":"aHVudGVyMg=="}}'}},
        "type": "Opaque",
        "data": {"pw": base64.b64encode(b"hunter2").decode(), "tls.key": base64.b64encode(b"KEY").decode()},
        "stringData": {"user": "admin"},
    }
    out = sanitize("v1/secrets", secret)
    assert out["data"] == {"pw": digest(b"hunter2"), "tls.key": digest(b"KEY")}
    # Keyed: not the plain SHA-256 anyone could compute from a guess.
    assert out["data"]["pw"].startswith(PREFIX)
    assert hashlib.sha256(b"hunter2").hexdigest() not in out["data"]["pw"]
    assert out["stringData"] == {"user": digest(b"admin")}
    assert "aHVudGVyMg" not in orjson.dumps(out).decode()
    assert out["type"] == "Opaque"


def test_secret_digest_changes_with_value_and_matches_across_data_and_string_data() -> None:
    a = sanitize("v1/secrets", {"data": {"k": base64.b64encode(b"one").decode()}})
    b = sanitize("v1/secrets", {"data": {"k": base64.b64encode(b"two").decode()}})
    c = sanitize("v1/secrets", {"stringData": {"k": "one"}})
    assert a["data"]["k"] != b["data"]["k"]
    assert a["data"]["k"] == c["stringData"]["k"]


def test_invalid_base64_is_still_hidden() -> None:
    out = sanitize("v1/secrets", {"data": {"k": "not base64!"}})
    assert out["data"] == {"k": digest(b"not base64!")}


def test_secret_values_keeps_real_bytes_string_data_wins() -> None:
    secret = {
        "data": {"pw": base64.b64encode(b"\x00binary").decode(), "user": base64.b64encode(b"old").decode()},
        "stringData": {"user": "new"},
    }
    assert secret_values(secret) == {"pw": b"\x00binary", "user": b"new"}
    assert secret_values({"metadata": {"name": "empty"}}) == {}


def test_non_dict_shapes_do_not_crash() -> None:
    # Objects from hand-written files can be malformed; sanitising must not be where that fails.
    odd = {"metadata": "x", "spec": {"containers": ["x", None], "initContainers": "nope"}}
    assert sanitize("v1/pods", odd) == odd


def test_configmap_values_are_digested_like_secret_values() -> None:
    db_url = "postgres://app:pw@db/app"
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "ns", "annotations": {LAST_APPLIED: f'{{"db_url":"{db_url}"}}'}},
        "data": {"db_url": db_url, "ca.crt": "PEM", "empty": ""},
        "binaryData": {"blob": base64.b64encode(b"\x00raw").decode()},
    }
    out = sanitize("v1/configmaps", cm)
    assert out["data"] == {"db_url": digest(db_url.encode()), "ca.crt": digest(b"PEM"), "empty": ""}
    assert out["binaryData"] == {"blob": digest(b"\x00raw")}
    assert out["metadata"]["annotations"][LAST_APPLIED] == digest(cm["metadata"]["annotations"][LAST_APPLIED].encode())
    text = orjson.dumps(out).decode()
    assert "postgres" not in text and "pw@db" not in text and "AHJhdw" not in text
    # The live process keeps the values, in memory only.
    assert configmap_values(cm) == {"db_url": db_url, "ca.crt": "PEM", "empty": ""}
    assert configmap_values({"metadata": {"name": "none"}}) == {}


def test_empty_values_stay_empty() -> None:
    out = sanitize("v1/secrets", {"data": {"k": ""}, "stringData": {"s": ""}})
    assert out["data"] == {"k": ""} and out["stringData"] == {"s": ""}


def test_digests_depend_on_the_key() -> None:
    other = Digester(b"o" * 32)
    secret = {"data": {"pw": base64.b64encode(b"hunter2").decode()}}
    assert sanitize("v1/secrets", secret)["data"]["pw"] != sanitize_with("v1/secrets", secret, other)["data"]["pw"]

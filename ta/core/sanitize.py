"""Strip what the TA never reads and must never leak from a Kubernetes object, before it is journaled.

In: a resource name (``v1/pods``, ``v1/secrets``, ``apps/v1/deployments`` ...) and the object as the API
server served it (a decoded JSON dict). Out: a new dict (the input is never mutated) without:

- ``metadata.managedFields`` (every resource: large, and the TA never reads it);
- in pod specs (pods, pod templates, and the ``apps/`` and ``batch/`` workloads that nest one):
  ``spec.volumes`` and, for every container, init container and ephemeral container, ``env``, ``envFrom``,
  ``args``, ``command`` and ``volumeMounts``;
- in Secrets: each ``data`` / ``stringData`` value replaced by ``sha256:<hex>`` of the decoded bytes, so a
  change of value still changes the journaled object, and the same content gives the same digest whether it
  came in ``data`` (base64) or ``stringData`` (plain text).

For pods and Secrets the ``kubectl.kubernetes.io/last-applied-configuration`` annotation is replaced by its
digest too: it is a verbatim copy of what was applied, env values and Secret data included.

``secret_values`` gives a live process the real Secret bytes to keep in memory only; they never reach a
journal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from typing import Any

SECRETS = "v1/secrets"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# Only built-in workload groups: a CRD's ``spec.template`` need not be a pod template.
_WORKLOAD_GROUPS = ("apps/", "batch/")
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_CONTAINER_SECRETS = ("env", "envFrom", "args", "command", "volumeMounts")


def digest(value: bytes) -> str:
    """A stable, unsalted digest: replays and other processes must see the same string for the same value."""
    return "sha256:" + hashlib.sha256(value).hexdigest()


def _decode_data_value(value: object) -> bytes:
    if not isinstance(value, str):
        return str(value).encode()
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        # Not valid base64 (hand-written file): still hide it, digesting the text as given.
        return value.encode()


def secret_values(obj: Mapping[str, Any]) -> dict[str, bytes]:
    """Real values of a Secret, by key; ``stringData`` wins over ``data`` as it does in the API server."""
    out: dict[str, bytes] = {}
    data = obj.get("data")
    if isinstance(data, Mapping):
        for key, value in data.items():
            out[str(key)] = _decode_data_value(value)
    string_data = obj.get("stringData")
    if isinstance(string_data, Mapping):
        for key, value in string_data.items():
            out[str(key)] = str(value).encode()
    return out


def _sanitize_metadata(obj: dict[str, Any], *, digest_last_applied: bool) -> None:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return
    annotations = meta.get("annotations")
    has_last_applied = digest_last_applied and isinstance(annotations, dict) and LAST_APPLIED in annotations
    if "managedFields" not in meta and not has_last_applied:
        return
    meta = dict(meta)
    meta.pop("managedFields", None)
    if has_last_applied and isinstance(annotations, dict):
        annotations = dict(annotations)
        annotations[LAST_APPLIED] = digest(str(annotations[LAST_APPLIED]).encode())
        meta["annotations"] = annotations
    obj["metadata"] = meta


def _sanitize_container(container: object) -> object:
    if not isinstance(container, dict) or not any(k in container for k in _CONTAINER_SECRETS):
        return container
    return {k: v for k, v in container.items() if k not in _CONTAINER_SECRETS}


def _sanitize_pod_spec(spec: object) -> object:
    if not isinstance(spec, dict):
        return spec
    out = {k: v for k, v in spec.items() if k != "volumes"}
    for field in _CONTAINER_LISTS:
        containers = out.get(field)
        if isinstance(containers, list):
            out[field] = [_sanitize_container(c) for c in containers]
    return out


def _sanitize_template(template: object) -> object:
    """A pod template (``{metadata, spec}``): only its spec carries container secrets."""
    if not isinstance(template, dict) or "spec" not in template:
        return template
    out = dict(template)
    out["spec"] = _sanitize_pod_spec(template["spec"])
    return out


def _sanitize_workload_spec(spec: object) -> object:
    """Workload specs nest a pod template: ``spec.template`` (Deployment ...) or ``spec.jobTemplate`` (CronJob)."""
    if not isinstance(spec, dict):
        return spec
    out = spec
    if isinstance(spec.get("template"), dict):
        out = dict(out)
        out["template"] = _sanitize_template(spec["template"])
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict) and isinstance(job_template.get("spec"), dict):
        out = dict(out)
        out["jobTemplate"] = {**job_template, "spec": _sanitize_workload_spec(job_template["spec"])}
    return out


def _sanitize_secret(obj: dict[str, Any]) -> None:
    data = obj.get("data")
    if isinstance(data, Mapping):
        obj["data"] = {str(k): digest(_decode_data_value(v)) for k, v in data.items()}
    string_data = obj.get("stringData")
    if isinstance(string_data, Mapping):
        obj["stringData"] = {str(k): digest(str(v).encode()) for k, v in string_data.items()}


def _is_pod_like(resource: str) -> bool:
    return resource.endswith(("/pods", "/podtemplates"))


def sanitize(resource: str, obj: Mapping[str, Any]) -> dict[str, Any]:
    """Return a sanitised copy of ``obj``; only the parts that change are copied (objects can be large)."""
    out = dict(obj)
    is_secret = resource == SECRETS
    _sanitize_metadata(out, digest_last_applied=is_secret or _is_pod_like(resource))
    if is_secret:
        _sanitize_secret(out)
    elif resource.endswith("/pods"):
        if "spec" in out:
            out["spec"] = _sanitize_pod_spec(out["spec"])
    elif resource.endswith("/podtemplates"):
        if "template" in out:
            out["template"] = _sanitize_template(out["template"])
    elif resource.startswith(_WORKLOAD_GROUPS) and "spec" in out:
        out["spec"] = _sanitize_workload_spec(out["spec"])
    return out

"""Strip what the TA never reads and must never leak from a Kubernetes object, before it is journaled.

In: a resource name (``v1/pods``, ``v1/secrets``, ``apps/v1/deployments`` ...), the object as the API server
served it (a decoded JSON dict), and the process's ``Digester`` (``ta.core.objects.secrets``: a keyed digest, so
nobody can test guesses against what is journaled). Out: a new dict (the input is never mutated) without:

- ``metadata.managedFields`` (every resource: large, and the TA never reads it);
- in pod specs (pods, pod templates, and the ``apps/`` and ``batch/`` workloads that nest one):
  ``spec.volumes`` and, for every container, init container and ephemeral container, ``env``, ``envFrom``,
  ``args``, ``command`` and ``volumeMounts``;
- in Secrets: each ``data`` / ``stringData`` value replaced by the keyed digest of the decoded bytes, so a
  change of value still changes the journaled object, and the same content gives the same digest whether it
  came in ``data`` (base64) or ``stringData`` (plain text);
- in ConfigMaps, likewise: each ``data`` value and each decoded ``binaryData`` value. Monitors read
  ConfigMaps as they read Secrets (a CA, an OAuth2 client id), and people keep credentials in them.

An empty value stays ``""``: emptiness is no secret, and a replay must still see it as empty.

For pods, Secrets and ConfigMaps the ``kubectl.kubernetes.io/last-applied-configuration`` annotation is
replaced by its digest too: it is a verbatim copy of what was applied, env values and data included.

``secret_values`` and ``configmap_values`` give a live process the real values to keep in memory only; they
never reach a journal.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ta.core.objects.resources import CONFIGMAPS, SECRETS
from ta.core.objects.secrets import Digester

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# Only built-in workload groups: a CRD's ``spec.template`` need not be a pod template.
_WORKLOAD_GROUPS = ("apps/", "batch/")
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_CONTAINER_SECRETS = ("env", "envFrom", "args", "command", "volumeMounts")


def _text(value: object) -> bytes:
    # surrogatepass: a hand-written YAML file can hold a lone surrogate; hiding it must not be where that fails.
    return str(value).encode("utf-8", "surrogatepass")


def _decode_data_value(value: object) -> bytes:
    if not isinstance(value, str):
        return _text(value)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        # Not valid base64 (hand-written file): still hide it, digesting the text as given.
        return _text(value)


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
            out[str(key)] = _text(value)
    return out


def configmap_values(obj: Mapping[str, Any]) -> dict[str, str]:
    """Real ``data`` values of a ConfigMap, by key (what monitors read; ``binaryData`` is not read)."""
    data = obj.get("data")
    if not isinstance(data, Mapping):
        return {}
    return {str(key): str(value) for key, value in data.items()}


def _hide(value: bytes, digest: Digester) -> str:
    return digest(value) if value else ""


def _sanitize_metadata(obj: dict[str, Any], digest: Digester | None) -> None:
    """Drop managedFields; with ``digest``, also replace the last-applied annotation by its digest."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return
    annotations = meta.get("annotations")
    has_last_applied = digest is not None and isinstance(annotations, dict) and LAST_APPLIED in annotations
    if "managedFields" not in meta and not has_last_applied:
        return
    meta = dict(meta)
    meta.pop("managedFields", None)
    if has_last_applied and isinstance(annotations, dict) and digest is not None:
        annotations = dict(annotations)
        annotations[LAST_APPLIED] = digest(_text(annotations[LAST_APPLIED]))
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


def _sanitize_secret(obj: dict[str, Any], digest: Digester) -> None:
    data = obj.get("data")
    if isinstance(data, Mapping):
        obj["data"] = {str(k): _hide(_decode_data_value(v), digest) for k, v in data.items()}
    string_data = obj.get("stringData")
    if isinstance(string_data, Mapping):
        obj["stringData"] = {str(k): _hide(_text(v), digest) for k, v in string_data.items()}


def _sanitize_configmap(obj: dict[str, Any], digest: Digester) -> None:
    data = obj.get("data")
    if isinstance(data, Mapping):
        obj["data"] = {str(k): _hide(_text(v), digest) for k, v in data.items()}
    binary = obj.get("binaryData")
    if isinstance(binary, Mapping):
        obj["binaryData"] = {str(k): _hide(_decode_data_value(v), digest) for k, v in binary.items()}


def _is_pod_like(resource: str) -> bool:
    return resource.endswith(("/pods", "/podtemplates"))


def sanitize(resource: str, obj: Mapping[str, Any], digest: Digester) -> dict[str, Any]:
    """Return a sanitised copy of ``obj``; only the parts that change are copied (objects can be large)."""
    out = dict(obj)
    holds_values = resource in (SECRETS, CONFIGMAPS)
    _sanitize_metadata(out, digest if holds_values or _is_pod_like(resource) else None)
    if resource == SECRETS:
        _sanitize_secret(out, digest)
    elif resource == CONFIGMAPS:
        _sanitize_configmap(out, digest)
    elif resource.endswith("/pods"):
        if "spec" in out:
            out["spec"] = _sanitize_pod_spec(out["spec"])
    elif resource.endswith("/podtemplates"):
        if "template" in out:
            out["template"] = _sanitize_template(out["template"])
    elif resource.startswith(_WORKLOAD_GROUPS) and "spec" in out:
        out["spec"] = _sanitize_workload_spec(out["spec"])
    return out

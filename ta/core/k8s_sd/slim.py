"""What kubernetes_sd keeps of a Pod: only the fields its roles, selectors and indexes read.

In: a (sanitised) Pod object as served. Out: a copy holding just metadata name/namespace/uid/labels/annotations/
ownerReferences (kind, name, controller)/deletionTimestamp; spec nodeName, the fields the API server accepts in
pod field selectors, and each (init) container's name, image and ports; status phase, IPs, nominatedNodeName,
conditions (type, status) and container statuses (name, containerID). Other resources pass unchanged.

Why: a cluster has 100 000 pods and the SD store keeps each as JSON; a served pod is ~2 KB, this is under half.
Field selectors on other pod fields are refused by the API server (and so by Prometheus), so none is lost. An
odd value (a string where a list belongs) is kept as it is: readers treat odd input the same either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ta.core.k8s_sd.resources import PODS

_METADATA = ("name", "namespace", "uid", "labels", "annotations", "deletionTimestamp")
_OWNER = ("kind", "name", "controller")
# spec.nodeName and what pod field selectors may name (spec.restartPolicy, ... spec.hostNetwork).
_SPEC = ("nodeName", "restartPolicy", "schedulerName", "serviceAccountName", "hostNetwork")
_CONTAINER = ("name", "image", "ports")
_STATUS = ("phase", "podIP", "podIPs", "hostIP", "nominatedNodeName")
_CONDITION = ("type", "status")
_CONTAINER_STATUS = ("name", "containerID")


def _pick(value: object, keys: Iterable[str]) -> object:
    if not isinstance(value, Mapping):
        return value
    return {key: value[key] for key in keys if key in value}


def _each(value: object, keys: Iterable[str]) -> object:
    if not isinstance(value, list):
        return value
    return [_pick(item, keys) for item in value]


def _slim_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    metadata = pod.get("metadata")
    if "metadata" in pod:
        out["metadata"] = _pick(metadata, _METADATA)
        if isinstance(metadata, Mapping) and "ownerReferences" in metadata:
            out["metadata"]["ownerReferences"] = _each(metadata["ownerReferences"], _OWNER)
    spec = pod.get("spec")
    if "spec" in pod:
        out["spec"] = _pick(spec, _SPEC)
        if isinstance(spec, Mapping):
            for field in ("containers", "initContainers"):
                if field in spec:
                    out["spec"][field] = _each(spec[field], _CONTAINER)
    status = pod.get("status")
    if "status" in pod:
        out["status"] = _pick(status, _STATUS)
        if isinstance(status, Mapping):
            if "conditions" in status:
                out["status"]["conditions"] = _each(status["conditions"], _CONDITION)
            for field in ("containerStatuses", "initContainerStatuses"):
                if field in status:
                    out["status"][field] = _each(status[field], _CONTAINER_STATUS)
    return out


def slim(resource: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """``obj`` cut down to what kubernetes_sd reads (pods only; other resources as they are)."""
    return _slim_pod(obj) if resource == PODS else obj

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
    if type(value) is not dict and not isinstance(value, Mapping):  # decoded JSON skips the slow ABC check
        return value
    return {key: value[key] for key in keys if key in value}


def _each(value: object, keys: Iterable[str]) -> object:
    if type(value) is not list:
        return value
    return [_pick(item, keys) for item in value]


def _with(value: object, keys: Iterable[str], lists: Iterable[tuple[str, Iterable[str]]]) -> object:
    """``_pick(value, keys)``, then each list field of ``lists`` with its items picked."""
    out = _pick(value, keys)
    if out is not value:  # a mapping, picked into a new dict
        assert isinstance(out, dict) and isinstance(value, Mapping)
        for field, item_keys in lists:
            if field in value:
                out[field] = _each(value[field], item_keys)
    return out


_METADATA_LISTS = (("ownerReferences", _OWNER),)
_SPEC_LISTS = (("containers", _CONTAINER), ("initContainers", _CONTAINER))
_STATUS_LISTS = (
    ("conditions", _CONDITION),
    ("containerStatuses", _CONTAINER_STATUS),
    ("initContainerStatuses", _CONTAINER_STATUS),
)


def _slim_pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "metadata" in pod:
        out["metadata"] = _with(pod["metadata"], _METADATA, _METADATA_LISTS)
    if "spec" in pod:
        out["spec"] = _with(pod["spec"], _SPEC, _SPEC_LISTS)
    if "status" in pod:
        out["status"] = _with(pod["status"], _STATUS, _STATUS_LISTS)
    return out


def slim(resource: str, obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """``obj`` cut down to what kubernetes_sd reads (pods only; other resources as they are)."""
    return _slim_pod(obj) if resource == PODS else obj

"""Building the messages actors receive, as the router hands them over (journal envelopes, decoded configs)."""

from typing import Any

import orjson

from ta.actors.settings import Configured, decode_config
from ta.events.base import Envelope
from ta.events.cluster import KubeListSynced, KubeObjectChanged
from ta.events.config import ConfigLoaded

SM = "monitoring.coreos.com/v1/servicemonitors"
SLICES = "discovery.k8s.io/v1/endpointslices"


def env(seq: int, event: Any, ts: float = 0.0) -> Envelope:
    return Envelope(seq=seq, ts=ts, event=event)


def config(seq: int = 1, **body: Any) -> Configured:
    decoded = decode_config(env(seq, ConfigLoaded(body=orjson.dumps(body), source="test")))
    assert isinstance(decoded, Configured)
    return decoded


def kobj(resource: str, obj: dict[str, Any], watch: str = "ADDED") -> KubeObjectChanged:
    meta = obj["metadata"]
    return KubeObjectChanged(
        watch_type=watch,
        resource=resource,
        namespace=meta.get("namespace", ""),
        name=meta["name"],
        body=orjson.dumps(obj),
    )


def synced(seq: int, resource: str, namespace: str = "") -> Envelope:
    return env(seq, KubeListSynced(resource=resource, namespace=namespace, resource_version="1"))


def service_monitor(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": "a"},
        "spec": {"selector": {"matchLabels": {"app": name}}, "endpoints": [{"port": "http"}], **spec},
    }


def endpoint_slice(name: str, ip: str) -> KubeObjectChanged:
    obj = {
        "metadata": {"name": name, "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [ip]}],
        "ports": [{"name": "http", "port": 80}],
    }
    return kobj(SLICES, obj)

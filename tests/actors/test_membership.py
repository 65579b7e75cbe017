"""The membership actor reads only the collector namespace's pods, and says when a config moves it."""

import orjson

from ta.actors.membership import MembershipActor
from ta.actors.settings import Configured, decode_config
from ta.events.base import Envelope, Journaled
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
from ta.events.config import ConfigLoaded
from ta.events.membership import CollectorsChanged
from ta.events.problems import InputRejected


def config(namespace: str) -> Configured:
    body = orjson.dumps({"collector_namespace": namespace, "config": {"scrape_configs": []}})
    decoded = decode_config(Envelope(seq=1, ts=0.0, event=ConfigLoaded(body=body, source="test")))
    assert isinstance(decoded, Configured)
    return decoded


def pod(name: str, namespace: str, body: bytes | None = None) -> KubeObjectChanged:
    obj = {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"nodeName": "n1"},
        "status": {"phase": "Running"},
    }
    return KubeObjectChanged(
        watch_type="ADDED",
        resource="v1/pods",
        namespace=namespace,
        name=name,
        body=orjson.dumps(obj) if body is None else body,
    )


def test_other_namespaces_pods_are_not_read_and_a_moved_namespace_is_noted() -> None:
    actor = MembershipActor()
    assert actor.step(config("otel")) == [CollectorsChanged(seq=1, collectors=())]
    # Not JSON at all: reading it would be reported as a rejected pod.
    unreadable = pod("app-0", "shop", body=b"not json")
    batch = KubeObjectBatch(resource="v1/pods", changes=(unreadable, pod("collector-0", "otel")))
    out = actor.step(Envelope(seq=2, ts=0.0, event=batch))
    assert len(out) == 1 and isinstance(out[0], CollectorsChanged)
    assert [c.name for c in out[0].collectors] == ["collector-0"]
    note, collectors = actor.step(config("shop"))
    assert isinstance(note, InputRejected) and note.source == "membership" and "'shop'" in note.reason
    assert isinstance(collectors, CollectorsChanged) and collectors.collectors == ()


def test_pods_before_the_config_count_once_it_names_their_namespace_and_odd_ones_go_unreported() -> None:
    actor = MembershipActor()
    odd = KubeObjectChanged(
        watch_type="ADDED", resource="v1/pods", namespace="shop", name="x", body=orjson.dumps({"metadata": {}})
    )
    batch = KubeObjectBatch(resource="v1/pods", changes=(pod("collector-0", "otel"), pod("app-0", "shop"), odd))
    assert actor.step(Envelope(seq=1, ts=0.0, event=batch)) == []  # nothing published before the config
    (collectors,) = actor.step(config("otel"))
    assert isinstance(collectors, CollectorsChanged)
    assert [c.name for c in collectors.collectors] == ["collector-0"]


def test_with_a_pod_watch_arrivals_after_an_empty_list_settle_and_a_complete_list_does_not_wait() -> None:
    from ta.core.membership import SETTLE_SECONDS
    from ta.events.clock import Tick
    from ta.events.cluster import KubeListSynced, KubeWatchesPlanned

    def at(seq: int, ts: float, event: Journaled) -> Envelope:
        return Envelope(seq=seq, ts=ts, event=event)

    actor = MembershipActor()
    actor.step(config("otel"))
    assert actor.step(at(2, 0.0, KubeWatchesPlanned(scopes=(("v1/pods", "otel"),)))) == []
    synced = KubeListSynced(resource="v1/pods", namespace="otel", resource_version="1")
    assert actor.step(at(3, 0.0, synced)) == []  # empty, as already published at the config
    assert actor.step(at(4, 1.0, pod("collector-0", "otel"))) == []
    assert actor.step(at(5, 1.5, pod("collector-1", "otel"))) == []
    assert actor.step(at(6, 1.0 + SETTLE_SECONDS - 0.5, Tick())) == []
    (out,) = actor.step(at(7, 1.0 + SETTLE_SECONDS, Tick()))
    assert isinstance(out, CollectorsChanged) and [c.name for c in out.collectors] == ["collector-0", "collector-1"]

    restarted = MembershipActor()
    restarted.step(config("otel"))
    restarted.step(at(2, 0.0, KubeWatchesPlanned(scopes=(("v1/pods", "otel"),))))
    assert restarted.step(at(3, 0.0, pod("collector-0", "otel"))) == []  # the list is not complete yet
    (out,) = restarted.step(at(4, 0.0, synced))
    assert isinstance(out, CollectorsChanged) and [c.name for c in out.collectors] == ["collector-0"]

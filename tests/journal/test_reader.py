import orjson
import pytest

from ta.events.base import Envelope
from ta.events.cluster import KubeListSynced, KubeObjectChanged, KubeWatchesPlanned
from ta.journal.reader import CaptureError, Skipped, looks_like_journal, read_journal, read_objects

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "ns", "managedFields": [{"manager": "x"}]},
    "spec": {"containers": [{"name": "c", "env": [{"name": "K", "value": "secret"}], "args": ["--token=t"]}]},
}


def test_kubectl_list_becomes_plan_added_events_then_one_sync_per_resource() -> None:
    data = orjson.dumps({"apiVersion": "v1", "kind": "List", "items": [POD, {**POD, "metadata": {"name": "q"}}]})
    entries = list(read_objects(data))
    events = [e.event for e in entries if isinstance(e, Envelope)]
    assert [type(e).__name__ for e in events] == [
        "KubeWatchesPlanned",
        "KubeObjectChanged",
        "KubeObjectChanged",
        "KubeListSynced",
    ]
    assert events[0] == KubeWatchesPlanned(scopes=(("v1/pods", ""),))
    events = events[1:]
    first = events[0]
    assert isinstance(first, KubeObjectChanged) and first.watch_type == "ADDED" and first.resource == "v1/pods"
    assert b"secret" not in first.body and b"--token" not in first.body and b"managedFields" not in first.body
    assert events[2] == KubeListSynced(resource="v1/pods", namespace="", resource_version="")
    assert [e.seq for e in entries if isinstance(e, Envelope)] == [1, 2, 3, 4]


def test_multi_document_yaml_and_bad_items() -> None:
    data = b"""
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: v1
kind: Pod
metadata: {namespace: ns}
"""
    entries = list(read_objects(data))
    skipped = [e for e in entries if isinstance(e, Skipped)]
    assert [s.where for s in skipped] == ["item 2", "item 3"]
    assert "unknown resource" in skipped[0].reason and "without metadata.name" in skipped[1].reason


def test_yaml_that_json_cannot_hold_skips_that_object_only() -> None:
    data = b"""
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: {app: x, 1: numeric-key}}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns}
"""
    entries = list(read_objects(data))
    skipped = [e for e in entries if isinstance(e, Skipped)]
    assert [s.where for s in skipped] == ["item 1"] and "v1/pods ns/a is not JSON" in skipped[0].reason
    objects = [e.event for e in entries if isinstance(e, Envelope) and isinstance(e.event, KubeObjectChanged)]
    assert [o.name for o in objects] == ["b"]


def test_journal_detection_and_bad_lines() -> None:
    good = b'{"seq":1,"ts":1.0,"kind":"clock.tick","v":1,"data":{}}'
    assert looks_like_journal(good + b"\n")
    assert not looks_like_journal(b"apiVersion: v1\n")
    entries = list(read_journal(good + b"\n{broken\n" + b'{"seq":2,"ts":1.0,"kind":"clock.tick","v":9,"data":{}}\n'))
    assert isinstance(entries[0], Envelope)
    assert isinstance(entries[1], Skipped) and entries[1].where == "line 2"
    assert isinstance(entries[2], Skipped) and "unsupported version 9" in entries[2].reason


def test_an_object_of_impossible_shape_is_skipped_and_the_rest_kept() -> None:
    bad = {**POD, "status": {"conditions": 7}}
    other = {**POD, "metadata": {"name": "q", "namespace": "ns"}}
    data = orjson.dumps({"apiVersion": "v1", "kind": "List", "items": [bad, other]})
    entries = list(read_objects(data))
    skipped = [e for e in entries if isinstance(e, Skipped)]
    assert [(s.where, s.reason) for s in skipped] == [("item 1", "v1/pods ns/p: status.conditions is 7, not a list")]
    objects = [e.event for e in entries if isinstance(e, Envelope) and isinstance(e.event, KubeObjectChanged)]
    assert [o.name for o in objects] == ["q"]


def _laughs(indent: bytes) -> bytes:
    """A billion-laughs block: 10 anchors of 9 aliases each, ~9^10 leaves in under 1 KB."""
    rows = [b"l%d: &l%d [%s]" % (i, i, b", ".join([b"*l%d" % (i - 1) if i else b"x"] * 9)) for i in range(10)]
    return b"".join(indent + row + b"\n" for row in rows)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"a: [\n", "line 2, column 1: expected the node content"),
        (b'{"kind": "List", "items": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", "nesting deeper than 128 levels"),
        (b"items:\n" + b"".join(b" " * (i + 1) + b"- \n" for i in range(20_000)), "nesting deeper than 128 levels"),
        (b"metadata:\n  annotations:\n" + _laughs(b"    "), "document contains excessive aliasing"),
    ],
)
def test_an_unreadable_capture_is_one_error(data: bytes, reason: str) -> None:
    with pytest.raises(CaptureError, match=f"not readable as JSON or YAML: .*{reason}"):
        list(read_objects(data))


def test_deeply_nested_journal_lines_are_skipped_not_fatal() -> None:
    tick = b'{"seq":1,"ts":1.0,"kind":"clock.tick","v":1,"data":{}}'
    obj = b'{"type":"ADDED","resource":"v1/pods","name":"p","object":{"a":' + b"[" * 1000 + b"]" * 1000 + b"}}"
    deep_object = b'{"seq":2,"ts":1.0,"kind":"k8s.object","v":1,"data":' + obj + b"}"
    deeper_than_json = b'{"seq":3,"ts":1.0,"kind":"clock.tick","v":1,"data":' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    entries = list(read_journal(b"\n".join([tick, deep_object, deeper_than_json])))
    assert isinstance(entries[0], Envelope)
    assert [(e.where, e.reason.split(":")[0]) for e in entries[1:] if isinstance(e, Skipped)] == [
        ("line 2", "bad 'k8s.object' data"),
        ("line 3", "not JSON"),
    ]

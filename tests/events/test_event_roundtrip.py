"""Every journaled event kind survives the journal: encoded to a line and decoded, it is the same event."""

from __future__ import annotations

from typing import Any, get_args

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta.core.gocompat import jsonbytes
from ta.events.base import Envelope, Journaled, registered_kinds
from ta.events.clock import Tick
from ta.events.cluster import (
    WATCH_TYPES,
    KubeListSynced,
    KubeObjectBatch,
    KubeObjectChanged,
    KubeResourceUnavailable,
    KubeWatchesPlanned,
)
from ta.events.config import ConfigLoaded
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse
from ta.events.inputs import ALL_INPUT_KINDS, InputEvent, input_of
from ta.journal.reader import read_journal
from ta.journal.writer import encode

text = st.text(max_size=20)
resources = st.sampled_from(["v1/pods", "v1/services", "discovery.k8s.io/v1/endpointslices", "x.io/v1/things"])
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=10,
)
json_objects = st.dictionaries(text, json_values, max_size=4)


def _object_change(resource: st.SearchStrategy[str]) -> st.SearchStrategy[KubeObjectChanged]:
    return st.builds(
        KubeObjectChanged,
        watch_type=st.sampled_from(WATCH_TYPES),
        resource=resource,
        namespace=text,
        name=text,
        body=json_objects.map(jsonbytes.dumps),  # bodies are always jsonbytes output
    )


@st.composite
def _batches(draw: st.DrawFn) -> KubeObjectBatch:
    resource = draw(resources)
    return KubeObjectBatch(
        resource=resource, changes=tuple(draw(st.lists(_object_change(st.just(resource)), max_size=4)))
    )


STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "config.loaded": st.builds(
        ConfigLoaded, body=json_objects.map(lambda m: jsonbytes.dumps(m, option=orjson.OPT_SORT_KEYS)), source=text
    ),
    "clock.tick": st.just(Tick()),
    "k8s.planned": st.builds(KubeWatchesPlanned, scopes=st.lists(st.tuples(resources, text), max_size=4).map(tuple)),
    "k8s.object": _object_change(resources),
    "k8s.objects": _batches(),
    "k8s.synced": st.builds(KubeListSynced, resource=resources, namespace=text, resource_version=text),
    "k8s.unavailable": st.builds(KubeResourceUnavailable, resource=resources, namespace=text, reason=text),
    "file.read": st.builds(FileRead, path=text, content=st.none() | st.binary(max_size=32), error=text),
    "http_sd.response": st.builds(
        HttpSDResponse, url=text, status=st.integers(0, 599), content_type=text, body=text, error=text
    ),
}


def test_every_journaled_kind_has_a_round_trip_strategy() -> None:
    assert sorted(STRATEGIES) == sorted(ALL_INPUT_KINDS) == list(registered_kinds())


@settings(max_examples=5)
@given(data=st.data())
def test_every_member_of_the_union_is_an_input(data: st.DataObject) -> None:
    # The kinds are named once, in the union: the kind list and ``input_of`` follow it.
    members = get_args(InputEvent)
    assert sorted(cls.KIND for cls in members) == list(ALL_INPUT_KINDS)
    for cls in members:
        event = data.draw(STRATEGIES[cls.KIND])
        assert input_of(Envelope(seq=1, ts=0.0, event=event)) is event


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    seq=st.integers(1, 2**63 - 1),
    ts=st.floats(min_value=0, max_value=4e9, allow_nan=False),
)
def test_an_event_written_to_the_journal_reads_back_equal(kind: str, data: st.DataObject, seq: int, ts: float) -> None:
    event: Journaled = data.draw(STRATEGIES[kind])
    assert kind == event.KIND
    envelope = Envelope(seq=seq, ts=ts, event=event)
    line = encode(envelope)
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # one line, whatever the strings hold
    [entry] = read_journal(line)
    assert entry == envelope
    assert isinstance(entry, Envelope) and encode(entry) == line

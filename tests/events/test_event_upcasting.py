"""Journaled events upcast from the version a line was written with to the version this build reads.

A test-only kind with three versions (fixtures of each) and a test-only batch that nests it prove the
mechanism in an isolated registry; the real ``k8s.objects`` batch is checked to decode its changes through
``k8s.object``'s own chain and to reject a nested version it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import orjson
import pytest

from ta.events.base import (
    NO_UPCASTERS,
    REGISTRY,
    Envelope,
    EventDecodeError,
    EventRegistry,
    Upcaster,
    decode,
    decode_data,
)
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
from ta.journal.reader import Skipped, read_journal
from ta.journal.writer import encode

V1_JOURNAL = Path(__file__).parents[1] / "data" / "journal" / "v1" / "all-kinds.jsonl"


# -- a test-only kind at version 3 ---------------------------------------------------------------------
# v1: {"sensor": "a", "value": 21.5}                        (Celsius implied)
# v2: {"sensor": "a", "celsius": 21.5}                      (renamed)
# v3: {"sensor": "a", "reading": {"value": 21.5, "unit": "C"}, "tags": []}  (unit explicit, tags added)


def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    data["celsius"] = data.pop("value")
    return data


def upcast_v2_v3(data: dict[str, Any]) -> dict[str, Any]:
    return {"sensor": data["sensor"], "reading": {"value": data["celsius"], "unit": "C"}, "tags": []}


@dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    KIND: ClassVar[str] = "test.reading"
    VERSION: ClassVar[int] = 3
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: upcast_v1_v2, 2: upcast_v2_v3}

    sensor: str
    value: float
    unit: str
    tags: tuple[str, ...] = ()

    def to_data(self) -> dict[str, Any]:
        return {"sensor": self.sensor, "reading": {"value": self.value, "unit": self.unit}, "tags": list(self.tags)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        reading = data["reading"]
        return cls(
            sensor=str(data["sensor"]),
            value=float(reading["value"]),
            unit=str(reading["unit"]),
            tags=tuple(str(t) for t in data["tags"]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Readings:
    """Nests ``Reading`` payloads; ``readings_v`` says their version, absent meaning 1 (as ``k8s.objects``)."""

    KIND: ClassVar[str] = "test.readings"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    readings: tuple[Reading, ...]

    def to_data(self) -> dict[str, Any]:
        return {"readings_v": Reading.VERSION, "readings": [r.to_data() for r in self.readings]}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        version = data.get("readings_v", 1)
        return cls(readings=tuple(decode_data(Reading, r, version) for r in data["readings"]))


@pytest.fixture
def registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(Reading)
    registry.register(Readings)
    return registry


def line(kind: str, version: int | None, data: object) -> dict[str, Any]:
    record: dict[str, Any] = {"seq": 1, "ts": 2.0, "kind": kind, "data": data}
    if version is not None:
        record["v"] = version
    return record


EXPECTED = Reading(sensor="a", value=21.5, unit="C")
FIXTURES = {
    1: {"sensor": "a", "value": 21.5},
    2: {"sensor": "a", "celsius": 21.5},
    3: {"sensor": "a", "reading": {"value": 21.5, "unit": "C"}, "tags": []},
}


@pytest.mark.parametrize("version", sorted(FIXTURES))
def test_every_older_version_reads_as_the_current_event(registry: EventRegistry, version: int) -> None:
    envelope = decode(line("test.reading", version, FIXTURES[version]), registry)
    assert envelope == Envelope(seq=1, ts=2.0, event=EXPECTED)
    # ... and is written back at the current version only.
    assert orjson.loads(encode(envelope))["v"] == 3


def test_a_line_without_v_is_version_1(registry: EventRegistry) -> None:
    assert decode(line("test.reading", None, FIXTURES[1]), registry).event == EXPECTED


def test_upcasters_do_not_change_the_record_they_read(registry: EventRegistry) -> None:
    data = {"sensor": "a", "value": 21.5}
    decode(line("test.reading", 1, data), registry)
    assert data == {"sensor": "a", "value": 21.5}


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        (4, "unsupported version 4 of 'test.reading': newer than this build reads (<= 3)"),
        (0, "unsupported version 0 of 'test.reading': not an integer >= 1"),
        ("2", "unsupported version '2' of 'test.reading': not an integer >= 1"),
        (True, "unsupported version True of 'test.reading': not an integer >= 1"),
    ],
)
def test_a_version_this_build_does_not_know_is_an_error_not_a_guess(
    registry: EventRegistry, version: object, reason: str
) -> None:
    record = {"seq": 1, "ts": 2.0, "kind": "test.reading", "v": version, "data": FIXTURES[3]}
    with pytest.raises(EventDecodeError) as caught:
        decode(record, registry)
    assert str(caught.value) == reason


def test_old_data_an_upcaster_cannot_read_is_a_decode_error(registry: EventRegistry) -> None:
    with pytest.raises(EventDecodeError, match=r"cannot upcast version 1 of 'test.reading': 'value'"):
        decode(line("test.reading", 1, {"sensor": "a"}), registry)


def test_nested_payloads_upcast_through_their_own_kind_from_the_recorded_version(registry: EventRegistry) -> None:
    both = Readings(readings=(EXPECTED, Reading(sensor="b", value=3.0, unit="C")))
    old = {"readings": [FIXTURES[1], {"sensor": "b", "value": 3.0}]}  # written when Reading was v1
    assert decode(line("test.readings", 1, old), registry).event == both
    mid = {"readings_v": 2, "readings": [FIXTURES[2], {"sensor": "b", "celsius": 3.0}]}
    assert decode(line("test.readings", 1, mid), registry).event == both
    current = orjson.loads(encode(Envelope(seq=1, ts=2.0, event=both)))
    assert current["data"]["readings_v"] == 3
    assert decode(current, registry).event == both


def test_a_nested_version_this_build_does_not_know_is_an_error(registry: EventRegistry) -> None:
    future = {"readings_v": 4, "readings": [FIXTURES[3]]}
    with pytest.raises(EventDecodeError, match=r"bad 'test.readings' data: unsupported version 4 of 'test.reading'"):
        decode(line("test.readings", 1, future), registry)


def test_a_kind_whose_chain_has_a_gap_cannot_register() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Gap(Reading):
        KIND: ClassVar[str] = "test.gap"
        UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: upcast_v1_v2}  # no 2 -> 3

    @dataclass(frozen=True, slots=True, kw_only=True)
    class Extra(Reading):
        KIND: ClassVar[str] = "test.extra"
        UPCASTERS: ClassVar[Mapping[int, Upcaster]] = {1: upcast_v1_v2, 2: upcast_v2_v3, 3: upcast_v2_v3}

    with pytest.raises(RuntimeError, match=r"'test.gap' v3: upcasters for versions \[1\], expected \[1, 2\]"):
        EventRegistry().register(Gap)
    with pytest.raises(RuntimeError, match=r"'test.extra' v3"):
        EventRegistry().register(Extra)


def test_the_journal_registry_holds_only_the_journaled_kinds() -> None:
    assert "test.reading" not in REGISTRY.kinds()


# -- the real nested case: k8s.objects and k8s.object -------------------------------------------------


def _v1_batch_line() -> bytes:
    lines = [raw for raw in V1_JOURNAL.read_bytes().splitlines() if b'"kind":"k8s.objects"' in raw]
    assert lines, "the v1 fixture journal has a k8s.objects line"
    return lines[0]


def test_a_batch_whose_changes_are_newer_than_k8s_object_is_skipped_with_a_reason() -> None:
    record = orjson.loads(_v1_batch_line())
    record["data"]["changes_v"] = KubeObjectChanged.VERSION + 1
    [entry] = read_journal(orjson.dumps(record))
    assert isinstance(entry, Skipped)
    assert entry.reason == (
        f"bad 'k8s.objects' data: unsupported version {KubeObjectChanged.VERSION + 1} of 'k8s.object':"
        f" newer than this build reads (<= {KubeObjectChanged.VERSION})"
    )


def test_a_v1_batch_upcasts_its_changes_through_k8s_object_when_that_kind_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If ``k8s.object`` were at version 2, a batch journaled at 1 runs every change through 1 -> 2."""
    seen: list[str] = []

    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        seen.append(data["name"])
        return data

    monkeypatch.setattr(KubeObjectChanged, "VERSION", 2)
    monkeypatch.setattr(KubeObjectChanged, "UPCASTERS", {1: upcast_v1_v2})
    raw = _v1_batch_line()
    [entry] = read_journal(raw)
    assert isinstance(entry, Envelope) and isinstance(entry.event, KubeObjectBatch)
    names = [change.name for change in entry.event.changes]
    assert seen == names and len(names) >= 2
    # Written again, the batch says its changes are version 2, and reading that back upcasts nothing.
    again = encode(entry)
    assert orjson.loads(again)["data"]["changes_v"] == 2
    seen.clear()
    [reread] = read_journal(again)
    assert reread == entry and seen == []

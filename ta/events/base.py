"""The journal envelope and the registry of journaled (external input) event kinds.

In: event instances from ingress actors, or decoded JSON lines from a journal file.
Out: ``Envelope`` values (sequence number, ingress time, event) and their JSON-able dict form
``{"seq", "ts", "kind", "v", "data"}``. Each input event class declares a stable ``KIND`` string and a
``VERSION``; ``decode`` upcasts older versions through the class's ``from_data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, Self, TypeVar


class EventDecodeError(ValueError):
    """A journal line that cannot be turned into an event (unknown kind, bad field, newer version)."""


class Journaled(Protocol):
    """What every journaled event class provides."""

    KIND: ClassVar[str]
    VERSION: ClassVar[int]

    def to_data(self) -> dict[str, Any]: ...

    @classmethod
    def from_data(cls, data: Mapping[str, Any], version: int) -> Self: ...


_REGISTRY: dict[str, type[Journaled]] = {}

_E = TypeVar("_E", bound=type[Journaled])


def register(cls: _E) -> _E:
    """Class decorator: make ``cls`` decodable from the journal under its ``KIND``."""
    existing = _REGISTRY.get(cls.KIND)
    if existing is not None and existing is not cls:
        raise RuntimeError(f"event kind {cls.KIND!r} registered twice")
    _REGISTRY[cls.KIND] = cls
    return cls


def registered_kinds() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """One journal entry: ``seq`` orders entries, ``ts`` is the ingress time (Unix seconds)."""

    seq: int
    ts: float
    event: Journaled

    def to_record(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "kind": self.event.KIND,
            "v": self.event.VERSION,
            "data": self.event.to_data(),
        }


def decode(record: Mapping[str, Any]) -> Envelope:
    """Decode one journal record; raises ``EventDecodeError`` with a reason a person can act on."""
    try:
        seq = record["seq"]
        ts = record["ts"]
        kind = record["kind"]
        version = record.get("v", 1)
        data = record.get("data", {})
    except (KeyError, TypeError) as exc:
        raise EventDecodeError(f"missing envelope field {exc}") from None
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise EventDecodeError("seq must be an integer")
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        raise EventDecodeError("ts must be a number")
    if not isinstance(kind, str):
        raise EventDecodeError("kind must be a string")
    if not isinstance(data, Mapping):
        raise EventDecodeError("data must be an object")
    cls = _REGISTRY.get(kind)
    if cls is None:
        raise EventDecodeError(f"unknown event kind {kind!r}")
    if not isinstance(version, int) or version < 1 or version > cls.VERSION:
        raise EventDecodeError(f"unsupported version {version!r} of {kind!r} (this build reads <= {cls.VERSION})")
    try:
        event = cls.from_data(data, version)
    except (KeyError, TypeError, ValueError) as exc:
        raise EventDecodeError(f"bad {kind!r} data: {exc}") from None
    return Envelope(seq=seq, ts=float(ts), event=event)

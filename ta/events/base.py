"""The journal envelope, the registry of journaled (external input) event kinds, and their upcasting.

In: event instances from ingress actors, or decoded JSON lines from a journal file.
Out: ``Envelope`` values (sequence number, ingress time, event) and their JSON-able dict form
``{"seq", "ts", "kind", "v", "data"}``.

Each input event class declares a stable ``KIND``, its current ``VERSION`` and ``UPCASTERS``, a mapping from
version N to a function turning version-N ``data`` (plain JSON) into version-N+1 ``data``. Decoding runs the
chain from the journaled ``v`` up to ``VERSION``, then the class's ``from_data``, which only ever reads the
current shape. A version newer than this build knows, or a gap in the chain, is an ``EventDecodeError``
(the reader skips that line with the reason), never a guess. A payload nested in another event (a batch's
changes) is decoded with ``decode_data`` under its own kind's chain, at the version its container recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, Self, TypeVar


class EventDecodeError(ValueError):
    """A journal line that cannot be turned into an event (unknown kind, bad field, newer version)."""


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Version-N ``data`` in, version-N+1 ``data`` out; gets its own shallow copy, returns a new or that dict."""

NO_UPCASTERS: Mapping[int, Upcaster] = MappingProxyType({})
"""``UPCASTERS`` of a kind still at version 1."""


class Journaled(Protocol):
    """What every journaled event class provides."""

    KIND: ClassVar[str]
    VERSION: ClassVar[int]
    UPCASTERS: ClassVar[Mapping[int, Upcaster]]

    def to_data(self) -> dict[str, Any]: ...

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Build the event from ``data`` of the current ``VERSION`` (older data is upcast before)."""
        ...


_J = TypeVar("_J", bound=Journaled)
_E = TypeVar("_E", bound=type[Journaled])


def check_chain(cls: type[Journaled]) -> None:
    """Raise ``RuntimeError`` unless ``cls`` has exactly one upcaster for each of its versions before the
    current one: a bumped version without its upcaster fails at import, not on the first old journal."""
    if not isinstance(cls.VERSION, int) or cls.VERSION < 1:
        raise RuntimeError(f"event kind {cls.KIND!r}: VERSION must be an integer >= 1")
    expected = set(range(1, cls.VERSION))
    if set(cls.UPCASTERS) != expected:
        raise RuntimeError(
            f"event kind {cls.KIND!r} v{cls.VERSION}: upcasters for versions {sorted(cls.UPCASTERS)},"
            f" expected {sorted(expected)}"
        )


def upcast(cls: type[Journaled], data: Mapping[str, Any], version: object) -> Mapping[str, Any]:
    """``data`` recorded at ``version`` of ``cls.KIND``, brought to ``cls.VERSION``."""
    if type(version) is int and version == cls.VERSION:  # the common case, once per change of a batch
        return data
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise EventDecodeError(f"unsupported version {version!r} of {cls.KIND!r}: not an integer >= 1")
    if version > cls.VERSION:
        raise EventDecodeError(
            f"unsupported version {version} of {cls.KIND!r}: newer than this build reads (<= {cls.VERSION})"
        )
    for step_from in range(version, cls.VERSION):
        step = cls.UPCASTERS.get(step_from)
        if step is None:  # only reachable when a class skipped ``check_chain``
            raise EventDecodeError(f"no upcaster from version {step_from} of {cls.KIND!r}")
        try:
            data = step(dict(data))
        except (KeyError, TypeError, ValueError) as exc:
            raise EventDecodeError(f"cannot upcast version {step_from} of {cls.KIND!r}: {exc}") from None
        if not isinstance(data, Mapping):
            raise EventDecodeError(f"upcaster from version {step_from} of {cls.KIND!r} did not give an object")
    return data


def decode_data(cls: type[_J], data: Mapping[str, Any], version: object) -> _J:
    """An event of ``cls`` from its ``data`` recorded at ``version``: upcast, then ``from_data``."""
    return cls.from_data(upcast(cls, data, version))


class EventRegistry:
    """Event kinds by ``KIND``. The journal uses ``REGISTRY``; tests build their own to try versions."""

    __slots__ = ("_classes",)

    def __init__(self) -> None:
        self._classes: dict[str, type[Journaled]] = {}

    def register(self, cls: _E) -> _E:
        """Class decorator: make ``cls`` decodable under its ``KIND``."""
        existing = self._classes.get(cls.KIND)
        if existing is not None and existing is not cls:
            raise RuntimeError(f"event kind {cls.KIND!r} registered twice")
        check_chain(cls)
        self._classes[cls.KIND] = cls
        return cls

    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._classes))

    def get(self, kind: str) -> type[Journaled] | None:
        return self._classes.get(kind)


REGISTRY = EventRegistry()


def register(cls: _E) -> _E:
    """Class decorator: make ``cls`` decodable from the journal under its ``KIND``."""
    return REGISTRY.register(cls)


def registered_kinds() -> tuple[str, ...]:
    return REGISTRY.kinds()


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


def decode(record: Mapping[str, Any], registry: EventRegistry = REGISTRY) -> Envelope:
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
    cls = registry.get(kind)
    if cls is None:
        raise EventDecodeError(f"unknown event kind {kind!r}")
    current = upcast(cls, data, version)
    try:
        event = cls.from_data(current)
    except (KeyError, TypeError, ValueError) as exc:
        raise EventDecodeError(f"bad {kind!r} data: {exc}") from None
    return Envelope(seq=seq, ts=float(ts), event=event)

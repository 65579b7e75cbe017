"""``UndoLog``: what one actor step changed in place, so a step that raises can be taken back whole.

In: before each in-place change of a long-lived container, a record of what the changed slot held (``item``
for a dict key, ``member`` for a set element, ``call`` for anything else). Out: ``rollback`` puts every recorded
slot back, newest first; ``commit`` forgets the records. While no step is open nothing is recorded, and a
record is a tuple appended to a list: the cost is proportional to what a step changes, never to what is held.

Containers that a step replaces wholesale (``self._x = {...}``) need no records: the owner keeps the old
reference and puts it back itself.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, MutableSet
from typing import Any

MISSING: Any = object()  # the slot was empty


def _undo_item(container: MutableMapping[Any, Any], key: object, old: object) -> None:
    if old is MISSING:
        container.pop(key, None)
    else:
        container[key] = old


def _undo_member(container: MutableSet[Any], value: object, was: bool) -> None:
    if was:
        container.add(value)
    else:
        container.discard(value)


class UndoLog:
    __slots__ = ("entries",)

    def __init__(self) -> None:
        # None while no step is open; hot loops may read it once and append ``(fn, args)`` themselves.
        self.entries: list[tuple[Callable[..., None], tuple[Any, ...]]] | None = None

    @property
    def open(self) -> bool:
        return self.entries is not None

    def begin(self) -> None:
        self.entries = []

    def mark(self) -> int:
        """A savepoint inside the open step (see ``rollback``)."""
        return 0 if self.entries is None else len(self.entries)

    def commit(self) -> None:
        self.entries = None

    def rollback(self, to: int = 0) -> None:
        """Undo everything recorded since ``to`` (a ``mark``), newest first; the step stays open when ``to`` > 0."""
        entries = self.entries
        if entries is None:
            return
        while len(entries) > to:
            fn, args = entries.pop()
            fn(*args)
        if to == 0:
            self.entries = None

    def item(self, container: MutableMapping[Any, Any], key: object) -> None:
        """Call before changing ``container[key]`` (set, pop or del)."""
        if self.entries is not None:
            self.entries.append((_undo_item, (container, key, container.get(key, MISSING))))

    def member(self, container: MutableSet[Any], value: object) -> None:
        """Call before adding ``value`` to or discarding it from ``container``."""
        if self.entries is not None:
            self.entries.append((_undo_member, (container, value, value in container)))

    def call(self, fn: Callable[..., None], *args: Any) -> None:
        """Record ``fn(*args)`` as the way to take back a change about to be made."""
        if self.entries is not None:
            self.entries.append((fn, args))

"""``Multimap``: key -> a set of values, holding a lone value bare.

In: ``add``/``discard`` of (key, value) pairs. Out: a key's values, sorted, or the greatest of them. Reverse
indexes in a big cluster are mostly one-to-one (each of 100 000 pods referenced by one EndpointSlice, each
target provided by one source), and a set of one costs ~200 bytes more than the value itself.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

_NONE: Any = object()


class Multimap(Generic[K, V]):
    """Values must be hashable, orderable, and not sets themselves."""

    __slots__ = ("_index",)

    def __init__(self) -> None:
        self._index: dict[K, V | set[V]] = {}

    def __len__(self) -> int:
        """How many keys have values."""
        return len(self._index)

    def add(self, key: K, value: V) -> None:
        found = self._index.get(key, _NONE)
        if found is _NONE:
            self._index[key] = value
        elif type(found) is set:
            found.add(value)
        elif found != value:
            self._index[key] = {found, value}

    def discard(self, key: K, value: V) -> None:
        found = self._index.get(key, _NONE)
        if type(found) is set:
            found.discard(value)
            if len(found) <= 1:
                if found:
                    self._index[key] = found.pop()
                else:
                    del self._index[key]
        elif found is not _NONE and found == value:
            del self._index[key]

    def sorted(self, key: K) -> tuple[V, ...]:
        found = self._index.get(key, _NONE)
        if found is _NONE:
            return ()
        if type(found) is set:
            return tuple(sorted(found))
        return (found,)

    def greatest(self, key: K) -> V | None:
        found = self._index.get(key, _NONE)
        if found is _NONE:
            return None
        if type(found) is set:
            return max(found)  # type: ignore[no-any-return]
        return found  # type: ignore[no-any-return]

"""Bounded memo tables: one rule for every cache in the process, and one place to list, reset and observe them.

In: a name, an entry bound, an eviction policy and the reason for it, then keys and values from the caller. Out:
``BoundedCache`` (a dict-backed memo that never holds more than ``bound`` entries), ``memoize`` (the same in front
of a function; with ``LRU`` it is ``functools.lru_cache`` itself, registered), and the registry: ``caches()``
lists every cache by name, ``cache_stats()`` gives their ``CacheStats`` (entries, hits, misses, evictions) for
``/metrics``, ``clear_all()`` empties them all (tests).

Every cache here holds the result of a pure function of its key (or interns an equal value), so a hit, a miss or
an eviction can change speed and memory, never a result. Nothing depends on time, randomness or ``hash()`` order:
eviction follows insertion (and, for LRU, use) order only.

Policies, chosen per cache with a reason written at its definition:

* ``CLEAR_WHEN_FULL``: when an insert finds the table full, every entry goes. No bookkeeping on a hit, so it suits
  hot tables whose working set is far below the bound (a full table means the working set moved on).
* ``LRU``: the least recently used entry goes. Each hit moves its key to the end, so it suits tables looked up
  less often, whose entries are expensive to rebuild (compiled rules, regexes).

Hot loops may read ``BoundedCache.data`` directly (a bound ``data.get``) and call ``put`` on a miss only: the
table then counts misses and evictions but not hits (``CacheStats.hits`` is ``None``), and costs nothing extra on
a hit. Such a cache is made with ``count_hits=False`` and must use ``CLEAR_WHEN_FULL`` (an uncounted hit cannot
refresh an LRU position).

Families: a name may stand for many tables of one kind (one memo per compiled relabel rule). ``family=True``
registers them under one name; their statistics are summed over the live tables (held weakly, so a table goes
when its owner does) plus what the tables gone since had counted.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Final, Generic, ParamSpec, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
P = ParamSpec("P")
R = TypeVar("R")

CLEAR_WHEN_FULL: Final = "clear-when-full"
LRU: Final = "lru"
POLICIES: Final = (CLEAR_WHEN_FULL, LRU)

_MISS: Final = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheStats:
    """One cache's (or family's) figures; ``hits`` is ``None`` where hits are not counted (fast-path tables)."""

    name: str
    policy: str
    bound: int  # per table
    tables: int  # 1, or the live tables of a family
    entries: int
    hits: int | None
    misses: int
    evictions: int | None  # entries removed to make room (not by ``clear``); None: not counted (``lru_cache``)


class BoundedCache(Generic[K, V]):
    """A memo of at most ``bound`` entries, evicted by ``policy``; see the module docstring."""

    __slots__ = (
        "__weakref__",
        "_family",
        "bound",
        "count_hits",
        "data",
        "evictions",
        "hits",
        "misses",
        "name",
        "policy",
    )

    def __init__(
        self,
        name: str,
        *,
        bound: int,
        policy: str,
        reason: str,
        count_hits: bool = True,
        family: bool = False,
    ) -> None:
        self._family: _Family | None = None  # first: ``__del__`` reads it even when a check below refuses
        if policy not in POLICIES:
            raise ValueError(f"unknown cache policy {policy!r}")
        if bound < 1:
            raise ValueError(f"cache {name!r}: bound must be positive, not {bound}")
        if not reason:
            raise ValueError(f"cache {name!r}: say why this policy and bound")
        if policy == LRU and not count_hits:
            raise ValueError(f"cache {name!r}: an LRU table must see its hits")
        self.name = name
        self.bound = bound
        self.policy = policy
        self.count_hits = count_hits
        # The table itself; hot loops may read it directly (see the module docstring), never write it.
        self.data: dict[K, V] = {}
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        _register(self, family)

    def __del__(self) -> None:
        # A family's figures keep what its dead tables counted.
        if self._family is not None:
            self._family.retire(self.hits, self.misses, self.evictions)

    def __len__(self) -> int:
        return len(self.data)

    def get(self, key: K) -> V | None:
        """The value for ``key`` (counted as a hit), or ``None`` (not counted: the caller's ``put`` counts the miss)."""
        data = self.data
        found = data.get(key, _MISS)
        if found is _MISS:
            return None
        self.hits += 1
        if self.policy == LRU:
            del data[key]
            data[key] = found  # type: ignore[assignment]
        return found  # type: ignore[return-value]

    def put(self, key: K, value: V) -> V:
        """Store ``value`` for ``key`` after a miss (counted), making room first; returns ``value``."""
        data = self.data
        self.misses += 1
        if key not in data and len(data) >= self.bound:
            if self.policy == LRU:
                del data[next(iter(data))]
                self.evictions += 1
            else:
                self.evictions += len(data)
                data.clear()
        data[key] = value
        return value

    def intern(self, value: K) -> K:
        """The stored object equal to ``value``, storing ``value`` first if none is: one object per distinct value."""
        found = self.data.get(value, _MISS)
        if found is _MISS:
            self.put(value, value)  # type: ignore[arg-type]
            return value
        if self.count_hits:
            self.hits += 1
        return found  # type: ignore[return-value]

    def clear(self) -> None:
        """Empty the table (not an eviction: statistics keep counting)."""
        self.data.clear()

    def stats(self) -> CacheStats:
        return CacheStats(
            name=self.name,
            policy=self.policy,
            bound=self.bound,
            tables=1,
            entries=len(self.data),
            hits=self.hits if self.count_hits else None,
            misses=self.misses,
            evictions=self.evictions,
        )


class _Family:
    """Tables registered under one name: summed statistics, and a ``clear`` that reaches every live one."""

    def __init__(self, first: BoundedCache[object, object]) -> None:
        self.name = first.name
        self.policy, self.bound, self.count_hits = first.policy, first.bound, first.count_hits
        self.live: weakref.WeakSet[BoundedCache[object, object]] = weakref.WeakSet()
        # What tables gone since had counted: hits, misses, evictions.
        self.gone = [0, 0, 0]

    def retire(self, hits: int, misses: int, evictions: int) -> None:
        gone = self.gone
        gone[0] += hits
        gone[1] += misses
        gone[2] += evictions

    def add(self, table: BoundedCache[object, object]) -> None:
        if (table.policy, table.bound, table.count_hits) != (self.policy, self.bound, self.count_hits):
            raise ValueError(f"cache family {table.name!r}: every table needs the same policy, bound and counting")
        self.live.add(table)

    def clear(self) -> None:
        for table in list(self.live):
            table.clear()

    def stats(self) -> CacheStats:
        name = self.name
        tables = list(self.live)
        hits, misses, evictions = self.gone
        for table in tables:
            hits += table.hits
            misses += table.misses
            evictions += table.evictions
        return CacheStats(
            name=name,
            policy=self.policy,
            bound=self.bound,
            tables=len(tables),
            entries=sum(len(table.data) for table in tables),
            hits=hits if self.count_hits else None,
            misses=misses,
            evictions=evictions,
        )


_caches: dict[str, BoundedCache[object, object] | _Family | _LruMemo] = {}


def _register(table: BoundedCache[K, V], family: bool) -> None:
    known = _caches.get(table.name)
    entry: BoundedCache[object, object] = table  # type: ignore[assignment]
    if not family:
        if known is not None:
            raise ValueError(f"a cache named {table.name!r} exists already")
        _caches[table.name] = entry
        return
    if known is None:
        known = _caches[table.name] = _Family(entry)
    if not isinstance(known, _Family):
        raise ValueError(f"a cache named {table.name!r} exists already, not as a family")
    known.add(entry)
    # A table's counts outlive it: its finalizer reads the counters through a list the table shares.
    table._family = known


def caches() -> Iterator[str]:
    """The registered names, sorted."""
    return iter(sorted(_caches))


def cache_stats() -> list[CacheStats]:
    """Every cache's figures, by name."""
    return [entry.stats() for _name, entry in sorted(_caches.items())]


def clear_all() -> None:
    """Empty every cache (tests: each starts from cold tables; results never depend on it)."""
    for entry in _caches.values():
        entry.clear()


class _LruMemo:
    """A ``memoize(policy=LRU)`` function's registry entry: ``functools.lru_cache`` does the work in C."""

    def __init__(self, name: str, bound: int, function: Any) -> None:
        self.name, self.bound, self.function = name, bound, function

    def clear(self) -> None:
        self.function.cache_clear()

    def stats(self) -> CacheStats:
        info = self.function.cache_info()
        # lru_cache counts no evictions (and a call that raised is a miss that stored nothing): not reported.
        return CacheStats(
            name=self.name,
            policy=LRU,
            bound=self.bound,
            tables=1,
            entries=info.currsize,
            hits=info.hits,
            misses=info.misses,
            evictions=None,
        )


def memoize(*, name: str, bound: int, policy: str, reason: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``functools.lru_cache`` for pure functions, under this module's rule: named, bounded, observable.

    ``LRU`` is ``functools.lru_cache`` itself (C speed, the key hashed once per call: these wrap hot lookups keyed
    by tuples of rules), registered here; ``CLEAR_WHEN_FULL`` is a ``BoundedCache`` behind a small wrapper. Keys
    are the arguments, as with ``lru_cache`` (``f(a)`` and ``f(a, b)`` with ``b`` defaulted are different entries).
    """

    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        if policy == LRU:
            if not reason:
                raise ValueError(f"cache {name!r}: say why this policy and bound")
            if name in _caches:
                raise ValueError(f"a cache named {name!r} exists already")
            cached = functools.lru_cache(maxsize=bound)(function)
            _caches[name] = _LruMemo(name, bound, cached)
            return cached  # type: ignore[return-value]
        cache: BoundedCache[Hashable, R] = BoundedCache(name, bound=bound, policy=policy, reason=reason)
        get, put = cache.data.get, cache.put

        @functools.wraps(function)
        def memoized(*args: P.args, **kwargs: P.kwargs) -> R:
            key: Hashable = args if not kwargs else (args, tuple(sorted(kwargs.items())))
            found = get(key, _MISS)
            if found is _MISS:
                return put(key, function(*args, **kwargs))
            cache.hits += 1
            return found  # type: ignore[return-value]

        return memoized

    return wrap

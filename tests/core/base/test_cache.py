"""ta.core.base.cache: bounds, both policies, statistics, families, the registry and ``memoize``."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from ta.core.base import cache
from ta.core.base.cache import CLEAR_WHEN_FULL, LRU, BoundedCache, cache_stats, clear_all, memoize


@pytest.fixture
def names() -> Iterator[list[str]]:
    """Names registered by a test, taken out of the process registry afterwards."""
    made: list[str] = []
    yield made
    for name in made:
        cache._caches.pop(name, None)


def _stats(name: str) -> cache.CacheStats:
    (found,) = [s for s in cache_stats() if s.name == name]
    return found


def test_clear_when_full_empties_the_table_before_the_insert_that_would_overflow(names: list[str]) -> None:
    names.append("t.cwf")
    table: BoundedCache[str, int] = BoundedCache("t.cwf", bound=3, policy=CLEAR_WHEN_FULL, reason="test")
    for i, key in enumerate("abc"):
        assert table.put(key, i) == i
    assert table.get("a") == 0
    assert table.get("zz") is None
    table.put("d", 3)
    assert dict(table.data) == {"d": 3}
    table.put("d", 4)  # replacing a key never evicts
    assert _stats("t.cwf") == cache.CacheStats(
        name="t.cwf", policy=CLEAR_WHEN_FULL, bound=3, tables=1, entries=1, hits=1, misses=5, evictions=3
    )


def test_lru_evicts_the_least_recently_used_entry(names: list[str]) -> None:
    names.append("t.lru")
    table: BoundedCache[str, int] = BoundedCache("t.lru", bound=2, policy=LRU, reason="test")
    table.put("a", 1)
    table.put("b", 2)
    assert table.get("a") == 1  # "b" is now the oldest
    table.put("c", 3)
    assert list(table.data) == ["a", "c"]
    stats = table.stats()
    assert (stats.hits, stats.misses, stats.evictions, stats.entries) == (1, 3, 1, 2)


def test_intern_returns_one_object_per_value(names: list[str]) -> None:
    names.append("t.intern")
    table: BoundedCache[tuple[str, ...], tuple[str, ...]] = BoundedCache(
        "t.intern", bound=8, policy=CLEAR_WHEN_FULL, reason="test"
    )
    first = tuple(["x", "y"])
    second = tuple(["x", "y"])
    assert first is not second
    assert table.intern(first) is first
    assert table.intern(second) is first
    assert (table.hits, table.misses) == (1, 1)


def test_clear_and_clear_all_empty_tables_and_keep_counting(names: list[str]) -> None:
    names.append("t.clear")
    table: BoundedCache[int, int] = BoundedCache("t.clear", bound=4, policy=CLEAR_WHEN_FULL, reason="test")
    table.put(1, 1)
    table.clear()
    assert len(table) == 0
    table.put(2, 2)
    clear_all()
    assert len(table) == 0
    assert (table.misses, table.evictions) == (2, 0)


def test_fast_path_tables_report_no_hits(names: list[str]) -> None:
    names.append("t.fast")
    table: BoundedCache[str, int] = BoundedCache(
        "t.fast", bound=4, policy=CLEAR_WHEN_FULL, reason="test", count_hits=False
    )
    table.put("a", 1)
    assert table.data.get("a") == 1
    assert table.stats().hits is None


def test_families_sum_their_tables_and_keep_the_counts_of_dead_ones(names: list[str]) -> None:
    names.append("t.family")

    def table() -> BoundedCache[int, int]:
        return BoundedCache("t.family", bound=2, policy=CLEAR_WHEN_FULL, reason="test", family=True)

    one, two = table(), table()
    one.put(1, 1)
    two.put(1, 1)
    two.put(2, 2)
    two.put(3, 3)
    stats = _stats("t.family")
    assert (stats.tables, stats.entries, stats.misses, stats.evictions) == (2, 2, 4, 2)
    del two
    gc.collect()
    stats = _stats("t.family")
    assert (stats.tables, stats.entries, stats.misses, stats.evictions) == (1, 1, 4, 2)
    clear_all()
    assert len(one) == 0
    with pytest.raises(ValueError, match="same policy"):
        BoundedCache("t.family", bound=3, policy=CLEAR_WHEN_FULL, reason="test", family=True)


def test_misuse_is_refused(names: list[str]) -> None:
    names.append("t.once")
    BoundedCache("t.once", bound=1, policy=LRU, reason="test")
    with pytest.raises(ValueError, match="exists already"):
        BoundedCache("t.once", bound=1, policy=LRU, reason="test")
    with pytest.raises(ValueError, match="unknown cache policy"):
        BoundedCache("t.bad", bound=1, policy="random", reason="test")
    with pytest.raises(ValueError, match="positive"):
        BoundedCache("t.bad", bound=0, policy=LRU, reason="test")
    with pytest.raises(ValueError, match="say why"):
        BoundedCache("t.bad", bound=1, policy=LRU, reason="")
    with pytest.raises(ValueError, match="must see its hits"):
        BoundedCache("t.bad", bound=1, policy=LRU, reason="test", count_hits=False)


def test_memoize_calls_once_per_key_and_evicts_by_policy(names: list[str]) -> None:
    names.append("t.memo")
    calls: list[tuple[int, int]] = []

    @memoize(name="t.memo", bound=2, policy=LRU, reason="test")
    def add(a: int, b: int = 0) -> int:
        """Adds."""
        calls.append((a, b))
        return a + b

    assert add(1, 2) == 3
    assert add(1, 2) == 3
    assert add(1, b=2) == 3  # a different key, as with lru_cache
    assert add(5) == 5  # evicts (1, 2): (1, b=2) was used after it
    assert add(1, 2) == 3
    assert calls == [(1, 2), (1, 2), (5, 0), (1, 2)]
    assert add.__name__ == "add" and add.__doc__ == "Adds."
    stats = _stats("t.memo")
    assert (stats.hits, stats.misses, stats.evictions, stats.entries) == (1, 4, None, 2)  # lru_cache counts none


def test_every_process_cache_is_registered_bounded_and_resettable() -> None:
    # Importing the modules that own caches registers them; clearing them all leaves every table empty.
    import ta.core.discovery.targets
    import ta.core.k8s_sd.pod_enrichment
    import ta.core.membership
    import ta.core.promcfg.scrape
    import ta.http.html  # noqa: F401

    listed = set(cache.caches())
    assert {
        "http.query_escape",
        "k8s_sd.pairs",
        "membership.times",
        "promcfg.relabel_rules",
        "relabel.plans",
        "relabel.regexes",
        "relabel.rule_sets",
        "targets.compiled_jobs",
        "targets.shapes",
    } <= listed
    clear_all()
    assert all(s.entries == 0 for s in cache_stats())


def test_memoize_clear_when_full_is_a_bounded_cache(names: list[str]) -> None:
    names.append("t.memo_cwf")
    calls: list[str] = []

    @memoize(name="t.memo_cwf", bound=2, policy=CLEAR_WHEN_FULL, reason="test")
    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert [upper(t) for t in ("a", "a", "b", "c", "a")] == ["A", "A", "B", "C", "A"]
    assert calls == ["a", "b", "c", "a"]  # "c" cleared the full table
    stats = _stats("t.memo_cwf")
    assert (stats.hits, stats.misses, stats.evictions, stats.entries) == (1, 4, 2, 2)
    clear_all()
    assert _stats("t.memo_cwf").entries == 0

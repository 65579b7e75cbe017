"""/metrics carries every bounded cache's entries, capacity, hits (where counted), misses and evictions."""

from __future__ import annotations

from ta.core.base import cache
from ta.core.base.cache import CLEAR_WHEN_FULL, BoundedCache
from ta.process.metrics import Metrics


def test_cache_figures_are_exposed_per_cache() -> None:
    counted: BoundedCache[str, int] = BoundedCache("t.metrics_counted", bound=2, policy=CLEAR_WHEN_FULL, reason="t")
    fast: BoundedCache[str, int] = BoundedCache(
        "t.metrics_fast", bound=2, policy=CLEAR_WHEN_FULL, reason="t", count_hits=False
    )
    try:
        for key in "abc":
            counted.put(key, 0)
            fast.put(key, 0)
        counted.get("c")
        m = Metrics()

        def value(metric: str, name: str) -> float | None:
            return m.registry.get_sample_value(metric, {"cache": name})

        assert value("ta_cache_entries", "t.metrics_counted") == 1
        assert value("ta_cache_capacity", "t.metrics_counted") == 2
        assert value("ta_cache_hits_total", "t.metrics_counted") == 1
        assert value("ta_cache_misses_total", "t.metrics_counted") == 3
        assert value("ta_cache_evictions_total", "t.metrics_counted") == 2
        assert value("ta_cache_misses_total", "t.metrics_fast") == 3
        assert value("ta_cache_hits_total", "t.metrics_fast") is None  # not counted: no series rather than a 0
        text = m.render().decode()
        assert "# TYPE ta_cache_hits_total counter" in text
        assert "# TYPE ta_cache_entries gauge" in text
    finally:
        cache._caches.pop("t.metrics_counted")
        cache._caches.pop("t.metrics_fast")

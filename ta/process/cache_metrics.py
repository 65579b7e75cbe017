"""Cache metrics: what the process's bounded caches (``ta.core.base.cache``) hold and how well they serve.

In: the cache registry, read when ``/metrics`` is scraped. Out: per cache name, ``ta_cache_entries`` (entries held,
summed over a family's live tables), ``ta_cache_capacity`` (the entry bound of each table),
``ta_cache_hits_total`` (only for caches that count hits: hot-loop tables count misses only),
``ta_cache_misses_total`` and ``ta_cache_evictions_total`` (entries removed to make room; not for the
``lru_cache``-backed memos, which do not count them). A hit rate that falls,
or evictions that keep climbing, say a bound is too small for the cluster.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ta.core.base.cache import cache_stats


class CacheCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        stats = cache_stats()
        entries = GaugeMetricFamily("ta_cache_entries", "Entries held by each bounded cache.", labels=["cache"])
        capacity = GaugeMetricFamily(
            "ta_cache_capacity", "Entry bound of each bounded cache (per table, for a family).", labels=["cache"]
        )
        hits = CounterMetricFamily(
            "ta_cache_hits", "Lookups answered from each bounded cache (where hits are counted).", labels=["cache"]
        )
        misses = CounterMetricFamily(
            "ta_cache_misses", "Values computed and stored by each bounded cache.", labels=["cache"]
        )
        evictions = CounterMetricFamily(
            "ta_cache_evictions", "Entries each bounded cache removed to make room.", labels=["cache"]
        )
        for one in stats:
            entries.add_metric([one.name], one.entries)
            capacity.add_metric([one.name], one.bound)
            if one.hits is not None:
                hits.add_metric([one.name], one.hits)
            misses.add_metric([one.name], one.misses)
            if one.evictions is not None:
                evictions.add_metric([one.name], one.evictions)
        yield from (entries, capacity, hits, misses, evictions)

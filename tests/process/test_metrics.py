from ta.process.metrics import Metrics


def _value(m: Metrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def test_gauges_go_back_to_zero_when_subject_goes_away() -> None:
    m = Metrics()
    m.set_collectors("consistent-hashing", {"a": 3, "b": 2}, discovered=2)
    m.set_collectors("consistent-hashing", {"a": 5}, discovered=1)
    assert (
        _value(m, "opentelemetry_allocator_targets_per_collector", collector_name="b", strategy="consistent-hashing")
        == 0
    )
    assert (
        _value(m, "opentelemetry_allocator_targets_per_collector", collector_name="a", strategy="consistent-hashing")
        == 5
    )
    assert _value(m, "opentelemetry_allocator_collectors_allocatable", strategy="consistent-hashing") == 1
    m.set_job_targets({"j": 4})
    m.set_job_targets({})
    assert _value(m, "opentelemetry_allocator_targets", job_name="j") == 0


def test_sub_second_buckets_and_upstream_names() -> None:
    m = Metrics()
    m.time_to_allocate.labels("SetTargets", "consistent-hashing").observe(0.002)
    text = m.render().decode()
    assert 'opentelemetry_allocator_time_to_allocate_bucket{le="0.0025",method="SetTargets"' in text
    # The events counter under its Go TA name, with the ``_total`` suffix on the sample itself.
    m.events.labels("kube").inc()
    text = m.render().decode()
    assert "# TYPE opentelemetry_allocator_events_total counter" in text.splitlines()
    assert 'opentelemetry_allocator_events_total{source="kube"} 1.0' in text.splitlines()


async def test_runtime_gauges_read_tasks_mailboxes_and_caches_at_scrape_time() -> None:
    m = Metrics()
    depths = {"discovery": 2, "allocation": 0}
    m.watch_runtime(lambda: depths, lambda: {"view_answers": 7}, lambda: 4096)
    assert _value(m, "ta_mailbox_depth", actor="discovery") == 2
    depths["discovery"] = 0
    assert _value(m, "ta_mailbox_depth", actor="discovery") == 0
    assert _value(m, "ta_store_entries", store="view_answers") == 7
    assert _value(m, "ta_events_tail_bytes") == 4096
    tasks = _value(m, "ta_event_loop_tasks")
    assert tasks is not None and tasks >= 1  # this test's own task


async def test_every_metric_family_is_exposed_once() -> None:
    # Two collectors yielding one family name would give Prometheus a second TYPE line, which it rejects.
    from ta.core.base import cache

    cache.BoundedCache(name="t.exposed_once", bound=2, policy=cache.CLEAR_WHEN_FULL, reason="test")
    m = Metrics()
    m.watch_runtime(lambda: {"discovery": 0}, lambda: {"view_answers": 1}, lambda: 0)
    types = [line.split()[2] for line in m.render().decode().splitlines() if line.startswith("# TYPE ")]
    assert len(types) == len(set(types)), sorted(t for t in types if types.count(t) > 1)

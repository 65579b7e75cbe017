"""/metrics carries runtime metrics in Python terms: event-loop tasks (go_goroutines), threads, the GC."""

from __future__ import annotations

import asyncio

from ta.process.metrics import Metrics


async def test_event_loop_tasks_threads_and_gc_are_exposed() -> None:
    m = Metrics()
    before = m.registry.get_sample_value("ta_event_loop_tasks")
    assert before is not None and before >= 1  # at least this test's own task
    sleepers = [asyncio.create_task(asyncio.sleep(60)) for _ in range(5)]
    try:
        assert m.registry.get_sample_value("ta_event_loop_tasks") == before + 5
    finally:
        for task in sleepers:
            task.cancel()
        await asyncio.gather(*sleepers, return_exceptions=True)
    text = m.render().decode()
    assert "# TYPE ta_event_loop_tasks gauge" in text
    threads = m.registry.get_sample_value("ta_threads")
    assert threads is not None and threads >= 1
    assert m.registry.get_sample_value("python_gc_collections_total", {"generation": "0"}) is not None
    assert "\ngo_goroutines" not in text  # no Go runtime to report: the difference is in docs/compatibility.md


def test_rendered_outside_an_event_loop_has_no_task_count() -> None:
    m = Metrics()
    assert m.registry.get_sample_value("ta_event_loop_tasks") is None
    assert m.registry.get_sample_value("ta_threads") is not None

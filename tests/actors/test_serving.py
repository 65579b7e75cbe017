"""The serving actor at the actor level: each input kind lands in the view, the diagnostics or the metrics."""

import orjson
from structlog.testing import capture_logs

from ta.actors.serving import ServingActor
from ta.core.allocation.allocator import Move
from ta.core.base.model import Collector
from ta.core.serving.view import View
from ta.events.allocation import AllocationChanged
from ta.events.discovery import ScrapeConfigsChanged, TargetsChanged
from ta.events.membership import CollectorsChanged
from ta.events.problems import InputRejected, StepFailed
from ta.process.metrics import Metrics
from tests.core.allocation.builders import make_target


def sample(metrics: Metrics, line_start: str) -> str:
    [line] = [line for line in metrics.render().decode().splitlines() if line.startswith(line_start)]
    return line.rsplit(" ", 1)[1]


def test_allocation_changes_reach_the_view_and_the_gauges() -> None:
    actor = ServingActor(View(), Metrics())
    target = make_target(1, job="j")
    moves = (Move(target=target, before="", after="c0"),)
    assert actor.step(CollectorsChanged(seq=1, collectors=(Collector(name="c0", node="n"),))) == []
    actor.step(
        AllocationChanged(
            seq=2, strategy="least-weighted", moves=moves, collectors=("c0",), counts=(("c0", 1),), unassigned=0
        )
    )
    assert actor.view.collectors == ("c0",)
    assert target.address.encode() in actor.view.targets_for("j", "c0").data
    assert sample(actor.metrics, "opentelemetry_allocator_collectors_discovered ") == "1.0"


def test_scrape_configs_and_target_counts_are_served() -> None:
    actor = ServingActor(View(), Metrics())
    actor.step(ScrapeConfigsChanged(seq=1, redacted=b'{"j":{"job_name":"j"}}', revealed=b'{"j":{"job_name":"j"}}'))
    assert actor.view.ready
    body = actor.view.scrape_configs(reveal=False)
    assert body is not None and orjson.loads(body.data) == {"j": {"job_name": "j"}}
    actor.step(TargetsChanged(seq=2, upserts=(), removals=(), discovered=(("j", 3),), remaining=2))
    assert sample(actor.metrics, "opentelemetry_allocator_targets_remaining ") == "2.0"


def test_a_rejected_input_is_listed_logged_and_counted_once() -> None:
    actor = ServingActor(View(), Metrics())
    with capture_logs() as logs:
        actor.step(InputRejected(seq=4, source="ServiceMonitor a/b", reason="bad"))
    assert orjson.loads(actor.diagnostics.render_problems()) == [
        {"seq": 4, "source": "ServiceMonitor a/b", "reason": "bad"}
    ]
    assert [(line["event"], line["seq"]) for line in logs] == [("input.rejected", 4)]
    assert actor.metrics.rejected.labels("ServiceMonitor", "rejected")._value.get() == 1


def test_a_failed_step_is_listed_and_counted_per_actor_not_logged_again() -> None:
    actor = ServingActor(View(), Metrics())
    with capture_logs() as logs:
        actor.step(StepFailed(seq=5, actor="crs", input="k8s.object", error="KeyError: 'x'"))
    [problem] = orjson.loads(actor.diagnostics.render_problems())
    assert problem["source"] == "actor crs" and problem["seq"] == 5
    assert logs == []  # logged where it failed
    assert actor.metrics.step_failures.labels("crs")._value.get() == 1

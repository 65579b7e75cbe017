"""The allocation actor at the actor level: what it emits for a config, a collector set and target changes."""

from ta.actors.allocation import AllocationActor
from ta.core.base.model import Collector
from ta.events.allocation import AllocationChanged
from ta.events.discovery import TargetsChanged
from ta.events.membership import CollectorsChanged
from tests.actors.messages import config
from tests.core.allocation.builders import make_targets

COLLECTORS = (Collector(name="c0", node="n0"), Collector(name="c1", node="n1"))


def test_collectors_then_targets_place_every_target_and_say_where() -> None:
    actor = AllocationActor()
    [first] = actor.step(config(1))
    assert first == AllocationChanged(
        seq=1, strategy="consistent-hashing", moves=(), collectors=(), counts=(), unassigned=0
    )
    [placed] = actor.step(CollectorsChanged(seq=2, collectors=COLLECTORS))
    assert placed.collectors == ("c0", "c1") and placed.moves == ()
    targets = make_targets(20)
    [moved] = actor.step(TargetsChanged(seq=3, upserts=tuple(targets), removals=(), discovered=(), remaining=0))
    assert moved.seq == 3 and len(moved.moves) == 20 and {m.after for m in moved.moves} == {"c0", "c1"}
    assert sum(n for _, n in moved.counts) == 20 and moved.unassigned == 0
    [removed] = actor.step(TargetsChanged(seq=4, upserts=(), removals=(targets[0].hash,), discovered=(), remaining=0))
    assert [m.removed for m in removed.moves] == [True] and sum(n for _, n in removed.counts) == 19


def test_a_new_strategy_replaces_the_allocator_keeping_collectors_and_targets() -> None:
    actor = AllocationActor()
    actor.step(config(1))
    actor.step(CollectorsChanged(seq=2, collectors=COLLECTORS))
    actor.step(
        TargetsChanged(seq=3, upserts=tuple(make_targets(10, node="n1")), removals=(), discovered=(), remaining=0)
    )
    [same] = actor.step(config(4))
    assert same.moves == () and same.strategy == "consistent-hashing"  # the same strategy: nothing rebuilt
    [switched] = actor.step(config(5, allocation_strategy="per-node"))
    assert switched.strategy == "per-node" and switched.counts == (("c0", 0), ("c1", 10))


def test_the_timer_sees_each_allocator_call_by_method_and_strategy() -> None:
    calls: list[tuple[str, str]] = []

    def timer(method: str, strategy: str, call):  # type: ignore[no-untyped-def]
        calls.append((method, strategy))
        return call()

    actor = AllocationActor(timer)
    actor.step(config(1, allocation_strategy="least-weighted"))
    actor.step(CollectorsChanged(seq=2, collectors=COLLECTORS))
    actor.step(TargetsChanged(seq=3, upserts=tuple(make_targets(2)), removals=(), discovered=(), remaining=0))
    assert calls == [("SetCollectors", "least-weighted"), ("SetTargets", "least-weighted")]

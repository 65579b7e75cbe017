from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ta.core.allocation.allocator import Allocator, Move, UnknownStrategyError
from ta.core.allocation.ring import partition_of, partition_owners
from ta.core.allocation.strategy import FALLBACKS, STRATEGIES
from ta.core.base.model import Collector, Target
from tests.core.allocation.builders import Mirror, counts, make_collectors, make_target, make_targets

# Configurations under which every target is placed whenever collectors exist.
PLACING = [
    pytest.param("consistent-hashing", "", id="consistent-hashing"),
    pytest.param("least-weighted", "", id="least-weighted"),
    pytest.param("per-node", "consistent-hashing", id="per-node+ch"),
    pytest.param("per-node", "least-weighted", id="per-node+lw"),
    pytest.param("rendezvous-bounded", "", id="rendezvous-bounded"),
]
ALL = [*PLACING, pytest.param("per-node", "", id="per-node")]


def test_unknown_strategy_is_named() -> None:
    with pytest.raises(UnknownStrategyError, match="'round-robin'"):
        Allocator("round-robin")


@pytest.mark.parametrize("fallback", ["bogus", "per-node", "rendezvous-bounded"])
def test_invalid_fallback_is_named(fallback: str) -> None:
    with pytest.raises(UnknownStrategyError, match=repr(fallback)):
        Allocator("per-node", fallback=fallback)


@pytest.mark.parametrize("name", STRATEGIES)
def test_the_fallback_rule_is_the_strategy_modules(name: str) -> None:
    # Every named strategy can be built; the ones per-node may fall back on are exactly ``FALLBACKS``.
    Allocator(name)
    if name in FALLBACKS:
        Allocator("per-node", fallback=name)
    else:
        with pytest.raises(
            UnknownStrategyError,
            match=f"^unknown fallback strategy {name!r}; expected one of: consistent-hashing, least-weighted$",
        ):
            Allocator("per-node", fallback=name)


def test_unknown_strategy_error_is_a_value_error() -> None:
    assert issubclass(UnknownStrategyError, ValueError)


def test_fallback_on_other_strategies_is_ignored_and_checked_where_per_node_reads_it() -> None:
    # Ignored: the same placements as without a fallback (asserting ``strategy`` alone only read back the argument).
    with_fallback = Allocator("consistent-hashing", fallback="least-weighted")
    plain = Allocator("consistent-hashing")
    for allocator in (with_fallback, plain):
        allocator.set_collectors(make_collectors(3))
    targets = make_targets(40, node="node-9")  # on no collector's node: where a fallback would matter
    assert with_fallback.update(upserts=targets) == plain.update(upserts=targets)
    assert with_fallback.set_collectors(make_collectors(2)) == plain.set_collectors(make_collectors(2))
    # Names that are no strategy at all are refused by the config check (tests/core/config/test_validate.py);
    # per-node, the one strategy that reads its fallback, refuses one it cannot use.
    for fallback in ("nope", "per-node", "rendezvous-bounded"):
        with pytest.raises(UnknownStrategyError):
            Allocator("per-node", fallback=fallback)


@pytest.mark.parametrize(("strategy", "fallback"), ALL)
def test_set_collectors(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    assert allocator.set_collectors(reversed(make_collectors(3))) == ()
    assert [c.name for c in allocator.collectors()] == ["collector-0", "collector-1", "collector-2"]
    assert allocator.assigned_counts() == (("collector-0", 0), ("collector-1", 0), ("collector-2", 0))


@pytest.mark.parametrize(("strategy", "fallback"), PLACING)
def test_set_targets_assigns_each_once(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(3))
    targets = make_targets(50)
    moves = allocator.update(upserts=targets)
    assert len(allocator) == 50
    assert sorted(m.target.hash for m in moves) == sorted(t.hash for t in targets)
    assert all(m.before == "" and m.after.startswith("collector-") and not m.removed for m in moves)
    assert sum(counts(allocator).values()) == 50
    assert allocator.unassigned_count() == 0


@pytest.mark.parametrize(("strategy", "fallback"), PLACING)
def test_single_target(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(3))
    target = make_target(0)
    (move,) = allocator.update(upserts=[target])
    assert move.target == target
    assert allocator.collector_of(target.hash) == move.after != ""
    assert allocator.target(target.hash) == target


@pytest.mark.parametrize(("strategy", "fallback"), PLACING)
def test_targets_before_collectors(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    targets = make_targets(6)
    moves = allocator.update(upserts=targets)
    assert [(m.before, m.after) for m in moves] == [("", "")] * 6
    assert allocator.unassigned_count() == 6
    moves = allocator.set_collectors(make_collectors(2))
    assert len(moves) == 6
    assert all(m.before == "" and m.after in {"collector-0", "collector-1"} for m in moves)
    assert allocator.unassigned_count() == 0


@pytest.mark.parametrize(("strategy", "fallback"), ALL)
def test_targets_without_collectors_follow_the_latest_set(strategy: str, fallback: str) -> None:
    # Upstream's TestTargetsWithNoCollectors*: the held set tracks updates while nothing can be assigned.
    allocator = Allocator(strategy, fallback=fallback)
    first = make_targets(10, node="node-0")
    allocator.update(upserts=first)
    assert len(allocator) == 10
    second = make_targets(5, 10, node="node-0")
    allocator.update(upserts=second, removals=[t.hash for t in first])
    assert len(allocator) == 5
    third = make_targets(6, 14, node="node-0")
    allocator.update(upserts=third, removals=[t.hash for t in second if t not in third])
    assert len(allocator) == 6
    allocator.set_collectors(make_collectors(2))
    assert allocator.unassigned_count() == 0
    if strategy == "per-node":
        assert counts(allocator) == {"collector-0": 6, "collector-1": 0}
    else:
        assert all(n <= 4 for n in counts(allocator).values())


@pytest.mark.parametrize(("strategy", "fallback"), ALL)
def test_adding_and_removing_targets(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(3))
    first = make_targets(6, node="node-1")
    allocator.update(upserts=first)
    removed = first[:3]
    moves = allocator.update(removals=[t.hash for t in removed])
    assert [(m.target, m.removed, m.after) for m in moves] == sorted(
        ((t, True, "") for t in removed), key=lambda x: (x[0].job, x[0].hash)
    )
    assert len(allocator) == 3
    assert all(allocator.target(t.hash) is None and allocator.collector_of(t.hash) == "" for t in removed)
    assert sum(counts(allocator).values()) + allocator.unassigned_count() == 3


def test_removing_unknown_hash_is_a_no_op() -> None:
    allocator = Allocator("least-weighted")
    allocator.set_collectors(make_collectors(1))
    allocator.update(upserts=make_targets(2))
    assert allocator.update(removals=[12345]) == ()
    assert len(allocator) == 2


@pytest.mark.parametrize(("strategy", "fallback"), PLACING)
def test_adding_and_removing_collectors(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    mirror = Mirror()
    targets = make_targets(60)
    held = [t.hash for t in targets]
    mirror.apply(allocator.set_collectors(make_collectors(3)))
    mirror.apply(allocator.update(upserts=targets))
    moves = allocator.set_collectors(make_collectors(2))
    mirror.apply(moves)
    assert {m.before for m in moves} >= {"collector-2"}
    assert all(c != "collector-2" for _, c in mirror.state.values())
    mirror.assert_mirrors(allocator, held)
    mirror.apply(allocator.set_collectors(make_collectors(4)))
    mirror.assert_mirrors(allocator, held)
    moves = allocator.set_collectors([])
    mirror.apply(moves)
    assert all(m.after == "" for m in moves)
    assert allocator.unassigned_count() == 60
    assert allocator.assigned_counts() == ()
    mirror.assert_mirrors(allocator, held)


@pytest.mark.parametrize(("strategy", "fallback"), ALL)
def test_same_address_different_labels_are_both_kept(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(3))
    one = make_target(1, job="sample", address="0.0.0.0:8000", node="node-0")
    two = make_target(2, job="sample", address="0.0.0.0:8000", node="node-0")
    moves = allocator.update(upserts=[one, two])
    assert len(moves) == 2
    assert len(allocator) == 2
    assert allocator.collector_of(one.hash) != ""
    assert allocator.collector_of(two.hash) != ""


def test_unknown_hash_and_empty_sets() -> None:
    allocator = Allocator("consistent-hashing")
    assert allocator.collector_of(42) == ""
    assert allocator.target(42) is None
    assert allocator.update() == ()
    assert allocator.set_collectors([]) == ()
    assert len(allocator) == 0
    assert allocator.unassigned_count() == 0
    allocator.set_collectors(make_collectors(2))
    allocator.update(upserts=make_targets(4))
    moves = allocator.update(removals=[t.hash for t in make_targets(4)])
    assert len(moves) == 4 and all(m.removed for m in moves)
    assert len(allocator) == 0
    assert counts(allocator) == {"collector-0": 0, "collector-1": 0}


@pytest.mark.parametrize(("strategy", "fallback"), ALL)
def test_repeated_set_collectors_is_idempotent(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(3))
    allocator.update(upserts=make_targets(30, node="node-2"))
    before = allocator.assigned_counts()
    assert allocator.set_collectors(make_collectors(3)) == ()
    assert allocator.set_collectors(list(reversed(make_collectors(3)))) == ()
    assert allocator.assigned_counts() == before


@pytest.mark.parametrize(("strategy", "fallback"), ALL)
def test_label_refresh_on_unchanged_hash_keeps_collector(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(3))
    old = make_target(7, node="node-1", extra=(("__meta_kubernetes_pod_name", "pod-a"),))
    allocator.update(upserts=[old])
    collector = allocator.collector_of(old.hash)
    new = make_target(7, node="node-1", extra=(("__meta_kubernetes_pod_name", "pod-b"),))
    assert new.hash == old.hash
    assert allocator.update(upserts=[new]) == (Move(target=new, before=collector, after=collector),)
    assert allocator.target(old.hash) == new
    assert allocator.update(upserts=[new]) == ()
    assert sum(counts(allocator).values()) + allocator.unassigned_count() == 1


def test_target_hashes_lists_held_targets_ascending() -> None:
    allocator = Allocator("least-weighted")
    targets = make_targets(5)
    allocator.update(upserts=targets)
    allocator.update(removals=[targets[0].hash])
    assert allocator.target_hashes() == tuple(sorted(t.hash for t in targets[1:]))


def test_upsert_wins_over_removal_of_the_same_hash() -> None:
    allocator = Allocator("consistent-hashing")
    allocator.set_collectors(make_collectors(2))
    target = make_target(1)
    allocator.update(upserts=[target])
    assert allocator.update(upserts=[target], removals=[target.hash]) == ()
    assert allocator.target(target.hash) == target


def test_duplicate_collector_names_last_wins() -> None:
    allocator = Allocator("per-node")
    allocator.set_collectors([Collector(name="c", node="n1"), Collector(name="c", node="n2")])
    assert allocator.collectors() == (Collector(name="c", node="n2"),)


@pytest.mark.parametrize(("strategy", "fallback"), ALL)
def test_moves_are_sorted_by_job_then_hash(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(4))
    targets = [make_target(i, job=f"job-{i % 3}", node=f"node-{i % 5}") for i in range(40)]
    moves = allocator.update(upserts=reversed(targets))
    assert [(m.target.job, m.target.hash) for m in moves] == sorted((t.job, t.hash) for t in targets)
    moves = allocator.update(
        upserts=[replace(t, own=(("x", "y"),)) for t in targets[:10]], removals=[t.hash for t in targets[20:]]
    )
    keys = [(m.target.job, m.target.hash) for m in moves]
    assert keys == sorted(keys)
    named = {t.hash for t in targets[:10] + targets[20:]}
    assert named <= {m.target.hash for m in moves}
    if strategy == "rendezvous-bounded":
        # The cap falls with the removals, so a few held targets move too (in the same sorted result).
        assert all(m.before != m.after for m in moves if m.target.hash not in named)
    else:
        assert len(keys) == 30


@pytest.mark.parametrize(("strategy", "fallback"), PLACING)
def test_multiple_jobs_all_assigned(strategy: str, fallback: str) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    allocator.set_collectors(make_collectors(3))
    for job in ("a", "b", "c"):
        allocator.update(upserts=[make_target(i, job=job) for i in range(20)])
    assert len(allocator) == 60
    assert allocator.unassigned_count() == 0


CONFIGS = [
    ("consistent-hashing", ""),
    ("least-weighted", ""),
    ("per-node", ""),
    ("per-node", "consistent-hashing"),
    ("per-node", "least-weighted"),
]

collector_sets = st.lists(
    st.builds(
        lambda i, n: Collector(name=f"c{i}", node=f"n{n}" if n < 4 else ""), st.integers(0, 5), st.integers(0, 4)
    ),
    max_size=6,
)
target_values = st.builds(
    lambda i, job, address, node, extra: make_target(
        i, job=job, address=address, node=node, extra=(("__meta_x", str(extra)),)
    ),
    st.integers(0, 14),
    st.sampled_from(["a", "b"]),
    st.sampled_from(["x:1", "x:2", "y:1"]),
    st.sampled_from(["", "n0", "n1", "n2", "n4"]),
    st.integers(0, 2),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("collectors"), collector_sets),
        st.tuples(
            st.just("update"), st.tuples(st.lists(target_values, max_size=8), st.lists(st.integers(0, 14), max_size=5))
        ),
    ),
    max_size=12,
)


def expected_collector(strategy: str, fallback: str, collectors: tuple[Collector, ...], target: Target) -> str | None:
    """The collector the rules dictate, or None when any existing collector is allowed (least-weighted)."""
    if not collectors:
        return ""
    ring_owner = partition_owners(c.name for c in collectors)[partition_of(target.address)]
    if strategy == "per-node":
        on_node = sorted(c.name for c in collectors if target.node and c.node == target.node)
        if on_node:
            return on_node[0]
        strategy = fallback
    if strategy == "consistent-hashing":
        return ring_owner
    if strategy == "least-weighted":
        return None
    return ""


@pytest.mark.parametrize(("strategy", "fallback"), CONFIGS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_moves_replay_to_the_allocator_state_and_follow_the_rules(
    strategy: str, fallback: str, ops: list[tuple[str, object]]
) -> None:
    allocator = Allocator(strategy, fallback=fallback)
    mirror = Mirror()
    held: set[int] = set()
    by_identity = {make_target(i, job=job).hash: i for i in range(15) for job in ("a", "b")}
    for kind, payload in ops:
        previous = dict(mirror.state)
        if kind == "collectors":
            assert isinstance(payload, list)
            moves = allocator.set_collectors(payload)
        else:
            assert isinstance(payload, tuple)
            upserts, removal_ids = payload
            removals = [make_target(i, job=job).hash for i in removal_ids for job in ("a", "b")]
            moves = allocator.update(upserts=upserts, removals=removals)
            held -= set(removals)
            held |= {t.hash for t in upserts}
        keys = [(m.target.job, m.target.hash) for m in moves]
        assert keys == sorted(set(keys))
        for move in moves:
            old = previous.get(move.target.hash)
            assert (old[1] if old else "") == move.before
            if not move.removed:
                assert old is None or old != (move.target, move.after)
        mirror.apply(moves)
        mirror.assert_mirrors(allocator, held)
        collectors = allocator.collectors()
        names = {c.name for c in collectors}
        for target_hash, (target, collector) in mirror.state.items():
            assert target_hash in by_identity
            expected = expected_collector(strategy, fallback, collectors, target)
            if expected is None:
                assert collector in names
                was = previous.get(target_hash)
                if strategy == "least-weighted" and was and was[1] in names:
                    assert collector == was[1]
            else:
                assert collector == expected


def test_every_operation_is_followed_by_the_invariant_check() -> None:
    # The package conftest wraps them; a test that bypassed it would check nothing.
    for name in ("set_collectors", "update", "begin", "commit", "rollback"):
        assert getattr(getattr(Allocator, name), "checked", False), name


@pytest.mark.parametrize("strategy", ["consistent-hashing", "least-weighted", "per-node"])
def test_check_invariants_names_each_broken_rule(strategy: str) -> None:
    def loaded() -> Allocator:
        allocator = Allocator(strategy, fallback="least-weighted" if strategy == "per-node" else "")
        allocator.set_collectors(make_collectors(3))
        allocator.update(upserts=make_targets(30))
        allocator.check_invariants()
        return allocator

    some = next(iter(make_targets(1)))
    allocator = loaded()
    allocator._unassigned.add(some.hash)
    with pytest.raises(AssertionError, match="unassigned is not exactly"):
        allocator.check_invariants()
    allocator = loaded()
    allocator._owner[12345] = "collector-0"
    with pytest.raises(AssertionError, match="owners of targets not held"):
        allocator.check_invariants()
    allocator = loaded()
    name = allocator.collector_of(some.hash)
    allocator._served[name].discard(some.hash)
    with pytest.raises(AssertionError, match=f"served\\[{name!r}\\]"):
        allocator.check_invariants()
    allocator = loaded()
    others = sorted({"collector-0", "collector-1", "collector-2"} - {name})
    allocator._owner[some.hash] = others[0]
    allocator._served[name].discard(some.hash)
    allocator._served[others[0]].add(some.hash)
    # Least-weighted keeps a target wherever it is, so only its tally notices; the others' choices differ too.
    with pytest.raises(AssertionError, match="tally totals" if strategy != "consistent-hashing" else "strategy puts"):
        allocator.check_invariants()
    allocator = loaded()
    allocator.begin()
    allocator._saved = None
    with pytest.raises(AssertionError, match="half open"):
        allocator.check_invariants()

from ta.core.base.labels import label_set
from ta.core.base.model import Target
from ta.core.discovery.index import DROPPED_KEPT_PER_GROUP, TargetIndex
from ta.core.discovery.targets import DroppedTarget


def t(h: int, address: str = "a:1", job: str = "j", **labels: str) -> Target:
    return Target(job=job, address=address, own=label_set({"__address__": address, **labels}), hash=h)


def test_add_change_remove_group() -> None:
    index = TargetIndex()
    delta = index.set_group("j", "s1", (t(1), t(2, "b:1")))
    assert sorted(delta.upserts) == [1, 2] and not delta.removals
    delta = index.set_group("j", "s1", (t(2, "b:1", x="y"),))
    assert delta.removals == {1} and list(delta.upserts) == [2]
    delta = index.set_group("j", "s1", ())
    assert delta.removals == {2} and not delta.upserts
    assert index.jobs() == []


def test_unchanged_group_yields_empty_delta() -> None:
    index = TargetIndex()
    index.set_group("j", "s1", (t(1),))
    assert not index.set_group("j", "s1", (t(1),))


def test_duplicate_identity_across_sources_is_one_target_and_survives_one_removal() -> None:
    index = TargetIndex()
    index.set_group("j", "s1", (t(1, meta="from-s1"),))
    delta = index.set_group("j", "s2", (t(1, meta="from-s2"),))
    # The greatest source wins deterministically; its value replaces the earlier one.
    assert dict(delta.upserts[1].labels)["meta"] == "from-s2"
    assert index.remaining() == 1
    delta = index.set_group("j", "s2", ())
    assert not delta.removals and dict(delta.upserts[1].labels)["meta"] == "from-s1"
    delta = index.set_group("j", "s1", ())
    assert delta.removals == {1}


def test_counts_and_dropped() -> None:
    index = TargetIndex()
    dropped = DroppedTarget(job="j", own=label_set({"__address__": "c:1"}), reason="dropped by relabel_configs[0]")
    index.set_group("j", "s1", (t(1),), (dropped,))
    index.set_group("k", "s1", (t(2, job="k"),))
    assert index.discovered_counts() == (("j", 2), ("k", 1))
    assert index.remaining() == 2
    assert index.dropped("j") == [dropped]
    delta = index.remove_job("j")
    assert delta.removals == {1}
    assert index.discovered_counts() == (("k", 1),)


def test_dropped_examples_are_bounded_per_group() -> None:
    index = TargetIndex()

    def dropped(n: int, reason: str) -> tuple[DroppedTarget, ...]:
        return tuple(
            DroppedTarget(job="j", own=label_set({"__address__": f"d:{i}"}), reason=reason) for i in range(n)
        )

    # A group dropped as a whole for one reason keeps one example; every target is still counted.
    index.set_group("j", "whole", (), dropped(30, "dropped by relabel_configs[0] (action keep)"), 30)
    assert len(index.dropped("j")) == 1
    # Mixed reasons, or some targets kept: up to DROPPED_KEPT_PER_GROUP examples.
    mixed = dropped(15, "dropped by relabel_configs[0] (action keep)") + dropped(15, "empty __address__")
    index.set_group("j", "mixed", (), mixed, 30)
    index.set_group("j", "partly", (t(1),), dropped(30, "dropped by relabel_configs[1] (action keep)"), 30)
    assert len(index.dropped("j")) == 1 + 2 * DROPPED_KEPT_PER_GROUP
    assert index.discovered_counts() == (("j", 91),)

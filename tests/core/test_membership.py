from collections.abc import Mapping
from typing import Any

from ta.core.gocompat.timefmt import parse_rfc3339
from ta.core.membership import _REPLACED, SETTLE_SECONDS, Membership, MembershipSettings, PodFacts, pod_facts

NOW = parse_rfc3339("2026-01-01T00:10:00Z") or 0.0


class Sel:
    def __init__(self, **want: str) -> None:
        self.want = want

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.want.items())


def pod(
    name: str,
    *,
    ns: str = "otel",
    node: str = "n1",
    phase: str = "Running",
    ready: str | None = "True",
    since: str = "2026-01-01T00:00:00Z",
    labels: dict[str, str] | None = None,
    deleting: bool = False,
) -> PodFacts:
    obj: dict[str, Any] = {
        "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": "col"}},
        "spec": {"nodeName": node},
        "status": {"phase": phase, "startTime": since},
    }
    if ready is not None:
        obj["status"]["conditions"] = [{"type": "Ready", "status": ready, "lastTransitionTime": since}]
    if deleting:
        obj["metadata"]["deletionTimestamp"] = since
    facts = pod_facts(obj)
    assert isinstance(facts, PodFacts)
    return facts


def names(m: Membership, now: float = NOW) -> list[str]:
    return [c.name for c in m.collectors(now)]


def test_namespace_selector_node_and_deletion() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=Sel(app="col"), grace_period=30))
    m.apply("ADDED", pod("a"))
    m.apply("ADDED", pod("b", ns="other"))
    m.apply("ADDED", pod("c", labels={"app": "x"}))
    m.apply("ADDED", pod("d", node=""))
    m.apply("ADDED", pod("e", deleting=True))
    assert names(m) == ["a"]
    m.apply("DELETED", pod("a"))
    assert names(m) == []


def test_nil_selector_takes_every_pod_in_namespace() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=30))
    m.apply("ADDED", pod("a", labels={"x": "y"}))
    assert names(m) == ["a"]


def test_grace_period_for_not_ready_and_not_running() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=30))
    recent = "2026-01-01T00:09:50Z"
    m.apply("ADDED", pod("fresh", ready="False", since=recent))
    m.apply("ADDED", pod("stale", ready="False"))
    m.apply("ADDED", pod("pending", phase="Pending", ready=None))
    m.apply("ADDED", pod("young-pending", phase="Pending", ready=None, since=recent))
    assert names(m) == ["fresh", "young-pending"]
    # Time passing alone (a tick) drops the fresh pod once its grace period is over.
    assert names(m, NOW + 60) == []


def test_zero_grace_period_disables_health_check() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=0))
    m.apply("ADDED", pod("stale", ready="False", phase="Failed"))
    assert names(m) == ["stale"]


def test_changed_reports_only_differences() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=30))
    m.apply("ADDED", pod("a"))
    first = m.changed(NOW)
    assert first is not None and [c.node for c in first] == ["n1"]
    assert m.changed(NOW) is None
    m.apply("MODIFIED", pod("a", node="n2"))
    assert m.changed(NOW) is not None


def test_pod_without_name_is_reported() -> None:
    assert pod_facts({"metadata": {}}) == "pod has no name"
    assert pod_facts({}) == "pod has no metadata"


def test_steady_set_is_the_same_object_between_changes() -> None:
    # Ready and Running pods cannot turn unhealthy with time: a tick only returns the cached tuple.
    m = Membership(MembershipSettings(namespace="otel", selector=Sel(app="col"), grace_period=30))
    m.apply("ADDED", pod("a"))
    m.apply("ADDED", pod("b"))
    first = m.changed(NOW)
    assert first is not None and m.collectors(NOW + 3600) is first
    assert m.changed(NOW + 3600) is None
    m.apply("MODIFIED", pod("b", labels={"app": "other"}))
    assert names(m) == ["a"]


def test_configure_refilters_every_pod_of_the_namespace() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=Sel(app="col"), grace_period=0))
    m.apply("ADDED", pod("a", labels={"app": "x"}))
    m.apply("ADDED", pod("b", ns="other"))
    m.apply("ADDED", pod("c", ready="False"))
    assert names(m) == ["c"]
    m.configure(MembershipSettings(namespace="otel", selector=Sel(app="x"), grace_period=0))
    assert names(m) == ["a"]
    # A grace period turns the not-ready pod's health into a question of time.
    m.configure(MembershipSettings(namespace="otel", selector=None, grace_period=30))
    assert names(m) == ["a"]
    m.configure(MembershipSettings(namespace="otel", selector=None, grace_period=10**9))
    assert names(m) == ["a", "c"]


def test_deleting_an_unknown_or_unselected_pod_changes_nothing() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=30))
    m.apply("ADDED", pod("a"))
    assert m.changed(NOW) is not None
    m.apply("DELETED", pod("zz"))
    m.apply("DELETED", pod("b", ns="other"))
    assert m.changed(NOW) is None
    m.apply("DELETED", pod("a"))
    assert m.changed(NOW) == ()


def test_same_pod_name_in_another_namespace_does_not_touch_the_collector() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=30))
    m.apply("ADDED", pod("collector-0"))
    m.apply("ADDED", pod("collector-0", ns="apps"))
    m.apply("DELETED", pod("collector-0", ns="apps"))
    assert names(m) == ["collector-0"]


def test_only_the_collector_namespace_is_kept_and_a_moved_namespace_is_noted() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=0))
    m.apply("ADDED", pod("a"))
    assert not m.wants("other")
    m.apply("ADDED", pod("b", ns="other"))  # passed by: never kept
    assert names(m) == ["a"]
    # Moving to a namespace none of whose pods went by needs no note; its pods count as they come.
    assert m.configure(MembershipSettings(namespace="fresh", selector=None, grace_period=0)) is None
    assert names(m) == []
    m.apply("ADDED", pod("c", ns="fresh"))
    assert names(m) == ["c"]
    # Moving to one whose pods went by says so: they count from their next change.
    note = m.configure(MembershipSettings(namespace="other", selector=None, grace_period=0))
    assert note is not None and "'other'" in note and "next change" in note
    assert names(m) == []
    m.apply("MODIFIED", pod("b", ns="other"))
    assert names(m) == ["b"]
    # The same settings again change nothing and note nothing.
    assert m.configure(MembershipSettings(namespace="other", selector=None, grace_period=0)) is None
    assert names(m) == ["b"]


def test_facts_of_odd_pods_and_repeated_values() -> None:
    """Label pairs and timestamps are shared between pods; odd values read as before, whatever came first."""
    odd = {
        "metadata": {"name": "x", "labels": {"a": ["list"], "b": 1}},
        "spec": [],
        "status": {"phase": "Pending", "startTime": 5, "conditions": [{"type": "Ready", "status": "False"}]},
    }
    facts = pod_facts(odd)
    assert isinstance(facts, PodFacts)
    assert facts.labels == (("a", "['list']"), ("b", "1"))
    assert (facts.node_name, facts.phase, facts.start_time) == ("", "Pending", None)
    assert (facts.ready_status, facts.ready_since) == ("False", None)
    assert pod_facts({"metadata": {"name": "y"}, "status": "odd"}) == PodFacts(
        "y", "", (), "", False, "", None, None, None
    )
    # Replicas: equal label maps in any key order give one shared, sorted tuple; a bad time is None, twice.
    first = pod("a", labels={"b": "2", "a": "1"}, since="not a time")
    second = pod("b", labels={"a": "1", "b": "2"}, since="not a time")
    again = pod("c", labels={"b": "2", "a": "1"}, since="not a time")
    assert first.labels == second.labels == (("a", "1"), ("b", "2"))
    assert first.labels is again.labels
    assert first.start_time is None and again.ready_since is None
    assert pod("d", since="2026-01-01T00:00:05Z").start_time == NOW - 595
    # Values that compare equal but print differently are never taken for one another.
    for value, text in ((1, "1"), (True, "True"), (1.0, "1.0"), (True, "True"), (1, "1")):
        facts = pod_facts({"metadata": {"name": "odd", "labels": {"v": value}}})
        assert isinstance(facts, PodFacts) and facts.labels == (("v", text),)


def test_pods_before_the_first_config_are_all_kept_until_it_names_the_namespace() -> None:
    m = Membership()
    assert m.wants("otel") and m.wants("other")
    m.apply("ADDED", pod("a"))
    m.apply("ADDED", pod("b", ns="other"))
    assert names(m) == []
    assert m.configure(MembershipSettings(namespace="other", selector=None, grace_period=0)) is None
    assert names(m) == ["b"]
    # The first config kept only its namespace's pods: moving to another one's says so.
    note = m.configure(MembershipSettings(namespace="otel", selector=None, grace_period=0))
    assert note is not None and "'otel'" in note
    assert names(m) == []


def test_deletions_of_passed_namespaces_and_moving_back() -> None:
    m = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=0))
    m.apply("ADDED", pod("a"))
    m.apply("DELETED", pod("b", ns="other"))  # never kept: nothing to delete, nothing changes
    assert names(m) == ["a"]
    assert m.configure(MembershipSettings(namespace="other", selector=None, grace_period=0)) is not None
    # Back to the first namespace: its pods were dropped on the move, which is said too.
    note = m.configure(MembershipSettings(namespace="otel", selector=None, grace_period=0))
    assert note is not None and "'otel'" in note
    assert names(m) == []
    m.apply("MODIFIED", pod("a"))
    assert names(m) == ["a"]


def settings() -> MembershipSettings:
    return MembershipSettings(namespace="otel", selector=None, grace_period=30)


def test_collectors_arriving_while_none_is_published_wait_for_the_settle_window() -> None:
    m = Membership(settings())
    assert m.changed(NOW) == ()  # the first set is published as it is, even empty
    m.apply("ADDED", pod("a"))
    assert m.changed(NOW + 1) is None  # the window starts at the first arrival
    m.apply("ADDED", pod("b"))
    assert m.changed(NOW + 1 + SETTLE_SECONDS - 0.01) is None
    settled = m.changed(NOW + 1 + SETTLE_SECONDS)
    assert settled is not None and [c.name for c in settled] == ["a", "b"]
    # Later changes, growing or shrinking, are published at once.
    m.apply("ADDED", pod("c"))
    assert m.changed(NOW + 7) is not None
    m.apply("DELETED", pod("a"))
    assert m.changed(NOW + 7) is not None


def test_a_collector_that_comes_and_goes_within_the_window_is_never_published() -> None:
    m = Membership(settings())
    assert m.changed(NOW) == ()
    m.apply("ADDED", pod("a"))
    assert m.changed(NOW + 1) is None
    m.apply("DELETED", pod("a"))
    assert m.changed(NOW + 2) is None
    m.apply("ADDED", pod("b"))
    assert m.changed(NOW + 3) is None
    assert m.changed(NOW + 3 + SETTLE_SECONDS - 0.01) is None  # the window restarted with b
    assert [c.name for c in m.changed(NOW + 3 + SETTLE_SECONDS) or ()] == ["b"]


def test_a_fleet_gone_and_back_settles_again_and_a_complete_list_publishes_at_once() -> None:
    m = Membership(settings())
    m.apply("ADDED", pod("a"))
    assert m.changed(NOW) is not None  # the first set
    m.apply("DELETED", pod("a"))
    assert m.changed(NOW + 1) == ()
    m.apply("ADDED", pod("a"))
    assert m.changed(NOW + 2) is None
    assert m.changed(NOW + 2, settled=True) is not None  # e.g. a complete pod list: nothing is arriving


def test_a_step_saves_every_field_it_can_replace() -> None:
    # begin/rollback read one list: a field of the core not in it (nor the undo log itself) would survive a
    # rolled-back step.
    assert set(vars(Membership())) - {"_undo", "_saved"} == set(_REPLACED)
    core = Membership(MembershipSettings(namespace="otel", selector=None, grace_period=0))
    core.begin()
    before = {name: getattr(core, name) for name in _REPLACED}
    core.configure(MembershipSettings(namespace="other", selector=None, grace_period=0))
    core.rollback()
    assert {name: getattr(core, name) for name in _REPLACED} == before

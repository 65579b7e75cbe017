from ta.core.base.labels import label_set
from ta.core.base.nodes import TARGET_KIND, TARGET_NAME, node_in, node_of
from ta.core.relabel.config import RelabelConfig
from ta.core.relabel.engine import UTF8
from ta.core.relabel.plan import compile_plan, split_plan


def test_pod_node_name_wins_over_later_labels() -> None:
    labels = label_set({"__meta_kubernetes_pod_node_name": "a", "__meta_kubernetes_node_name": "b"})
    assert node_of(labels) == "a"


def test_empty_values_are_skipped() -> None:
    labels = label_set({"__meta_kubernetes_pod_node_name": "", "__meta_kubernetes_endpoint_node_name": "c"})
    assert node_of(labels) == "c"


def test_endpointslice_node_target() -> None:
    labels = label_set(
        {
            "__meta_kubernetes_endpointslice_address_target_kind": "Node",
            "__meta_kubernetes_endpointslice_address_target_name": "n1",
        }
    )
    assert node_of(labels) == "n1"


def test_endpointslice_endpoint_node_name_is_not_consulted() -> None:
    assert node_of(label_set({"__meta_kubernetes_endpointslice_endpoint_node_name": "n1"})) == ""


# Every way the lookup can come out; the relabel plans used to carry their own copy of the rule.
NODE_CASES: tuple[dict[str, str], ...] = (
    {},
    {"__meta_kubernetes_pod_node_name": "a", "__meta_kubernetes_node_name": "b"},
    {"__meta_kubernetes_node_name": "b", "__meta_kubernetes_endpoint_node_name": "c"},
    {"__meta_kubernetes_pod_node_name": "", "__meta_kubernetes_endpoint_node_name": "c"},
    {TARGET_KIND: "Node", TARGET_NAME: "n1"},
    {TARGET_KIND: "Pod", TARGET_NAME: "p1"},
    {TARGET_KIND: "Node", TARGET_NAME: "n1", "__meta_kubernetes_endpoint_node_name": "c"},
    {TARGET_KIND: "Node"},
    {"__meta_kubernetes_endpointslice_endpoint_node_name": "n1"},
)


def _values(labels: dict[str, str], names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, labels[name]) if name in labels else ("", "") for name in names)


def test_compiled_plans_find_the_node_node_of_finds() -> None:
    rules = (RelabelConfig(source_labels=("__address__",), target_label="copied"),)
    plan = compile_plan(rules, UTF8, (("job", "j"),))
    assert plan is not None
    for labels in NODE_CASES:
        expected = node_of(label_set(labels))
        assert node_in(labels) == expected
        merged = {"__address__": "10.0.0.1:80", **labels}
        whole = plan.run(_values(merged, plan.names))
        assert isinstance(whole, tuple) and whole[1] == expected, labels
        # Node labels held by the group (computed once in prep) and by the target itself.
        for target_level in (frozenset({"__address__"}), frozenset(merged)):
            split = split_plan(plan, target_level & frozenset(plan.names))
            group = {k: v for k, v in merged.items() if k not in target_level}
            target = {k: v for k, v in merged.items() if k in target_level}
            state = split.prep(_values(group, split.gnames))
            assert isinstance(state, tuple)
            out = split.run(_values(target, split.tnames), state)
            assert isinstance(out, tuple) and out[1] == expected, (labels, target_level)

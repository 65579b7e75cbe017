"""Relabel plans: the compiled fast path against the reference engine (``LabelBuilder`` + ``apply_at``)."""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from ta.core.base.labels import LabelSet, label_set
from ta.core.base.nodes import TARGET_KIND
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import ACTIONS, RelabelConfig
from ta.core.relabel.engine import LEGACY, UTF8, apply_at, compile_rules
from ta.core.relabel.plan import ENTRY_SEP, FIXED_NAMES, Split, compile_plan, split_plan

NAMES = [
    "a",
    "b",
    "job",
    "__address__",
    "__meta_x",
    "__meta_kubernetes_pod_node_name",
    "__meta_kubernetes_endpointslice_address_target_kind",
    "__meta_kubernetes_endpointslice_address_target_name",
    "__tmp_h",
    "ü",
]
names = st.sampled_from(NAMES)
values = st.sampled_from(["", "x", "Node", "Pod;p", "a;b", "xy", "Ünï", "10.0.0.1:80", "true"]) | st.text(max_size=4)
labelsets = st.dictionaries(names, values, max_size=8).map(label_set)
regexes = st.sampled_from(
    ["(.*)", "(.+)", "x", "", "Pod;(.*)", "(.+);", "a(.*)b", "(.+)y", "a|b", "x(.)", "(?i)X.*", "(?P<n>.)(.*)"]
)
templates = st.sampled_from(["$1", "${1}", "$0", "$n", "${1}x", "lit", "", "$2"])
target_names = st.sampled_from(["t", "a", "job", "__meta_t", "__address__", "$1", "${n}x", "x-y", ""])


@st.composite
def configs(draw: st.DrawFn) -> RelabelConfig:
    # Mostly plannable actions; labelmap/labelkeep/regex labeldrop make the plan refuse (checked below).
    action = draw(st.sampled_from([*ACTIONS, "replace", "replace", "keep", "drop"]))
    return RelabelConfig(
        source_labels=tuple(draw(st.lists(names, max_size=3))),
        separator=draw(st.sampled_from([";", "", "/"])),
        regex=draw(regexes) if action != "labeldrop" else draw(st.sampled_from(["__tmp_h", "a", "__meta_.*"])),
        modulus=draw(st.integers(min_value=1, max_value=4)),
        target_label=draw(target_names),
        replacement=draw(templates),
        action=action,
    )


seed_lists = st.lists(st.tuples(st.sampled_from(["job", "__scheme__", "a", "__param_x"]), values), max_size=3).map(
    lambda pairs: tuple(dict(pairs).items())
)


def reference(
    labels: LabelSet, rules: list[RelabelConfig], seeds: tuple[tuple[str, str], ...], scheme: str
) -> tuple[int, list[tuple[str, str]]]:
    builder = LabelBuilder(labels)
    for name, value in seeds:
        if name not in builder.cur:
            builder.set(name, value)
    index = apply_at(builder, compile_rules(rules, name_validation=scheme))
    return index, builder.items()


@settings(max_examples=600, deadline=None)
@given(
    labels=labelsets,
    rules=st.lists(configs(), max_size=8),
    seeds=seed_lists,
    scheme=st.sampled_from([UTF8, LEGACY]),
)
def test_plan_matches_builder_range_order_and_drop_index(
    labels: LabelSet, rules: list[RelabelConfig], seeds: tuple[tuple[str, str], ...], scheme: str
) -> None:
    try:
        compile_rules(rules, name_validation=scheme)
    except ValueError:
        return
    plan = compile_plan(tuple(rules), scheme, seeds)
    if plan is None:
        assert any(rule.action in ("labelmap", "labelkeep", "labeldrop", "replace") for rule in rules)
        return
    values = dict(labels)
    out = plan.run(tuple((name, values[name]) if name in values else ("", "") for name in plan.names))
    if not values.get("__address__"):
        assert out == -1
        return
    index, items = reference(labels, rules, seeds, scheme)
    if index >= 0:
        assert out == index
        return
    assert not isinstance(out, int)
    address, _, tail, gone = out
    assert address == values["__address__"]
    assert set(tail) | gone <= plan.written
    # Range order: the untouched base labels (sorted, no "" values), then the labels set since, in order.
    base = [(name, value) for name, value in labels if value and name not in tail and name not in gone]
    assert [*base, *tail.items()] == items


def test_service_monitor_rules_are_planned_and_constant_modulus_one() -> None:
    rules = (
        RelabelConfig(source_labels=("job",), target_label="__tmp_prometheus_job_name"),
        RelabelConfig(action="keep", source_labels=("__meta_kubernetes_service_label_app",), regex="(my-app)"),
        RelabelConfig(
            source_labels=("__meta_kubernetes_endpointslice_address_target_kind", "__meta_x"),
            regex="Pod;(.*)",
            replacement="${1}",
            target_label="pod",
        ),
        RelabelConfig(source_labels=("__address__",), target_label="__tmp_hash", modulus=1, action="hashmod"),
        RelabelConfig(action="keep", source_labels=("__tmp_hash",), regex="$(SHARD)"),
        RelabelConfig(action="labeldrop", regex="__tmp_hash"),
    )
    plan = compile_plan(rules, UTF8, (("job", "j"),))
    assert plan is not None
    assert plan.names[: len(FIXED_NAMES)] == FIXED_NAMES
    assert "md5" not in plan.source and "hashmod" not in plan.source
    labels = label_set(
        {"__address__": "h:1", "__meta_kubernetes_service_label_app": "my-app", "__meta_x": "p1"}
        | {"__meta_kubernetes_endpointslice_address_target_kind": "Pod"}
    )
    values = dict(labels)
    out = plan.run(tuple((n, values[n]) if n in values else ("", "") for n in plan.names))
    # "$(SHARD)" is a regex that matches nothing: the operator's shard rule drops every target.
    assert out == 4 == reference(labels, list(rules), (("job", "j"),), UTF8)[0]


def test_unplannable_rules_fall_back() -> None:
    assert compile_plan((RelabelConfig(action="labelmap", regex="__meta_(.*)"),), UTF8) is None
    assert compile_plan((RelabelConfig(action="labeldrop", regex="__meta_.*"),), UTF8) is None
    assert compile_plan((RelabelConfig(source_labels=("a",), target_label="${1}"),), UTF8) is None
    assert compile_plan((RelabelConfig(action="labeldrop", regex="a"),), UTF8) is not None


# --- the split (once per group, then per target) against the whole plan ---

# Names in three roles: only on the group, only on targets, on both (the target's value wins); rules read and
# write all of them, so group-level names get overwritten by per-target rules and back.
GROUP_NAMES = ["__meta_g", "g", "job", "__meta_kubernetes_pod_node_name"]
TARGET_NAMES = ["__meta_t", "t", "__address__", "__meta_kubernetes_endpointslice_address_target_kind"]
BOTH_NAMES = ["b", "__meta_kubernetes_endpointslice_address_target_name"]
SPLIT_NAMES = [*GROUP_NAMES, *TARGET_NAMES, *BOTH_NAMES, "w", "__tmp_h"]
split_names = st.sampled_from(SPLIT_NAMES)
split_values = st.sampled_from(["", "x", "Node", "Pod;p", "a;b", "h:1", "Ünï", "true", "\0"])


@st.composite
def split_configs(draw: st.DrawFn) -> RelabelConfig:
    action = draw(
        st.sampled_from(["replace", "replace", "replace", "keep", "drop", "keepequal", "dropequal", "hashmod"])
        | st.sampled_from(["lowercase", "uppercase", "labeldrop"])
    )
    return RelabelConfig(
        source_labels=tuple(draw(st.lists(split_names, max_size=2))),
        regex=draw(regexes) if action != "labeldrop" else draw(split_names),
        modulus=draw(st.integers(min_value=1, max_value=3)),
        target_label=draw(split_names),
        replacement=draw(templates),
        action=action,
    )


def _values(labels: dict[str, str], names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, labels[name]) if name in labels else ("", "") for name in names)


@settings(max_examples=800, deadline=None)
@given(
    group=st.dictionaries(st.sampled_from([*GROUP_NAMES, *BOTH_NAMES, "__address__"]), split_values, max_size=5),
    targets=st.lists(
        st.builds(
            dict,
            st.dictionaries(st.sampled_from([*TARGET_NAMES, *BOTH_NAMES]), split_values, max_size=5),
            __address__=st.sampled_from(["h:1", "h:2", "h:3", ""]),
        )
        | st.dictionaries(st.sampled_from([*TARGET_NAMES, *BOTH_NAMES]), split_values, max_size=5),
        max_size=4,
    ),
    rules=st.lists(split_configs(), max_size=9),
    seeds=seed_lists,
    track_gone=st.booleans(),
)
def test_split_matches_plan(
    group: dict[str, str],
    targets: list[dict[str, str]],
    rules: list[RelabelConfig],
    seeds: tuple[tuple[str, str], ...],
    track_gone: bool,
) -> None:
    try:
        compile_rules(rules, name_validation=UTF8)
    except ValueError:
        return
    plan = compile_plan(tuple(rules), UTF8, seeds)
    if plan is None:
        return
    states: dict[Split, object] = {}
    for target in [*targets, *targets]:  # twice: the state is shared and must not be changed by run
        split = split_plan(plan, frozenset(target).intersection(plan.names), track_gone)
        assert set(split.tnames) <= set(target) and set(split.gnames).isdisjoint(target)
        state = states.get(split)
        if state is None:
            state = states[split] = split.prep(_values(group, split.gnames))
        merged = group | target
        expected = plan.run(_values(merged, plan.names))
        if isinstance(state, int):
            # Every target with an address is dropped by the same group-level rule.
            event("dropped for the whole group")
            assert expected == (state if merged.get("__address__") else -1)
            continue
        assert isinstance(state, tuple)
        out = split.run(_values(target, split.tnames), state)
        if "gd ==" in split.source:
            event("a group-level drop after per-target drops")
        if isinstance(expected, int):
            event("dropped" if expected >= 0 else "no address")
            assert out == expected
            continue
        event("kept")
        assert not isinstance(out, int)
        address, node, tail, gone = expected
        assert out[:2] == (address, node)
        # The split's tail: the non-meta labels set since the start, in the same order, as hash entries.
        assert list(out[2].items()) == [
            (name, name + ENTRY_SEP + value) for name, value in tail.items() if not name.startswith("__meta_")
        ]
        if track_gone:
            assert out[3] == {name for name in gone if not name.startswith("__meta_")}
        else:
            assert out[3] is None


def test_split_runs_group_level_rules_once_per_group() -> None:
    svc, kind, port = "__meta_kubernetes_service_label_app", TARGET_KIND, "__meta_kubernetes_endpointslice_port_name"
    rules = (
        RelabelConfig(action="keep", source_labels=(svc,), regex="my-app"),  # group-level: in prep
        RelabelConfig(source_labels=(kind,), target_label="k"),  # per target
        RelabelConfig(action="keep", source_labels=(port,), regex="prom"),  # per target
        RelabelConfig(source_labels=("k",), target_label=svc),  # overwrites a group label from a target one
        RelabelConfig(action="keep", source_labels=(svc,), regex="Pod"),  # so this reads a per-target value
        RelabelConfig(target_label="k", replacement="c"),  # overwrites k with a constant: group-level again
        RelabelConfig(action="drop", source_labels=("k",), regex="c"),  # group-level, after per-target drops
    )
    plan = compile_plan(rules, UTF8)
    assert plan is not None
    split = split_plan(plan, frozenset({"__address__", kind, port}))
    prep, run = split.source.split("def run(")
    assert "return 0" in prep and "return 0" not in run
    assert "return 2" in run and "return 4" in run and "return 6" not in prep
    assert "gd == 6" in run  # the group-level drop is returned at its place, after rules 2 and 4 could drop
    assert set(split.tnames) == {"__address__", kind, port} and set(split.gnames) == {svc, *FIXED_NAMES} - {
        "__address__",
        kind,
    }
    group = {svc: "other"}
    state = split.prep(_values(group, split.gnames))
    assert state == 0  # every target of a group without the app label: one check for the whole group
    state = split.prep(_values({svc: "my-app"}, split.gnames))
    assert isinstance(state, tuple)
    pairs = {"__address__": "h:1", kind: "Pod", port: "prom"}
    assert split.run(_values(pairs, split.tnames), state) == 6
    assert split.run(_values(pairs | {port: "x"}, split.tnames), state) == 2
    assert split.run(_values(pairs | {kind: "Node"}, split.tnames), state) == 4


def test_split_reads_the_value_a_group_label_has_at_each_rule() -> None:
    # A per-target rule reads group label w, a group-level rule overwrites w, a per-target rule reads w again.
    rules = (
        RelabelConfig(action="keepequal", source_labels=("w",), target_label="t"),
        RelabelConfig(target_label="w", replacement="b"),
        RelabelConfig(action="keepequal", source_labels=("w",), target_label="t"),
    )
    plan = compile_plan(rules, UTF8)
    assert plan is not None
    split = split_plan(plan, frozenset({"__address__", "t"}))
    state = split.prep(_values({"w": "a"}, split.gnames))
    assert isinstance(state, tuple)
    for t, expected in (("a", 2), ("b", 0)):
        labels = {"__address__": "h:1", "t": t}
        assert split.run(_values(labels, split.tnames), state) == expected
        assert plan.run(_values(labels | {"w": "a"}, plan.names)) == expected

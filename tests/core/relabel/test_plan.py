"""Relabel plans: the compiled fast path against the reference engine (``LabelBuilder`` + ``apply_at``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ta.core.labels import LabelSet, label_set
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import ACTIONS, RelabelConfig
from ta.core.relabel.engine import LEGACY, UTF8, apply_at, compile_rules
from ta.core.relabel.plan import FIXED_NAMES, compile_plan

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

"""build_targets: OTel TA conformance scenarios (tests/data/targets/conformance_cases.yaml), the hash golden, and the
fast path against ``build_targets_reference`` on random groups and rules."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import FrozenInstanceError, replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from ta.core.base.labels import LabelSet, label_set, merge
from ta.core.base.model import Target, TargetGroup
from ta.core.base.nodes import node_of
from ta.core.discovery.targets import (
    DroppedTarget,
    JobSettings,
    _new_dropped,
    _new_target,
    _sorted_hash,
    build_targets,
    build_targets_reference,
    filter_rules,
    identity_hash,
    seeds,
)
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import RelabelConfig
from ta.core.relabel.engine import apply

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[2] / "data" / "targets" / "conformance_cases.yaml").read_text()
)


def settings_of(job: dict[str, Any], *, filter_relabel: bool = True) -> JobSettings:
    rules = []
    for raw in job.get("relabel_configs", []):
        fields = dict(raw)
        if "source_labels" in fields:
            fields["source_labels"] = tuple(fields["source_labels"])
        rules.append(RelabelConfig(**fields))
    params = tuple(sorted((name, tuple(values)) for name, values in job.get("params", {}).items()))
    return JobSettings(
        job=job["job"],
        scrape_interval="1m",
        scrape_timeout="10s",
        metrics_path="/metrics",
        scheme="http",
        params=params,
        relabel_configs=tuple(rules),
        filter_relabel=filter_relabel,
    )


def group_of(raw: dict[str, Any]) -> TargetGroup:
    targets = tuple(label_set({"__address__": t}) if isinstance(t, str) else label_set(t) for t in raw["targets"])
    return TargetGroup(source="static/0", targets=targets, labels=label_set(raw.get("labels", {})))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_conformance_scenario(case: dict[str, Any]) -> None:
    kept: list[tuple[str, int]] = []
    dropped: list[list[str]] = []
    for job in case["jobs"]:
        settings = settings_of(job)
        for raw in job["groups"]:
            group = group_of(raw)
            result = build_targets(settings, group)
            for target in result.targets:
                kept.append((f"{target.job}/{target.address}", target.hash))
                assert target.labels in {merge(group.labels, t) for t in group.targets}  # served: pre-relabel
                assert target.node == node_of(target.labels)
            dropped.extend([f"{d.job}/{dict(d.labels).get('__address__', '')}", d.reason] for d in result.dropped)
    assert [key for key, _ in kept] == case["kept"]
    assert dropped == case.get("dropped", [])
    shared = {key: i for i, keys in enumerate(case.get("same_identity", [])) for key in keys}
    by_hash: dict[int, set[str]] = defaultdict(set)
    for key, digest in kept:
        by_hash[digest].add(key)
    for i, keys in enumerate(case.get("same_identity", [])):
        assert len({digest for key, digest in kept if key in keys}) == 1, f"identity group {i} split"
    digests = [digest for key, digest in kept if key not in shared]
    assert len(digests) == len(set(digests)), "distinct targets share an identity"


def test_golden_hash_without_filtering() -> None:
    settings = settings_of({"job": "test-job"}, filter_relabel=False)
    group = TargetGroup(source="s", targets=(label_set({"__address__": "a:1"}),), labels=())
    assert identity_hash([("test_label", "test-value2")], "test-job") == 5467859392755170604
    # Without filtering: sorted non-meta, non-empty discovered labels, then the job.
    target = label_set({"__address__": "a:1", "__meta_x": "y", "empty": "", "test_label": "test-value2"})
    result = build_targets(settings, TargetGroup(source="s", targets=(target,)))
    assert result.targets[0].hash == identity_hash([("__address__", "a:1"), ("test_label", "test-value2")], "test-job")
    assert result.targets[0].labels == target  # served labels keep "" values
    assert build_targets(settings, group).targets[0].hash == identity_hash([("__address__", "a:1")], "test-job")


def test_hash_follows_builder_range_order_with_seeds() -> None:
    settings = settings_of(
        {
            "job": "j",
            "params": {"b": ["2"], "a": ["1"]},
            "relabel_configs": [{"target_label": "new", "replacement": "v"}],
        }
    )
    target = label_set({"__address__": "h:1", "__meta_k": "m", "job": "own"})
    result = build_targets(settings, TargetGroup(source="s", targets=(target,)))
    builder = LabelBuilder(target)
    for name, value in seeds(settings):
        if not builder.get(name):
            builder.set(name, value)
    assert apply(builder, filter_rules(settings.relabel_configs))
    expected_order = [
        ("__address__", "h:1"),
        ("job", "own"),
        ("__scrape_interval__", "1m"),
        ("__scrape_timeout__", "10s"),
        ("__metrics_path__", "/metrics"),
        ("__scheme__", "http"),
        ("__param_a", "1"),
        ("__param_b", "2"),
        ("new", "v"),
    ]
    assert [pair for pair in builder.items() if not pair[0].startswith("__meta_")] == expected_order
    assert result.targets[0].hash == identity_hash(expected_order, "j")


def test_sorted_hash_matches_reference() -> None:
    base = label_set({"__address__": "a", "__meta_a": "1", "__meta_z": "2", "__metrics_path__": "/m", "z": "z"})
    tail = [("__meta_new", "x"), ("k", "v")]
    assert _sorted_hash(base, tail, "job") == identity_hash([*base, *tail], "job")


def test_group_labels_merge_under_target_labels() -> None:
    settings = settings_of({"job": "j"})
    group = TargetGroup(
        source="s",
        targets=(label_set({"__address__": "h:1", "team": "target"}),),
        labels=label_set({"team": "group", "zone": "z"}),
    )
    (target,) = build_targets(settings, group).targets
    assert target.labels == (("__address__", "h:1"), ("team", "target"), ("zone", "z"))
    assert target.address == "h:1"


def test_node_is_taken_from_discovered_labels() -> None:
    settings = settings_of({"job": "j", "relabel_configs": [{"regex": "__meta_.*", "action": "labeldrop"}]})
    target = label_set({"__address__": "h:1", "__meta_kubernetes_pod_node_name": "node-a"})
    (built,) = build_targets(settings, TargetGroup(source="s", targets=(target,))).targets
    assert built.node == "node-a"


# --- the fast path against build_targets_reference ---

_NAMES = [
    "__address__",
    "job",
    "a",
    "__scheme__",
    "__meta_kubernetes_pod_node_name",
    "__meta_kubernetes_endpointslice_address_target_kind",
    "__meta_kubernetes_endpointslice_address_target_name",
    "__meta_svc",
    "__meta_pod",
]
_names = st.sampled_from(_NAMES)
_values = st.sampled_from(["", "h:1", "h:2", "Node", "Pod", "n1", "my-app", "x;y"])
_labelsets = st.dictionaries(_names, _values, max_size=6).map(label_set)
_rules = st.builds(
    RelabelConfig,
    source_labels=st.lists(_names, max_size=2).map(tuple),
    regex=st.sampled_from(["(.*)", "(.+)", "my-app", "Pod;(.*)", "(.+);", "h:.", "__meta_pod"]),
    modulus=st.integers(min_value=1, max_value=3),
    target_label=st.sampled_from(["t", "job", "__address__", "__meta_t", "a"]),
    replacement=st.sampled_from(["$1", "v", ""]),
    action=st.sampled_from(["replace", "replace", "keep", "drop", "hashmod", "lowercase", "labeldrop", "labelmap"]),
)


@hyp_settings(max_examples=400, deadline=None)
@given(
    group_labels=_labelsets,
    targets=st.lists(_labelsets, max_size=5),
    rules=st.lists(_rules, max_size=6),
    params=st.sampled_from([{}, {"b": ["2"], "a": ["1"]}]),
)
def test_fast_path_matches_reference(
    group_labels: LabelSet, targets: list[LabelSet], rules: list[RelabelConfig], params: dict[str, list[str]]
) -> None:
    # Random group/target splits: shared names (the target wins), group-only rule inputs, repeated shapes.
    settings = replace(settings_of({"job": "j", "params": params}), relabel_configs=tuple(rules))
    group = TargetGroup(source="s", targets=(*targets, *targets[:1]), labels=group_labels)
    expected = build_targets_reference(settings, group)
    assert build_targets(settings, group) == expected
    # Twice: the second run goes through warm shape caches and memo tables.
    fast = build_targets(settings, group)
    assert fast == expected
    # Equal targets compare their label halves; what is served is their merge, done by the shape's picks here.
    assert [t.labels for t in fast.targets] == [merge(t.group, t.own) for t in expected.targets]
    assert [t.labels for t in fast.dropped] == [merge(t.group, t.own) for t in expected.dropped]


# Group/target splits: names only on the group, only on targets, on both; rules read each kind and overwrite them
# (a group label overwritten from a target label and back), so the split's dataflow and the group-level early exit
# are exercised through build_targets.
_G = ["__meta_svc", "g", "job", "__meta_kubernetes_pod_node_name"]
_T = ["__meta_pod", "t", "__meta_kubernetes_endpointslice_address_target_kind"]
_B = ["b", "__meta_kubernetes_endpointslice_address_target_name"]
_split_names = st.sampled_from([*_G, *_T, *_B, "__address__", "w", "__tmp_h"])
_split_values = st.sampled_from(["", "h:1", "h:2", "Node", "Pod", "my-app", "x;y", "n\0ul", "\udcff"])
_split_rules = st.builds(
    RelabelConfig,
    source_labels=st.lists(_split_names, max_size=2).map(tuple),
    regex=st.sampled_from(["(.*)", "(.+)", "my-app", "Pod;(.*)", "(.+);", "h:.", "x", "n(.*)"]),
    modulus=st.integers(min_value=1, max_value=3),
    target_label=_split_names,
    replacement=st.sampled_from(["$1", "v", ""]),
    action=st.sampled_from(["replace", "replace", "keep", "drop", "keepequal", "dropequal", "hashmod", "uppercase"]),
) | st.builds(RelabelConfig, action=st.just("labeldrop"), regex=_split_names)


@hyp_settings(max_examples=400, deadline=None)
@given(
    group_labels=st.dictionaries(st.sampled_from([*_G, *_B]), _split_values, max_size=5).map(label_set),
    targets=st.lists(
        st.builds(
            dict,
            st.dictionaries(st.sampled_from([*_T, *_B]), _split_values, max_size=4),
            __address__=st.sampled_from(["h:1", "h:2", "h:3", ""]),
        ).map(label_set),
        max_size=6,
    ),
    rules=st.lists(_split_rules, max_size=8),
)
def test_fast_path_matches_reference_on_group_target_splits(
    group_labels: LabelSet, targets: list[LabelSet], rules: list[RelabelConfig]
) -> None:
    settings = replace(settings_of({"job": "j"}), relabel_configs=tuple(rules))
    group = TargetGroup(source="s", targets=(*targets, *targets[::-1]), labels=group_labels)
    expected = build_targets_reference(settings, group)
    assert build_targets(settings, group) == expected
    # With the producer's union of target label names, a whole-group drop is decided once, with the same result.
    names = frozenset(name for target in group.targets for name, _ in target)
    addressless = sum(1 for target in group.targets if not dict(target).get("__address__"))
    told = replace(group, target_names=names, addressless=addressless)
    assert build_targets(settings, told) == expected
    # A limit lists only the first dropped targets (the first only, for a group dropped whole by one rule) but
    # counts them all.
    limited = build_targets(settings, told, 2)
    whole = not expected.targets and len({d.reason for d in expected.dropped}) == 1
    assert limited.dropped == expected.dropped[: 1 if whole else 2] or (
        # The once-per-group decision is only taken when group labels alone decide it.
        limited.dropped == expected.dropped[:2]
    )
    assert (limited.targets, limited.dropped_count, limited.empty_addresses) == (
        expected.targets,
        expected.dropped_count,
        expected.empty_addresses,
    )
    if len(limited.dropped) == len(expected.dropped[:2]):
        assert build_targets_reference(settings, group, 2) == limited


def test_group_level_keep_drops_every_target_of_the_group() -> None:
    rules = [{"action": "keep", "source_labels": ["__meta_svc"], "regex": "my-app"}]
    settings = settings_of({"job": "j", "relabel_configs": rules})
    targets = (label_set({"__address__": "h:1", "t": "1"}), label_set({"t": "2"}), label_set({"__address__": "h:3"}))
    group = TargetGroup(source="s", targets=targets, labels=label_set({"__meta_svc": "other"}))
    result = build_targets(settings, group)
    assert result == build_targets_reference(settings, group)
    assert [d.reason for d in result.dropped] == [
        "dropped by relabel_configs[0] (action keep)",
        "empty __address__",
        "dropped by relabel_configs[0] (action keep)",
    ]
    assert [d.labels for d in result.dropped] == [merge(group.labels, t) for t in targets]
    assert (result.dropped_count, result.empty_addresses) == (3, 1)
    names = frozenset(name for target in targets for name, _ in target)
    assert build_targets(settings, replace(group, target_names=names)) == result
    once = build_targets(settings, replace(group, target_names=names), 1)
    assert (once.dropped, once.dropped_count, once.empty_addresses) == (result.dropped[:1], 3, 1)


def test_hash_of_values_holding_nul_or_surrogates() -> None:
    # NUL stands in for the 0xFF separator on the fast path: a NUL in a value must take the exact path.
    settings = settings_of({"job": "j", "relabel_configs": [{"target_label": "x", "replacement": "a\0b"}]})
    for value in ("n\0ul", "\udcff", "ü"):
        group = TargetGroup(source="s", targets=(label_set({"__address__": "h:1", "v": value}),))
        result = build_targets(settings, group)
        assert result == build_targets_reference(settings, group)
        assert result.targets[0].hash == identity_hash(
            [("__address__", "h:1"), ("v", value), *seeds(settings), ("x", "a\0b")], "j"
        )


def test_targets_built_field_by_field_equal_constructed_ones() -> None:
    labels = label_set({"__address__": "h:1"})
    group = label_set({"g": "1"})
    built = _new_target("j", "h:1", labels, 7, node="n", group=group, merger=None)
    constructed = Target(job="j", address="h:1", own=labels, hash=7, node="n", group=group)
    assert built == constructed and hash(built) == hash(constructed) and repr(built) == repr(constructed)
    assert built.labels == (("__address__", "h:1"), ("g", "1"))
    with pytest.raises(FrozenInstanceError):
        built.hash = 8  # type: ignore[misc]
    dropped = _new_dropped("j", labels, "r", group=group, merger=None)
    assert dropped == DroppedTarget(job="j", own=labels, reason="r", group=group)
    assert hash(dropped) == hash(DroppedTarget(job="j", own=labels, reason="r", group=group))
    assert dropped.labels == built.labels


def test_compiled_jobs_are_told_apart_by_settings_object() -> None:
    keep = settings_of({"job": "j", "relabel_configs": [{"action": "keep", "source_labels": ["t"], "regex": "1"}]})
    drop = settings_of({"job": "j", "relabel_configs": [{"action": "drop", "source_labels": ["t"], "regex": "1"}]})
    group = TargetGroup(source="s", targets=(label_set({"__address__": "h:1", "t": "1"}),))
    for settings in (keep, drop, keep, replace(keep), drop):
        assert build_targets(settings, group) == build_targets_reference(settings, group)
    assert len(build_targets(keep, group).targets) == 1 and len(build_targets(drop, group).targets) == 0

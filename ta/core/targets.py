"""Allocatable targets from one service-discovery target group of one job, as the upstream TA builds them.

In: ``JobSettings`` (the job's scrape settings and relabel rules) and one ``TargetGroup``. Out: ``BuildResult``,
the kept ``Target`` values (pre-relabel address and labels, identity hash, node) and the ``DroppedTarget`` values
with the reason each was dropped.

Upstream behaviour reproduced (``internal/target/discovery.go``): group labels are merged under target labels and
served as-is (pre-relabel, "" values included). With the ``relabel-config`` filter strategy the scrape defaults are
seeded (only where absent), a ``__tmp_disable_sharding="true"`` rule is run before the job's rules (it neutralises
prometheus-operator's ``$(SHARD)`` keep rule) and a ``labeldrop`` of it after them. The identity hash is xxHash64
over the builder's Range order, skipping ``__meta_*`` names, as ``name 0xFF value 0xFF`` per label, then the job.
Targets of one group with the same identity collapse (the last one wins).

Deliberate differences: params are seeded in sorted name order (upstream uses Go map order, so the hash of a
target whose rules add labels after several params could vary between upstream runs); a target without an
``__address__`` (after the merge) is reported as dropped instead of being allocated with an empty URL.
"""

from __future__ import annotations

import functools
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

import xxhash

from ta.core.labels import LabelSet
from ta.core.labels import merge as merge_labels
from ta.core.model import Target, TargetGroup
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import RelabelConfig
from ta.core.relabel.engine import UTF8, RuleSet, apply_at, compile_rules

ADDRESS = "__address__"
META_PREFIX = "__meta_"
DISABLE_SHARDING = "__tmp_disable_sharding"

DISABLE_SHARDING_RULE = RelabelConfig(target_label=DISABLE_SHARDING, replacement="true")
DROP_DISABLE_SHARDING_RULE = RelabelConfig(action="labeldrop", regex=DISABLE_SHARDING)

# Encodes as the single byte 0xFF under "surrogateescape": lets one join + encode build the whole hash input.
_SEP = "\udcff"
# The first name after every "__meta_"-prefixed name ('`' follows '_').
_META_END = "__meta`"
_NAME = itemgetter(0)
_NODE_LABELS = (
    "__meta_kubernetes_pod_node_name",
    "__meta_kubernetes_node_name",
    "__meta_kubernetes_endpoint_node_name",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class JobSettings:
    job: str
    scrape_interval: str  # already formatted Prometheus duration string, e.g. "30s"
    scrape_timeout: str
    metrics_path: str
    scheme: str
    params: tuple[tuple[str, tuple[str, ...]], ...]  # sorted by name
    relabel_configs: tuple[RelabelConfig, ...]
    filter_relabel: bool  # filter_strategy == "relabel-config"
    name_validation_scheme: str = UTF8  # "utf8" (Prometheus 3 default) or "legacy"


@dataclass(frozen=True, slots=True, kw_only=True)
class DroppedTarget:
    job: str
    labels: LabelSet  # discovered labels
    reason: str  # e.g. 'dropped by relabel_configs[3] (action keep)' or 'empty __address__'


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    targets: tuple[Target, ...]
    dropped: tuple[DroppedTarget, ...]


def identity_hash(labels: Iterable[tuple[str, str]], job: str) -> int:
    """The upstream TA item hash over ``labels`` in the given (Range) order; empty values must be left out."""
    parts: list[str] = []
    for name, value in labels:
        if not name.startswith(META_PREFIX):
            parts.append(name)
            parts.append(value)
    parts.append(job)
    return xxhash.xxh64_intdigest(_SEP.join(parts).encode("utf-8", "surrogateescape"))


def _sorted_hash(base: Sequence[tuple[str, str]], tail: Sequence[tuple[str, str]], job: str) -> int:
    """``identity_hash`` of ``base`` (sorted by name, no empty values) followed by ``tail``.

    The ``__meta_*`` names of a sorted sequence are one contiguous run, found by bisection instead of testing
    every name: this is the per-target hot path.
    """
    lo = bisect_left(base, META_PREFIX, key=_NAME)
    hi = bisect_left(base, _META_END, lo, key=_NAME)
    pairs = [*base[:lo], *base[hi:]]
    for pair in tail:
        if not pair[0].startswith(META_PREFIX):
            pairs.append(pair)
    text = _SEP.join(chain.from_iterable(pairs))
    text = text + _SEP + job if pairs else job
    return xxhash.xxh64_intdigest(text.encode("utf-8", "surrogateescape"))


def _merge(group: LabelSet, target: LabelSet) -> LabelSet:
    if not group:
        return target
    merged = tuple(sorted(group + target))
    if len(dict(merged)) != len(merged):
        # A name in both: the target's value wins.
        return merge_labels(group, target)
    return merged


def _node(values: dict[str, str]) -> str:
    # Same lookup as ta.core.allocation.nodes.node_of, on the dict the builder already made.
    for name in _NODE_LABELS:
        node = values.get(name, "")
        if node:
            return node
    if values.get("__meta_kubernetes_endpointslice_address_target_kind") == "Node":
        return values.get("__meta_kubernetes_endpointslice_address_target_name", "")
    return ""


def seeds(settings: JobSettings) -> tuple[tuple[str, str], ...]:
    """The labels Prometheus' scrape layer sets before relabeling (each only where absent)."""
    base = (
        ("job", settings.job),
        ("__scrape_interval__", settings.scrape_interval),
        ("__scrape_timeout__", settings.scrape_timeout),
        ("__metrics_path__", settings.metrics_path),
        ("__scheme__", settings.scheme),
    )
    params = tuple(("__param_" + name, values[0]) for name, values in settings.params if values)
    return base + params


@functools.lru_cache(maxsize=1024)
def filter_rules(configs: tuple[RelabelConfig, ...], scheme: str = UTF8) -> RuleSet:
    """The rules the TA runs for a job under the relabel-config filter strategy (sharding neutralised)."""
    return compile_rules((DISABLE_SHARDING_RULE, *configs, DROP_DISABLE_SHARDING_RULE), name_validation=scheme)


def build_targets(settings: JobSettings, group: TargetGroup) -> BuildResult:
    """Build the allocatable targets of one target group; see the module docstring for the semantics."""
    job = settings.job
    rules = filter_rules(settings.relabel_configs, settings.name_validation_scheme) if settings.filter_relabel else None
    seeded = seeds(settings) if rules is not None else ()
    kept: dict[int, Target] = {}
    dropped: list[DroppedTarget] = []
    for target_labels in group.targets:
        labels = _merge(group.labels, target_labels)
        builder = LabelBuilder(labels)
        cur = builder.cur
        address = cur.get(ADDRESS, "")
        if not address:
            dropped.append(DroppedTarget(job=job, labels=labels, reason=f"empty {ADDRESS}"))
            continue
        node = _node(cur)
        if rules is None:
            base = labels if len(cur) == len(labels) else tuple(cur.items())
            digest = _sorted_hash(base, (), job)
        else:
            for name, value in seeded:
                if name not in cur:
                    builder.set(name, value)
            index = apply_at(builder, rules)
            if index >= 0:
                # Index 0 is the prepended sharding rule, so the user's rule i is at i + 1.
                action = rules.configs[index].action
                reason = f"dropped by relabel_configs[{index - 1}] (action {action})"
                dropped.append(DroppedTarget(job=job, labels=labels, reason=reason))
                continue
            items = list(cur.items())
            untouched = len(items) - len(builder.added)
            digest = _sorted_hash(items[:untouched], items[untouched:], job)
        kept[digest] = Target(job=job, address=address, labels=labels, hash=digest, node=node)
    return BuildResult(targets=tuple(kept.values()), dropped=tuple(dropped))

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

``build_targets_reference`` is the straightforward implementation and the executable spec; ``build_targets`` gives
the same result faster: per group it looks each distinct tuple of target label names up once (``_Shape``: where
every label sits in ``(absent, *group labels, *target labels)``), runs the once-per-group half of the job's split
plan (``ta.core.relabel.plan.split_plan``) once per distinct set of rule inputs the targets carry, and per target
only C-level tuple picks, the per-target rules and the hash.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, fields
from itertools import chain
from operator import itemgetter

import xxhash

from ta.core.base.cache import CLEAR_WHEN_FULL, LRU, BoundedCache, memoize
from ta.core.base.labels import LabelSet
from ta.core.base.labels import merge as merge_labels
from ta.core.base.model import Merger, Target, TargetGroup, served_labels
from ta.core.base.nodes import node_in
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.config import RelabelConfig
from ta.core.relabel.engine import UTF8, RuleSet, apply_at, compile_rules
from ta.core.relabel.plan import Plan, Split, SplitOutcome, compile_plan, split_plan

ADDRESS = "__address__"
META_PREFIX = "__meta_"
DISABLE_SHARDING = "__tmp_disable_sharding"

DISABLE_SHARDING_RULE = RelabelConfig(target_label=DISABLE_SHARDING, replacement="true")
DROP_DISABLE_SHARDING_RULE = RelabelConfig(action="labeldrop", regex=DISABLE_SHARDING)

# Encodes as the single byte 0xFF under "surrogateescape": lets one join + encode build the whole hash input.
_SEP = "\udcff"
_NUL = "\0"
# The first name after every "__meta_"-prefixed name ('`' follows '_').
_META_END = "__meta`"
_NAME = itemgetter(0)


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
    """A discovered target that relabeling dropped; its discovered labels kept in two halves, as ``Target``'s."""

    job: str
    own: LabelSet
    reason: str  # e.g. 'dropped by relabel_configs[3] (action keep)' or 'empty __address__'
    group: LabelSet = ()
    merger: Merger | None = field(default=None, compare=False, repr=False)

    @property
    def labels(self) -> LabelSet:
        """The discovered labels."""
        return served_labels(self.group, self.own, self.merger)


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildResult:
    """The kept targets, and the dropped ones: the first ``limit`` of them listed, all of them counted."""

    targets: tuple[Target, ...]
    dropped: tuple[DroppedTarget, ...]
    dropped_count: int
    empty_addresses: int  # dropped for an empty ``__address__`` (a malformed group, worth reporting)


EMPTY_ADDRESS_REASON = f"empty {ADDRESS}"


def _result(kept: dict[int, Target], dropped: list[DroppedTarget], limit: int | None) -> BuildResult:
    """A result from the complete dropped list, cut at ``limit``."""
    return BuildResult(
        targets=tuple(kept.values()),
        dropped=tuple(dropped if limit is None else dropped[:limit]),
        dropped_count=len(dropped),
        empty_addresses=sum(1 for d in dropped if d.reason == EMPTY_ADDRESS_REASON),
    )


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


@memoize(
    name="targets.filter_rules",
    bound=1024,
    policy=LRU,
    reason="looked up per job (per group on the reference path); compiling a job's rules is costly",
)
def filter_rules(configs: tuple[RelabelConfig, ...], scheme: str = UTF8) -> RuleSet:
    """The rules the TA runs for a job under the relabel-config filter strategy (sharding neutralised)."""
    return compile_rules((DISABLE_SHARDING_RULE, *configs, DROP_DISABLE_SHARDING_RULE), name_validation=scheme)


def build_targets_reference(settings: JobSettings, group: TargetGroup, limit: int | None = None) -> BuildResult:
    """The straightforward ``build_targets``: a full ``LabelBuilder`` per target and one call per rule.

    Kept as the specification the fast path is tested against, and used where the fast path cannot plan.
    """
    rules = filter_rules(settings.relabel_configs, settings.name_validation_scheme) if settings.filter_relabel else None
    seeded = seeds(settings) if rules is not None else ()
    kept: dict[int, Target] = {}
    dropped: list[DroppedTarget] = []
    for target_labels in group.targets:
        _reference_target(
            settings,
            rules=rules,
            seeded=seeded,
            group_labels=group.labels,
            target_labels=target_labels,
            kept=kept,
            dropped=dropped,
        )
    return _result(kept, dropped, limit)


def _reference_target(
    settings: JobSettings,
    *,
    rules: RuleSet | None,
    seeded: tuple[tuple[str, str], ...],
    group_labels: LabelSet,
    target_labels: LabelSet,
    kept: dict[int, Target],
    dropped: list[DroppedTarget],
) -> None:
    job = settings.job
    labels = merge_labels(group_labels, target_labels)
    builder = LabelBuilder(labels)
    cur = builder.cur
    address = cur.get(ADDRESS, "")
    if not address:
        dropped.append(DroppedTarget(job=job, own=target_labels, reason=EMPTY_ADDRESS_REASON, group=group_labels))
        return
    node = node_in(cur)
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
            dropped.append(DroppedTarget(job=job, own=target_labels, reason=reason, group=group_labels))
            return
        items = list(cur.items())
        untouched = len(items) - len(builder.added)
        digest = _sorted_hash(items[:untouched], items[untouched:], job)
    kept[digest] = Target(job=job, address=address, own=target_labels, hash=digest, node=node, group=group_labels)


# --- the fast path -------------------------------------------------------------------------------------------------

# Stands in for an absent label at index 0 of a target's "pool" (see _Shape).
_ABSENT = ("", "")
_VALUE: Callable[[tuple[str, str]], str] = itemgetter(1)
Pool = tuple[tuple[str, str], ...]
Picker = Callable[[Pool], Pool]


def _picker(indices: Sequence[int]) -> Picker:
    """``pool -> tuple(pool[i] for i in indices)`` as one C call (``itemgetter`` returns a bare item for one index)."""
    if not indices:
        return lambda pool: ()
    if len(indices) == 1:
        (only,) = indices
        return lambda pool: (pool[only],)
    getter: Picker = itemgetter(*indices)
    return getter


@dataclass(frozen=True, slots=True, eq=False)
class _Shape:
    """Where things are in ``pool = (_ABSENT, *group_labels, *target_labels)`` for one pair of name tuples.

    Targets of one group mostly share their label names, so this is computed once per distinct name tuple and
    every target then needs only C-level tuple picks: ``merger`` gives the served label set from a target's
    (group, own) labels, which targets keep apart (sorted, the target's value wins on a shared name; ``None``
    without group labels, where ``merge`` gives the target tuple itself), ``split`` the plan cut at the plan
    inputs this target carries itself, ``tpick`` the pairs of ``split.tnames``, ``gpick`` those of
    ``split.gnames`` (group labels only, so it also applies to the group's ``prefix``) and ``base`` the
    non-``__meta_*`` pairs of the builder's sorted base.
    """

    merger: Merger | None
    split: Split
    tpick: Picker
    gpick: Picker
    address: int  # index of the ``__address__`` pair in the pool (0: absent)
    base: Picker  # the split tracks deleted names (``gone``) iff the plan may write one of these names


_UNPLANNABLE = object()  # a label tuple with a repeated name: left to the reference path
# (plan, group label names) -> that group kind's shapes by target label names. Cleared when full: looked up once
# per group, and a cluster has far fewer group kinds per plan than the bound (a full table means they changed).
_shapes: BoundedCache[tuple[Plan, tuple[str, ...]], dict[tuple[str, ...], _Shape | object]] = BoundedCache(
    "targets.shapes",
    bound=4096,
    policy=CLEAR_WHEN_FULL,
    reason="once per group (read through a bound dict.get: no bookkeeping on a hit); the working set (group kinds "
    "per plan) is far below the bound",
    count_hits=False,
)
_shapes_get = _shapes.data.get
_SHAPES_PER_GROUP_KIND = 4096  # each inner table: cleared when full, checked once per group


def _merger(indices: Sequence[int]) -> Merger:
    """The served labels, picked from ``group + own`` (pool ``indices`` less the leading ``_ABSENT``)."""
    pick = _picker([i - 1 for i in indices])

    def merger(group: LabelSet, own: LabelSet) -> LabelSet:
        return pick(group + own)

    return merger


def _shape(plan: Plan, group_names: tuple[str, ...], target_names: tuple[str, ...]) -> _Shape | object:
    if len(set(group_names)) != len(group_names) or len(set(target_names)) != len(target_names):
        return _UNPLANNABLE
    where = {name: 1 + i for i, name in enumerate(group_names)}
    offset = 1 + len(group_names)
    for j, name in enumerate(target_names):
        where[name] = offset + j  # the target's value wins
    order = sorted(where) if group_names else list(target_names)
    base = [name for name in order if not name.startswith(META_PREFIX)]
    base_written = not plan.written.isdisjoint(base)
    split = split_plan(plan, frozenset(target_names).intersection(plan.names), base_written)
    return _Shape(
        merger=_merger([where[name] for name in order]) if group_names else None,
        split=split,
        tpick=_picker([where.get(name, 0) for name in split.tnames]),
        gpick=_picker([where.get(name, 0) for name in split.gnames]),
        address=where.get(ADDRESS, 0),
        base=_picker([where[name] for name in base]),
    )


def _shapes_for(plan: Plan, group_names: tuple[str, ...]) -> dict[tuple[str, ...], _Shape | object]:
    key = (plan, group_names)
    shapes = _shapes_get(key)
    if shapes is None:
        shapes = _shapes.put(key, {})
    elif len(shapes) >= _SHAPES_PER_GROUP_KIND:
        shapes.clear()
    return shapes


def _entries_hash(base: Iterable[tuple[str, str]], tail: dict[str, str], gone: AbstractSet[str], job: str) -> int:
    """The identity hash from a split's outcome, the plain way (for names or values holding a NUL)."""
    present = [pair for pair in base if pair[1] and pair[0] not in tail and pair[0] not in gone]
    return identity_hash([*present, *((name, entry[len(name) + 1 :]) for name, entry in tail.items())], job)


def _setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[object, object], None], ...] | None:
    """The slot setters of ``cls``'s fields, if they are exactly ``names`` and ``__init__`` only stores them.

    A frozen dataclass's ``__init__`` stores each field through ``object.__setattr__`` (~5x the cost of the slot
    descriptor's ``__set__``); storing through the descriptors gives the same instance -- same fields, so the same
    equality, hash and repr, and still frozen afterwards. Anything more in ``__init__`` (``__post_init__``, other
    fields) and the callers below use the constructor.
    """
    if tuple(field.name for field in fields(cls)) != names or hasattr(cls, "__post_init__"):
        return None
    return tuple(getattr(cls, name).__set__ for name in names)


_TARGET_SET = _setters(Target, ("job", "address", "own", "hash", "node", "group", "merger"))
_DROPPED_SET = _setters(DroppedTarget, ("job", "own", "reason", "group", "merger"))


def _new_target(
    job: str, address: str, own: LabelSet, digest: int, *, node: str, group: LabelSet, merger: Merger | None
) -> Target:
    """``Target(job=job, address=address, own=own, hash=digest, node=node, group=group, merger=merger)``, built field
    by field."""
    if _TARGET_SET is None:
        return Target(job=job, address=address, own=own, hash=digest, node=node, group=group, merger=merger)
    set_job, set_address, set_own, set_hash, set_node, set_group, set_merger = _TARGET_SET
    target: Target = object.__new__(Target)
    set_job(target, job)
    set_address(target, address)
    set_own(target, own)
    set_hash(target, digest)
    set_node(target, node)
    set_group(target, group)
    set_merger(target, merger)
    return target


def _new_dropped(job: str, own: LabelSet, reason: str, *, group: LabelSet, merger: Merger | None) -> DroppedTarget:
    """``DroppedTarget(job=job, own=own, reason=reason, group=group, merger=merger)``, built field by field."""
    if _DROPPED_SET is None:
        return DroppedTarget(job=job, own=own, reason=reason, group=group, merger=merger)
    set_job, set_own, set_reason, set_group, set_merger = _DROPPED_SET
    dropped: DroppedTarget = object.__new__(DroppedTarget)
    set_job(dropped, job)
    set_own(dropped, own)
    set_reason(dropped, reason)
    set_group(dropped, group)
    set_merger(dropped, merger)
    return dropped


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class _Compiled:
    """What ``build_targets`` derives from one ``JobSettings`` under the relabel-config filter strategy."""

    settings: JobSettings  # held, so that its id() stays its own while this entry exists
    rules: RuleSet
    seeded: tuple[tuple[str, str], ...]
    plan: Plan | None
    reasons: tuple[str, ...]


_compiled_by_id: BoundedCache[int, _Compiled] = BoundedCache(
    "targets.compiled_jobs",
    bound=1024,
    policy=CLEAR_WHEN_FULL,
    reason="once per group (read through a bound dict.get: no bookkeeping on a hit); a config has far fewer jobs "
    "than the bound, and each new config brings new objects",
    count_hits=False,
)
_compiled_get = _compiled_by_id.data.get


def _compiled(settings: JobSettings) -> _Compiled:
    """The compiled job, looked up by the identity of ``settings`` (callers reuse one object per job).

    The lru caches behind it key on the rules themselves, and hashing ~17 rule dataclasses field by field costs
    about as much as building two targets -- per group. The id() is only a cache key (the entry holds the object, so
    the id cannot be reused meanwhile, and is checked), never part of a result.
    """
    found = _compiled_get(id(settings))
    if found is not None and found.settings is settings:
        return found
    rules = filter_rules(settings.relabel_configs, settings.name_validation_scheme)
    seeded = seeds(settings)
    compiled = _Compiled(
        settings=settings,
        rules=rules,
        seeded=seeded,
        plan=compile_plan(rules.configs, settings.name_validation_scheme, seeded),
        reasons=_reasons(rules),
    )
    return _compiled_by_id.put(id(settings), compiled)


@memoize(
    name="targets.drop_reasons",
    bound=1024,
    policy=LRU,
    reason="looked up when a job's settings object is new; one tuple of strings per rule set",
)
def _reasons(rules: RuleSet) -> tuple[str, ...]:
    """Drop reasons by ``Plan.run`` result: rule ``i`` at index ``i``, and ``-1`` (empty address) last."""
    # Index 0 is the prepended sharding rule, so the user's rule i is at i + 1.
    by_rule = (f"dropped by relabel_configs[{i - 1}] (action {c.action})" for i, c in enumerate(rules.configs))
    return (*by_rule, f"empty {ADDRESS}")


def build_targets(settings: JobSettings, group: TargetGroup, limit: int | None = None) -> BuildResult:
    """Build the allocatable targets of one target group; see the module docstring for the semantics.

    Same result as ``build_targets_reference``, computed through a compiled ``Plan`` split at the labels each
    target carries itself (see ``ta.core.relabel.plan`` for why that is exact) when the job's rules allow one.
    Only the first ``limit`` dropped targets are listed (only the first, when a rule on group labels dropped the whole
    group); all are counted.
    """
    if not settings.filter_relabel:
        return build_targets_reference(settings, group, limit)
    compiled = _compiled(settings)
    plan = compiled.plan
    if plan is None:
        return build_targets_reference(settings, group, limit)
    rules, seeded, reasons = compiled.rules, compiled.seeded, compiled.reasons
    job = settings.job
    group_labels = group.labels
    group_names = tuple(map(_NAME, group_labels))
    if group.target_names is not None:
        rule = _group_drop(plan, group_labels, group_names, group.target_names)
        if rule is not None:
            return _all_dropped(job, group, reasons[rule], limit)
    prefix = (_ABSENT, *group_labels)
    shapes = _shapes_for(plan, group_names)
    # The once-per-group part of each split met in this group: its state, or the rule dropping every target.
    states: dict[Split, int | tuple[object, ...]] = {}
    kept: dict[int, Target] = {}
    dropped: list[DroppedTarget] = []
    room = len(group.targets) if limit is None else limit  # dropped targets still to list
    dropped_count = empty = 0
    last_names: tuple[str, ...] | None = None
    shape: _Shape | object = _UNPLANNABLE
    split: Split | None = None
    state: int | tuple[object, ...] = 0
    for target_labels in group.targets:
        names = tuple(map(_NAME, target_labels))
        if names != last_names:  # targets of a group mostly share their names: skip the lookups
            last_names = names
            found = shapes.get(names)
            if found is None:
                found = shapes[names] = _shape(plan, group_names, names)
            shape = found
            if isinstance(shape, _Shape) and shape.split is not split:
                split = shape.split
                cached = states.get(split)
                if cached is None:
                    cached = states[split] = split.prep(shape.gpick(prefix))
                state = cached
        if not isinstance(shape, _Shape):
            one: list[DroppedTarget] = []
            _reference_target(
                settings,
                rules=rules,
                seeded=seeded,
                group_labels=group_labels,
                target_labels=target_labels,
                kept=kept,
                dropped=one,
            )
            for d in one:
                dropped_count += 1
                empty += d.reason == EMPTY_ADDRESS_REASON
                if room > 0:
                    dropped.append(d)
                    room -= 1
            continue
        pool = prefix + target_labels
        if isinstance(state, int):
            out: SplitOutcome = state if pool[shape.address][1] else -1
        else:
            out = shape.split.run(shape.tpick(pool), state)
        if isinstance(out, int):
            dropped_count += 1
            empty += out == -1
            if room > 0:
                room -= 1
                dropped.append(
                    _new_dropped(job, target_labels, reasons[out], group=group_labels, merger=shape.merger)
                )
            continue
        address, node, tail, gone = out
        # The identity hash input: the untouched non-meta base labels (sorted, "" values are absent), then the
        # non-meta labels set since, in first-set order (the builder's Range order; ``tail`` holds them as
        # ``name + "\0" + value`` entries), then the job.
        base: Iterable[tuple[str, str]] = shape.base(pool)
        if gone is not None:  # the plan may write some base name
            base = [pair for pair in base if pair[0] not in tail and pair[0] not in gone]
        entries = tail.values()
        present: Iterable[tuple[str, str]] = filter(_VALUE, base)
        parts = [*chain.from_iterable(present), *entries, job]
        # Joined with NUL, then NUL bytes turned into the 0xFF separator: a (UCS-2) surrogate separator makes the
        # join and encode several times slower. Exact unless some name or value itself holds a NUL (no other
        # character encodes to a 0x00 byte), which the count catches.
        text = _NUL.join(parts)
        if text.count(_NUL) == len(parts) - 1 + len(entries):
            digest = xxhash.xxh64_intdigest(text.encode("utf-8", "surrogateescape").replace(b"\0", b"\xff"))
        else:
            digest = _entries_hash(shape.base(pool), tail, gone or frozenset(), job)
        kept[digest] = _new_target(
            job, address, target_labels, digest, node=node, group=group_labels, merger=shape.merger
        )
    return BuildResult(
        targets=tuple(kept.values()), dropped=tuple(dropped), dropped_count=dropped_count, empty_addresses=empty
    )


def _group_drop(
    plan: Plan, group_labels: LabelSet, group_names: tuple[str, ...], target_names: frozenset[str]
) -> int | None:
    """The rule that drops every target of the group (with an address), decided on group labels alone; else None.

    The split treats every name some target carries as target-level, so what its once-per-group part decides
    holds for each target (a target lacking such a name reads the group's value through its own shape, which
    cannot change a decision made without reading that name at all).
    """
    split = split_plan(plan, target_names, False)
    where = {name: i for i, name in enumerate(group_names)}  # the last of a repeated name wins, as in _shape
    state = split.prep(tuple(group_labels[where[name]] if name in where else _ABSENT for name in split.gnames))
    return state if isinstance(state, int) else None


def _all_dropped(job: str, group: TargetGroup, reason: str, limit: int | None) -> BuildResult:
    """Every target of the group dropped by one rule, or for an empty ``__address__``.

    Listed: the first ``limit`` -- or, with a limit, just the first when all went for that one rule (one example
    says why; a ServiceMonitor drops thousands of slices this way).
    """
    targets = group.targets
    if group.addressless == 0 and limit is not None:
        # Every target has an address of its own: all went for the rule, and only the first is listed.
        listed = [_new_dropped(job, t, reason, group=group.labels, merger=None) for t in targets[: min(limit, 1)]]
        return BuildResult(targets=(), dropped=tuple(listed), dropped_count=len(targets), empty_addresses=0)
    group_address = next((value for name, value in reversed(group.labels) if name == ADDRESS), "")
    addresses: list[str] = []
    for target_labels in targets:
        first = target_labels[0] if target_labels else _ABSENT
        if first[0] == ADDRESS:  # where SD puts it: "__address__" sorts before every "__meta_*" name
            addresses.append(first[1])
        else:
            addresses.append(next((value for name, value in target_labels if name == ADDRESS), group_address))
    empty = addresses.count("")
    room = len(targets) if limit is None else limit if empty else min(limit, 1)
    dropped = [
        _new_dropped(
            job, target_labels, reason if address else EMPTY_ADDRESS_REASON, group=group.labels, merger=None
        )
        for target_labels, address in zip(targets[:room], addresses[:room], strict=True)
    ]
    return BuildResult(targets=(), dropped=tuple(dropped), dropped_count=len(targets), empty_addresses=empty)

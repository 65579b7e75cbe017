"""The relabel engine: Prometheus ``relabel_configs`` semantics (v3) over a ``LabelBuilder``.

In: ``RelabelConfig`` values (already validated by config loading) and label sets. Out: ``RuleSet``, the rules
compiled once per distinct rule tuple and shared by every target; ``apply_at``/``apply`` run them over a builder
(reporting which rule dropped the target), and ``relabel`` is the one-shot form over a ``LabelSet``.

Speed comes from doing per-rule work once and per-value work once per distinct value: rules whose outcome does not
depend on the regex (``(.*)`` with constant or ``$1`` templates, literal keep/drop patterns) never touch RE2, and
every other rule memoises its result per input value (or per label name for labelmap/labeldrop/labelkeep, whose
inputs are the same few dozen ``__meta_*`` names on every target). Memo tables are ``ta.core.base.cache`` tables of the
``relabel.rule_memo`` family, cleared when full (read through a bound ``dict.get``: a hit costs no bookkeeping);
results are pure functions of the input, so caching can never change an outcome.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ta.core.base.cache import CLEAR_WHEN_FULL, LRU, BoundedCache, memoize
from ta.core.base.labels import LabelSet
from ta.core.relabel.builder import LabelBuilder
from ta.core.relabel.casemap import go_lower, go_upper
from ta.core.relabel.config import DEFAULT_REGEX, RelabelConfig
from ta.core.relabel.expand import Template
from ta.core.relabel.regex import Regex, compile_regex

UTF8 = "utf8"
LEGACY = "legacy"

_LEGACY_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_LEGACY_REST = _LEGACY_FIRST | frozenset("0123456789")

# A compiled rule: returns False when the target must be dropped.
Step = Callable[[LabelBuilder], bool]
_Source = Callable[[dict[str, str]], str]


def is_valid_label_name(name: str, scheme: str = UTF8) -> bool:
    """Prometheus ``ValidationScheme.IsValidLabelName``: utf8 = non-empty valid UTF-8; legacy = ``[a-zA-Z_]\\w*``."""
    if not name:
        return False
    if scheme == LEGACY:
        return name[0] in _LEGACY_FIRST and _LEGACY_REST.issuperset(name)
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rule_memo() -> BoundedCache[str, Any]:
    """One rule's memo: per distinct input value (or label name), in the hot loop of target building."""
    return BoundedCache(
        "relabel.rule_memo",
        bound=8192,
        policy=CLEAR_WHEN_FULL,
        reason="looked up once per rule per target: no bookkeeping on a hit; the working set (a job's distinct "
        "values) is far below the bound, so a full table means it moved on",
        count_hits=False,
        family=True,
    )


def _source(config: RelabelConfig) -> _Source:
    names = config.source_labels
    if not names:
        return lambda cur: ""
    if len(names) == 1:
        (only,) = names
        return lambda cur: cur.get(only, "")
    separator = config.separator
    return lambda cur: separator.join([cur.get(name, "") for name in names])


def _hashmod(value: str, modulus: int) -> str:
    digest = hashlib.md5(value.encode("utf-8", "surrogatepass")).digest()
    return str(int.from_bytes(digest[8:], "big") % modulus)


def _filter_step(config: RelabelConfig, regex: Regex, keep: bool) -> Step:
    source = _source(config)
    if regex.literal is not None:
        literal = regex.literal
        if keep:
            return lambda b: source(b.cur) == literal
        return lambda b: source(b.cur) != literal
    memo = _rule_memo()
    seen, put = memo.data.get, memo.put

    def step(b: LabelBuilder) -> bool:
        value = source(b.cur)
        matched = seen(value)
        if matched is None:
            matched = put(value, regex.matches(value))
        return matched is keep

    return step


def _equal_step(config: RelabelConfig, keep: bool) -> Step:
    source = _source(config)
    target = config.target_label
    if keep:
        return lambda b: b.cur.get(target, "") == source(b.cur)
    return lambda b: b.cur.get(target, "") != source(b.cur)


def _replace_step(config: RelabelConfig, regex: Regex, scheme: str) -> Step:
    source = _source(config)
    target_t = Template.of(config.target_label, regex.group_names)
    value_t = Template.of(config.replacement, regex.group_names)
    target_c, value_c = target_t.constant, value_t.constant
    identity = regex.pattern == DEFAULT_REGEX  # matches every value; groups 0 and 1 are the whole value

    if identity and target_c is not None:
        target = target_c
        if not is_valid_label_name(target, scheme):
            # Upstream's empty-input fast path skips the name check; the general path then refuses the name.
            if "$" in config.target_label or "$" in config.replacement:
                return lambda b: True

            def unchecked(b: LabelBuilder) -> bool:
                if source(b.cur) == "":
                    b.set(target, config.replacement)
                return True

            return unchecked
        if value_c is not None:
            constant = value_c

            def set_constant(b: LabelBuilder) -> bool:
                b.set(target, constant)
                return True

            return set_constant
        if value_t.parts in (((1,),), ((0,),)):
            if len(config.source_labels) == 1:
                (only,) = config.source_labels

                def copy_one(b: LabelBuilder) -> bool:
                    b.set(target, b.cur.get(only, ""))
                    return True

                return copy_one

            def copy(b: LabelBuilder) -> bool:
                b.set(target, source(b.cur))
                return True

            return copy

        def expand_value(b: LabelBuilder) -> bool:
            value = source(b.cur)
            b.set(target, value_t.expand((value, value)))
            return True

        return expand_value

    memo = _rule_memo()
    memo_data, put = memo.data, memo.put

    def outcome(value: str) -> tuple[str, str] | None:
        groups = regex.groups(value)
        if groups is None:
            return None
        target = target_t.expand(groups)
        if not is_valid_label_name(target, scheme):
            return None
        return target, value_t.expand(groups)

    def step(b: LabelBuilder) -> bool:
        value = source(b.cur)
        result = memo_data[value] if value in memo_data else put(value, outcome(value))
        if result is not None:
            b.set(result[0], result[1])
        return True

    return step


def _hashmod_step(config: RelabelConfig) -> Step:
    source = _source(config)
    target, modulus = config.target_label, config.modulus
    if modulus <= 0:
        raise ValueError("relabel configuration for hashmod requires non-zero modulus")
    memo = _rule_memo()
    seen, put = memo.data.get, memo.put

    def step(b: LabelBuilder) -> bool:
        value = source(b.cur)
        bucket = seen(value)
        if bucket is None:
            bucket = put(value, _hashmod(value, modulus))
        b.set(target, bucket)
        return True

    return step


def _case_step(config: RelabelConfig, mapping: Callable[[str], str]) -> Step:
    source = _source(config)
    target = config.target_label

    def step(b: LabelBuilder) -> bool:
        b.set(target, mapping(source(b.cur)))
        return True

    return step


def _labelmap_step(config: RelabelConfig, regex: Regex) -> Step:
    template = Template.of(config.replacement, regex.group_names)
    memo = _rule_memo()
    memo_data, put = memo.data, memo.put

    def new_name(name: str) -> str | None:
        groups = regex.groups(name)
        return None if groups is None else template.expand(groups)

    def step(b: LabelBuilder) -> bool:
        for name, value in b.items():
            mapped = memo_data[name] if name in memo_data else put(name, new_name(name))
            if mapped is not None:
                b.set(mapped, value)
        return True

    return step


def _labelfilter_step(regex: Regex, keep: bool) -> Step:
    if regex.literal is not None and not keep:
        # A literal pattern names exactly one label.
        doomed_name = regex.literal

        def drop_one(b: LabelBuilder) -> bool:
            b.delete(doomed_name)
            return True

        return drop_one
    memo = _rule_memo()
    seen, put = memo.data.get, memo.put

    def step(b: LabelBuilder) -> bool:
        doomed = []
        for name in b.cur:
            matched = seen(name)
            if matched is None:
                matched = put(name, regex.matches(name))
            if matched is not keep:
                doomed.append(name)
        for name in doomed:
            b.delete(name)
        return True

    return step


def compile_rule(config: RelabelConfig, scheme: str = UTF8) -> Step:
    """Compile one rule; raises ``ValueError`` for an invalid regex, unknown action or zero hashmod modulus."""
    action = config.action
    if action in ("keepequal", "dropequal"):
        return _equal_step(config, keep=action == "keepequal")
    if action == "hashmod":
        return _hashmod_step(config)
    if action == "lowercase":
        return _case_step(config, go_lower)
    if action == "uppercase":
        return _case_step(config, go_upper)
    regex = compile_regex(config.regex)
    if action == "replace":
        return _replace_step(config, regex, scheme)
    if action in ("keep", "drop"):
        return _filter_step(config, regex, keep=action == "keep")
    if action == "labelmap":
        return _labelmap_step(config, regex)
    if action in ("labeldrop", "labelkeep"):
        return _labelfilter_step(regex, keep=action == "labelkeep")
    raise ValueError(f"unknown relabel action {action!r}")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class RuleSet:
    """Compiled rules, in order; ``configs[i]`` is the rule ``steps[i]`` runs."""

    configs: tuple[RelabelConfig, ...]
    steps: tuple[Step, ...]


@memoize(
    name="relabel.rule_sets",
    bound=1024,
    policy=LRU,
    reason="looked up per job (per group on the reference path); a compiled rule list is costly to rebuild",
)
def _compile(configs: tuple[RelabelConfig, ...], scheme: str) -> RuleSet:
    return RuleSet(configs=configs, steps=tuple(compile_rule(config, scheme) for config in configs))


def compile_rules(configs: Sequence[RelabelConfig], *, name_validation: str = UTF8) -> RuleSet:
    """The shared compiled ``RuleSet`` for ``configs``; ``name_validation`` is ``"utf8"`` or ``"legacy"``."""
    if name_validation not in (UTF8, LEGACY):
        raise ValueError(f"unknown name validation scheme {name_validation!r}")
    return _compile(tuple(configs), name_validation)


def apply_at(builder: LabelBuilder, rules: RuleSet) -> int:
    """Run ``rules`` over ``builder``; the index of the rule that dropped the target, or -1 if it is kept."""
    for index, step in enumerate(rules.steps):
        if not step(builder):
            return index
    return -1


def apply(builder: LabelBuilder, rules: RuleSet) -> bool:
    """Run ``rules`` over ``builder``; False if the target is dropped."""
    return apply_at(builder, rules) < 0


def relabel(labels: LabelSet, rules: RuleSet) -> LabelSet | None:
    """Relabel a label set; the sorted result, or ``None`` if dropped."""
    builder = LabelBuilder(labels)
    if apply_at(builder, rules) >= 0:
        return None
    return builder.labels()

"""A relabel rule list compiled into one specialised Python function: the fast path of target building.

In: the rules of a ``RuleSet`` (as ``RelabelConfig`` values, already validated by ``compile_rules``), the name
validation scheme, and the seed labels set before the rules (each only where absent). Out: ``Plan`` (or ``None``
when a rule's reads or writes are not a fixed set of label names), whose ``run`` takes the ``(name, value)`` pairs
of ``Plan.names`` (``("", "")`` for an absent name) and returns:

* ``-1`` when ``__address__`` is empty (checked before anything else, as ``build_targets`` does);
* the index of the dropping rule (``>= 0``);
* or ``(address, node, tail, gone)``: the pre-relabel address and node, ``tail`` the labels set since the start in
  the builder's Range order (first-set order; a deleted-then-set label moves to the end) and ``gone`` the names
  deleted at some point. Every base label named in ``tail`` or ``gone`` has left the sorted base section.

Why this is exact: when every rule reads and writes only fixed names (no labelmap/labelkeep, no regex labeldrop,
no templated target label), the outcome of the rule list -- the drop decision, and the sequence of sets and
deletes -- depends only on the values of those names, and the builder's final Range order is "untouched base
labels, sorted" followed by a tail that depends only on that sequence (``LabelBuilder`` semantics: "" means absent,
setting "" deletes, updating a tail label keeps its place). So tracking only those names, as local variables, gives
the same result as running ``LabelBuilder`` + ``apply_at`` over all ~45 labels.

Why it is fast: one Python call per target instead of one per rule, no per-target dict of every label, per-value
memo tables (group-level rules -- service, namespace ... -- hit them for every target of a group) and no regex
engine for literal and ``P(.*)S``-shaped patterns. The function is generated source, compiled once per rule list;
names and values are passed in through the function's namespace, never spliced into the source text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from ta.core.relabel.casemap import go_lower, go_upper
from ta.core.relabel.config import DEFAULT_REGEX, RelabelConfig
from ta.core.relabel.engine import _hashmod, is_valid_label_name
from ta.core.relabel.expand import Template
from ta.core.relabel.regex import Regex, compile_regex

ADDRESS = "__address__"
META_PREFIX = "__meta_"
# The node lookup of ``ta.core.allocation.nodes.node_of``: these three in order, then an endpointslice address
# target of kind Node.
NODE_LABELS = (
    "__meta_kubernetes_pod_node_name",
    "__meta_kubernetes_node_name",
    "__meta_kubernetes_endpoint_node_name",
)
TARGET_KIND = "__meta_kubernetes_endpointslice_address_target_kind"
TARGET_NAME = "__meta_kubernetes_endpointslice_address_target_name"
# Plan.names always starts with these, in this order (the generated code relies on the positions).
FIXED_NAMES = (ADDRESS, *NODE_LABELS, TARGET_KIND, TARGET_NAME)

_MEMO_LIMIT = 8192
_MISS = object()

Run = Callable[[tuple[tuple[str, str], ...]], "int | tuple[str, str, dict[str, str], AbstractSet[str]]"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Plan:
    """A compiled rule list; see the module docstring for ``run``'s contract."""

    names: tuple[str, ...]  # the label names ``run`` reads, in argument order
    written: frozenset[str]  # every name a seed or rule may set or delete
    meta_written: bool  # some written name starts with ``__meta_`` (the hash must then filter the tail)
    run: Run
    source: str  # the generated function, for debugging


class _Unsupported(Exception):
    """A rule whose reads or writes are not a fixed set of names; the caller takes the general path."""


class _Gen:
    def __init__(self) -> None:
        self.names: list[str] = list(FIXED_NAMES)
        self.slot: dict[str, int] = {name: i for i, name in enumerate(self.names)}
        self.ns: dict[str, Any] = {}
        self.lines: list[str] = []
        self.written: set[str] = set()
        self.read: set[str] = set(FIXED_NAMES)
        self.deletes = False

    def var(self, name: str, *, read: bool = True) -> str:
        """The local variable holding ``name``'s current value ("" when absent)."""
        index = self.slot.get(name)
        if index is None:
            index = self.slot[name] = len(self.names)
            self.names.append(name)
        if read:
            self.read.add(name)  # needs its initial value passed in
        return f"s{index}"

    def const(self, value: object) -> str:
        key = f"k{len(self.ns)}"
        self.ns[key] = value
        return key

    def emit(self, line: str, depth: int = 1) -> None:
        self.lines.append("    " * depth + line)

    def source(self, config: RelabelConfig) -> str:
        names = config.source_labels
        if not names:
            return self.const("")
        if len(names) == 1:
            return self.var(names[0])
        # Concatenation beats str.join for the usual two or three sources.
        return f" + {self.const(config.separator)} + ".join(self.var(name) for name in names)

    def set_label(self, name: str, value: str, depth: int, *, non_empty: bool = False) -> None:
        """Builder ``set(name, <value expression>)``; ``non_empty`` when the value can never be ""."""
        self.written.add(name)
        slot, key = self.var(name, read=False), self.const(name)
        self.emit(f"{slot} = {value}", depth)
        if non_empty:
            self.emit(f"tail[{key}] = {slot}", depth)
            return
        self.emit(f"if {slot}:", depth)
        self.emit(f"tail[{key}] = {slot}", depth + 1)
        self.emit("else:", depth)
        self.emit(f"tail.pop({key}, None)", depth + 1)
        self.emit(f"gone.add({key})", depth + 1)
        self.deletes = True

    def delete_label(self, name: str, depth: int = 1) -> None:
        self.written.add(name)
        key = self.const(name)
        self.emit(f'{self.var(name, read=False)} = ""', depth)
        self.emit(f"tail.pop({key}, None)", depth)
        self.emit(f"gone.add({key})", depth)
        self.deletes = True

    def set_constant(self, name: str, value: str, depth: int = 1) -> None:
        if value:
            self.set_label(name, self.const(value), depth, non_empty=True)
        else:
            self.delete_label(name, depth)

    def memo(self, compute: Callable[[str], object]) -> tuple[str, str]:
        """Names of a bounded memo dict and of its fill function (which stores and returns ``compute(value)``)."""
        table: dict[str, object] = {}

        def fill(value: str) -> object:
            if len(table) >= _MEMO_LIMIT:
                table.clear()
            result = table[value] = compute(value)
            return result

        return self.const(table), self.const(fill)


def _affix_test(gen: _Gen, regex: Regex, x: str) -> tuple[str, str]:
    """(condition, middle expression) for a ``P(.*)S``/``P(.+)S`` pattern on the string in variable ``x``."""
    assert regex.affix is not None
    prefix, minimum, suffix = regex.affix
    cond = f"len({x}) - {len(prefix) + len(suffix)} >= {minimum}"
    if prefix:
        cond += f" and {x}.startswith({gen.const(prefix)})"
    if suffix:
        cond += f" and {x}.endswith({gen.const(suffix)})"
    middle = f"{x}[{len(prefix)}:len({x}) - {len(suffix)}]" if suffix else f"{x}[{len(prefix)}:]"
    return cond, middle


def _replace(gen: _Gen, config: RelabelConfig, regex: Regex, scheme: str) -> None:
    target_t = Template.of(config.target_label, regex.group_names)
    value_t = Template.of(config.replacement, regex.group_names)
    target = target_t.constant
    if target is None or not is_valid_label_name(target, scheme):
        raise _Unsupported  # templated target, or the engine's invalid-name special cases
    src = gen.source(config)
    if regex.pattern == DEFAULT_REGEX:  # matches every value; groups 0 and 1 are the whole value
        if value_t.constant is not None:
            gen.set_constant(target, value_t.constant)
        elif value_t.parts in (((1,),), ((0,),)):
            gen.set_label(target, src, 1)
        else:
            gen.set_label(target, f"{gen.const(value_t.expand)}(({src}, {src}))", 1)
        return
    if regex.affix is not None:
        gen.emit(f"x = {src}")
        cond, middle = _affix_test(gen, regex, "x")
        gen.emit(f"if {cond}:")
        if value_t.constant is not None:
            gen.set_constant(target, value_t.constant, 2)
        elif value_t.parts == ((1,),):
            gen.set_label(target, middle, 2)
        elif value_t.parts == ((0,),):
            gen.set_label(target, "x", 2)
        else:
            gen.set_label(target, f"{gen.const(value_t.expand)}((x, {middle}))", 2)
        return

    def outcome(value: str) -> str | None:
        groups = regex.groups(value)
        return None if groups is None else value_t.expand(groups)

    table, fill = gen.memo(outcome)
    gen.emit(f"x = {src}")
    gen.emit(f"r = {table}.get(x, {gen.const(_MISS)})")
    gen.emit(f"if r is {gen.const(_MISS)}:")
    gen.emit(f"r = {fill}(x)", 2)
    gen.emit("if r is not None:")
    gen.set_label(target, "r", 2)


def _filter(gen: _Gen, config: RelabelConfig, regex: Regex, index: int, keep: bool) -> None:
    src = gen.source(config)
    if regex.literal is not None:
        gen.emit(f"if {src} {'!=' if keep else '=='} {gen.const(regex.literal)}:")
    elif regex.affix is not None:
        gen.emit(f"x = {src}")
        cond, _ = _affix_test(gen, regex, "x")
        gen.emit(f"if {'not ' if keep else ''}({cond}):")
    else:
        table, fill = gen.memo(regex.matches)
        gen.emit(f"x = {src}")
        gen.emit(f"m = {table}.get(x)")
        gen.emit("if m is None:")
        gen.emit(f"m = {fill}(x)", 2)
        gen.emit(f"if {'not ' if keep else ''}m:")
    gen.emit(f"return {index}", 2)


def _rule(gen: _Gen, config: RelabelConfig, index: int, scheme: str) -> None:
    action = config.action
    if action in ("keepequal", "dropequal"):
        op = "!=" if action == "keepequal" else "=="
        gen.emit(f"if {gen.var(config.target_label)} {op} {gen.source(config)}:")
        gen.emit(f"return {index}", 2)
    elif action == "hashmod":
        modulus = config.modulus
        if modulus <= 0:
            raise ValueError("relabel configuration for hashmod requires non-zero modulus")
        if modulus == 1:
            gen.set_constant(config.target_label, "0")  # anything mod 1 is 0: no digest needed
            return
        table, fill = gen.memo(functools.partial(_hashmod_of, modulus=modulus))
        gen.emit(f"x = {gen.source(config)}")
        gen.emit(f"h = {table}.get(x)")
        gen.emit("if h is None:")
        gen.emit(f"h = {fill}(x)", 2)
        gen.set_label(config.target_label, "h", 1, non_empty=True)
    elif action in ("lowercase", "uppercase"):
        mapping = gen.const(go_lower if action == "lowercase" else go_upper)
        gen.set_label(config.target_label, f"{mapping}({gen.source(config)})", 1)
    elif action == "replace":
        _replace(gen, config, compile_regex(config.regex), scheme)
    elif action in ("keep", "drop"):
        _filter(gen, config, compile_regex(config.regex), index, keep=action == "keep")
    elif action == "labeldrop":
        literal = compile_regex(config.regex).literal
        if literal is None:
            raise _Unsupported
        gen.delete_label(literal)  # a literal pattern names exactly one label
    elif action in ("labelmap", "labelkeep"):
        raise _Unsupported
    else:
        raise ValueError(f"unknown relabel action {action!r}")


def _hashmod_of(value: str, modulus: int) -> str:
    return _hashmod(value, modulus)


def _generate(configs: Sequence[RelabelConfig], scheme: str, seeds: Sequence[tuple[str, str]]) -> Plan | None:
    gen = _Gen()
    body_start = len(gen.lines)
    for name, value in seeds:
        # Seeded only where absent ("" counts as absent, as in the builder).
        slot = gen.var(name)
        gen.emit(f"if not {slot}:")
        if value:
            gen.set_label(name, gen.const(value), 2, non_empty=True)
        else:
            gen.delete_label(name, 2)
    try:
        for index, config in enumerate(configs):
            _rule(gen, config, index, scheme)
    except _Unsupported:
        return None
    body = gen.lines[body_start:]
    names = [name for name in gen.names if name in gen.read]  # FIXED_NAMES first, in order
    slots = ", ".join(f"(_, {gen.var(name)})" for name in names)
    lines = [
        "def run(pairs):",
        f"    {slots}, = pairs",
        "    if not s0:",
        "        return -1",
        '    node = s1 or s2 or s3 or (s5 if s4 == "Node" else "")',
        "    address = s0",
        "    tail = {}",
        "    gone = set()" if gen.deletes else f"    gone = {gen.const(frozenset())}",
        *body,
        "    return address, node, tail, gone",
    ]
    source = "\n".join(lines) + "\n"
    namespace = dict(gen.ns)
    exec(compile(source, "<relabel plan>", "exec"), namespace)
    run: Run = namespace["run"]
    written = frozenset(gen.written)
    return Plan(
        names=tuple(names),
        written=written,
        meta_written=any(name.startswith(META_PREFIX) for name in written),
        run=run,
        source=source,
    )


@functools.lru_cache(maxsize=256)
def compile_plan(
    configs: tuple[RelabelConfig, ...], scheme: str, seeds: tuple[tuple[str, str], ...] = ()
) -> Plan | None:
    """The shared ``Plan`` for ``seeds`` then ``configs``, or ``None`` if some rule needs the general engine.

    ``configs`` must already have passed ``compile_rules`` (invalid regexes are rejected there).
    """
    return _generate(configs, scheme, seeds)

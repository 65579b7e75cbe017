"""A relabel rule list compiled into specialised Python functions: the fast path of target building.

In: the rules of a ``RuleSet`` (as ``RelabelConfig`` values, already validated by ``compile_rules``), the name
validation scheme, and the seed labels set before the rules (each only where absent). Out: ``Plan`` (or ``None``
when a rule's reads or writes are not a fixed set of label names), whose ``run`` takes the ``(name, value)`` pairs
of ``Plan.names`` (``("", "")`` for an absent name) and returns:

* ``-1`` when ``__address__`` is empty (checked before anything else, as ``build_targets`` does);
* the index of the dropping rule (``>= 0``);
* or ``(address, node, tail, gone)``: the pre-relabel address and node, ``tail`` the labels set since the start in
  the builder's Range order (first-set order; a deleted-then-set label moves to the end) and ``gone`` the names
  deleted at some point. Every base label named in ``tail`` or ``gone`` has left the sorted base section.

and ``split_plan(plan, target_level, track_gone)``, the same rule list cut in two for targets whose labels named in
``target_level`` come from the target and the others from the group (or nowhere): ``Split.prep`` runs once per
group on the ``Split.gnames`` pairs and returns either a rule index (every target with an ``__address__`` is
dropped by that rule) or a state tuple (never changed afterwards); ``Split.run`` takes the ``Split.tnames`` pairs
of one target and that state and returns what ``Plan.run`` would, except that ``tail`` leaves out ``__meta_*``
names and maps each name to its identity-hash entry ``name + "\\0" + value``, and ``gone`` leaves out
``__meta_*`` names (or is ``None`` without ``track_gone``).

Why the plan is exact: when every rule reads and writes only fixed names (no labelmap/labelkeep, no regex
labeldrop, no templated target label), the outcome of the rule list -- the drop decision, and the sequence of sets
and deletes -- depends only on the values of those names, and the builder's final Range order is "untouched base
labels, sorted" followed by a tail that depends only on that sequence (``LabelBuilder`` semantics: "" means absent,
setting "" deletes, updating a tail label keeps its place). So tracking only those names, as local variables, gives
the same result as running ``LabelBuilder`` + ``apply_at`` over all ~45 labels.

Why the split is exact (a forward dataflow pass over seeds then rules): a name is *target-dependent* from the start
if it is in ``target_level``, and after an operation that writes it if the operation is run per target. An
operation is run once per group (in ``prep``) when none of the names it reads is target-dependent at that point
and it does not conditionally write (seed, non-matching replace) a target-dependent name; so its condition, value
and drop decision are the same for every target of the group. Its effect on the tail is then the same sequence of
sets and deletes for every target, and a run of consecutive group operations is replayed per target as "pop the
names it deleted (``P``), then ``dict.update`` with ``S``" -- ``S`` being that run applied to an empty dict, with
builder semantics. That equals applying the run in order to any tail: a name without a delete in the run keeps its
place if present (``update`` keeps it) or is inserted at its first set; a name deleted in the run leaves and, if
set again, is inserted at its first set after the last delete; insertions keep their order in ``S``. A group
operation that drops stops ``prep``: if no per-target rule before it can drop, every target with an address is
dropped by it; otherwise ``run`` returns its index at its place in the sequence. Per-target rules read the value a
group-level name has at that point from the state (captured by ``prep`` at the same point). A ``__meta_*`` name
never reaches the identity hash and never is among the base labels the hash filters, so the split only keeps its
value (later rules may read it), not its place in the tail.

Why it is fast: one Python call per target instead of one per rule, no per-target dict of every label, per-value
memo tables and no regex engine for literal and ``P(.*)S``-shaped patterns; with the split, the rules reading only
group labels (service, namespace, the sharding rules ...) run once per group instead of once per target. The
functions are generated source, compiled once per rule list (and split); names and values are passed in through
the functions' namespace, never spliced into the source text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from ta.core.base.cache import CLEAR_WHEN_FULL, LRU, BoundedCache, memoize
from ta.core.base.nodes import LOOKUP_LABELS, node_expression
from ta.core.relabel.casemap import go_lower, go_upper
from ta.core.relabel.config import DEFAULT_REGEX, RelabelConfig
from ta.core.relabel.engine import _hashmod, is_valid_label_name
from ta.core.relabel.expand import Template
from ta.core.relabel.regex import Regex, compile_regex

ADDRESS = "__address__"
META_PREFIX = "__meta_"
# Plan.names always starts with these, in this order: the address, then what the node lookup reads.
FIXED_NAMES = (ADDRESS, *LOOKUP_LABELS)

# Between a name and its value in the split's tail entries.
ENTRY_SEP = "\0"

_MISS = object()
# ``gd`` (the group's dropping rule) when no group-level rule drops: never a rule index.
_NO_DROP = -2
_STATE = "<state>"  # placeholder in prep's early returns, replaced by the state tuple once it is known

Pairs = tuple[tuple[str, str], ...]
Outcome = int | tuple[str, str, dict[str, str], AbstractSet[str]]
SplitOutcome = int | tuple[str, str, dict[str, str], AbstractSet[str] | None]
Run = Callable[[Pairs], Outcome]
Prep = Callable[[Pairs], "int | tuple[Any, ...]"]
SplitRun = Callable[[Pairs, "tuple[Any, ...]"], SplitOutcome]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Plan:
    """A compiled rule list; see the module docstring for ``run``'s contract."""

    names: tuple[str, ...]  # the label names ``run`` reads, in argument order
    written: frozenset[str]  # every name a seed or rule may set or delete
    run: Run
    source: str  # the generated function, for debugging
    # What it was compiled from (``split_plan`` compiles the same operations again).
    configs: tuple[RelabelConfig, ...]
    scheme: str
    seeds: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Split:
    """A ``Plan`` cut into a once-per-group part and a per-target part; see the module docstring."""

    tnames: tuple[str, ...]  # the target-level names ``run`` reads, in argument order
    gnames: tuple[str, ...]  # the group-level names ``prep`` reads, in argument order
    prep: Prep
    run: SplitRun
    source: str  # both generated functions, for debugging


class _Unsupported(Exception):
    """A rule whose reads or writes are not a fixed set of names; the caller takes the general path."""


class _Emitter:
    """Where one operation's code goes: the rule translators below only talk to this interface.

    ``var`` gives the expression holding a name's current value ("" when absent); ``set_label``/``delete_label``
    write a name with builder semantics; ``drop`` ends the target with a rule index.
    """

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns
        self.lines: list[str] = []

    def var(self, name: str) -> str:
        raise NotImplementedError

    def set_label(self, name: str, value: str, depth: int, *, non_empty: bool = False) -> None:
        """Builder ``set(name, <value expression>)``; ``non_empty`` when the value can never be ""."""
        raise NotImplementedError

    def delete_label(self, name: str, depth: int = 1) -> None:
        raise NotImplementedError

    def drop(self, index: int, depth: int) -> None:
        raise NotImplementedError

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

    def set_constant(self, name: str, value: str, depth: int = 1) -> None:
        if value:
            self.set_label(name, self.const(value), depth, non_empty=True)
        else:
            self.delete_label(name, depth)

    def memo(self, compute: Callable[[str], object]) -> tuple[str, str]:
        """Names of a bounded memo dict and of its fill function (which stores and returns ``compute(value)``).

        The generated code reads the dict directly (a hit costs no bookkeeping) and calls the fill on a miss.
        """
        memo: BoundedCache[str, object] = BoundedCache(
            "relabel.plan_memo",
            bound=8192,
            policy=CLEAR_WHEN_FULL,
            reason="looked up once per rule per target in generated code: no bookkeeping on a hit; the working set "
            "(a job's distinct values) is far below the bound, so a full table means it moved on",
            count_hits=False,
            family=True,
        )
        put = memo.put

        def fill(value: str) -> object:
            return put(value, compute(value))

        # The fill holds the table, so the table lives exactly as long as the generated code.
        return self.const(memo.data), self.const(fill)


def _emit_tail_set(
    gen: _Emitter, slot: str, key: str, depth: int, *, non_empty: bool, tail: str, gone: str, entry: str | None
) -> None:
    """``slot`` (just assigned) into the dict ``tail`` with builder semantics: "" deletes it and records it.

    With ``entry`` (the constant holding ``name + "\\0"``) the dict holds ``name + "\\0" + value`` instead of the
    value: the split's hash input, joined without flattening pairs. ``gone`` "" when deletes need no record.
    """
    stored = slot if entry is None else f"{entry} + {slot}"
    if non_empty:
        gen.emit(f"{tail}[{key}] = {stored}", depth)
        return
    gen.emit(f"if {slot}:", depth)
    gen.emit(f"{tail}[{key}] = {stored}", depth + 1)
    gen.emit("else:", depth)
    gen.emit(f"{tail}.pop({key}, None)", depth + 1)
    if gone:
        gen.emit(f"{gone}.add({key})", depth + 1)


class _Gen(_Emitter):
    """The whole rule list as one per-target function (``Plan.run``)."""

    def __init__(self) -> None:
        super().__init__({})
        self.names: list[str] = list(FIXED_NAMES)
        self.slot: dict[str, int] = {name: i for i, name in enumerate(self.names)}
        self.written: set[str] = set()
        self.read: set[str] = set(FIXED_NAMES)
        self.deletes = False

    def _slot(self, name: str) -> str:
        index = self.slot.get(name)
        if index is None:
            index = self.slot[name] = len(self.names)
            self.names.append(name)
        return f"s{index}"

    def var(self, name: str) -> str:
        self.read.add(name)  # needs its initial value passed in
        return self._slot(name)

    def set_label(self, name: str, value: str, depth: int, *, non_empty: bool = False) -> None:
        self.written.add(name)
        slot, key = self._slot(name), self.const(name)
        self.emit(f"{slot} = {value}", depth)
        _emit_tail_set(self, slot, key, depth, non_empty=non_empty, tail="tail", gone="gone", entry=None)
        self.deletes = self.deletes or not non_empty

    def delete_label(self, name: str, depth: int = 1) -> None:
        self.written.add(name)
        key = self.const(name)
        self.emit(f'{self._slot(name)} = ""', depth)
        self.emit(f"tail.pop({key}, None)", depth)
        self.emit(f"gone.add({key})", depth)
        self.deletes = True

    def drop(self, index: int, depth: int) -> None:
        self.emit(f"return {index}", depth)


def _affix_test(gen: _Emitter, regex: Regex, x: str) -> tuple[str, str]:
    """(condition, middle expression) for a ``P(.*)S``/``P(.+)S`` pattern on the string in variable ``x``."""
    assert regex.affix is not None
    prefix, minimum, suffix = regex.affix
    tests = []
    if minimum or (prefix and suffix):  # else implied by the affix test (or nothing to test at all)
        tests.append(f"len({x}) >= {len(prefix) + len(suffix) + minimum}")
    if prefix:
        tests.append(f"{x}.startswith({gen.const(prefix)})")
    if suffix:
        tests.append(f"{x}.endswith({gen.const(suffix)})")
    cond = " and ".join(tests) or "True"
    middle = f"{x}[{len(prefix)}:len({x}) - {len(suffix)}]" if suffix else f"{x}[{len(prefix)}:]"
    return cond, middle


def _replace_target(config: RelabelConfig, regex: Regex, scheme: str) -> str:
    target = Template.of(config.target_label, regex.group_names).constant
    if target is None or not is_valid_label_name(target, scheme):
        raise _Unsupported  # templated target, or the engine's invalid-name special cases
    return target


def _replace(gen: _Emitter, config: RelabelConfig, regex: Regex, scheme: str) -> None:
    target = _replace_target(config, regex, scheme)
    value_t = Template.of(config.replacement, regex.group_names)
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


def _filter(gen: _Emitter, config: RelabelConfig, regex: Regex, index: int, keep: bool) -> None:
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
    gen.drop(index, 2)


def _rule(gen: _Emitter, config: RelabelConfig, index: int, scheme: str) -> None:
    action = config.action
    if action in ("keepequal", "dropequal"):
        op = "!=" if action == "keepequal" else "=="
        gen.emit(f"if {gen.var(config.target_label)} {op} {gen.source(config)}:")
        gen.drop(index, 2)
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


def _seed(gen: _Emitter, name: str, value: str) -> None:
    # Seeded only where absent ("" counts as absent, as in the builder).
    gen.emit(f"if not {gen.var(name)}:")
    if value:
        gen.set_label(name, gen.const(value), 2, non_empty=True)
    else:
        gen.delete_label(name, 2)


def _hashmod_of(value: str, modulus: int) -> str:
    return _hashmod(value, modulus)


def _generate(configs: Sequence[RelabelConfig], scheme: str, seeds: tuple[tuple[str, str], ...]) -> Plan | None:
    gen = _Gen()
    for name, value in seeds:
        _seed(gen, name, value)
    try:
        for index, config in enumerate(configs):
            _rule(gen, config, index, scheme)
    except _Unsupported:
        return None
    body = gen.lines
    names = [name for name in gen.names if name in gen.read]  # FIXED_NAMES first, in order
    slots = ", ".join(f"(_, {gen.var(name)})" for name in names)
    lines = [
        "def run(pairs):",
        f"    {slots}, = pairs",
        "    if not s0:",
        "        return -1",
        f"    node = {node_expression([gen.var(name) for name in LOOKUP_LABELS])}",
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
        run=run,
        source=source,
        configs=tuple(configs),
        scheme=scheme,
        seeds=seeds,
    )


@memoize(
    name="relabel.plans",
    bound=256,
    policy=LRU,
    reason="looked up per job when its settings object is new; generating and compiling a plan is costly",
)
def compile_plan(
    configs: tuple[RelabelConfig, ...], scheme: str, seeds: tuple[tuple[str, str], ...] = ()
) -> Plan | None:
    """The shared ``Plan`` for ``seeds`` then ``configs``, or ``None`` if some rule needs the general engine.

    ``configs`` must already have passed ``compile_rules`` (invalid regexes are rejected there).
    """
    return _generate(configs, scheme, seeds)


# --- the split: once per group, then per target ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Op:
    """One seed or rule, as the dataflow pass sees it."""

    reads: frozenset[str]
    writes: str | None
    conditional: bool  # may leave ``writes`` unchanged (a seed where present, a replace that does not match)
    emit: Callable[[_Emitter], None]


def _ops(configs: Sequence[RelabelConfig], scheme: str, seeds: Sequence[tuple[str, str]]) -> list[_Op]:
    ops = [
        _Op(frozenset((name,)), name, True, functools.partial(_seed, name=name, value=value)) for name, value in seeds
    ]
    for index, config in enumerate(configs):
        action = config.action
        reads = set(config.source_labels)
        writes: str | None = config.target_label
        conditional = False
        if action in ("keep", "drop"):
            writes = None
        elif action in ("keepequal", "dropequal"):
            reads.add(config.target_label)
            writes = None
        elif action == "labeldrop":
            writes = compile_regex(config.regex).literal
        elif action == "hashmod" and config.modulus == 1:
            reads.clear()  # translated to the constant "0": the source is not read
        elif action == "replace":
            regex = compile_regex(config.regex)
            writes = _replace_target(config, regex, scheme)
            conditional = regex.pattern != DEFAULT_REGEX
        emit = functools.partial(_rule, config=config, index=index, scheme=scheme)
        ops.append(_Op(frozenset(reads), writes, conditional, emit))
    return ops


class _Side(_Emitter):
    def __init__(self, split: _SplitGen) -> None:
        super().__init__(split.ns)
        self.split = split


class _GroupSide(_Side):
    """``prep``: group-level operations on locals ``p<i>``; tail effects go to the current run's ``S``/``P``."""

    def var(self, name: str) -> str:
        split = self.split
        if name not in split.written:
            split.group_reads.add(name)
        return f"p{split.index(name)}"

    def set_label(self, name: str, value: str, depth: int, *, non_empty: bool = False) -> None:
        split = self.split
        slot, key, run = f"p{split.index(name)}", self.const(name), split.runs[-1]
        self.emit(f"{slot} = {value}", depth)
        if name.startswith(META_PREFIX):
            return  # see _SplitGen: only the value matters
        tail, gone, entry = f"S{run.number}", f"P{run.number}", self.const(name + ENTRY_SEP)
        _emit_tail_set(self, slot, key, depth, non_empty=non_empty, tail=tail, gone=gone, entry=entry)
        run.deletes = run.deletes or not non_empty

    def delete_label(self, name: str, depth: int = 1) -> None:
        split = self.split
        key, run = self.const(name), split.runs[-1]
        self.emit(f'p{split.index(name)} = ""', depth)
        if name.startswith(META_PREFIX):
            return  # see _SplitGen: only the value matters
        self.emit(f"S{run.number}.pop({key}, None)", depth)
        self.emit(f"P{run.number}.add({key})", depth)
        run.deletes = True

    def drop(self, index: int, depth: int) -> None:
        split = self.split
        if not split.target_drops:
            self.emit(f"return {index}", depth)  # every target with an address is dropped here
            return
        # A per-target rule before this one may drop first: run must return this index at this place.
        self.emit(f"gd = {index}", depth)
        self.emit(f"return {_STATE}", depth)
        split.runs[-1].checks.append(index)
        split.state_returns = True


class _TargetSide(_Side):
    """``run``: per-target operations on locals ``s<i>``; group-level values come from the state."""

    def var(self, name: str) -> str:
        split = self.split
        if name not in split.tdep:
            return split.capture(name)
        if name not in split.written:
            split.target_reads.add(name)
        return f"s{split.index(name)}"

    def set_label(self, name: str, value: str, depth: int, *, non_empty: bool = False) -> None:
        slot, key = f"s{self.split.index(name)}", self.const(name)
        self.emit(f"{slot} = {value}", depth)
        if name.startswith(META_PREFIX):
            return  # see _SplitGen: only the value matters
        entry, gone = self.const(name + ENTRY_SEP), self.split.gone
        _emit_tail_set(self, slot, key, depth, non_empty=non_empty, tail="tail", gone=gone, entry=entry)
        self.split.target_deletes = self.split.target_deletes or not non_empty

    def delete_label(self, name: str, depth: int = 1) -> None:
        key = self.const(name)
        self.emit(f's{self.split.index(name)} = ""', depth)
        if name.startswith(META_PREFIX):
            return  # see _SplitGen: only the value matters
        self.emit(f"tail.pop({key}, None)", depth)
        if self.split.gone:
            self.emit(f"gone.add({key})", depth)
        self.split.target_deletes = True

    def drop(self, index: int, depth: int) -> None:
        self.emit(f"return {index}", depth)
        self.split.target_drops = True


@dataclass(slots=True)
class _GroupRun:
    """Consecutive group-level operations: their tail effect ``S<number>``/``P<number>`` is built by prep."""

    number: int
    prefix: bool  # no per-target operation before it: run starts its tail as a copy of ``S``
    deletes: bool = False  # may delete (``P`` may be non-empty)
    checks: list[int] = field(default_factory=list)  # group drops that run must check (``gd == i``)


class _SplitGen:
    """The dataflow pass: sends each operation to ``prep`` or ``run`` and records what each side reads."""

    def __init__(self, target_level: frozenset[str], needed: frozenset[str], track_gone: bool) -> None:
        self.ns: dict[str, Any] = {}
        self.gone = "gone" if track_gone else ""  # the run's set of deleted names, if it keeps one
        self.needed = needed  # names some operation reads (``Plan.names``): the only values worth keeping
        self.slots: dict[str, int] = {}
        self.tdep: set[str] = set(target_level)  # target-dependent now
        self.written: set[str] = set()  # written by some operation so far (later reads are not initial values)
        self.group_reads: set[str] = set()  # initial values prep reads
        self.target_reads: set[str] = set()  # initial values run reads
        self.captures: list[str] = []
        self.captured: dict[str, str] = {}  # name -> state slot holding its current group-level value
        self.runs: list[_GroupRun] = []
        self.in_group = False
        self.any_target_op = False
        self.target_drops = False  # some per-target operation so far may drop
        self.target_deletes = False
        self.state_returns = False  # prep may return the state before its end
        self.group = _GroupSide(self)
        self.target = _TargetSide(self)

    def index(self, name: str) -> int:
        return self.slots.setdefault(name, len(self.slots))

    def capture(self, name: str) -> str:
        """A state slot with the group-level value ``name`` has at this point (one per value run reads)."""
        slot = self.captured.get(name)
        if slot is None:
            slot = self.captured[name] = self.capture_expr(self.group.var(name))
        return slot

    def capture_expr(self, expr: str) -> str:
        slot = f"g{len(self.captures)}"
        self.captures.append(slot)
        self.group.emit(f"{slot} = {expr}")
        return slot

    def add(self, op: _Op) -> None:
        write = op.writes
        if op.reads.isdisjoint(self.tdep) and not (op.conditional and write in self.tdep):
            if not self.in_group:
                self.in_group = True
                self.runs.append(_GroupRun(number=len(self.runs), prefix=not self.any_target_op))
            if op.conditional and write in self.needed:
                self.group.var(write)  # where the op does not write, the current value stays: prep needs it
            op.emit(self.group)
            if write is not None:
                self.tdep.discard(write)
        else:
            self.close_run()
            if op.conditional and write is not None and write in self.needed:
                # Where the op does not write, the current value stays: run needs it in its local.
                current, slot = self.target.var(write), f"s{self.index(write)}"
                if current != slot:
                    self.target.emit(f"{slot} = {current}")
            op.emit(self.target)
            self.any_target_op = True
            if write is not None:
                self.tdep.add(write)
        if write is not None:
            self.written.add(write)
            self.captured.pop(write, None)

    def close_run(self) -> None:
        """End the current run of group operations: replay its tail effect in run ("pop P, then update S")."""
        if not self.in_group:
            return
        self.in_group = False
        run, target = self.runs[-1], self.target
        for index in run.checks:
            target.emit(f"if gd == {index}:")
            target.emit(f"return {index}", 2)
        if run.prefix:
            return  # run starts its tail from this one
        if run.deletes:
            target.emit(f"if P{run.number}:")  # usually empty: one test instead of a loop and an update
            target.emit(f"for k in P{run.number}:", 2)
            target.emit("tail.pop(k, None)", 3)
            if self.gone:
                target.emit(f"gone.update(P{run.number})", 2)
        target.emit(f"tail.update(S{run.number})")


def _unpack(names: Sequence[str], prefix: str, sg: _SplitGen) -> list[str]:
    if not names:
        return []
    return [f"    {', '.join(f'(_, {prefix}{sg.index(name)})' for name in names)}, = pairs"]


def _split_generate(plan: Plan, target_level: frozenset[str], track_gone: bool) -> Split:
    sg = _SplitGen(target_level, frozenset(plan.names), track_gone)
    address = sg.target.var(ADDRESS)
    node_side: _Emitter = sg.target if any(name in sg.tdep for name in FIXED_NAMES[1:]) else sg.group
    node = node_expression([node_side.var(name) for name in LOOKUP_LABELS])
    if node_side is sg.group:
        node = sg.capture_expr(node)  # the same for every target of the group
    for op in _ops(plan.configs, plan.scheme, plan.seeds):
        sg.add(op)
    sg.close_run()
    tnames = [name for name in plan.names if name in sg.target_reads]
    gnames = [name for name in plan.names if name in sg.group_reads]
    assert len(tnames) == len(sg.target_reads) and len(gnames) == len(sg.group_reads)
    runs = sg.runs
    state_names = [*sg.captures, *(f"{kind}{run.number}" for run in runs for kind in "SP"), "gd"]
    state = f"({', '.join(state_names)},)"
    prep = ["def prep(pairs):", *_unpack(gnames, "p", sg)]
    if sg.state_returns and sg.captures:
        prep.append(f"    {' = '.join(sg.captures)} = {sg.target.const('')}")  # unread when prep returns early
    for run in runs:
        prep += [f"    S{run.number} = {{}}", f"    P{run.number} = set()"]
    prep.append(f"    gd = {_NO_DROP}")
    early = f"return {_STATE}"
    prep += [line[: -len(early)] + f"return {state}" if line.endswith(early) else line for line in sg.group.lines]
    prep.append(f"    return {state}")
    prefix = bool(runs) and runs[0].prefix
    later_deletes = sg.target_deletes or any(run.deletes for run in runs if not run.prefix)
    if not track_gone:
        gone = sg.target.const(None)
    elif prefix:
        gone = "set(P0)" if later_deletes else "P0"
    else:
        gone = "set()" if later_deletes else sg.target.const(frozenset())
    run_lines = [
        "def run(pairs, state):",
        *_unpack(tnames, "s", sg),
        f"    {', '.join(state_names)}, = state",
        f"    address = {address}",
        "    if not address:",
        "        return -1",
        f"    node = {node}",
        "    tail = S0.copy()" if prefix else "    tail = {}",
        f"    gone = {gone}",
        *sg.target.lines,
        "    return address, node, tail, gone",
    ]
    source = "\n".join([*prep, "", "", *run_lines]) + "\n"
    namespace = dict(sg.ns)
    exec(compile(source, "<relabel split plan>", "exec"), namespace)
    return Split(
        tnames=tuple(tnames), gnames=tuple(gnames), prep=namespace["prep"], run=namespace["run"], source=source
    )


@memoize(
    name="relabel.split_plans",
    bound=1024,
    policy=LRU,
    reason="looked up once per target group (and per new label shape); generating a split is costly",
)
def split_plan(plan: Plan, target_level: frozenset[str], track_gone: bool = True) -> Split:
    """``plan`` for targets whose labels named in ``target_level`` come from the target, the others from the group.

    Targets of one group usually share which rule inputs they carry themselves, so each job needs one or two.
    Without ``track_gone`` the outcome's ``gone`` is ``None`` (the caller's base labels are none the plan writes).
    """
    return _split_generate(plan, target_level & frozenset(plan.names), track_gone)

"""The allocator: which collector serves which target, kept up to date incrementally.

In: collector sets (``set_collectors``) and target upserts/removals keyed by ``Target.hash`` (``update``).
Out: the ``Move``s each call caused, sorted by (job, hash), which replayed onto a plain ``{hash: (target,
collector)}`` mirror reproduce the allocator's state exactly; plus read accessors over that state.

A target without a collector stays stored unassigned and is placed when collectors appear. An upsert of a
held hash replaces the value and keeps the collector unless the strategy now places it elsewhere (only possible
when the address or node behind an unchanged hash changed). Owned by one actor; not thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter

from ta.core.allocation.consistent_hashing import ConsistentHashing
from ta.core.allocation.least_weighted import LeastWeighted
from ta.core.allocation.per_node import PerNode
from ta.core.allocation.strategy import CONSISTENT_HASHING, LEAST_WEIGHTED, PER_NODE, STRATEGIES, Strategy
from ta.core.allocation.tally import Tally
from ta.core.model import Collector, Target


@dataclass(frozen=True, slots=True, kw_only=True)
class Move:
    """One target's change: a new value, a new collector, or removal (``target`` is then its last value)."""

    target: Target
    before: str
    after: str
    removed: bool = False


class UnknownStrategyError(ValueError):
    pass


def _strategy(name: str, tally: Tally, *, role: str) -> Strategy:
    if name == CONSISTENT_HASHING:
        return ConsistentHashing()
    if name == LEAST_WEIGHTED:
        return LeastWeighted(tally)
    valid = STRATEGIES if role == "allocation strategy" else (CONSISTENT_HASHING, LEAST_WEIGHTED)
    raise UnknownStrategyError(f"unknown {role} {name!r}; expected one of: {', '.join(valid)}")


_order = attrgetter("job", "hash")
_move_order = attrgetter("target.job", "target.hash")


class Allocator:
    def __init__(self, strategy: str, *, fallback: str = "") -> None:
        self._tally = Tally()
        fallback_strategy: Strategy | None = None
        if fallback:
            if fallback == PER_NODE:
                raise UnknownStrategyError(
                    f"unknown fallback strategy {fallback!r}; expected one of: {CONSISTENT_HASHING}, {LEAST_WEIGHTED}"
                )
            fallback_strategy = _strategy(fallback, self._tally, role="fallback strategy")
        self._name = strategy
        # Upstream ignores a fallback on strategies other than per-node; we validate it and ignore it too.
        self._strategy = (
            PerNode(fallback_strategy)
            if strategy == PER_NODE
            else _strategy(strategy, self._tally, role="allocation strategy")
        )
        self._tally.listener = self._strategy.tally_changed
        self._collectors: dict[str, Collector] = {}
        self._targets: dict[int, Target] = {}
        self._owner: dict[int, str] = {}
        self._served: dict[str, set[int]] = {}
        self._unassigned: set[int] = set()

    @property
    def strategy(self) -> str:
        return self._name

    def set_collectors(self, collectors: Iterable[Collector]) -> tuple[Move, ...]:
        """Replace the collector set (a later duplicate name wins); moves only what the strategy must move."""
        incoming = {collector.name: collector for collector in collectors}
        if incoming == self._collectors:
            return ()
        before: dict[int, tuple[str, Target | None]] = {}
        for name in sorted(self._collectors.keys() - incoming.keys()):
            for target_hash in sorted(self._served.get(name, ())):
                before[target_hash] = (name, self._targets[target_hash])
                self._unassign(target_hash)
            self._served.pop(name, None)
        self._collectors = dict(sorted(incoming.items()))
        for name in self._collectors:
            self._served.setdefault(name, set())
        affected = self._strategy.set_collectors(self._collectors, self._unassigned)
        self._place(affected | before.keys(), before)
        return self._moves(before)

    def update(self, *, upserts: Iterable[Target] = (), removals: Iterable[int] = ()) -> tuple[Move, ...]:
        """Apply target upserts and removals (by hash); a hash both upserted and removed is kept (upsert wins)."""
        incoming = {target.hash: target for target in upserts}
        before: dict[int, tuple[str, Target | None]] = {}
        gone = False
        for target_hash in sorted(set(removals) - incoming.keys()):
            old = self._targets.get(target_hash)
            if old is None:
                continue
            gone = True
            before[target_hash] = (self._owner.get(target_hash, ""), old)
            self._unassign(target_hash)
            self._unassigned.discard(target_hash)
            self._strategy.untrack(old)
            del self._targets[target_hash]
        changed: list[int] = []
        targets = self._targets
        track = self._strategy.track
        for target in sorted(incoming.values(), key=_order):
            target_hash = target.hash
            old = targets.get(target_hash)
            if old is None:
                targets[target_hash] = target
                self._unassigned.add(target_hash)
                track(target)
                before[target_hash] = ("", None)
                changed.append(target_hash)
                continue
            if old == target:
                continue
            current = self._owner.get(target_hash, "")
            before[target_hash] = (current, old)
            self._strategy.untrack(old)
            if current:
                # Re-count under the new value (its job may differ) without losing the collector.
                self._unassign(target_hash)
            targets[target_hash] = target
            track(target)
            if current:
                self._assign(target_hash, current)
            changed.append(target_hash)
        self._place(changed, before, presorted=True)
        # Without removals ``before`` was filled in (job, hash) order already and placing adds no entries.
        return self._moves(before, presorted=not gone)

    def collectors(self) -> tuple[Collector, ...]:
        return tuple(self._collectors.values())

    def collector_of(self, target_hash: int) -> str:
        return self._owner.get(target_hash, "")

    def target(self, target_hash: int) -> Target | None:
        return self._targets.get(target_hash)

    def target_hashes(self) -> tuple[int, ...]:
        """Every held target's hash, ascending (e.g. to rebuild under another strategy)."""
        return tuple(sorted(self._targets))

    def assigned_counts(self) -> tuple[tuple[str, int], ...]:
        return tuple((name, len(self._served[name])) for name in self._collectors)

    def unassigned_count(self) -> int:
        return len(self._unassigned)

    def __len__(self) -> int:
        return len(self._targets)

    def _place(
        self, hashes: Iterable[int], before: dict[int, tuple[str, Target | None]], *, presorted: bool = False
    ) -> None:
        if not self._collectors:
            return
        targets = self._targets
        owner = self._owner
        choose = self._strategy.choose
        served = self._served
        unassigned = self._unassigned
        tally_add = self._tally.add
        # Sorted by (job, hash): the order decides least-weighted placements, and grouping by job keeps its
        # ranking heap warm.
        ordered = hashes if presorted else sorted(hashes, key=lambda h: (targets[h].job, h))
        for target_hash in ordered:
            target = targets[target_hash]
            current = owner.get(target_hash, "")
            chosen = choose(target, current)
            if chosen == current:
                continue
            if target_hash not in before:
                before[target_hash] = (current, target)
            if current:
                self._unassign(target_hash)
            if chosen:
                owner[target_hash] = chosen
                served[chosen].add(target_hash)
                unassigned.discard(target_hash)
                tally_add(chosen, target.job)

    def _assign(self, target_hash: int, collector: str) -> None:
        self._owner[target_hash] = collector
        self._served[collector].add(target_hash)
        self._unassigned.discard(target_hash)
        self._tally.add(collector, self._targets[target_hash].job)

    def _unassign(self, target_hash: int) -> None:
        collector = self._owner.pop(target_hash, "")
        if not collector:
            return
        self._served[collector].discard(target_hash)
        self._unassigned.add(target_hash)
        self._tally.remove(collector, self._targets[target_hash].job)

    def _moves(self, before: dict[int, tuple[str, Target | None]], *, presorted: bool = False) -> tuple[Move, ...]:
        moves: list[Move] = []
        targets = self._targets
        owner = self._owner
        for target_hash, (was, old) in before.items():
            now = targets.get(target_hash)
            if now is None:
                if old is not None:
                    moves.append(Move(target=old, before=was, after="", removed=True))
                continue
            after = owner.get(target_hash, "")
            if old is None or was != after or old != now:
                moves.append(Move(target=now, before=was, after=after))
        if not presorted:
            moves.sort(key=_move_order)
        return tuple(moves)

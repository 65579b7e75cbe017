"""The allocator: which collector serves which target, kept up to date incrementally.

In: collector sets (``set_collectors``) and target upserts/removals keyed by ``Target.hash`` (``update``).
Out: the ``Move``s each call caused, sorted by (job, hash), which replayed onto a plain ``{hash: (target,
collector)}`` mirror reproduce the allocator's state exactly; plus read accessors over that state.

A target without a collector stays stored unassigned and is placed when collectors appear. An upsert of a
held hash replaces the value and keeps the collector unless the strategy now places it elsewhere (only possible
when the address or node behind an unchanged hash changed). rendezvous-bounded balances over the whole target
set, so an update may also move held targets it did not name (the strategy's ``displaced``); those moves are
in the result like any other. Owned by one actor; not thread-safe.

Each actor step can be taken back whole (``begin``/``commit``/``rollback``): a step records the held targets
and owners it is about to change (an ``update``: the hashes it names; ``set_collectors``: where each target it
moves was, which it works out for its moves anyway), and a rollback restores those and rebuilds the derived
bookkeeping (served sets, tally, the strategy's indexes) from them, in time proportional to the targets held:
paid only after a failure.

Cost: work is proportional to the targets a call touches. Bookkeeping is sets of hashes per collector, so a
strategy that moves whole groups (consistent hashing moves partitions) is applied with set operations; targets
are sorted only where the strategy's choices depend on order (least-weighted), and the moves once at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from operator import attrgetter
from typing import Any, NamedTuple

from ta.core.allocation.consistent_hashing import ConsistentHashing
from ta.core.allocation.least_weighted import LeastWeighted
from ta.core.allocation.per_node import PerNode
from ta.core.allocation.rendezvous_bounded import RendezvousBounded
from ta.core.allocation.strategy import (
    CONSISTENT_HASHING,
    FALLBACKS,
    LEAST_WEIGHTED,
    PER_NODE,
    RENDEZVOUS_BOUNDED,
    STRATEGIES,
    Strategy,
)
from ta.core.allocation.tally import Tally
from ta.core.base.model import Collector, Target


class Move(NamedTuple):
    """One target's change: a new value, a new collector, or removal (``target`` is then its last value).

    A named tuple, not a dataclass: one is built per moved target, and tuples are several times cheaper to make.
    """

    target: Target
    before: str
    after: str
    removed: bool = False


class UnknownStrategyError(ValueError):
    pass


def _strategy(name: str, tally: Tally, *, role: str) -> Strategy:
    valid = STRATEGIES if role == "allocation strategy" else FALLBACKS
    if name not in valid:
        raise UnknownStrategyError(f"unknown {role} {name!r}; expected one of: {', '.join(valid)}")
    if name == CONSISTENT_HASHING:
        return ConsistentHashing()
    if name == LEAST_WEIGHTED:
        return LeastWeighted(tally)
    if name == RENDEZVOUS_BOUNDED:
        return RendezvousBounded()
    raise AssertionError(f"strategy {name!r} is named in ta.core.allocation.strategy but has no constructor here")


# ``Move(...)`` runs a Python-level ``__new__``; building the tuple directly halves the cost of a move.
_new = tuple.__new__
_job = attrgetter("job")
_hash = attrgetter("hash")
_move_job = attrgetter("target.job")
_move_hash = attrgetter("target.hash")


def _by_job_then_hash(targets: list[Target]) -> list[Target]:
    # Two stable single-key sorts (keys fetched in C) instead of a tuple key built per element.
    targets.sort(key=_hash)
    targets.sort(key=_job)
    return targets


def _in_order(moves: list[Move]) -> tuple[Move, ...]:
    """Moves sorted by (job, hash): two stable single-key sorts, keys fetched in C (cheaper than a tuple key)."""
    moves.sort(key=_move_hash)
    moves.sort(key=_move_job)
    return tuple(moves)


class Allocator:
    def __init__(self, strategy: str, *, fallback: str = "") -> None:
        self._name = strategy
        self._fallback = fallback
        self._tally, self._strategy = self._new_strategy()
        # Only an order-dependent strategy (least-weighted, possibly as per-node's fallback) reads the tally;
        # the others never pay for keeping it.
        self._ordered = self._strategy.ordered
        self._collectors: dict[str, Collector] = {}
        self._targets: dict[int, Target] = {}
        # Whether ``_targets`` iterates in (job, hash) order, so a walk over it yields moves already sorted. True
        # from an initial load (inserted sorted) until a later batch lands out of order.
        self._targets_in_order = True
        self._owner: dict[int, str] = {}  # assigned targets only
        self._served: dict[str, set[int]] = {}
        self._unassigned: set[int] = set()
        # While a step is open: what each call is about to change, oldest first (see ``rollback``).
        self._records: list[tuple[Any, ...]] | None = None
        self._saved: tuple[dict[str, Collector], bool] | None = None

    def _new_strategy(self) -> tuple[Tally, Strategy]:
        tally = Tally()
        # Upstream reads the fallback only for per-node and ignores it otherwise; so do we (the config check
        # already refused a name that is no strategy at all).
        if self._name == PER_NODE:
            fallback = self._fallback
            strategy: Strategy = PerNode(_strategy(fallback, tally, role="fallback strategy") if fallback else None)
        else:
            strategy = _strategy(self._name, tally, role="allocation strategy")
        if strategy.ordered:
            tally.listener = strategy.tally_changed
        return tally, strategy

    # --- all-or-nothing steps -------------------------------------------------------------------------

    def begin(self) -> None:
        self._records = []
        self._saved = (self._collectors, self._targets_in_order)

    def commit(self) -> None:
        self._records = None
        self._saved = None

    def rollback(self) -> None:
        """Back to the state at ``begin``: held targets and owners restored, everything derived rebuilt."""
        records, saved = self._records, self._saved
        self._records = self._saved = None
        if records is None or saved is None:
            return
        targets = self._targets
        owner = self._owner
        in_order = saved[1]
        for record in reversed(records):
            if record[0] == "owners":
                _, before, orphaned = record
                if before is None:
                    owner.clear()
                    continue
                for target_hash, was in (*before.items(), *orphaned.items()):
                    if was:
                        owner[target_hash] = was
                    else:
                        owner.pop(target_hash, None)
                continue
            _, incoming, removed, old = record
            for target_hash in (*incoming, *removed):
                held = old.get(target_hash)
                if held is None:
                    targets.pop(target_hash, None)
                    owner.pop(target_hash, None)
                    continue
                if target_hash not in targets:
                    in_order = False  # put back at the end of the dict
                targets[target_hash], was = held
                if was:
                    owner[target_hash] = was
                else:
                    owner.pop(target_hash, None)
        self._collectors, self._targets_in_order = saved[0], in_order
        self._tally, self._strategy = self._new_strategy()
        self._served = {name: set() for name in self._collectors}
        for target_hash, name in owner.items():
            self._served[name].add(target_hash)
        self._unassigned = set(targets.keys() - owner.keys())
        self._strategy.set_collectors(self._collectors, self._unassigned)
        self._strategy.track(targets.values())
        # The rebuild is an update like any other, so it ends the way ``update`` does: by taking the strategy's
        # ``displaced`` bookkeeping. Every held target was just tracked, so nothing is reported (the owners
        # restored above are already the strategy's choices); left pending, that bookkeeping would make the next
        # update take every held target for a newly tracked one and drop the moves it displaces.
        self._strategy.displaced()
        if self._ordered:
            for target_hash, name in owner.items():
                self._tally.add(name, targets[target_hash].job)

    @property
    def strategy(self) -> str:
        return self._name

    def set_collectors(self, collectors: Iterable[Collector]) -> tuple[Move, ...]:
        """Replace the collector set (a later duplicate name wins); moves only what the strategy must move."""
        incoming = {collector.name: collector for collector in collectors}
        if incoming == self._collectors:
            return ()
        owner = self._owner
        served = self._served
        # With no collectors before, every target was unassigned: no per-target "before" is needed.
        before: dict[int, str] | None = {} if self._collectors else None
        orphaned: dict[int, str] = {}  # targets of departed collectors -> that collector
        if self._records is not None:
            # Both are filled before each owner they name changes, so even a failure half-way can be taken back:
            # ``before`` says where each moved target was (orphans: "" until the end), ``orphaned`` where orphans
            # were. Without collectors before, no target had one.
            self._records.append(("owners", before, orphaned))
        for name in sorted(self._collectors.keys() - incoming.keys()):
            orphans = served.pop(name, set())
            orphaned.update(dict.fromkeys(orphans, name))
            for target_hash in orphans:
                del owner[target_hash]
            self._unassigned |= orphans
            if self._ordered:
                for target_hash in sorted(orphans):
                    self._tally.remove(name, self._targets[target_hash].job)
        self._collectors = dict(sorted(incoming.items()))
        for name in self._collectors:
            served.setdefault(name, set())
        regroup = self._strategy.set_collectors(self._collectors, self._unassigned)
        for hashes, collector in regroup.groups:
            self._move_group(hashes, collector, before)
        if before is not None:
            # Groups saw orphans as unassigned; their real "before" is the departed collector.
            before.update(orphaned)
        if regroup.rechoose:
            targets = self._targets
            self._place([targets[target_hash] for target_hash in regroup.rechoose], before)
        return self._moves(before)

    def update(self, *, upserts: Iterable[Target] = (), removals: Iterable[int] = ()) -> tuple[Move, ...]:
        """Apply target upserts and removals (by hash); a hash both upserted and removed is kept (upsert wins)."""
        incoming = {target.hash: target for target in upserts}
        removed = set(removals)
        targets = self._targets
        owner = self._owner
        if self._records is not None:
            kept = [target_hash for target_hash in (*incoming, *removed) if target_hash in targets]
            prior = {target_hash: (targets[target_hash], owner.get(target_hash, "")) for target_hash in kept}
            self._records.append(("targets", incoming, removed, prior))
        moves: list[Move] = []
        gone: list[Target] = []
        for target_hash in sorted(removed - incoming.keys()):
            old = targets.pop(target_hash, None)
            if old is None:
                continue
            was = owner.pop(target_hash, "")
            if was:
                self._served[was].discard(target_hash)
                if self._ordered:
                    self._tally.remove(was, old.job)
            else:
                self._unassigned.discard(target_hash)
            gone.append(old)
            moves.append(_new(Move, (old, was, "", True)))
        if gone:
            self._strategy.untrack(gone)
        fresh = [target for target_hash, target in incoming.items() if target_hash not in targets]
        replaced: list[Target] = []  # old values of held hashes that change value
        if len(fresh) < len(incoming):
            held = targets.get
            replaced = [
                old
                for target_hash, target in incoming.items()
                if (old := held(target_hash)) is not None and old is not target and old != target
            ]
        if not fresh and not replaced:
            return _in_order(moves + self._displaced()) if gone else ()
        previous: dict[int, str] = {}
        if replaced:
            self._strategy.untrack(replaced)
            for old in replaced:
                target_hash = old.hash
                new = targets[target_hash] = incoming[target_hash]
                current = previous[target_hash] = owner.get(target_hash, "")
                if current and self._ordered and new.job != old.job:
                    # Re-count under the new value's job without losing the collector.
                    self._tally.remove(current, old.job)
                    self._tally.add(current, new.job)
        changed = fresh + [incoming[old.hash] for old in replaced] if replaced else fresh
        # Sorted once here: least-weighted places in this order, and the moves come out in it.
        _by_job_then_hash(changed)
        if replaced:
            fresh = [target for target in changed if target.hash not in previous]
        if fresh:
            self._add(fresh)
        self._strategy.track(changed)
        if self._collectors:
            if self._ordered:
                self._place(changed, None, presorted=True)
            else:
                if fresh:
                    self._place_unordered(fresh, None, fresh=True)
                if replaced:
                    self._place_unordered([incoming[old.hash] for old in replaced], None)
            owner_of = owner.get
            previous_of = previous.get
            placed = [
                _new(Move, (target, previous_of(target.hash, ""), owner_of(target.hash, ""), False))
                for target in changed
            ]
        else:
            # Nothing can be placed, but the view lists jobs with only unassigned targets, so each still moves.
            placed = [_new(Move, (target, "", "", False)) for target in changed]
        displaced = self._displaced()
        if displaced:
            return _in_order(moves + placed + displaced)
        return _in_order(moves + placed) if moves else tuple(placed)

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

    def check_invariants(self) -> None:
        """Raise ``AssertionError`` naming the first broken rule of the bookkeeping; changes nothing.

        For tests (run after every operation): the held targets, owners, served sets, unassigned set, tally and
        the strategy's choices are updated in several places and must always agree. O(targets + collectors).
        """
        targets, owner, served, collectors = self._targets, self._owner, self._served, self._collectors

        def check(ok: bool, message: str) -> None:
            if not ok:
                raise AssertionError(f"allocator invariant broken: {message}")

        check((self._records is None) == (self._saved is None), "a step is half open (records vs saved state)")
        check(
            all(target_hash == target.hash for target_hash, target in targets.items()),
            "a target held under another hash",
        )
        stray = sorted(owner.keys() - targets.keys())
        check(not stray, f"owners of targets not held: {stray[:5]}")
        gone = sorted({name for name in owner.values() if name not in collectors})
        check(not gone, f"targets owned by collectors not in the set: {gone[:5]}")
        check(
            self._unassigned == targets.keys() - owner.keys(),
            "unassigned is not exactly the held targets without owner",
        )
        check(served.keys() == collectors.keys(), f"served sets {sorted(served)} for collectors {sorted(collectors)}")
        by_owner: dict[str, set[int]] = {name: set() for name in collectors}
        for target_hash, name in owner.items():
            by_owner.setdefault(name, set()).add(target_hash)
        for name in sorted(served):
            check(served[name] == by_owner[name], f"served[{name!r}] disagrees with the owners")
        if self._targets_in_order:
            keys = [(target.job, target.hash) for target in targets.values()]
            check(keys == sorted(keys), "targets flagged in (job, hash) order are not")
        tally = self._tally
        if self._ordered:
            totals: dict[str, int] = {}
            per_job: dict[str, dict[str, int]] = {}
            for target_hash, name in owner.items():
                totals[name] = totals.get(name, 0) + 1
                counts = per_job.setdefault(targets[target_hash].job, {})
                counts[name] = counts.get(name, 0) + 1
            check(tally.totals == totals, f"tally totals {tally.totals} != owners' counts {totals}")
            check(tally.per_job == per_job, "tally per-job counts disagree with the owners")
            if collectors:
                check(not self._unassigned, "an ordered strategy left targets unassigned while collectors exist")
        else:
            check(not tally.totals and not tally.per_job, "an unordered strategy's tally is not empty")
        # The strategy's view: every held target is where the strategy puts it. Asked only where ``choose`` is a
        # pure lookup (an ordered strategy ranks collectors for an unassigned target, which updates its heap).
        choose = self._strategy.choose
        for target_hash in sorted(targets):
            current = owner.get(target_hash, "")
            if self._ordered and not current:
                continue
            chosen = choose(targets[target_hash], current)
            check(chosen == current, f"target {target_hash} is on {current!r} but the strategy puts it on {chosen!r}")

    def _add(self, fresh: list[Target]) -> None:
        """Hold new targets (sorted by (job, hash)), unassigned for now."""
        targets = self._targets
        if not targets:
            self._targets_in_order = True
        elif self._targets_in_order:
            last = targets[next(reversed(targets))]
            self._targets_in_order = (last.job, last.hash) < (fresh[0].job, fresh[0].hash)
        hashes = [target.hash for target in fresh]
        targets.update(zip(hashes, fresh, strict=True))
        self._unassigned.update(hashes)

    def _displaced(self) -> list[Move]:
        """Moves of held targets that the strategy moved because others came or went (rendezvous-bounded)."""
        regroup = self._strategy.displaced()
        if not regroup.groups:
            return []
        before: dict[int, str] = {}
        if self._records is not None:
            # ``_move_group`` fills ``before`` ahead of each owner it changes: a failure half-way is taken back too.
            self._records.append(("owners", before, {}))
        for hashes, collector in regroup.groups:
            self._move_group(hashes, collector, before)
        targets = self._targets
        owner_of = self._owner.get
        return [
            _new(Move, (targets[target_hash], was, after, False))
            for target_hash, was in before.items()
            if (after := owner_of(target_hash, "")) != was
        ]

    def _move_group(self, hashes: Set[int], collector: str, before: dict[int, str] | None) -> None:
        """Put a group that shares one collector (or none) on ``collector``, with set operations only."""
        if not hashes:
            return
        owner = self._owner
        current = owner.get(next(iter(hashes)), "")
        if current == collector:
            return
        if current:
            self._served[current] -= hashes
        else:
            self._unassigned -= hashes
        if before is not None:
            before.update(dict.fromkeys(hashes, current))
        if collector:
            self._served[collector] |= hashes
            owner.update(dict.fromkeys(hashes, collector))
        else:
            self._unassigned |= hashes
            for target_hash in hashes:
                del owner[target_hash]
        if self._ordered:
            targets = self._targets
            for target_hash in sorted(hashes):
                job = targets[target_hash].job
                if current:
                    self._tally.remove(current, job)
                if collector:
                    self._tally.add(collector, job)

    def _moves(self, before: dict[int, str] | None) -> tuple[Move, ...]:
        """Moves of targets whose collector changed (values unchanged), from their collector ``before``;
        ``before`` None: every held target was unassigned."""
        targets = self._targets
        owner_of = self._owner.get
        if before is None:
            moves = [
                _new(Move, (target, "", after, False))
                for target in targets.values()
                if (after := owner_of(target.hash))
            ]
        elif len(before) * 4 >= len(targets):
            # Many moved: walk the held targets, which may be in order already and otherwise at least follow
            # their memory layout, instead of jumping between them in hash-set order.
            was_of = before.get
            moves = [
                _new(Move, (target, was, after, False))
                for target in targets.values()
                if (was := was_of(target.hash)) is not None and (after := owner_of(target.hash, "")) != was
            ]
        else:
            return _in_order(
                [
                    _new(Move, (targets[target_hash], was, after, False))
                    for target_hash, was in before.items()
                    if (after := owner_of(target_hash, "")) != was
                ]
            )
        return tuple(moves) if self._targets_in_order else _in_order(moves)

    def _place(self, targets: list[Target], before: dict[int, str] | None, *, presorted: bool = False) -> None:
        """Ask the strategy for each target's collector and apply it; record changes' "before" if asked.
        ``presorted``: ``targets`` are in (job, hash) order already."""
        if not self._collectors:
            return
        if not self._ordered:
            self._place_unordered(targets, before)
            return
        owner = self._owner
        served = self._served
        unassigned = self._unassigned
        choose = self._strategy.choose
        tally = self._tally
        # The order decides least-weighted placements, and grouping by job keeps its ranking heap warm.
        for target in targets if presorted else _by_job_then_hash(list(targets)):
            target_hash = target.hash
            current = owner.get(target_hash, "")
            chosen = choose(target, current)
            if chosen == current:
                continue
            if before is not None and target_hash not in before:
                before[target_hash] = current
            if current:
                served[current].discard(target_hash)
                tally.remove(current, target.job)
            else:
                unassigned.discard(target_hash)
            if chosen:
                owner[target_hash] = chosen
                served[chosen].add(target_hash)
                tally.add(chosen, target.job)
            else:
                del owner[target_hash]
                unassigned.add(target_hash)

    def _place_unordered(self, targets: list[Target], before: dict[int, str] | None, *, fresh: bool = False) -> None:
        # No choice depends on another, so all are asked first and applied in bulk where possible. ``fresh``: none
        # of ``targets`` has a collector (new targets), so there is nothing to look up or undo.
        owner = self._owner
        served = self._served
        unassigned = self._unassigned
        choose = self._strategy.choose
        hashes = [target.hash for target in targets]
        if fresh:
            choices = [choose(target, "") for target in targets]
            if "" not in choices:
                owner.update(zip(hashes, choices, strict=True))
                for target_hash, chosen in zip(hashes, choices, strict=True):
                    served[chosen].add(target_hash)
                unassigned.difference_update(hashes)
                return
            currents = [""] * len(targets)
        else:
            owner_of = owner.get
            currents = [owner_of(target_hash, "") for target_hash in hashes]
            choices = [choose(target, current) for target, current in zip(targets, currents, strict=True)]
        if before is not None:
            before.update(
                {
                    target_hash: current
                    for target_hash, current, chosen in zip(hashes, currents, choices, strict=True)
                    if current != chosen and target_hash not in before
                }
            )
        for target_hash, current, chosen in zip(hashes, currents, choices, strict=True):
            if chosen == current:
                continue
            if current:
                served[current].discard(target_hash)
            else:
                unassigned.discard(target_hash)
            if chosen:
                owner[target_hash] = chosen
                served[chosen].add(target_hash)
            else:
                del owner[target_hash]
                unassigned.add(target_hash)

"""The rendezvous-bounded strategy (ours, not upstream's): rendezvous hashing with a per-collector cap.

In: collector sets and tracked targets. Out: per-target collector choices; on a membership change the targets
whose collector changed, and after ``track``/``untrack`` the held targets those calls moved (``displaced``),
both grouped by (old, new) collector.

Every (target, collector) pair has a score, xxHash64 of the target hash seeded with the collector name's hash.
A collector takes at most ``cap = ceil(targets * 1.04 / collectors)`` targets. The assignment is the unique
stable matching under those scores: no target sits below a collector that it scores higher and that has room
for it or holds a target it outscores. Pairs are ranked totally by (score, target hash, collector name), so the
matching exists, is unique and depends only on the two sets: replicas and restarts agree, whatever the order of
arrivals. Without the cap this is plain rendezvous hashing (minimal movement, but collectors differ by the
binomial noise of hashing, ~8% at 100 collectors of 1000 targets); the cap trims the fullest collectors'
weakest targets to their next choice, so max/mean <= 1.04 + collectors/targets, while the trimmed targets are
a few percent that mostly stay trimmed across membership changes.

Cost: the matching is repaired, never recomputed, on small changes. A collector joining costs one score per
target (those that prefer it move, and the lower cap pushes the fullest collectors' weakest down); one leaving
re-ranks only its own targets; either is O(targets). A target added or removed costs O(collectors) plus a short
chain of displacements. Big changes (many collectors at once, a batch of targets over a quarter of those held)
rebuild by deferred acceptance from each target's kept first choice, so only trimmed targets rank all
collectors.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Set
from itertools import repeat

import xxhash

from ta.core.allocation.strategy import Regroup
from ta.core.base.model import Collector, Target

_MASK64 = (1 << 64) - 1
# Headroom over the mean: cap = ceil(targets * 104 / (100 * collectors)); integers so every replica agrees.
_HEADROOM_PERCENT = 104
# Up to this many collectors joining or leaving at once are applied one by one rather than by a rebuild.
_STEPWISE_LIMIT = 8
# A batch this large (relative to the targets held) is cheaper to apply by rebuilding the matching.
_REBUILD_FRACTION = 4
_digest = xxhash.xxh64_intdigest

_Choice = tuple[int, str]  # (score, collector name): a target prefers the greater


def capacity(targets: int, collectors: int) -> int:
    """Most targets one collector may hold."""
    if collectors == 0:
        return 0
    return -(-targets * _HEADROOM_PERCENT // (100 * collectors))


def target_key(target_hash: int) -> bytes:
    return (target_hash & _MASK64).to_bytes(8, "little")


def collector_seed(name: str) -> int:
    return int(_digest(name.encode("utf-8", "surrogatepass")))


class RendezvousBounded:
    def __init__(self) -> None:
        self.ordered = False
        self._names: tuple[str, ...] = ()
        self._seeds: tuple[int, ...] = ()
        self._seed_of: dict[str, int] = {}
        self._names_desc: tuple[str, ...] = ()
        self._seeds_desc: tuple[int, ...] = ()
        self._cap = 0
        self._keys: dict[int, bytes] = {}
        self._top: dict[int, _Choice] = {}  # each target's first choice; empty without collectors
        self._at: dict[int, str] = {}  # assignment; every tracked target has one while there are collectors
        self._at_score: dict[int, int] = {}
        self._load: dict[str, int] = {}
        # Lazy heaps (stale entries are skipped when met): per collector, the targets it holds, weakest first, and
        # the targets it turned away, strongest first (every target that prefers it to its own is among them).
        self._held: dict[str, list[tuple[int, int]]] = {}
        self._refused: dict[str, list[tuple[int, int]]] = {}
        self._pushes = 0
        # Since the last ``displaced``: the collector of each target those calls moved, before the first move.
        self._before: dict[int, str] = {}
        self._batch: set[int] = set()

    # -- Strategy protocol -------------------------------------------------------------------------------------

    def set_collectors(self, collectors: Mapping[str, Collector], unassigned: Set[int]) -> Regroup:
        names = tuple(sorted(collectors))
        if names == self._names:
            return Regroup()
        # Pending per-update bookkeeping belongs to the allocator's last update, which has been applied.
        self._before.clear()
        self._batch.clear()
        old_names = set(self._names)
        added = sorted(set(names) - old_names)
        removed = sorted(old_names - set(names))
        if old_names and names and len(added) + len(removed) <= _STEPWISE_LIMIT:
            # One collector at a time (arrivals first, so the set is never empty): each step is O(targets).
            for name in added:
                self._add_collector(name)
            for name in removed:
                self._remove_collector(name)
            moved = self._before
            self._before = {}
            self._compact_if_needed()
            return self._groups(moved, list(moved))
        self._set_names(names)
        self._refresh_tops(old_names)
        old = self._at
        self._rebuild()
        self._before.clear()
        return self._groups(old, self._keys.keys())

    def track(self, targets: Iterable[Target]) -> None:
        fresh = [target.hash for target in targets]
        self._batch.update(fresh)
        keys = self._keys
        for target_hash in fresh:
            keys[target_hash] = target_key(target_hash)
        if not self._names:
            return
        if len(fresh) * _REBUILD_FRACTION > len(keys):
            self._note_all()
            for target_hash in fresh:
                self._top[target_hash] = self._first(target_hash)
            self._rebuild()
            return
        for target_hash in fresh:
            self._top[target_hash] = self._first(target_hash)
            self._recap()
            self._propose(target_hash, None)
        self._compact_if_needed()

    def untrack(self, targets: Iterable[Target]) -> None:
        gone = [target.hash for target in targets]
        keys = self._keys
        if not self._names:
            for target_hash in gone:
                keys.pop(target_hash, None)
            return
        if len(gone) * _REBUILD_FRACTION > len(keys):
            self._note_all()
            for target_hash in gone:
                keys.pop(target_hash, None)
                self._top.pop(target_hash, None)
            self._rebuild()
            return
        for target_hash in gone:
            if keys.pop(target_hash, None) is None:
                continue
            del self._top[target_hash]
            name = self._unassign(target_hash)
            self._fill([name])
            self._recap()
        self._compact_if_needed()

    def choose(self, target: Target, current: str) -> str:
        return self._at.get(target.hash, "")

    def tally_changed(self, collector: str) -> None:
        pass

    def displaced(self) -> Regroup:
        """Held targets (not among those just tracked) that the ``track``/``untrack`` calls since the last call
        moved, grouped by (old, new) collector."""
        before = self._before
        batch = self._batch
        self._before = {}
        self._batch = set()
        if not before:
            return Regroup()
        keys = self._keys
        moved = {h: was for h, was in before.items() if h in keys and h not in batch}
        return self._groups(moved, moved.keys())

    # -- matching ----------------------------------------------------------------------------------------------

    def _score(self, target_hash: int, name: str) -> int:
        return int(_digest(self._keys[target_hash], self._seed_of[name]))

    def _first(self, target_hash: int) -> _Choice:
        # Collectors in descending name order, so the first maximum is the greatest name among equal scores.
        scores = list(map(_digest, repeat(self._keys[target_hash]), self._seeds_desc))
        best = max(scores)
        return best, self._names_desc[scores.index(best)]

    def _ranking(self, target_hash: int) -> list[_Choice]:
        scores = map(_digest, repeat(self._keys[target_hash]), self._seeds)
        return sorted(zip(scores, self._names, strict=True), reverse=True)

    def _set_names(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._seeds = tuple(collector_seed(name) for name in names)
        self._seed_of = dict(zip(names, self._seeds, strict=True))
        self._names_desc = names[::-1]
        self._seeds_desc = self._seeds[::-1]

    def _add_collector(self, name: str) -> None:
        """A newcomer: it takes the strongest of the targets that prefer it, the lower cap pushes each
        collector's weakest surplus down, and every place that frees is refilled."""
        self._set_names(tuple(sorted((*self._names, name))))
        seed = self._seed_of[name]
        top = self._top
        at = self._at
        at_score = self._at_score
        keys = self._keys
        scores = map(_digest, keys.values(), repeat(seed))
        score_at = at_score.__getitem__
        # The targets that prefer the newcomer to their own collector (scores compared in bulk; on an equal score
        # the greater name wins, as everywhere).
        wanting = [
            (-score, -target_hash)
            for target_hash, score in zip(keys, scores, strict=True)
            if score >= score_at(target_hash)
        ]
        if any(-negative_score == at_score[-negative_hash] for negative_score, negative_hash in wanting):
            wanting = [
                (negative_score, negative_hash)
                for negative_score, negative_hash in wanting
                if -negative_score > at_score[-negative_hash] or name > at[-negative_hash]
            ]
        for negative_score, negative_hash in wanting:
            # Only a target that prefers the newcomer to its own collector can have it as first choice.
            choice = (-negative_score, name)
            if choice > top[-negative_hash]:  # noqa: PLR1730 -- max() would rewrite every entry
                top[-negative_hash] = choice
        heapq.heapify(wanting)
        self._refused[name] = wanting
        self._held[name] = []
        self._load[name] = 0
        self._cap = capacity(len(self._keys), len(self._names))
        # The newcomer fills before anyone is pushed down, so none of its places goes to a weaker target.
        self._fill([name])
        self._shed()
        self._fill([other for other in reversed(self._names) if self._load[other] < self._cap])

    def _remove_collector(self, name: str) -> None:
        """A leaver: its targets propose afresh after the higher cap has let the others take in their
        strongest waiting targets."""
        self._set_names(tuple(other for other in self._names if other != name))
        at = self._at
        orphans = sorted({target_hash for _score, target_hash in self._held.pop(name) if at.get(target_hash) == name})
        for target_hash in orphans:
            self._unassign(target_hash)
        del self._load[name], self._refused[name]
        top = self._top
        for target_hash, (_score, first) in top.items():
            if first == name:
                top[target_hash] = self._first(target_hash)
        self._cap = capacity(len(self._keys), len(self._names))
        self._fill(reversed(self._names))
        for target_hash in orphans:
            self._propose(target_hash, None)

    def _refresh_tops(self, old_names: set[str]) -> None:
        """Bring every target's first choice up to date for the new collector set, in O(targets) when few
        collectors changed (a newcomer is one score per target; a leaver's targets rank the rest)."""
        top = self._top
        keys = self._keys
        if not self._names:
            top.clear()
            return
        new_names = set(self._names)
        added = sorted(new_names - old_names)
        if not top or len(added) * 2 > len(self._names):
            for target_hash in keys:
                top[target_hash] = self._first(target_hash)
            return
        removed = old_names - new_names
        for name in added:
            seed = self._seed_of[name]
            for target_hash, key in keys.items():
                choice = (int(_digest(key, seed)), name)
                top[target_hash] = max(top[target_hash], choice)
        if removed:
            for target_hash, (_score, name) in list(top.items()):
                if name in removed:
                    top[target_hash] = self._first(target_hash)

    def _rebuild(self) -> None:
        """The matching from scratch (deferred acceptance): everyone proposes to its first choice at once,
        each collector keeps its strongest ``cap``, the rest propose further down one by one."""
        self._at = {}
        self._at_score = {}
        self._load = dict.fromkeys(self._names, 0)
        self._held = {name: [] for name in self._names}
        self._refused = {name: [] for name in self._names}
        self._pushes = 0
        if not self._names:
            self._cap = 0
            return
        self._cap = cap = capacity(len(self._keys), len(self._names))
        wanting: dict[str, list[tuple[int, int]]] = {name: [] for name in self._names}
        for target_hash, (score, name) in self._top.items():
            wanting[name].append((score, target_hash))
        at = self._at
        at_score = self._at_score
        spilled: list[tuple[int, int, str]] = []
        for name, entries in wanting.items():
            if len(entries) > cap:
                entries.sort(reverse=True)
                refused = entries[cap:]
                del entries[cap:]
                heap = self._refused[name]
                heap.extend((-score, -target_hash) for score, target_hash in refused)
                heapq.heapify(heap)
                spilled.extend((score, target_hash, name) for score, target_hash in refused)
            at.update(dict.fromkeys([target_hash for _score, target_hash in entries], name))
            at_score.update((target_hash, score) for score, target_hash in entries)
            self._load[name] = len(entries)
            heapq.heapify(entries)
            self._held[name] = entries
        # The outcome is the same in any order; sorted keeps the internal heaps identical across replicas too.
        for score, target_hash, name in sorted(spilled):
            self._propose(target_hash, (score, name))

    def _propose(self, target_hash: int, below: _Choice | None) -> None:
        """Place an unassigned target at its best collector after ``below`` that takes it; a full collector
        takes it by turning away its weakest target, which then proposes further down its own ranking."""
        if below is None:
            score, name = self._top[target_hash]
            if self._load[name] < self._cap:
                self._assign(target_hash, name, score)
                return
        while True:
            ranking = self._ranking(target_hash)
            start = 0 if below is None else ranking.index(below) + 1
            for score, name in ranking[start:]:
                if self._load[name] < self._cap:
                    self._assign(target_hash, name, score)
                    return
                weakest = self._weakest(name)
                if (score, target_hash) > weakest:
                    heapq.heappop(self._held[name])
                    self._unassign(weakest[1])
                    self._refuse(name, weakest)
                    self._assign(target_hash, name, score)
                    target_hash = weakest[1]
                    below = (weakest[0], name)
                    break
                self._refuse(name, (score, target_hash))
            else:
                # Caps add up to at least the number of targets, so someone always has room.
                raise AssertionError("no collector can take a target")

    def _fill(self, names: Iterable[str]) -> None:
        """Give free places to the strongest targets that prefer them; each move frees a place in turn."""
        work = list(names)
        load = self._load
        at = self._at
        at_score = self._at_score
        while work:
            name = work.pop()
            heap = self._refused.get(name)
            while heap and load[name] < self._cap:
                negative_score, negative_hash = heapq.heappop(heap)
                score, target_hash = -negative_score, -negative_hash
                current = at.get(target_hash)
                if current is None or current == name or (score, name) < (at_score[target_hash], current):
                    continue
                self._unassign(target_hash)
                self._assign(target_hash, name, score)
                work.append(current)

    def _recap(self) -> None:
        cap = capacity(len(self._keys), len(self._names))
        if cap == self._cap:
            return
        grew = cap > self._cap
        self._cap = cap
        if grew:
            self._fill(reversed(self._names))
        else:
            self._shed()

    def _shed(self) -> None:
        """Push each collector's weakest targets above the cap down their own rankings."""
        cap = self._cap
        for name in self._names:
            while self._load[name] > cap:
                weakest = heapq.heappop(self._held[name])
                if self._at.get(weakest[1]) != name:
                    continue
                self._unassign(weakest[1])
                self._refuse(name, weakest)
                self._propose(weakest[1], (weakest[0], name))

    def _weakest(self, name: str) -> tuple[int, int]:
        heap = self._held[name]
        at = self._at
        while at.get(heap[0][1]) != name:
            heapq.heappop(heap)
        return heap[0]

    def _assign(self, target_hash: int, name: str, score: int) -> None:
        if target_hash not in self._before:
            self._before[target_hash] = ""
        self._at[target_hash] = name
        self._at_score[target_hash] = score
        self._load[name] += 1
        heapq.heappush(self._held[name], (score, target_hash))
        self._pushes += 1

    def _unassign(self, target_hash: int) -> str:
        name = self._at.pop(target_hash)
        del self._at_score[target_hash]
        self._before.setdefault(target_hash, name)
        self._load[name] -= 1
        return name

    def _refuse(self, name: str, entry: tuple[int, int]) -> None:
        heapq.heappush(self._refused[name], (-entry[0], -entry[1]))
        self._pushes += 1

    def _note_all(self) -> None:
        """Record every current assignment as "before" ahead of a rebuild (the rebuild bypasses _assign)."""
        before = self._before
        for target_hash, name in self._at.items():
            before.setdefault(target_hash, name)

    def _compact_if_needed(self) -> None:
        """Drop stale heap entries once they outnumber live ones, so memory stays proportional to targets."""
        if self._pushes <= 2 * len(self._keys) + 1024:
            return
        self._pushes = 0
        at = self._at
        at_score = self._at_score
        for name in self._names:
            held = [(score, h) for score, h in set(self._held[name]) if at.get(h) == name]
            heapq.heapify(held)
            self._held[name] = held
            refused = [
                (negative_score, negative_hash)
                for negative_score, negative_hash in set(self._refused[name])
                if (current := at.get(-negative_hash)) is not None
                and current != name
                and (-negative_score, name) > (at_score[-negative_hash], current)
            ]
            heapq.heapify(refused)
            self._refused[name] = refused

    def _groups(self, old: Mapping[int, str], hashes: Iterable[int]) -> Regroup:
        at = self._at
        by_move: dict[tuple[str, str], set[int]] = {}
        for target_hash in hashes:
            was = old.get(target_hash, "")
            now = at.get(target_hash, "")
            if was != now:
                group = by_move.get((was, now))
                if group is None:
                    group = by_move[(was, now)] = set()
                group.add(target_hash)
        return Regroup(groups=tuple((group, now) for (_was, now), group in sorted(by_move.items())))

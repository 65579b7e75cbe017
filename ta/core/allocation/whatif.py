"""What-if: a fixed set of targets allocated under another setting, through a series of collector counts.

In: the targets (e.g. those a replayed capture discovered), a ``Setting`` (strategy, fallback), the collector
counts to step through (``3, 4, 6, 5``), the collectors' name prefix and, for per-node, the node names to spread
collectors over. Out: one ``Step`` per count: targets moved, the minimum any balanced allocation must move,
targets newly placed, the balance (max/mean targets per collector) and targets left unassigned.

Collectors are named like a StatefulSet's pods (``<prefix>-0`` .. ``<prefix>-N-1``), so scaling from 4 to 6 adds
``-4`` and ``-5`` and scaling back removes the highest ordinals, as Kubernetes does; collector ``i`` runs on node
``nodes[i % len(nodes)]`` (sorted), so a per-node what-if is meaningful only when nodes are given.

"Moved" counts a target that had a collector before the step and has a different one after it; targets that
gain their first collector are "placed", those that lose theirs are "unassigned", neither is a move.

The minimum: going from N to M collectors (both > 0), a balanced result needs |M - N| / max(N, M) of the
assigned targets to change collector: scaling up, the new collectors must each receive their share (1/M of
the targets); scaling down, the targets of the removed collectors (1/N each) must go somewhere. It is rounded
down, so it is a lower bound even for a few targets that cannot be split evenly, and 0 when either side has no
collector (nothing can move then; targets are only placed or unassigned). A strategy at the minimum moves
nothing it does not have to; one below it (least-weighted scaling up) leaves the new collectors short.

Pure and deterministic: no clock, no randomness, sorted iteration only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ta.core.allocation.allocator import Allocator, Move
from ta.core.base.model import Collector, Target


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    """One way to allocate: a strategy and its fallback (per-node only)."""

    strategy: str
    fallback: str = ""

    @property
    def label(self) -> str:
        return f"{self.strategy} (fallback {self.fallback})" if self.fallback else self.strategy


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    collectors_before: int
    collectors: int
    moved: int
    min_moved: int
    placed: int
    unassigned: int
    assigned: int
    max_per_collector: int
    balance: float | None  # max / mean targets per collector; None without collectors or targets

    def as_dict(self) -> dict[str, int | float | None]:
        return {
            "collectors_before": self.collectors_before,
            "collectors": self.collectors,
            "moved": self.moved,
            "min_moved": self.min_moved,
            "placed": self.placed,
            "unassigned": self.unassigned,
            "assigned": self.assigned,
            "max_per_collector": self.max_per_collector,
            "balance": None if self.balance is None else round(self.balance, 4),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    setting: Setting
    targets: int
    steps: tuple[Step, ...]

    @property
    def total_moved(self) -> int:
        return sum(step.moved for step in self.steps)

    @property
    def total_min_moved(self) -> int:
        return sum(step.min_moved for step in self.steps)


def min_moves(assigned_before: int, before: int, after: int) -> int:
    """The fewest assigned targets that must change collector for a balanced result (see the module doc)."""
    if before <= 0 or after <= 0 or before == after:
        return 0
    delta = abs(after - before)
    return assigned_before * delta // max(before, after)


def collectors(prefix: str, count: int, nodes: Sequence[str] = ()) -> tuple[Collector, ...]:
    """``<prefix>-0`` .. ``<prefix>-count-1``, collector i on ``nodes[i % len(nodes)]`` (nodes sorted)."""
    ordered = sorted(set(nodes))
    return tuple(
        Collector(name=f"{prefix}-{i}", node=ordered[i % len(ordered)] if ordered else "") for i in range(count)
    )


def _count(moves: Sequence[Move]) -> tuple[int, int]:
    """(moved, placed) among the moves of one step."""
    moved = placed = 0
    for move in moves:
        if move.removed or not move.after:
            continue
        if not move.before:
            placed += 1
        elif move.before != move.after:
            moved += 1
    return moved, placed


def simulate(
    targets: Sequence[Target],
    setting: Setting,
    counts: Sequence[int],
    *,
    prefix: str = "collector",
    nodes: Sequence[str] = (),
) -> Outcome:
    """Allocate ``targets`` under ``setting`` with ``counts[0]`` collectors, then rescale to each later count.

    Raises ``UnknownStrategyError`` for a strategy (or fallback) the allocator does not know.
    """
    allocator = Allocator(setting.strategy, fallback=setting.fallback)
    steps: list[Step] = []
    before = 0
    assigned_before = 0
    for index, count in enumerate(counts):
        moves = allocator.set_collectors(collectors(prefix, count, nodes))
        if index == 0:
            # Placing the targets after the first collectors appear is one ``update``, as in a live start-up.
            moves = moves + allocator.update(upserts=targets)
        moved, placed = _count(moves)
        per_collector = [n for _, n in allocator.assigned_counts()]
        assigned = sum(per_collector)
        top = max(per_collector, default=0)
        balance = top * len(per_collector) / assigned if assigned and per_collector else None
        steps.append(
            Step(
                collectors_before=before,
                collectors=count,
                moved=moved,
                min_moved=min_moves(assigned_before, before, count),
                placed=placed,
                unassigned=allocator.unassigned_count(),
                assigned=assigned,
                max_per_collector=top,
                balance=balance,
            )
        )
        before, assigned_before = count, assigned
    return Outcome(setting=setting, targets=len(allocator), steps=tuple(steps))

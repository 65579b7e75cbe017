"""The allocation actor: collector sets and target changes in, moves out.

In: the decoded config (``Configured``: strategy, fallback), ``CollectorsChanged`` and ``TargetsChanged``.
Out: ``AllocationChanged`` carrying only the targets that moved or changed, plus ``InputRejected`` notes, or a
``StepFailed`` note alone when a step raised (its changes are then taken back whole).
Work per message is proportional to what moved, not to the number of targets held.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import assert_never

from ta.actors.failures import step_failed
from ta.actors.settings import Configured
from ta.core.allocation.allocator import Allocator, Move, UnknownStrategyError
from ta.core.allocation.strategy import CONSISTENT_HASHING
from ta.events.allocation import AllocationChanged
from ta.events.discovery import TargetsChanged
from ta.events.membership import CollectorsChanged
from ta.events.problems import InputRejected, StepFailed

Input = Configured | CollectorsChanged | TargetsChanged
Output = AllocationChanged | InputRejected | StepFailed


class AllocationActor:
    def __init__(self, timer: Callable[[str, str, Callable[[], tuple[Move, ...]]], tuple[Move, ...]] | None = None):
        self._allocator = Allocator(CONSISTENT_HASHING)
        self._fallback = ""
        # The timer wraps allocator calls to observe their duration; it is an output-side concern and never
        # changes the result.
        self._timer = timer or (lambda _method, _strategy, call: call())

    def step(self, message: Input) -> list[Output]:
        """All or nothing: a step that raises leaves the allocation as it was before the message."""
        allocator, fallback = self._allocator, self._fallback
        allocator.begin()
        try:
            out = self._step(message)
        except Exception as exc:
            # A new strategy is built aside and swapped in last, so the held allocator is the one to restore.
            self._allocator, self._fallback = allocator, fallback
            allocator.rollback()
            return [step_failed("allocation", message, exc)]
        allocator.commit()
        return out

    def _step(self, message: Input) -> list[Output]:
        match message:
            case Configured():
                return self._configure(message)
            case CollectorsChanged():
                moves = self._timer(
                    "SetCollectors",
                    self._allocator.strategy,
                    lambda: self._allocator.set_collectors(message.collectors),
                )
                return [self._changed(message.seq, moves)]
            case TargetsChanged():
                moves = self._timer(
                    "SetTargets",
                    self._allocator.strategy,
                    lambda: self._allocator.update(upserts=message.upserts, removals=message.removals),
                )
                return [self._changed(message.seq, moves)]
            case _:
                assert_never(message)

    def _configure(self, envelope: Configured) -> list[Output]:
        settings = envelope.settings
        strategy, fallback = settings.allocation_strategy, settings.allocation_fallback_strategy
        if strategy == self._allocator.strategy and fallback == self._fallback:
            return [self._changed(envelope.seq, ())]
        try:
            fresh = Allocator(strategy, fallback=fallback)
        except UnknownStrategyError as exc:
            return [InputRejected(seq=envelope.seq, source="config", reason=str(exc))]
        old = self._allocator
        targets = [t for t in (old.target(h) for h in old.target_hashes()) if t is not None]
        fresh.set_collectors(old.collectors())
        moves = fresh.update(upserts=targets)
        self._allocator, self._fallback = fresh, fallback
        return [self._changed(envelope.seq, moves)]

    @property
    def strategy(self) -> tuple[str, str]:
        """The strategy in force and its fallback (read by ``ta whatif`` after a replay)."""
        return self._allocator.strategy, self._fallback

    def _changed(self, seq: int, moves: tuple[Move, ...]) -> AllocationChanged:
        allocator = self._allocator
        return AllocationChanged(
            seq=seq,
            strategy=allocator.strategy,
            moves=moves,
            collectors=tuple(c.name for c in allocator.collectors()),
            counts=allocator.assigned_counts(),
            unassigned=allocator.unassigned_count(),
        )

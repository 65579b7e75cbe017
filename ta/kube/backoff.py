"""Capped exponential backoff for API retries.

In: failures (``next_delay``) and successes (``reset``). Out: the seconds to wait before the next attempt,
doubling from ``initial`` up to ``cap``, with optional proportional jitter so many watches that failed
together (API server restart) do not retry in lock-step.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, *, initial: float = 0.2, cap: float = 30.0, factor: float = 2.0, jitter: float = 0.1) -> None:
        if initial <= 0 or cap < initial or factor < 1 or not 0 <= jitter < 1:
            raise ValueError("backoff needs 0 < initial <= cap, factor >= 1 and 0 <= jitter < 1")
        self._initial = initial
        self._cap = cap
        self._factor = factor
        self._jitter = jitter
        self._next = initial
        self._rng = random.Random()

    def next_delay(self) -> float:
        delay = self._next
        self._next = min(self._cap, self._next * self._factor)
        if self._jitter:
            delay *= 1 + self._rng.uniform(-self._jitter, self._jitter)
        return delay

    def reset(self) -> None:
        self._next = self._initial

"""The clock source: a ``Tick`` every interval, so time-based rules (grace periods) advance without other
input. The tick's time is stamped by the sequencer, the only place a live clock is read.

In: the interval. Out: ``Tick`` events submitted to the sequencer until cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ta.events.base import Journaled
from ta.events.clock import Tick


async def run_clock(submit: Callable[[Journaled], Awaitable[None]], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await submit(Tick())

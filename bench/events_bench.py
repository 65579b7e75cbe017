"""``/debug/events`` followers: what one new journal entry costs with N streams open, before and after the
tail was indexed by sequence number.

In: ``--tail`` (entries already in the sequencer's tail, default 50 000: the count bound, as a large cluster's
first lists leave it), ``--line-bytes`` (300), ``--appends`` (2 000), ``--streams`` (0,1,4,16,64). Out: a plain
text table on stdout, one row per stream count: wall time per append with the indexed tail and with the
previous full scan, and their ratio; nothing is asserted.

Each stream is the handler's follower loop (``tail_since`` after its position, then ``wait_appended``) writing
into a null sink, all in one event loop with the sequencer, so the figure is the CPU an append costs the
process: stamping, retaining, waking every follower and each follower's tail read. Socket writes are left out
(they cost per entry either way). "before" is the same sequencer with the previous tail: a deque scanned in
full by every ``tail_since``.

Run: ``python bench/events_bench.py [--tail 50000 --appends 2000 --streams 0,1,4,16,64]``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import environment, table
from ta.actors.ingress import Sequencer
from ta.actors.runtime import InFlight
from ta.events.base import Envelope
from ta.events.clock import Tick

CHUNK = 512  # as the handler


class FullScanTail(Sequencer):
    """The previous tail: a bounded deque, and every read a scan of all of it."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._deque: collections.deque[tuple[int, bytes]] = collections.deque(maxlen=50_000)

    def _retain(self, seq: int, line: bytes) -> None:
        super()._retain(seq, line)
        self._deque.append((seq, line))

    def tail_since(self, seq: int, limit: int | None = None) -> list[tuple[int, bytes]]:
        later = [(s, line) for s, line in self._deque if s > seq]
        return later if limit is None else later[:limit]


async def _route(_envelope: Envelope) -> None:
    return None


async def _follower(sequencer: Sequencer, since: int, positions: list[int], me: int) -> None:
    while True:
        batch = sequencer.tail_since(since, limit=CHUNK)
        if batch:
            b"".join(line for _, line in batch)  # what the handler hands to one write
            since = positions[me] = batch[-1][0]
            if len(batch) == CHUNK:
                continue
        if not await sequencer.wait_appended(since):
            return


async def _per_append(cls: type[Sequencer], *, tail: int, line_bytes: int, appends: int, streams: int) -> float:
    sequencer = cls(inflight=InFlight(), router=_route, clock=lambda: 0.0, retain=tail, retain_bytes=1 << 40)
    line = b"x" * (line_bytes - 1) + b"\n"
    for seq in range(1, tail + 1):
        sequencer._retain(seq, line)
    sequencer._seq = tail
    positions = [tail] * streams
    followers = [asyncio.create_task(_follower(sequencer, tail, positions, i)) for i in range(streams)]
    runner = asyncio.create_task(sequencer.run())
    await asyncio.sleep(0)  # followers reach their wait
    start = time.perf_counter()
    for _ in range(appends):
        await sequencer.submit(Tick())
    await sequencer.wait_drained()
    while min(positions, default=sequencer.last_seq) < sequencer.last_seq:  # noqa: ASYNC110 - bounded, CPU only
        await asyncio.sleep(0)  # until every follower has read the last entry
    elapsed = time.perf_counter() - start
    await sequencer.inbox.close()
    await runner
    await asyncio.gather(*followers)
    return elapsed / appends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tail", type=int, default=50_000)
    parser.add_argument("--line-bytes", type=int, default=300)
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--streams", default="0,1,4,16,64")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    for streams in (int(n) for n in args.streams.split(",")):
        sizes = {"tail": args.tail, "line_bytes": args.line_bytes, "appends": args.appends, "streams": streams}
        # The old scan is slow: fewer appends keep the run short; the figure is per append either way.
        before_sizes = {**sizes, "appends": max(20, args.appends // (1 + streams))}
        after = asyncio.run(_per_append(Sequencer, **sizes))
        before = asyncio.run(_per_append(FullScanTail, **before_sizes))
        rows.append(
            (
                f"per append, {streams} streams",
                f"{after * 1e6:,.1f} us (before: {before * 1e6:,.1f} us, x{before / after:,.0f})",
                "independent of the tail's length",
            )
        )
    title = f"/debug/events followers, tail {args.tail:,} entries of {args.line_bytes} B -- {environment()}"
    print(table(rows, title))


if __name__ == "__main__":
    main()

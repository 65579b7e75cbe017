"""The ingress sequencer: the single door through which everything from outside enters the pipeline.

In: input events from sources (Kubernetes watches, the clock, file reads, the loaded config), or recorded
envelopes during replay. Out: stamped ``Envelope`` values (sequence number, ingress time) appended to the
journal, kept in an in-memory tail bounded by count and bytes for ``GET /debug/events``, and handed to the router.

The tail is indexed by sequence number: a follower reads only the entries after its position (a binary search,
then a slice), so each new entry costs every open stream work for that entry, not for the whole tail. Followers
wait on one shared future, resolved at each append and when the sequencer stops (``wait_appended`` then says
no more entries will come, so streams end at once on shutdown).

The sequencer admits the next entry only when the pipeline is idle (see ``ta.actors.runtime``), which is
what makes a replay step through exactly the same states as the live run.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Awaitable, Callable

import structlog

from ta.actors.runtime import InFlight, Mailbox
from ta.events.base import Envelope, Journaled
from ta.journal.writer import JournalWriter, encode

log = structlog.get_logger("ta.ingress")

Router = Callable[[Envelope], Awaitable[None]]


class Sequencer:
    def __init__(
        self,
        *,
        inflight: InFlight,
        router: Router,
        clock: Callable[[], float],
        journal: JournalWriter | None = None,
        settled: Callable[[Envelope], None] | None = None,
        retain: int = 50_000,
        retain_bytes: int = 16 << 20,
        # Sources wait when this many entries are queued. Small: an entry can be a whole list page of decoded
        # objects (~5 MB of pods), watches list faster than the pipeline takes them in, and entries are admitted
        # one at a time anyway. Each watch already has its next page on the way (ta.kube.watch); a deeper queue
        # only left more decoded pages between long-lived objects in the heap (kube_bench RSS at ready: 16
        # entries 620 MiB, 4: 576-584, 2: 553).
        inbox_size: int = 2,
    ) -> None:
        self._inflight = inflight
        self._router = router
        self._settled = settled  # told of each entry once the whole pipeline has processed it
        self._clock = clock
        self._journal = journal
        self.inbox: Mailbox[Journaled | Envelope] = Mailbox("ingress", None, inbox_size)
        # The tail: parallel lists of strictly increasing seqs and their lines, live from index ``_head`` on (the
        # entries before it were evicted; the lists are compacted once that prefix is half of them). Lists rather
        # than a deque: a follower finds its position by bisection, which needs O(1) indexing.
        self._seqs: list[int] = []
        self._lines: list[bytes] = []
        self._head = 0
        self._retain_count = retain
        # Each line is a copy of its event (a pod is ~2 KB): a large cluster's initial lists alone would otherwise
        # keep hundreds of MiB here. The journal file, when kept, has everything.
        self._tail_bytes = 0
        self._retain_bytes = retain_bytes
        self._closed = False  # run() has ended: no entry will be appended any more
        self._seq = 0
        # Resolved (and replaced) at each append; only /debug/events followers wait on it. A bare future, not a
        # Condition: an append must not take a lock for every one of a big cluster's ~100 000 list entries.
        self._appended: asyncio.Future[None] | None = None
        self._drained = asyncio.Event()
        self._drained.set()

    @property
    def last_seq(self) -> int:
        return self._seq

    async def submit(self, item: Journaled | Envelope) -> None:
        """Queue a live event (stamped on admission) or a recorded envelope (kept as recorded)."""
        self._drained.clear()
        await self.inbox.put(item)

    def _stamp(self, item: Journaled | Envelope) -> Envelope:
        if isinstance(item, Envelope):
            self._seq = max(self._seq, item.seq)
            return item
        self._seq += 1
        return Envelope(seq=self._seq, ts=self._clock(), event=item)

    async def run(self) -> None:
        try:
            async for item in self.inbox.messages():
                try:
                    envelope = self._stamp(item)
                    line = self._journal.append(envelope) if self._journal is not None else encode(envelope)
                    self._retain(envelope.seq, line)
                    self._wake_followers()
                    await self._router(envelope)
                    await self._inflight.wait_idle()
                    if self._settled is not None:
                        self._settled(envelope)
                finally:
                    self.inbox.done()
                    if len(self.inbox) == 0:
                        self._drained.set()
            if self._journal is not None:
                self._journal.close()
        finally:
            self._closed = True
            self._wake_followers()

    def _wake_followers(self) -> None:
        appended = self._appended
        if appended is not None:
            self._appended = None
            if not appended.done():
                appended.set_result(None)

    def _retain(self, seq: int, line: bytes) -> None:
        seqs, lines = self._seqs, self._lines
        if len(seqs) > self._head and seq <= seqs[-1]:
            # Only a hand-edited journal replays seqs out of order. Positions must increase: start the tail over.
            seqs.clear()
            lines.clear()
            self._head = self._tail_bytes = 0
        seqs.append(seq)
        lines.append(line)
        self._tail_bytes += len(line)
        while len(seqs) - self._head > self._retain_count or (
            self._tail_bytes > self._retain_bytes and len(seqs) - self._head > 1
        ):
            self._tail_bytes -= len(lines[self._head])
            lines[self._head] = b""  # the bytes go now; the slot goes at the next compaction
            self._head += 1
        if self._head >= 1024 and self._head * 2 >= len(seqs):
            del seqs[: self._head]
            del lines[: self._head]
            self._head = 0

    async def wait_drained(self) -> None:
        """Wait until every submitted entry has been processed through the whole pipeline."""
        await self._drained.wait()
        await self._inflight.wait_idle()

    def tail_since(self, seq: int, limit: int | None = None) -> list[tuple[int, bytes]]:
        """Journal lines with a sequence number above ``seq`` still held in memory, in order (at most ``limit``).

        O(log n) to find the position, then only the entries returned are touched.
        """
        seqs = self._seqs
        start = bisect.bisect_right(seqs, seq, lo=self._head)
        end = len(seqs) if limit is None else min(len(seqs), start + limit)
        return list(zip(seqs[start:end], self._lines[start:end], strict=True))

    @property
    def tail_entries(self) -> int:
        return len(self._seqs) - self._head

    @property
    def tail_bytes(self) -> int:
        return self._tail_bytes

    @property
    def oldest_retained(self) -> int:
        return self._seqs[self._head] if len(self._seqs) > self._head else self._seq + 1

    @property
    def closed(self) -> bool:
        """True once the sequencer has stopped: nothing more will be appended."""
        return self._closed

    def _last_retained(self) -> int:
        return self._seqs[-1] if len(self._seqs) > self._head else 0

    async def wait_appended(self, after: int, max_wait: float | None = None) -> bool:
        """Wait until the tail holds an entry with a sequence number above ``after``: True then; False when the
        sequencer has stopped (no entry will come) or ``max_wait`` seconds passed first."""
        loop = asyncio.get_running_loop()
        deadline = None if max_wait is None else loop.time() + max_wait
        while self._last_retained() <= after:
            if self._closed:
                return False
            if self._appended is None:
                self._appended = loop.create_future()
            try:
                async with asyncio.timeout_at(deadline):
                    # shield: one waiter leaving (timeout, or its client gone) must not cancel the future the
                    # other followers share
                    await asyncio.shield(self._appended)
            except TimeoutError:
                return False
        return True

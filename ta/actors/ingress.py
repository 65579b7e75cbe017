"""The ingress sequencer: the single door through which everything from outside enters the pipeline.

In: input events from sources (Kubernetes watches, the clock, file reads, the loaded config), or recorded
envelopes during replay. Out: stamped ``Envelope`` values (sequence number, ingress time) appended to the
journal, kept in an in-memory tail bounded by count and bytes for ``GET /debug/events``, and handed to the router.

The sequencer admits the next entry only when the pipeline is idle (see ``ta.actors.runtime``), which is
what makes a replay step through exactly the same states as the live run.
"""

from __future__ import annotations

import asyncio
import collections
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
        self._tail: collections.deque[tuple[int, bytes]] = collections.deque(maxlen=retain)
        # Each line is a copy of its event (a pod is ~2 KB): a large cluster's initial lists alone would otherwise
        # keep hundreds of MiB here. The journal file, when kept, has everything.
        self._tail_bytes = 0
        self._retain_bytes = retain_bytes
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
        async for item in self.inbox.messages():
            try:
                envelope = self._stamp(item)
                line = self._journal.append(envelope) if self._journal is not None else encode(envelope)
                self._retain(envelope.seq, line)
                appended = self._appended
                if appended is not None:
                    self._appended = None
                    if not appended.done():
                        appended.set_result(None)
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

    def _retain(self, seq: int, line: bytes) -> None:
        tail = self._tail
        if len(tail) == tail.maxlen:
            self._tail_bytes -= len(tail[0][1])
        tail.append((seq, line))
        self._tail_bytes += len(line)
        while self._tail_bytes > self._retain_bytes and len(tail) > 1:
            self._tail_bytes -= len(tail.popleft()[1])

    async def wait_drained(self) -> None:
        """Wait until every submitted entry has been processed through the whole pipeline."""
        await self._drained.wait()
        await self._inflight.wait_idle()

    def tail_since(self, seq: int) -> list[tuple[int, bytes]]:
        """Journal lines with a sequence number above ``seq`` still held in memory, in order."""
        return [(s, line) for s, line in self._tail if s > seq]

    @property
    def oldest_retained(self) -> int:
        return self._tail[0][0] if self._tail else self._seq + 1

    async def wait_appended(self, after: int, max_wait: float) -> bool:
        """Wait until an entry with a sequence number above ``after`` exists (or the timeout passes)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        while self._seq <= after:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            if self._appended is None:
                self._appended = loop.create_future()
            try:
                # shield: one waiter timing out must not cancel the future the other followers share
                await asyncio.wait_for(asyncio.shield(self._appended), remaining)
            except TimeoutError:
                return False
        return True

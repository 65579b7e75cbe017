"""Actor plumbing: bounded, closable mailboxes, the pipeline's in-flight counter, and the actor loop.

In: messages put into a ``Mailbox``. Out: whatever an actor's ``step`` returns, handed to its ``emit``; an
exception out of a step ends the loop (and the process), since steps take their own failures back.

Determinism comes from the ``InFlight`` counter: every message put into any mailbox counts as in flight
until the receiving actor has finished its step and emitted its outputs. The ingress sequencer admits the
next journal entry only once the pipeline is idle, so each actor sees its inputs in journal order, live and
in replay alike. Python runs one step at a time anyway, so the barrier costs scheduling, not parallelism.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Generic, TypeVar

import structlog

T = TypeVar("T")
Out = TypeVar("Out")

log = structlog.get_logger("ta.actors")


class MailboxClosedError(Exception):
    """Raised by ``put`` on a closed mailbox."""


class InFlight:
    """Counts messages that are queued or being processed anywhere in the pipeline."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    def inc(self) -> None:
        self._count += 1
        self._idle.clear()

    def dec(self) -> None:
        self._count -= 1
        if self._count <= 0:
            self._count = 0
            self._idle.set()

    async def wait_idle(self) -> None:
        await self._idle.wait()


class Mailbox(Generic[T]):
    """A bounded FIFO that can be closed; iteration ends once it is closed and drained.

    One consumer (its actor), any number of producers. Waiting is on bare futures rather than
    ``asyncio.Condition``: a large cluster's initial lists put ~100 000 messages through each mailbox, and the
    locks a condition takes on every put and get were a measurable share of start-up.
    """

    def __init__(self, name: str, inflight: InFlight | None, maxsize: int = 1024) -> None:
        self.name = name
        self._inflight = inflight
        self._items: collections.deque[T] = collections.deque()
        self._maxsize = maxsize
        self._closed = False
        self._getter: asyncio.Future[None] | None = None
        self._putters: collections.deque[asyncio.Future[None]] = collections.deque()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def closed(self) -> bool:
        return self._closed

    async def put(self, item: T) -> None:
        while len(self._items) >= self._maxsize and not self._closed:
            waiter = asyncio.get_running_loop().create_future()
            self._putters.append(waiter)
            try:
                await waiter
            except BaseException:
                waiter.cancel()
                if self._putters and waiter in self._putters:
                    self._putters.remove(waiter)
                # A wake-up this putter will not use goes to the next one.
                self._wake_putter()
                raise
        if self._closed:
            raise MailboxClosedError(self.name)
        if self._inflight is not None:
            self._inflight.inc()
        self._items.append(item)
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)

    async def close(self) -> None:
        self._closed = True
        getter = self._getter
        if getter is not None and not getter.done():
            getter.set_result(None)
        while self._putters:
            waiter = self._putters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _wake_putter(self) -> None:
        while self._putters:
            waiter = self._putters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def _get(self) -> T | None:
        while not self._items:
            if self._closed:
                return None
            getter = self._getter = asyncio.get_running_loop().create_future()
            try:
                await getter
            finally:
                self._getter = None
        item = self._items.popleft()
        if self._putters:
            self._wake_putter()
        return item

    def done(self) -> None:
        """Mark one message fully processed (its outputs already emitted)."""
        if self._inflight is not None:
            self._inflight.dec()

    async def messages(self) -> AsyncIterator[T]:
        while True:
            item = await self._get()
            if item is None:
                return
            yield item


async def run_actor(
    name: str,
    inbox: Mailbox[T],
    step: Callable[[T], Iterable[Out]],
    emit: Callable[[Out], Awaitable[None]],
) -> None:
    """Feed each message to ``step`` and emit its outputs, until the inbox is closed and drained.

    Steps are all-or-nothing: an actor catches what its own step raises, takes the step's changes back and
    returns a ``StepFailed`` note instead (``ta.actors.failures``). An exception that still reaches this loop
    comes from that rollback (or from an actor without one): the actor's state can no longer be trusted, so it
    is logged and ends the process (the supervisor restarts it, and a fresh start rebuilds every state).
    Log lines written meanwhile carry ``actor`` and ``seq`` (structlog contextvars).
    """
    # Every line logged while a message is handled (by the step, its core, or the emits) carries the actor and the
    # journal seq of the input it derives from. The loop runs in its own task (its own context): the seq variable
    # is set per message, not bound and reset (~1 us less per message, a few hundred thousand at start-up).
    tokens = structlog.contextvars.bind_contextvars(actor=name, seq=0)
    seq_var = tokens["seq"].var
    try:
        async for message in inbox.messages():
            seq_var.set(getattr(message, "seq", 0))
            try:
                for output in step(message):
                    await emit(output)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("actor.state_lost", message=type(message).__name__)
                raise
            finally:
                inbox.done()
    finally:
        structlog.contextvars.reset_contextvars(**tokens)

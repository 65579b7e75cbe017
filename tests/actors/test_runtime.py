import asyncio

import pytest
import structlog
from structlog.testing import capture_logs

from ta.actors.runtime import InFlight, Mailbox, MailboxClosedError, run_actor


async def test_mailbox_fifo_close_and_drain() -> None:
    inflight = InFlight()
    box: Mailbox[int] = Mailbox("t", inflight, maxsize=4)
    for i in range(3):
        await box.put(i)
    await box.close()
    with pytest.raises(MailboxClosedError):
        await box.put(9)
    seen = []
    async for item in box.messages():
        seen.append(item)
        box.done()
    assert seen == [0, 1, 2]
    assert inflight.count == 0


async def test_bounded_put_waits_for_room() -> None:
    box: Mailbox[int] = Mailbox("t", None, maxsize=1)
    await box.put(1)
    blocked = asyncio.create_task(box.put(2))
    await asyncio.sleep(0)
    assert not blocked.done()
    got = box.messages().__aiter__()
    assert await got.__anext__() == 1
    await asyncio.wait_for(blocked, 1)
    assert len(box) == 1


async def test_pipeline_goes_idle_only_after_downstream_finished() -> None:
    inflight = InFlight()
    first: Mailbox[int] = Mailbox("first", inflight)
    second: Mailbox[int] = Mailbox("second", inflight)
    results: list[int] = []

    async def sink(x: int) -> None:
        results.append(x)

    async with asyncio.TaskGroup() as tg:
        tg.create_task(run_actor("first", first, lambda x: [x * 10], second.put))
        tg.create_task(run_actor("second", second, lambda x: [x + 1], sink))
        await first.put(1)
        await inflight.wait_idle()
        assert results == [11]
        await first.close()
        await second.close()


async def test_an_exception_out_of_a_step_ends_the_actor_loop() -> None:
    # Actors take their own failures back and answer with a StepFailed note; what still escapes a step (a failed
    # rollback) means the state cannot be trusted: the loop ends with it, and the process with the TaskGroup.
    inflight = InFlight()
    box: Mailbox[int] = Mailbox("b", inflight)
    out: list[int] = []

    def step(x: int) -> list[int]:
        if x == 2:
            raise RuntimeError("boom")
        return [x]

    async def sink(x: int) -> None:
        out.append(x)

    for i in (1, 2, 3):
        await box.put(i)
    await box.close()
    with (
        capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs,
        pytest.raises(RuntimeError, match="boom"),
    ):
        await run_actor("b", box, step, sink)
    assert out == [1]
    # ... and is logged once, with the traceback, naming the message that broke the state.
    [line] = logs
    assert line["event"] == "actor.state_lost" and line["log_level"] == "error"
    assert line["message"] == "int" and line["exc_info"] is True and line["actor"] == "b"


async def test_many_producers_on_a_full_mailbox_lose_nothing_even_when_one_is_cancelled() -> None:
    box: Mailbox[int] = Mailbox("m", InFlight(), maxsize=2)
    producers = [asyncio.create_task(box.put(i)) for i in range(6)]
    await asyncio.sleep(0)
    producers[3].cancel()  # waiting for room: its wake-up must pass on to the next producer
    received: list[int] = []

    async def consume() -> None:
        async for item in box.messages():
            received.append(item)
            box.done()
            if len(received) == 5:
                await box.close()

    await asyncio.wait_for(consume(), 5)
    await asyncio.gather(*producers, return_exceptions=True)
    assert sorted(received) == [0, 1, 2, 4, 5]
    assert received[:2] == [0, 1]

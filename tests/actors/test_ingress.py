import asyncio
from pathlib import Path

import orjson

from ta.actors.ingress import Sequencer
from ta.actors.runtime import InFlight
from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.journal.writer import JournalWriter


async def test_stamps_journals_and_retains(tmp_path: Path) -> None:
    seen: list[Envelope] = []

    async def router(env: Envelope) -> None:
        seen.append(env)

    times = iter([100.0, 101.5])
    journal = JournalWriter(tmp_path / "j.jsonl")
    seq = Sequencer(inflight=InFlight(), router=router, clock=lambda: next(times), journal=journal)
    runner = asyncio.create_task(seq.run())
    await seq.submit(Tick())
    await seq.submit(Tick())
    await seq.wait_drained()
    await seq.inbox.close()
    await runner
    assert [(e.seq, e.ts) for e in seen] == [(1, 100.0), (2, 101.5)]
    lines = (tmp_path / "j.jsonl").read_bytes().splitlines()
    assert [orjson.loads(x) for x in lines] == [
        {"seq": 1, "ts": 100.0, "kind": "clock.tick", "v": 1, "data": {}},
        {"seq": 2, "ts": 101.5, "kind": "clock.tick", "v": 1, "data": {}},
    ]
    assert [s for s, _ in seq.tail_since(1)] == [2]


async def test_recorded_envelopes_keep_their_stamps() -> None:
    seen: list[Envelope] = []

    async def router(env: Envelope) -> None:
        seen.append(env)

    seq = Sequencer(inflight=InFlight(), router=router, clock=lambda: 0.0)
    runner = asyncio.create_task(seq.run())
    await seq.submit(Envelope(seq=7, ts=5.0, event=Tick()))
    await seq.submit(Tick())
    await seq.wait_drained()
    await seq.inbox.close()
    await runner
    assert [(e.seq, e.ts) for e in seen] == [(7, 5.0), (8, 0.0)]


async def test_tail_is_bounded_by_bytes() -> None:
    async def router(env: Envelope) -> None:
        return None

    seq = Sequencer(inflight=InFlight(), router=router, clock=lambda: 0.0, retain_bytes=200)
    runner = asyncio.create_task(seq.run())
    for _ in range(20):
        await seq.submit(Tick())
    await seq.wait_drained()
    await seq.inbox.close()
    await runner
    tail = seq.tail_since(0)
    assert 1 < len(tail) < 20
    assert sum(len(line) for _, line in tail) <= 200
    assert [s for s, _ in tail] == list(range(21 - len(tail), 21))  # the newest, in order
    assert seq.oldest_retained == 21 - len(tail)


async def test_followers_wake_on_append_and_time_out_independently() -> None:
    async def router(env: Envelope) -> None:
        return None

    seq = Sequencer(inflight=InFlight(), router=router, clock=lambda: 0.0)
    runner = asyncio.create_task(seq.run())
    assert await seq.wait_appended(0, 0.01) is False  # nothing yet: times out
    impatient = asyncio.create_task(seq.wait_appended(0, 0.01))
    patient = asyncio.create_task(seq.wait_appended(0, 5))
    assert await impatient is False  # its timeout must not cancel what the patient one waits on
    await seq.submit(Tick())
    assert await asyncio.wait_for(patient, 5) is True
    assert await seq.wait_appended(0, 0) is True  # already there: no wait
    await seq.wait_drained()
    await seq.inbox.close()
    await runner


def _direct(retain: int = 50_000, retain_bytes: int = 16 << 20) -> Sequencer:
    async def router(env: Envelope) -> None:
        return None

    return Sequencer(inflight=InFlight(), router=router, clock=lambda: 0.0, retain=retain, retain_bytes=retain_bytes)


def test_tail_after_a_position_is_exactly_the_later_entries() -> None:
    seq = _direct(retain=3000)
    for n in range(1, 5001):  # past the count bound, through several compactions
        seq._retain(n, b"%d\n" % n)
    assert seq.oldest_retained == 2001
    for position in (0, 1, 2000, 2001, 3500, 4999, 5000, 7000):
        later = seq.tail_since(position)
        first = max(position + 1, 2001)
        assert [s for s, _ in later] == list(range(first, 5001))
        assert all(line == b"%d\n" % s for s, line in later)
    assert [s for s, _ in seq.tail_since(3500, limit=10)] == list(range(3501, 3511))
    assert seq.tail_since(5000, limit=10) == []


def test_tail_with_gaps_in_recorded_seqs_and_a_journal_going_backwards() -> None:
    seq = _direct()
    for n in (3, 4, 9, 12):  # a replayed journal with skipped lines
        seq._retain(n, b"x")
    assert [s for s, _ in seq.tail_since(4)] == [9, 12]
    assert [s for s, _ in seq.tail_since(5)] == [9, 12]
    seq._retain(7, b"y")  # out of order (hand-edited): the tail starts over so positions keep increasing
    assert seq.tail_since(0) == [(7, b"y")]


async def test_followers_are_released_when_the_sequencer_stops() -> None:
    seq = _direct()
    runner = asyncio.create_task(seq.run())
    await seq.submit(Tick())
    await seq.wait_drained()
    waiting = asyncio.create_task(seq.wait_appended(1))  # no timeout: waits for the next entry or the end
    await asyncio.sleep(0)
    assert not waiting.done()
    await seq.inbox.close()
    await runner
    assert await asyncio.wait_for(waiting, 5) is False
    assert seq.closed
    assert await seq.wait_appended(1) is False  # after the end: at once
    assert await seq.wait_appended(0) is True  # what is there is still there

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

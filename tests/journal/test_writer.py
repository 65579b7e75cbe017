from pathlib import Path

from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.journal.reader import read_path
from ta.journal.writer import JournalWriter


def test_previous_run_is_kept_aside_not_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    for run in range(2):
        writer = JournalWriter(path)
        writer.append(Envelope(seq=1, ts=float(run), event=Tick()))
        writer.close()
    current = [e for e in read_path(path) if isinstance(e, Envelope)]
    previous = [e for e in read_path(tmp_path / "journal.jsonl.1") if isinstance(e, Envelope)]
    assert [e.ts for e in current] == [1.0] and [e.ts for e in previous] == [0.0]


def test_a_list_page_batch_round_trips_through_the_journal() -> None:
    import orjson
    import pytest

    from ta.events.base import decode
    from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
    from ta.journal.writer import encode

    changes = tuple(
        KubeObjectChanged(
            watch_type="ADDED",
            resource="v1/pods",
            namespace="ns",
            name=f"p{i}",
            body=orjson.dumps({"metadata": {"name": f"p{i}", "namespace": "ns"}}),
            decoded={"not": "journaled"},
        )
        for i in range(3)
    )
    batch = KubeObjectBatch(resource="v1/pods", changes=changes)
    line = encode(Envelope(seq=7, ts=1.5, event=batch))
    back = decode(orjson.loads(line))
    assert back == Envelope(seq=7, ts=1.5, event=batch)
    assert isinstance(back.event, KubeObjectBatch)
    assert [c.obj()["metadata"]["name"] for c in back.event.changes] == ["p0", "p1", "p2"]
    record = orjson.loads(line)
    record["data"]["changes"][1]["resource"] = "v1/services"
    with pytest.raises(ValueError, match="batch's resource"):
        decode(record)

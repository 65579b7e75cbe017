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

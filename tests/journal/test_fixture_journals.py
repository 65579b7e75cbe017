"""Journals recorded by earlier builds still read, and replay to the answers they gave when recorded.

``tests/data/journal/v<N>/`` are generations of journals, recorded with the code of their time (see
``tests/data/journal/record.py``), each with the ``ta replay --dump-answers`` output and summary of that
time. A later build must read every line (upcasting old versions) and give the same answers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from ta.events.base import REGISTRY, Envelope
from ta.events.cluster import KubeObjectChanged
from ta.events.inputs import ALL_INPUT_KINDS
from ta.journal.reader import read_journal
from ta.journal.writer import encode

ROOT = Path(__file__).parents[1] / "data" / "journal"
JOURNALS = sorted(ROOT.glob("v*/*.jsonl"))


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_every_journaled_kind_is_in_a_fixture_journal() -> None:
    """A new kind needs a new generation recorded (``tests/data/journal/record.py``); v1 holds the first nine."""
    kinds = {orjson.loads(raw)["kind"] for p in JOURNALS for raw in p.read_bytes().splitlines() if raw.strip()}
    assert kinds == set(ALL_INPUT_KINDS)
    v1 = {orjson.loads(raw)["kind"] for raw in (ROOT / "v1" / "all-kinds.jsonl").read_bytes().splitlines()}
    assert len(v1) == 9


@pytest.mark.parametrize("journal", JOURNALS, ids=_id)
def test_every_line_of_an_old_journal_reads(journal: Path) -> None:
    entries = list(read_journal(journal.read_bytes()))
    assert all(isinstance(e, Envelope) for e in entries), [e for e in entries if not isinstance(e, Envelope)]
    assert len(entries) == len(journal.read_bytes().splitlines())


def _current(record: dict[str, object]) -> bool:
    """Whether the line was written at the versions this build writes (then it must re-encode exactly)."""
    cls = REGISTRY.get(str(record["kind"]))
    assert cls is not None
    data = record["data"]
    assert isinstance(data, dict)
    nested = data.get("changes_v", 1) == KubeObjectChanged.VERSION if record["kind"] == "k8s.objects" else True
    return record.get("v", 1) == cls.VERSION and nested


@pytest.mark.parametrize("journal", JOURNALS, ids=_id)
def test_lines_at_the_current_versions_are_written_again_byte_for_byte(journal: Path) -> None:
    raw_lines = journal.read_bytes().splitlines(keepends=True)
    current = [raw for raw in raw_lines if _current(orjson.loads(raw))]
    assert current or journal.parent.name != "v1"  # while every kind is at v1, that is every line
    for raw in current:
        [entry] = read_journal(raw)
        assert isinstance(entry, Envelope)
        assert encode(entry) == raw


@pytest.mark.parametrize("journal", JOURNALS, ids=_id)
def test_an_old_journal_replays_to_the_answers_it_gave_when_recorded(journal: Path, tmp_path: Path) -> None:
    answers = tmp_path / "answers.ndjson"
    done = subprocess.run(
        [sys.executable, "-m", "ta", "replay", str(journal), "--dump-answers", str(answers), "--strict"],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    stem = journal.name.removesuffix(".jsonl")
    assert done.stdout == (journal.parent / f"{stem}.summary.txt").read_bytes()
    assert answers.read_bytes() == (journal.parent / f"{stem}.answers.ndjson").read_bytes()

"""Appends envelopes to a JSONL journal file.

In: ``Envelope`` values in sequence order. Out: one compact JSON line per envelope
(``{"seq","ts","kind","v","data"}``), flushed so a crash loses at most what the OS had not written.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import orjson

from ta.core.gocompat import jsonbytes
from ta.events.base import Envelope


def encode(envelope: Envelope) -> bytes:
    return jsonbytes.dumps(envelope.to_record(), option=orjson.OPT_APPEND_NEWLINE)


class JournalWriter:
    """A journal is one process's run: an existing file is kept as ``<path>.1`` (replacing an older one)
    rather than appended to, since sequence numbers start again at 1."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        if self._path.exists() and self._path.stat().st_size > 0:
            self._path.replace(self._path.with_name(self._path.name + ".1"))
        self._file: BinaryIO | None = self._path.open("wb")

    @property
    def path(self) -> Path:
        return self._path

    def append(self, envelope: Envelope) -> bytes:
        line = encode(envelope)
        if self._file is not None:
            self._file.write(line)
            self._file.flush()
        return line

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

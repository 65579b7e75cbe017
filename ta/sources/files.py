"""The file source: reads the files ``file_sd_configs`` name and reports their content when it changes.

In: glob patterns (from the scrape configs) and a poll interval. Out: ``FileRead`` events — the bytes of a
new or changed file, or ``content=None`` when a file vanished — submitted to the sequencer.
Polling (default every 5 s) keeps this dependency-free; Prometheus' own refresh is 5 min plus fsnotify.
"""

from __future__ import annotations

import asyncio
import glob
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import structlog
import xxhash

from ta.events.base import Journaled
from ta.events.files import FileRead

log = structlog.get_logger("ta.sources.files")


def _matches(patterns: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for pattern in patterns:
        found.update(p for p in glob.glob(pattern) if Path(p).is_file())
    return found


async def run_files(
    submit: Callable[[Journaled], Awaitable[None]], patterns: tuple[str, ...], interval: float = 5.0
) -> None:
    seen: dict[str, int] = {}
    while True:
        current = _matches(patterns)
        for path in sorted(current):
            try:
                content = await asyncio.to_thread(Path(path).read_bytes)
            except OSError as exc:
                log.warning("file_sd.read_failed", path=path, error=str(exc))
                continue
            digest = xxhash.xxh64_intdigest(content)
            if seen.get(path) != digest:
                seen[path] = digest
                await submit(FileRead(path=path, content=content))
        for path in sorted(seen.keys() - current):
            del seen[path]
            await submit(FileRead(path=path, content=None, error="file removed"))
        await asyncio.sleep(interval)

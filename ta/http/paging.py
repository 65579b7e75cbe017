"""Bounded work for the HTML debug pages: page parameters, and indexes built in steps off the request path.

In: a request's query (``page``, ``per_page``), the ``View`` and the redacted ``/scrape_configs`` body.
Out: ``PageRequest`` (or the reason the query is bad), and two cached indexes the pages slice one page from:
``TargetIndex`` (every placement sorted by target hash, with per-collector counts) and ``ConfigIndex`` (the
scrape configs decoded, job names in Go order).

Why: one ``/debug/targets`` at 100 000 targets used to render a 50 MB page in a single loop step (seconds
with the event loop stalled, probes included). Pages are now bounded by ``per_page``, and the work over
every target (copy, sort, count) is done in steps of ``STEP`` items with an ``await`` between them, once per
view version, shared by every request for that version; at most one build runs at a time, and a request
that arrives while one runs is served its result (at most one build old).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Generic, TypeVar

from ta.core.base.model import Target
from ta.core.serving.view import Body, View
from ta.http import html

# Items handled between two awaits; a step costs a few milliseconds at most.
STEP = 1024
# Jobs handled between two awaits where each job costs a look at each of its collectors' buckets.
JOB_STEP = 64
DEFAULT_PER_PAGE = 500
MAX_PER_PAGE = 1000
# Scrape-config rows are whole pretty-printed configs (KBs each), so their pages are shorter.
CONFIG_DEFAULT_PER_PAGE = 50
CONFIG_MAX_PER_PAGE = 200
# Longer digit strings are clamped like any page past the end (Python refuses to parse huge ones anyway).
_MAX_DIGITS = 9

Placed = tuple[int, Target, str]  # (target hash, target, collector)
_hash_of = attrgetter("hash")


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    per_page: int

    def pager(self, base: str, total: int) -> html.Pager:
        """The pager for a listing of ``total`` rows; a page past the end shows the last page."""
        pages = max(1, -(-total // self.per_page))
        return html.Pager(base=base, page=min(self.page, pages), per_page=self.per_page, total=total)


def page_request(
    query: Mapping[str, list[str]], *, default: int = DEFAULT_PER_PAGE, maximum: int = MAX_PER_PAGE
) -> PageRequest | str:
    """``page`` (from 1) and ``per_page`` (clamped to ``maximum``) from the query, the first value of each;
    absent or empty means the default. Anything but a positive decimal number is an error message."""
    values: list[int] = []
    for name, fallback in (("page", 1), ("per_page", default)):
        raw = (query.get(name) or [""])[0]
        if not raw:
            values.append(fallback)
            continue
        if not (raw.isascii() and raw.isdigit()) or int(raw[: _MAX_DIGITS + 1] or "0") == 0:
            return f"Expected {name} to be a positive number"
        values.append(10**_MAX_DIGITS if len(raw) > _MAX_DIGITS else int(raw))
    return PageRequest(page=values[0], per_page=min(values[1], maximum))


async def pause() -> None:
    """Let the event loop run other callbacks (probes, collectors' requests) between two steps."""
    await asyncio.sleep(0)


_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


class _Shared(Generic[_Key, _Value]):
    """One cached result per key; a build runs as its own task (a client going away does not cancel it) and
    concurrent requests share it. While a build runs, newer keys get the running build's result."""

    def __init__(self) -> None:
        self._done: tuple[_Key, _Value] | None = None
        self._running: asyncio.Task[tuple[_Key, _Value]] | None = None

    def cached(self, key: _Key) -> _Value | None:
        done = self._done
        return done[1] if done is not None and done[0] == key else None

    async def run(self, key: _Key, make: Callable[[_Key], Awaitable[_Value]]) -> _Value:
        cached = self.cached(key)
        if cached is not None:
            return cached
        task = self._running
        if task is None:
            task = asyncio.get_running_loop().create_task(self._build(key, make))
            self._running = task
            task.add_done_callback(_retrieve)
        # shield: this request being cancelled must not cancel a build others wait for.
        return (await asyncio.shield(task))[1]

    async def _build(self, key: _Key, make: Callable[[_Key], Awaitable[_Value]]) -> tuple[_Key, _Value]:
        try:
            value = await make(key)
            self._done = (key, value)
            return key, value
        finally:
            self._running = None


def _retrieve(task: asyncio.Task[object]) -> None:
    # A failed build with no request left waiting must not be reported as "exception never retrieved";
    # the waiters (if any) get the exception themselves.
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True, slots=True)
class TargetIndex:
    """Every placement at one view version: the targets sorted by hash (unsigned, as upstream sorts), each
    hash's collector, and the target count per collector ("" = unassigned). Kept as two big containers
    rather than a tuple per target: 100 000 young tuples made the next young-generation collection (with
    ``tune_gc``'s threshold) a 30-40 ms pause of its own."""

    targets: list[Target]
    collector_of: dict[int, str]
    per_collector: Counter[str]

    def rows(self, start: int, stop: int) -> list[Placed]:
        return [(t.hash, t, self.collector_of[t.hash]) for t in self.targets[start:stop]]


async def _build_target_index(view: View) -> TargetIndex:
    # Each job is copied whole (a target never changes job, so no target is seen twice or missed for a move
    # between collectors); jobs copied later may be newer than the version the index is filed under, and
    # the next request after that version rebuilds it.
    chunks: list[list[Target]] = []
    collector_of: dict[int, str] = {}
    per_collector: Counter[str] = Counter()
    current: list[Target] = []
    jobs = view.job_names()
    for start in range(0, len(jobs), JOB_STEP):
        for job in jobs[start : start + JOB_STEP]:
            for collector, targets in view.job_buckets(job):
                per_collector[collector] += len(targets)
                for at in range(0, len(targets), STEP):
                    part = targets[at : at + STEP]
                    collector_of.update(zip(map(_hash_of, part), itertools.repeat(collector)))
                    current.extend(part)
                    if len(current) >= STEP:
                        current.sort(key=_hash_of)
                        chunks.append(current)
                        current = []
                        await pause()
        await pause()
    if current:
        current.sort(key=_hash_of)
        chunks.append(current)
    ordered: list[Target] = []
    merged = heapq.merge(*chunks, key=_hash_of)
    while True:
        size = len(ordered)
        ordered.extend(itertools.islice(merged, STEP))
        if len(ordered) - size < STEP:
            break
        await pause()
    return TargetIndex(targets=ordered, collector_of=collector_of, per_collector=per_collector)


class TargetIndexes:
    """The ``TargetIndex`` of the view's current version, built once per version (see the module text)."""

    def __init__(self, view: View) -> None:
        self._view = view
        self._shared: _Shared[int, TargetIndex] = _Shared()

    async def current(self) -> TargetIndex:
        view = self._view

        async def make(_version: int) -> TargetIndex:
            return await _build_target_index(view)

        return await self._shared.run(view.version, make)


async def collector_window(index: TargetIndex, collector: str, offset: int, count: int) -> list[Placed]:
    """The ``count`` placements on ``collector`` from its ``offset``-th on (in hash order), found in steps."""
    window: list[Placed] = []
    seen = 0
    collector_of = index.collector_of
    targets = index.targets
    for start in range(0, len(targets), STEP):
        for t in targets[start : start + STEP]:
            if collector_of[t.hash] == collector:
                if seen >= offset:
                    window.append((t.hash, t, collector))
                    if len(window) == count:
                        return window
                seen += 1
        await pause()
    return window


@dataclass(frozen=True, slots=True)
class ConfigIndex:
    """The redacted scrape configs as upstream's page decodes them, job names in Go byte order."""

    configs: Mapping[str, object]
    jobs: list[str]
    empty: bool  # the body had no bytes at all (upstream's page then shows its decode error)


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder(parse_int=float)
# Jobs decoded between two awaits (a job's config is a few KB of JSON).
CONFIG_STEP = 64


async def decode_config_map(raw: bytes) -> dict[str, object]:
    """``html.decode_config_map`` in steps: the top-level object is walked job by job, each job's config
    decoded by the C decoder, with an await every ``CONFIG_STEP`` jobs (a body of thousands of jobs is tens
    of MB; one ``json.loads`` of it would hold the loop for as long). Same result, same ``ValueError``s."""
    text, fix = html.config_json_text(raw)
    end = len(text)

    def skip(pos: int) -> int:
        found = _WHITESPACE.match(text, pos)
        return found.end() if found else pos

    pos = skip(0)
    if text.startswith("null", pos) and skip(pos + 4) == end:
        return {}
    if not text.startswith("{", pos):
        raise ValueError("scrape-config response is not a JSON object")
    configs: dict[str, object] = {}
    pos = skip(pos + 1)
    if text.startswith("}", pos):
        pos = skip(pos + 1)
    else:
        while True:
            key, pos = _DECODER.raw_decode(text, pos)
            if not isinstance(key, str):
                raise ValueError("scrape-config response has a key that is not a string")
            pos = skip(pos)
            if not text.startswith(":", pos):
                raise ValueError("scrape-config response lacks ':' after a key")
            value, pos = _DECODER.raw_decode(text, skip(pos + 1))
            if fix:
                key = html.replace_surrogates(key)
                value = html.replace_surrogates(value)
            assert isinstance(key, str)
            configs[key] = value
            pos = skip(pos)
            if text.startswith("}", pos):
                pos = skip(pos + 1)
                break
            if not text.startswith(",", pos):
                raise ValueError("scrape-config response lacks ',' between jobs")
            pos = skip(pos + 1)
            if len(configs) % CONFIG_STEP == 0:
                await pause()
    if pos != end:
        raise ValueError("scrape-config response has data after its object")
    return configs


async def _build_config_index(body: Body) -> ConfigIndex:
    data = body.data
    try:
        configs = await decode_config_map(data) if data else {}
    except ValueError:
        configs = {}
    jobs = sorted(configs, key=html.go_order)
    return ConfigIndex(configs=configs, jobs=jobs, empty=not data)


class ConfigIndexes:
    """The ``ConfigIndex`` of the current ``/scrape_configs`` body, decoded once per body, in steps."""

    def __init__(self) -> None:
        self._shared: _Shared[Body, ConfigIndex] = _Shared()

    async def current(self, body: Body) -> ConfigIndex:
        return await self._shared.run(body, _build_config_index)

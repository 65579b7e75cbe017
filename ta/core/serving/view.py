"""The serving read model: who scrapes what, and the rendered answers, cached until something changes.

In: allocation moves (``apply``, a batch as the allocation actor sends it; ``place`` for one target) and the
collector list (from the allocation actor), the rendered ``/scrape_configs`` bodies (from discovery),
readiness. Out: response bodies with ETags for the HTTP handlers.

Each answer is rendered at most once per change: a batch of moves invalidates each (job, collector) answer and
job listing it touches once, and the next request renders and caches them again. Only answers about jobs that
hold targets are cached (a job name or collector id a client makes up gets a small answer rendered on the
spot, or the shared empty list), and each cache also has a fixed entry cap, so no request pattern can grow
memory. Rendered bodies are the only cache; per-target JSON is not kept, because label sets are large in real
clusters. A large body is kept gzipped
only: target label sets repeat (every target of a Service carries its annotations), so it shrinks ~20x, it is
served as is to clients that accept gzip (Go's HTTP client, as collectors use, always does) and inflated for the
others; 100 000 targets' answers are ~700 MB of JSON.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import TypeVar

import orjson
import xxhash

from ta.core.allocation.allocator import Move
from ta.core.base.model import Target
from ta.core.gocompat import gojson
from ta.core.serving import render

_K = TypeVar("_K")

# Bodies at least this large are kept gzipped only.
GZIP_MIN = 16 << 10

# Entry caps of the answer caches: far above what a real cluster asks for (one (job, collector) answer per pair
# that holds targets, one by-collector answer per job), so they only matter if something else goes wrong. The
# oldest entry goes first; an evicted answer is rendered again when next asked for.
MAX_PAIR_BODIES = 65536
MAX_JOB_BODIES = 4096


class Body:
    """A response body and its ETag (of the uncompressed bytes); large ones held as gzip only (see above)."""

    __slots__ = ("_gzipped", "_plain", "etag")

    def __init__(self, data: bytes, etag: str) -> None:
        self.etag = etag
        self._plain: bytes | None = data
        self._gzipped: bytes | None = None
        if len(data) >= GZIP_MIN:
            # Level 1: ~20x on these bodies already, at a fraction of the default level's CPU.
            packer = zlib.compressobj(1, zlib.DEFLATED, 31)
            self._gzipped = packer.compress(data) + packer.flush()
            self._plain = None

    @property
    def data(self) -> bytes:
        """The body itself."""
        if self._plain is not None:
            return self._plain
        assert self._gzipped is not None
        return zlib.decompress(self._gzipped, 31)

    @property
    def gzipped(self) -> bytes | None:
        """The body as gzip, when it is kept that way (then the cheapest thing to send)."""
        return self._gzipped


@dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """A target and the collector that serves it ("" = unassigned)."""

    target: Target
    collector: str


def _body(data: bytes) -> Body:
    return Body(data, f'"{xxhash.xxh64_hexdigest(data)}"')


EMPTY_LIST = _body(b"[]\n")

# A tuple key built in C; the same order as render.target_entries' (address, hash).
_address_then_hash = attrgetter("address", "hash")


def _render_targets(targets: Collection[Target]) -> bytes:
    """``render.render_targets``, byte for byte (tests hold them equal), with less work per answer: the sort
    key is built in C, and Go's escaping runs only when a body can need it."""
    ordered = sorted(targets, key=_address_then_hash) if len(targets) > 1 else targets
    data = orjson.dumps([{"targets": [t.address], "labels": dict(t.labels)} for t in ordered])
    # go_escape rewrites only "<", ">", "&" and U+2028/U+2029 (non-ASCII), so most bodies skip its scans.
    if not data.isascii() or b"<" in data or b">" in data or b"&" in data:
        data = gojson.go_escape(data)
    # Appending copies: orjson's result keeps its whole (KiB-sized) buffer, and these bodies are cached, so
    # OPT_APPEND_NEWLINE would hold ~4 KiB per answer (~100 MB for 25 000 answers).
    return data + b"\n"


def _remember(cache: dict[_K, Body], key: _K, body: Body, cap: int) -> None:
    if len(cache) >= cap:
        # Dicts keep insertion order: the first key is the oldest entry.
        del cache[next(iter(cache))]
    cache[key] = body


# Stand-ins for "no such job / bucket" that spare a None check on the hot path; never written to (code only
# deletes from a dict after finding a key in it, and replaces these by fresh dicts before inserting).
_NOTHING: dict[str, dict[int, Target]] = {}
_NOTHING_HERE: dict[int, Target] = {}


class View:
    def __init__(self) -> None:
        # job -> collector ("" = unassigned) -> {hash: target}; empty dicts are dropped, so a job is listed
        # exactly when it holds targets. ``_where`` finds a hash's bucket. No object is kept per target beyond
        # the target itself (fewer objects for the garbage collector to walk).
        self._jobs: dict[str, dict[str, dict[int, Target]]] = {}
        self._where: dict[int, str] = {}
        self._collectors: tuple[str, ...] = ()
        self._scrape_configs: tuple[Body, Body] | None = None  # (redacted, revealed)
        self._jobs_body: Body | None = None
        self._pair_bodies: dict[tuple[str, str], Body] = {}
        self._job_bodies: dict[str, Body] = {}
        # Bumped by every batch that changes a placement; the debug pages cache their indexes per version.
        self._version = 0

    # --- updates -------------------------------------------------------------------------------------

    def set_scrape_configs(self, redacted: bytes, revealed: bytes) -> None:
        self._scrape_configs = (_body(redacted), _body(revealed))

    def set_collectors(self, collectors: Iterable[str]) -> None:
        names = tuple(sorted(collectors))
        if names != self._collectors:
            self._collectors = names
            self._job_bodies.clear()

    def place(self, target: Target, collector: str, removed: bool) -> None:
        """Record where ``target`` is served now (``removed``: it is gone); see ``apply``."""
        self.apply((Move(target, "", "" if removed else collector, removed),))

    def apply(self, moves: Iterable[Move], undo: list[Target | tuple[Target, str]] | None = None) -> None:
        """Record a batch of moves: each target is served by ``after`` now, or is gone when ``removed``.

        A move's ``before`` is not trusted: the previous placement comes from the view's own record, so a stale
        "before" in a message can never leave a ghost behind. Each touched answer is invalidated once.
        ``undo``, when given, gets each target's previous placement before it changes: (target, collector), or the
        bare target when it was not held (a new target costs no record of its own); ``take_back`` turns that into
        the view as it was.
        """
        jobs = self._jobs
        where = self._where
        touched: dict[str, set[str]] = {}  # job -> collectors whose answers changed
        job: str | None = None
        held: dict[str, dict[int, Target]] = _NOTHING
        seen: set[str] = set()
        for target, _before, collector, removed in moves:
            # Moves arrive grouped by job, so the job's buckets and touched set are looked up once per run.
            if target.job != job:
                job = target.job
                held = jobs.get(job, _NOTHING)
                seen = touched.get(job) or touched.setdefault(job, set())
            target_hash = target.hash
            was = where.get(target_hash)
            if was is not None:
                bucket = held.get(was, _NOTHING_HERE)
                if target_hash in bucket:
                    if not removed and was == collector and bucket[target_hash] is target:
                        continue
                    if undo is not None:
                        undo.append((bucket[target_hash], was))
                    del bucket[target_hash]
                    if not bucket:
                        del held[was]
                    seen.add(was)
                else:
                    # Only if a hash changed job, which the identity hash (it covers the job) rules out.
                    if undo is not None:
                        undo.append((target, was))
                    self._forget_elsewhere(target_hash, was, touched)
            elif undo is not None:
                undo.append(target)
            if removed:
                if was is not None:
                    del where[target_hash]
                continue
            where[target_hash] = collector
            if held is _NOTHING:
                held = jobs[job] = {}
                self._jobs_body = None
            bucket = held.get(collector, _NOTHING_HERE)
            if bucket is _NOTHING_HERE:
                bucket = held[collector] = {}
            bucket[target_hash] = target
            seen.add(collector)
        pair_bodies = self._pair_bodies
        job_bodies = self._job_bodies
        if any(touched.values()):
            self._version += 1
        for job, collectors in touched.items():
            job_bodies.pop(job, None)
            for collector in collectors:
                pair_bodies.pop((job, collector), None)
            # A job is listed while it holds targets.
            if not jobs.get(job, True):
                del jobs[job]
                self._jobs_body = None

    def take_back(self, undo: list[Target | tuple[Target, str]]) -> None:
        """Put back what ``apply`` recorded in ``undo`` (newest first, so each target ends where it first was)."""
        self.apply(
            [
                Move(entry[0], "", entry[1]) if isinstance(entry, tuple) else Move(entry, "", "", True)
                for entry in reversed(undo)
            ]
        )

    def _forget_elsewhere(self, target_hash: int, collector: str, touched: dict[str, set[str]]) -> None:
        for job in sorted(self._jobs):
            held = self._jobs[job]
            bucket = held.get(collector)
            if bucket is not None and target_hash in bucket:
                del bucket[target_hash]
                if not bucket:
                    del held[collector]
                touched.setdefault(job, set()).add(collector)
                return
        raise AssertionError(f"view lost track of target {target_hash}")

    # --- queries -------------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        return self._scrape_configs is not None

    def scrape_configs(self, *, reveal: bool) -> Body | None:
        if self._scrape_configs is None:
            return None
        return self._scrape_configs[1 if reveal else 0]

    def jobs(self) -> Body:
        if self._jobs_body is None:
            self._jobs_body = _body(render.render_jobs(sorted(self._jobs)))
        return self._jobs_body

    def targets_for(self, job: str, collector: str) -> Body:
        key = (job, collector)
        cached = self._pair_bodies.get(key)
        if cached is not None:
            return cached
        per_collector = self._jobs.get(job)
        # "" is the unassigned bucket, never a collector id.
        bucket = per_collector.get(collector) if per_collector and collector else None
        if not bucket:
            return EMPTY_LIST
        body = _body(_render_targets(bucket.values()))
        _remember(self._pair_bodies, key, body, MAX_PAIR_BODIES)
        return body

    def targets_by_collector(self, job: str) -> Body:
        cached = self._job_bodies.get(job)
        if cached is not None:
            return cached
        per_collector = self._jobs.get(job)
        if per_collector is None:
            # A job without targets (or one a client made up): every collector with an empty list. Small
            # (one entry per collector) and not worth keeping: caching it let invented names grow memory.
            return _body(render.render_job_by_collector(job, ((c, ()) for c in self._collectors)))
        body = _body(
            render.render_job_by_collector(job, ((c, per_collector.get(c, {}).values()) for c in self._collectors))
        )
        _remember(self._job_bodies, job, body, MAX_JOB_BODIES)
        return body

    @property
    def cached_answers(self) -> int:
        """How many rendered target answers are held (tests and benches watch it stay bounded)."""
        return len(self._pair_bodies) + len(self._job_bodies)

    # --- summaries (replay, debug, metrics) ----------------------------------------------------------

    @property
    def collectors(self) -> tuple[str, ...]:
        return self._collectors

    def job_names(self) -> list[str]:
        return sorted(self._jobs)

    def job_size(self, job: str) -> int:
        return sum(len(bucket) for bucket in self._jobs.get(job, {}).values())

    def placements(self, job: str) -> list[Placement]:
        placed = [
            (target_hash, target, collector)
            for collector, bucket in self._jobs.get(job, {}).items()
            for target_hash, target in bucket.items()
        ]
        return [Placement(target=target, collector=collector) for _, target, collector in sorted(placed)]

    @property
    def version(self) -> int:
        """Changes whenever a placement changes (a target added, moved or removed)."""
        return self._version

    def target_count(self) -> int:
        """Every current target, assigned or not."""
        return len(self._where)

    def collector_counts(self, job: str) -> dict[str, int]:
        """The job's target count on each collector that serves some of it ("" = unassigned)."""
        return {collector: len(bucket) for collector, bucket in self._jobs.get(job, {}).items()}

    def find(self, target_hash: int) -> Placement | None:
        """The current placement of the target with this hash; O(jobs), no walk over the targets."""
        collector = self._where.get(target_hash)
        if collector is None:
            return None
        for per_collector in self._jobs.values():
            target = per_collector.get(collector, _NOTHING_HERE).get(target_hash)
            if target is not None:
                return Placement(target=target, collector=collector)
        return None

    def job_buckets(self, job: str) -> list[tuple[str, list[Target]]]:
        """The job's (collector, its targets) buckets, copied (C-speed list copies): a consistent picture of one
        job for callers that then walk it in steps while the view moves on."""
        return [(collector, list(bucket.values())) for collector, bucket in self._jobs.get(job, {}).items()]

    def count_for(self, collector: str) -> int:
        if not collector:
            return 0
        return sum(len(per_collector.get(collector, ())) for per_collector in self._jobs.values())

    def unassigned(self) -> int:
        return sum(len(per_collector.get("", ())) for per_collector in self._jobs.values())

    def cache_sizes(self) -> dict[str, int]:
        """Entries held for serving: rendered answers and placed targets (a soak checks they stay flat)."""
        return {"view_answers": len(self._pair_bodies) + len(self._job_bodies), "view_targets": len(self._where)}

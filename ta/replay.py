"""Offline replay: a recorded journal, or a ``kubectl get -o json|yaml`` capture, through the same pipeline.

In: the capture's path, optionally a TA config file (it replaces the journaled config; a kubectl capture
needs one), optionally a listen address. Out: a deterministic summary on stdout (jobs, targets, targets
per collector, and what an incomplete journal lacks: ``ta.journal.completeness``; ``ta whatif`` asks for none),
and with ``--serve`` the same HTTP API a live TA in that state would serve, until SIGTERM. A file with nothing
to replay raises ``CaptureError``; a task that fails during the replay (a listener, the answers file) ends it at once.

Replays never read the environment or the clock: a kubectl capture is stamped with the latest timestamp it
contains (its best estimate of when it was taken), so grace periods evaluate the same way on every machine.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson
import structlog

from ta.app import Pipeline, build_pipeline, parse_listen_addr, run_pipeline, tune_gc
from ta.core.config.errors import ConfigError
from ta.core.config.load import load_config
from ta.core.config.mapping import config_to_mapping
from ta.core.gocompat import jsonbytes
from ta.core.gocompat.timefmt import parse_rfc3339
from ta.core.objects import secrets
from ta.core.serving import render
from ta.events.base import Envelope
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
from ta.events.config import ConfigLoaded
from ta.journal.completeness import journal_gaps
from ta.journal.reader import CaptureError, Skipped, looks_like_journal, read_journal, read_objects
from ta.journal.writer import JournalWriter
from ta.process.digestkey import process_digester

log = structlog.get_logger("ta.replay")


@dataclass(frozen=True, slots=True, kw_only=True)
class Capture:
    envelopes: tuple[Envelope, ...]
    skipped: tuple[Skipped, ...]
    is_journal: bool
    gaps: tuple[str, ...] = ()  # what the journal lacks and what that changes (``ta.journal.completeness``)

    @property
    def complete(self) -> bool:
        """Nothing skipped and nothing missing: what ``ta replay --strict`` requires."""
        return not self.skipped and not self.gaps


def config_event(path: str) -> ConfigLoaded:
    """Load a TA config file as ``ta run`` would, minus environment and flags (replays must not depend on
    the machine they run on), in its journaled form."""
    args = argparse.Namespace(config_file=path)
    loaded = load_config(args, {}, lambda p: Path(p).read_text(), lambda p: Path(p).exists())
    mapping = secrets.redact(config_to_mapping(loaded.config), process_digester())
    return ConfigLoaded(body=jsonbytes.dumps(mapping, option=orjson.OPT_SORT_KEYS), source=path)


def _latest_timestamp(envelopes: Iterable[Envelope]) -> float:
    latest = 0.0
    changes = (
        change
        for envelope in envelopes
        for change in (
            envelope.event.changes
            if isinstance(envelope.event, KubeObjectBatch)
            else (envelope.event,)
            if isinstance(envelope.event, KubeObjectChanged)
            else ()
        )
    )
    for event in changes:
        obj = event.obj()
        meta = obj.get("metadata") or {}
        status = obj.get("status") or {}
        stamps = [meta.get("creationTimestamp"), status.get("startTime") if isinstance(status, dict) else None]
        conditions = status.get("conditions") if isinstance(status, dict) else None
        if isinstance(conditions, list):
            stamps += [c.get("lastTransitionTime") for c in conditions if isinstance(c, dict)]
        for stamp in stamps:
            value = parse_rfc3339(stamp)
            if value is not None and value > latest:
                latest = value
    return latest


def load_capture(path: str, config: ConfigLoaded | None) -> Capture:
    """Read a journal or a capture; ``CaptureError`` (a ``ValueError``) when there is nothing to replay."""
    data = Path(path).read_bytes()
    if not data.strip():
        raise CaptureError(f"{path} is empty: nothing to replay")
    is_journal = looks_like_journal(data)
    try:
        entries = list(read_journal(data) if is_journal else read_objects(data))
    except CaptureError as exc:
        raise CaptureError(f"{path}: {exc}") from None
    skipped = tuple(e for e in entries if isinstance(e, Skipped))
    envelopes = [e for e in entries if isinstance(e, Envelope)]
    gaps = journal_gaps(envelopes, config_given=config is not None) if is_journal else ()
    if is_journal:
        if config is not None:
            has_config = any(isinstance(e.event, ConfigLoaded) for e in envelopes)
            envelopes = [
                Envelope(seq=e.seq, ts=e.ts, event=config) if isinstance(e.event, ConfigLoaded) else e
                for e in envelopes
            ]
            if not has_config:
                first_ts = envelopes[0].ts if envelopes else 0.0
                envelopes.insert(0, Envelope(seq=0, ts=first_ts, event=config))
    else:
        if config is None:
            raise ConfigError(f"{path} is a Kubernetes object capture: pass --config-file to replay it")
        ts = _latest_timestamp(envelopes)
        envelopes = [Envelope(seq=1, ts=ts, event=config)] + [
            Envelope(seq=e.seq + 1, ts=ts, event=e.event) for e in envelopes
        ]
    return Capture(envelopes=tuple(envelopes), skipped=skipped, is_journal=is_journal, gaps=gaps)


def summary(p: Pipeline, capture: Capture) -> str:
    view = p.view
    jobs = view.job_names()
    total = sum(view.job_size(j) for j in jobs)
    lines = [
        f"entries: {len(capture.envelopes)} replayed, {len(capture.skipped)} skipped",
        f"jobs: {len(jobs)}",
        f"targets: {total} (unassigned: {view.unassigned()})",
        f"collectors: {len(view.collectors)}",
    ]
    lines += [f"  {name}: {view.count_for(name)}" for name in view.collectors]
    lines.append("targets per job:")
    lines += [f"  {job}: {view.job_size(job)}" for job in jobs]
    if capture.gaps:
        lines.append("incomplete journal (this replay may not show what the recording run served):")
        lines += [f"  {gap}" for gap in capture.gaps]
    return "\n".join(lines) + "\n"


def answers(p: Pipeline) -> list[tuple[str, bytes]]:
    """Every answer the API would give in this state, keyed by request path, in a stable order."""
    view = p.view
    out: list[tuple[str, bytes]] = [("/jobs", view.jobs().data)]
    for reveal in (False, True):
        body = view.scrape_configs(reveal=reveal)
        out.append((f"/scrape_configs{' (revealed)' if reveal else ''}", body.data if body else b""))
    for job in view.job_names():
        base = render.jobs_link(job)
        out.append((base, view.targets_by_collector(job).data))
        out += [(f"{base}?collector_id={c}", view.targets_for(job, c).data) for c in view.collectors]
    return out


def write_answers(p: Pipeline, path: str) -> None:
    lines = [orjson.dumps({"path": k, "body": v.decode()}, option=orjson.OPT_APPEND_NEWLINE) for k, v in answers(p)]
    Path(path).write_bytes(b"".join(lines))


async def replay(
    capture: Capture,
    *,
    serve: bool,
    listen_addr: str,
    journal_out: str | None = None,
    answers_out: str | None = None,
    shutdown_timeout: float = 10.0,
    debug_events_on_plain_port: bool = False,
    print_summary: bool = True,
) -> Pipeline:
    tune_gc()
    last_ts = capture.envelopes[-1].ts if capture.envelopes else 0.0
    journal = JournalWriter(journal_out) if journal_out else None
    pipeline = build_pipeline(clock=lambda: last_ts, journal=journal, load_gc=True)
    for skipped in capture.skipped:
        log.warning("replay.skipped", where=skipped.where, reason=skipped.reason)
    for gap in capture.gaps:
        log.warning("replay.incomplete", missing=gap)
    stop = asyncio.Event()
    started = asyncio.Event()
    listeners = [parse_listen_addr(listen_addr)] if serve else []

    async def feed() -> None:
        for envelope in capture.envelopes:
            await pipeline.sequencer.submit(envelope)
        await pipeline.sequencer.wait_drained()
        if print_summary:
            sys.stdout.write(summary(pipeline, capture))
            sys.stdout.flush()
        if answers_out:
            write_answers(pipeline, answers_out)
        if serve:
            log.info("replay.serving", listen_addr=listen_addr, entries=len(capture.envelopes))
        else:
            stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        # One task group: whichever task fails (a listener that cannot bind, an answers file that cannot be
        # written) cancels the others and its error leaves ``replay`` at once, instead of waiting unretrieved.
        async with asyncio.TaskGroup() as tg:
            runner = tg.create_task(
                run_pipeline(
                    pipeline,
                    sources=[],
                    listeners=listeners,
                    stop=stop,
                    started=started,
                    shutdown_timeout=shutdown_timeout,
                    debug_events_on_plain_port=debug_events_on_plain_port,
                )
            )
            await started.wait()
            feeder = tg.create_task(feed())
            await asyncio.wait([runner])
            feeder.cancel()  # stopped by a signal while still feeding
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    return pipeline

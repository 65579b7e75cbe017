"""``ta dump``: show journal entries, filtered and readable, from a journal file or a live ``/debug/events``.

In: argv; a journal file read line by line (``--follow`` keeps reading what a running ``ta --journal``
appends), or the NDJSON stream of ``GET /debug/events`` (plain HTTP, or HTTPS with ``--ca-file``,
``--cert-file``, ``--key-file`` for the mTLS listener), followed until SIGINT/SIGTERM unless ``--no-follow``.
Out: one text line per shown event (``--format text``) or the journal lines themselves (``--format json``)
on stdout; skipped lines and errors on stderr. Memory stays bounded: one line at a time (a line longer than
``MAX_LINE`` is an error), and ``ta.journal.dump`` remembers a bounded number of objects.

Exit status: 0 something matched; 1 nothing matched; 2 an error (bad arguments, unreadable file, connection
failure, a refusal such as the 403 of ``/debug/events`` on a plain port, whose one-line hint is printed).

A relative ``--since``/``--until`` (``1h``) counts back from the newest entry of a file, and from now for a
URL (a live TA stamps entries with the wall clock; a ``ta replay --serve`` of an old journal does not, so use
RFC 3339 times or sequence numbers there).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import ssl
import sys
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from ta.journal.dump import Dumper, Filter, FilterError, Shown, is_relative, kind_names, object_ref, parse_time
from ta.journal.dump import resource_name as _resource_name
from ta.journal.reader import Skipped

EXIT_MATCHED, EXIT_NOTHING, EXIT_ERROR = 0, 1, 2
MAX_LINE = 256 * 1024 * 1024  # a k8s.objects page of a big cluster is a few MB; far beyond this is not a journal
_READ_CHUNK = 1024 * 1024
_POLL_SECONDS = 0.5  # --follow on a file: how often to look for appended lines
_EVENTS_PATH = "/debug/events"


class DumpError(Exception):
    """One line for stderr, then exit 2."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ta dump",
        description="Show journal entries, filtered and readable: from a journal file or a live /debug/events.",
    )
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("path", nargs="?", help="a journal file (JSONL), as `ta run --journal` writes it")
    source.add_argument("--url", help="a running TA (http://HOST:8080 or https://HOST:8443), or its /debug/events URL")
    p.add_argument(
        "--kind", action="append", default=[], help="only this kind (repeatable): k8s.object, config.loaded, ..."
    )
    p.add_argument("--resource", action="append", default=[], help="only this resource: servicemonitors, v1/pods, ...")
    p.add_argument(
        "--object", action="append", default=[], metavar="NS/NAME", help="only this object (NAME: any namespace)"
    )
    p.add_argument(
        "--job",
        action="append",
        default=[],
        help="only what feeds this job (serviceMonitor/ns/name/0, or a config job)",
    )
    p.add_argument("--since-seq", type=int, default=None)
    p.add_argument("--until-seq", type=int, default=None)
    p.add_argument("--since", default=None, help="RFC 3339, Unix seconds, or a duration back (90s, 15m, 1h, 2d)")
    p.add_argument("--until", default=None, help="as --since")
    p.add_argument("--format", choices=("text", "json"), default="text")
    follow = p.add_mutually_exclusive_group()
    follow.add_argument("--follow", dest="follow", action="store_true", default=None, help="keep reading (URL default)")
    follow.add_argument(
        "--no-follow", dest="follow", action="store_false", help="read what is there, then exit (file default)"
    )
    p.add_argument("--ca-file", default=None, help="CA to verify the TA's HTTPS certificate")
    p.add_argument("--cert-file", default=None, help="client certificate for the mTLS listener")
    p.add_argument("--key-file", default=None, help="its key")
    return p


@dataclass(slots=True)
class _Output:
    out: TextIO
    json: bool
    shown: int = 0

    def show(self, result: Shown | Skipped | None) -> None:
        if result is None:
            return
        if isinstance(result, Skipped):
            print(f"ta dump: skipped {result.where}: {result.reason}", file=sys.stderr)
            return
        self.shown += 1
        if self.json:
            self.out.write(result.json.decode() + "\n")
        else:
            self.out.write("".join(line + "\n" for line in result.text))
        self.out.flush()


def _newest_ts(path: Path) -> float | None:
    """The ``ts`` of the file's last entry, read from its end (a journal can be gigabytes)."""
    import orjson

    with path.open("rb") as f:
        f.seek(0, 2)
        end = f.tell()
        pos, tail = end, b""
        while pos > 0:
            step = min(_READ_CHUNK, pos)
            pos -= step
            f.seek(pos)
            tail = f.read(step) + tail
            lines = [line for line in tail.split(b"\n") if line.strip()]
            if len(lines) > 1 or (lines and pos == 0):
                try:
                    ts = orjson.loads(lines[-1]).get("ts")
                except (orjson.JSONDecodeError, AttributeError):
                    return None
                return float(ts) if isinstance(ts, int | float) else None
            if len(tail) > MAX_LINE:
                return None
    return None


def _filter(args: argparse.Namespace, newest: Callable[[], float | None]) -> Filter:
    for kind in args.kind:
        kind_names(kind)
    times: list[float | None] = []
    for text in (args.since, args.until):
        times.append(None if text is None else parse_time(text, newest() if is_relative(text) else None))
    return Filter(
        kinds=tuple(args.kind),
        resources=tuple(_resource_name(r) for r in args.resource),
        objects=tuple(object_ref(o) for o in args.object),
        jobs=tuple(args.job),
        since_seq=args.since_seq,
        until_seq=args.until_seq,
        since_ts=times[0],
        until_ts=times[1],
    )


class _Lines:
    """Chunks in, whole lines out; a line is joined once, when its end arrives (no quadratic re-copying)."""

    __slots__ = ("_parts", "_size", "_what")

    def __init__(self, what: str) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self._what = what

    def push(self, chunk: bytes) -> list[bytes]:
        pieces = chunk.split(b"\n")
        if len(pieces) == 1:
            self._parts.append(chunk)
            self._size += len(chunk)
            if self._size > MAX_LINE:
                raise DumpError(f"{self._what}: a line longer than {MAX_LINE} bytes")
            return []
        first = b"".join([*self._parts, pieces[0]])
        self._parts, self._size = [pieces[-1]], len(pieces[-1])
        return [first, *pieces[1:-1]]

    def rest(self) -> bytes:
        return b"".join(self._parts)


async def _file_lines(path: Path, follow: bool) -> AsyncGenerator[bytes, None]:
    with path.open("rb") as f:
        splitter = _Lines(str(path))
        while True:
            chunk = f.read(_READ_CHUNK)
            if not chunk:
                if not follow:
                    break
                await asyncio.sleep(_POLL_SECONDS)
                continue
            for line in splitter.push(chunk):
                yield line
        if splitter.rest().strip():
            yield splitter.rest()


def _events_url(url: str, since_seq: int | None, follow: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DumpError(f"--url must be http:// or https://, got {url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith(_EVENTS_PATH):
        path += _EVENTS_PATH
    # The server sends entries after ``since``.
    query = f"since={max(since_seq - 1, 0) if since_seq else 0}&follow={'true' if follow else 'false'}"
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _ssl_context(args: argparse.Namespace) -> ssl.SSLContext | None:
    if args.ca_file is None and args.cert_file is None:
        return None
    if (args.cert_file is None) != (args.key_file is None):
        raise DumpError("--cert-file and --key-file go together")
    try:
        context = ssl.create_default_context(cafile=args.ca_file)
        if args.cert_file is not None:
            context.load_cert_chain(args.cert_file, args.key_file)
    except (OSError, ssl.SSLError) as exc:
        raise DumpError(f"cannot load TLS material: {exc}") from None
    return context


async def _url_lines(url: str, context: ssl.SSLContext | None) -> AsyncGenerator[bytes, None]:
    timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_connect=10)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url, ssl=context if context is not None else True) as response,
        ):
            if response.status != 200:
                # The server's own words (for the 403 of /debug/events: which switch serves it), one line.
                body = (await response.content.read(4096)).decode(errors="replace").strip()
                first = body.splitlines()[0] if body else f"{response.status} {response.reason or ''}"
                raise DumpError(f"{url}: {first}")
            splitter = _Lines(url)
            async for chunk in response.content.iter_any():
                for line in splitter.push(chunk):
                    yield line
            if splitter.rest().strip():
                yield splitter.rest()
    except aiohttp.ClientError as exc:
        raise DumpError(f"{url}: {exc}") from None


async def _dump(args: argparse.Namespace, out: TextIO) -> int:
    if args.url is not None:
        follow = args.follow is not False
        flt = _filter(args, time.time)
        lines = _url_lines(_events_url(args.url, args.since_seq, follow), _ssl_context(args))
    else:
        path = Path(args.path)
        if not path.is_file():  # noqa: ASYNC240  (before anything runs; a stat, not a read)
            raise DumpError(f"{path}: no such file")
        flt = _filter(args, lambda: _newest_ts(path))
        lines = _file_lines(path, bool(args.follow))
    dumper = Dumper(flt)
    output = _Output(out=out, json=args.format == "json")
    number = 0
    try:
        async for line in lines:
            number += 1
            if not line.strip():
                continue
            result = dumper.feed(line, number)
            output.show(result)
            if dumper.done():
                break
    except asyncio.CancelledError:
        # Only our own SIGINT/SIGTERM handler cancels this task (it is asyncio.run's main task): the end of a
        # follow, after which what was shown decides the status, as with --no-follow.
        pass
    finally:
        await lines.aclose()
    return EXIT_MATCHED if output.shown else EXIT_NOTHING


async def _main_task(args: argparse.Namespace, out: TextIO) -> int:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await _dump(args, out)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def main(argv: list[str], out: TextIO | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return asyncio.run(_main_task(args, out or sys.stdout))
    except KeyboardInterrupt:  # Ctrl-C before the loop's own handler was in place: nothing was shown yet
        return EXIT_NOTHING
    except (DumpError, FilterError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):  # `ta dump ... | head`: the reader has what it wanted
            with contextlib.suppress(OSError):
                sys.stdout = open("/dev/null", "w")  # noqa: SIM115  (so the exit flush does not fail again)
            return EXIT_MATCHED
        print(f"ta dump: {exc}", file=sys.stderr)
        return EXIT_ERROR

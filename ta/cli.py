"""Command line: ``ta [run] [upstream flags]`` (the in-cluster main job), ``ta replay`` and ``ta dump``.

In: argv and the environment. Out: a running TA, a replay summary, or one clear error line and a non-zero
exit status. Without a subcommand, ``ta`` behaves as ``ta run`` so the upstream image's arguments work as-is.

Exit status: 0 done; 1 an error (bad config or arguments, an output that cannot be written, a port in use, a
task that failed: one ``ta.failed`` log line, no traceback); 2 bad usage (argparse); 3 ``ta replay --strict``
found the journal incomplete or skipped some of its lines or objects. ``ta dump`` has its own statuses (0 shown,
1 nothing matched, 2 error; see ``ta.journal.dumpcli``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import structlog

from ta.app import parse_listen_addr, run_live
from ta.core.config.errors import ConfigError
from ta.core.config.flags import add_debug_events_flag, add_run_flags
from ta.core.config.load import load_config
from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.scrape import parse_prometheus_config
from ta.process import logs

TICK_SECONDS = 1.0
EXIT_INCOMPLETE = 3


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ta run", description="Run the Target Allocator (in-cluster main job).")
    add_run_flags(parser)
    return parser


def _replay_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ta replay",
        description="Replay a recorded journal or a `kubectl get -o json|yaml` capture and print a summary.",
    )
    parser.add_argument("path", help="a journal (JSONL) or Kubernetes objects (a List or single objects)")
    parser.add_argument("--config-file", default=None, help="TA config file (replaces the journaled config)")
    parser.add_argument("--serve", action="store_true", help="serve the HTTP API over the replayed state")
    parser.add_argument("--listen-addr", default="127.0.0.1:8080", help="address to serve on (default %(default)s)")
    parser.add_argument("--journal", default=None, metavar="PATH", help="write the replayed input journal to PATH")
    parser.add_argument(
        "--dump-answers", default=None, metavar="PATH", help="write every HTTP answer of the final state as NDJSON"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help=f"exit {EXIT_INCOMPLETE} when lines or objects were skipped or the journal is incomplete",
    )
    parser.add_argument("--log-format", default=None, choices=("json", "console"))
    add_debug_events_flag(parser)
    return parser


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    elif not isinstance(exc, asyncio.CancelledError):
        yield exc


def failure_text(exc: BaseException) -> str:
    """One line for a fatal error: the message of an expected failure (an OSError names its file or address);
    type, message and innermost frame of anything else, a bug, without the multi-line traceback."""
    parts: list[str] = []
    for leaf in _leaves(exc):
        if isinstance(leaf, OSError):
            text = str(leaf)
        else:
            frames = traceback.extract_tb(leaf.__traceback__)
            where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
            text = f"{type(leaf).__name__}: {leaf}{where}"
        parts.append(" ".join(text.split()))
    return "; ".join(dict.fromkeys(parts)) or type(exc).__name__


def run_to_end(main: Coroutine[Any, Any, int]) -> int:
    """Run the event loop; a task's fatal error ends it promptly (task groups) and becomes one log line."""
    try:
        return asyncio.run(main)
    except Exception as exc:  # every task failure arrives here, wrapped in ExceptionGroups
        structlog.get_logger("ta").error("ta.failed", error=failure_text(exc))
        return 1


def _check_writable(flag: str, path: str | None) -> None:
    """Fail before any work when an output file cannot be created (it is created, empty, if absent)."""
    if path is None:
        return
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        raise OSError(f"cannot write {flag} {path}: {exc.strerror or exc}") from None


def run(argv: list[str]) -> int:
    args = _run_parser().parse_args(argv)
    try:
        loaded = load_config(args, os.environ, lambda p: Path(p).read_text(), lambda p: Path(p).exists())
        parse_listen_addr(loaded.config.listen_addr)
        parse_prometheus_config(loaded.config.prometheus_config_dict() or {})
    except (ConfigError, PromConfigError, ValueError, OSError) as exc:
        print(f"Failed to load config: {exc}", file=sys.stderr)
        return 1
    try:
        _check_writable("--journal", loaded.journal_path)
    except OSError as exc:
        print(f"ta run: {exc}", file=sys.stderr)
        return 1
    logs.configure(loaded.logging.format, loaded.logging.level)
    log = structlog.get_logger("ta")
    if loaded.ignored_keys:
        log.warning("config.ignored_keys", keys=list(loaded.ignored_keys))
    if loaded.missing_kubeconfig:
        log.info("config.kubeconfig_missing", path=loaded.missing_kubeconfig, using="in-cluster config")
    return run_to_end(run_live(loaded))


def replay_main(argv: list[str]) -> int:
    from ta import replay as replay_mod

    args = _replay_parser().parse_args(argv)
    logs.configure(args.log_format or "", "info")
    try:
        parse_listen_addr(args.listen_addr)
        _check_writable("--journal", args.journal)
        _check_writable("--dump-answers", args.dump_answers)
        config = replay_mod.config_event(args.config_file) if args.config_file else None
        capture = replay_mod.load_capture(args.path, config)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"ta replay: {exc}", file=sys.stderr)
        return 1

    async def main() -> int:
        await replay_mod.replay(
            capture,
            serve=args.serve,
            listen_addr=args.listen_addr,
            journal_out=args.journal,
            answers_out=args.dump_answers,
            debug_events_on_plain_port=bool(args.enable_debug_events_on_plain_port),
        )
        return 0

    status = run_to_end(main())
    if status == 0 and args.strict and not capture.complete:
        structlog.get_logger("ta").error(
            "replay.strict_failed", skipped=len(capture.skipped), missing=len(capture.gaps)
        )
        return EXIT_INCOMPLETE
    return status


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replay":
        return replay_main(argv[1:])
    if argv and argv[0] == "dump":
        from ta.journal import dumpcli

        return dumpcli.main(argv[1:])
    if argv and argv[0] == "run":
        argv = argv[1:]
    return run(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

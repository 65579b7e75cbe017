"""Command line: ``ta [run] [upstream flags]`` (the in-cluster main job), ``ta replay``, ``ta dump`` and ``ta whatif``.

In: argv and the environment. Out: a running TA, a replay summary, or one clear error line and a non-zero
exit status. Without a subcommand, ``ta`` behaves as ``ta run`` so the upstream image's arguments work as-is.

Exit status: 0 done; 1 an error (bad config or arguments, an output that cannot be written, a port in use, a
task that failed: one ``ta.failed`` log line, no traceback); 2 bad usage (argparse); 3 ``ta replay --strict``
found the journal incomplete or skipped some of its lines or objects; ``ta whatif --plot`` without matplotlib
exits 2 with one line saying to install ``ta[plot]``. ``ta dump`` has its own statuses (0 shown, 1 nothing
matched, 2 error; see ``ta.journal.dumpcli``).
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


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of collector counts") from None
    if not counts or any(n < 0 for n in counts):
        raise argparse.ArgumentTypeError(f"{text!r}: collector counts are integers >= 0")
    return counts


def _whatif_parser() -> argparse.ArgumentParser:
    from ta.core.allocation.strategy import STRATEGIES

    parser = argparse.ArgumentParser(
        prog="ta whatif",
        description="Replay a capture or journal once, then allocate its targets under other settings through "
        "scaling steps: targets moved (and the minimum possible), balance and unassigned targets per step.",
    )
    parser.add_argument("path", help="a journal (JSONL) or Kubernetes objects (a List or single objects)")
    parser.add_argument("--config-file", default=None, help="TA config file (replaces the journaled config)")
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--strategy", action="append", choices=STRATEGIES, default=None,
        help="strategy to try (repeatable; default: the capture's)",
    )
    chosen.add_argument(
        "--compare", nargs="+", choices=STRATEGIES, metavar="STRATEGY", default=None,
        help="strategies side by side (e.g. --compare consistent-hashing rendezvous-bounded)",
    )
    parser.add_argument(
        "--fallback", default="", help="fallback strategy for per-node (default: the capture's, else none)"
    )
    parser.add_argument("--collectors", type=int, default=None, help="collectors at the start")
    parser.add_argument(
        "--steps", type=_counts, default=None, metavar="N,N,...",
        help="collector counts to scale through (after --collectors when given), e.g. 3,4,6,5",
    )
    parser.add_argument("--format", default="table", choices=("table", "json"))
    parser.add_argument("--plot", default=None, metavar="PNG", help="also write a plot (needs ta[plot])")
    parser.add_argument("--log-format", default=None, choices=("json", "console"))
    return parser


def whatif_main(argv: list[str]) -> int:
    from ta import replay as replay_mod
    from ta import whatif
    from ta.core.allocation.allocator import UnknownStrategyError
    from ta.core.allocation.strategy import PER_NODE
    from ta.core.allocation.whatif import Setting

    parser = _whatif_parser()
    args = parser.parse_args(argv)
    counts = ([args.collectors] if args.collectors is not None else []) + (args.steps or [])
    if args.collectors is not None and args.collectors < 0:
        parser.error("--collectors must be >= 0")
    logs.configure(args.log_format or "", "warning")
    if args.plot:
        try:
            whatif.check_plot_available()
        except whatif.PlotUnavailable as exc:
            print(f"ta whatif: {exc}", file=sys.stderr)
            return 2
    try:
        if args.plot:
            _check_writable("--plot", args.plot)
        config = replay_mod.config_event(args.config_file) if args.config_file else None
        capture = replay_mod.load_capture(args.path, config)
        replayed = whatif.replay_targets(capture)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"ta whatif: {exc}", file=sys.stderr)
        return 1
    if not counts:
        if not replayed.collectors:
            print("ta whatif: the capture has no collectors: pass --collectors N or --steps N,N,...", file=sys.stderr)
            return 1
        counts = [len(replayed.collectors)]
    strategies = args.compare or args.strategy or [replayed.strategy]
    fallback = args.fallback or replayed.fallback
    settings = [Setting(strategy=s, fallback=fallback if s == PER_NODE else "") for s in dict.fromkeys(strategies)]
    if PER_NODE in strategies and not replayed.nodes:
        print("ta whatif: per-node needs nodes: the capture names none (no Node objects, no target on a node)",
              file=sys.stderr)
        return 1
    try:
        outcomes = whatif.run(replayed, settings, counts)
    except UnknownStrategyError as exc:
        print(f"ta whatif: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.buffer.write(whatif.to_json(replayed, counts, outcomes))
    else:
        sys.stdout.write(whatif.to_table(replayed, counts, outcomes))
    sys.stdout.flush()
    if args.plot:
        whatif.write_plot(args.plot, replayed, counts, outcomes)
    return 0


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
    if argv and argv[0] == "whatif":
        return whatif_main(argv[1:])
    if argv and argv[0] == "run":
        argv = argv[1:]
    return run(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

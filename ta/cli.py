"""Command line: ``ta [run] [upstream flags]`` (the in-cluster main job) and ``ta replay``.

In: argv and the environment. Out: a running TA, a replay summary, or one clear error line and a non-zero
exit status. Without a subcommand, ``ta`` behaves as ``ta run`` so the upstream image's arguments work as-is.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

import structlog

from ta import logs
from ta.app import parse_listen_addr, run_live
from ta.config.errors import ConfigError
from ta.config.flags import add_run_flags
from ta.config.load import load_config
from ta.promcfg.errors import ConfigError as PromConfigError
from ta.promcfg.scrape import parse_prometheus_config

COMMANDS = ("run", "replay")
TICK_SECONDS = 1.0


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
    parser.add_argument("--log-format", default=None, choices=("json", "console"))
    return parser


def run(argv: list[str]) -> int:
    args = _run_parser().parse_args(argv)
    try:
        loaded = load_config(args, os.environ, lambda p: Path(p).read_text(), lambda p: Path(p).exists())
        parse_listen_addr(loaded.config.listen_addr)
        parse_prometheus_config(loaded.config.prometheus_config_dict() or {})
    except (ConfigError, PromConfigError, ValueError, OSError) as exc:
        print(f"Failed to load config: {exc}", file=sys.stderr)
        return 1
    logs.configure(loaded.logging.format, loaded.logging.level)
    log = structlog.get_logger("ta")
    if loaded.ignored_keys:
        log.warning("config.ignored_keys", keys=list(loaded.ignored_keys))
    if loaded.missing_kubeconfig:
        log.info("config.kubeconfig_missing", path=loaded.missing_kubeconfig, using="in-cluster config")
    return asyncio.run(run_live(loaded))


def replay_main(argv: list[str]) -> int:
    from ta import replay as replay_mod

    args = _replay_parser().parse_args(argv)
    logs.configure(args.log_format or "", "info")
    try:
        config = replay_mod.config_event(args.config_file) if args.config_file else None
        capture = replay_mod.load_capture(args.path, config)
        parse_listen_addr(args.listen_addr)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"ta replay: {exc}", file=sys.stderr)
        return 1
    asyncio.run(
        replay_mod.replay(
            capture,
            serve=args.serve,
            listen_addr=args.listen_addr,
            journal_out=args.journal,
            answers_out=args.dump_answers,
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replay":
        return replay_main(argv[1:])
    if argv and argv[0] == "run":
        argv = argv[1:]
    return run(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

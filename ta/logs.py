"""structlog configuration: JSON lines in-cluster, readable console output locally.

In: the chosen format and level. Out: a configured structlog; every module logs through
``structlog.get_logger(name)``, one line per meaningful event, to stderr.
"""

from __future__ import annotations

import logging
import os
import sys

import structlog

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "panic": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}


def default_format() -> str:
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return "json"
    return "console" if sys.stderr.isatty() else "json"


def configure(fmt: str = "", level: str = "info") -> None:
    fmt = fmt or default_format()
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(LEVELS.get(level.lower(), logging.INFO)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )

"""structlog configuration: JSON lines in-cluster, readable console output locally.

In: the chosen format and level. Out: a configured structlog; every module logs through
``structlog.get_logger(name)``, one line per meaningful event, to stderr. Records of libraries that log
through the standard ``logging`` module (aiohttp, asyncio, kubernetes-asyncio) are rendered by the same
processors, so in JSON mode every line is one JSON object: a traceback goes inside it (``exception``), the
library's logger name in ``logger``. asyncio's "socket.accept() out of system resource", which it repeats
for every failed accept, is let through once per ``ACCEPT_ERROR_EVERY`` seconds with a count of the
suppressed repeats.
"""

from __future__ import annotations

import logging
import os
import sys
import time

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

ACCEPT_ERROR_EVERY = 10.0
_ACCEPT_ERROR = "socket.accept() out of system resource"


def default_format() -> str:
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return "json"
    return "console" if sys.stderr.isatty() else "json"


class _StdlibHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler ``configure`` installs (a type of its own, so configuring again replaces it)."""


class AcceptErrorFilter(logging.Filter):
    """Lets asyncio's accept-failure message through once per ``every`` seconds; the line that gets through
    carries ``suppressed``: how many were dropped since the last one."""

    def __init__(self, every: float = ACCEPT_ERROR_EVERY) -> None:
        super().__init__()
        self.every = every
        self._last = float("-inf")
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_ACCEPT_ERROR):
            return True
        now = time.monotonic()
        if now - self._last < self.every:
            self.suppressed += 1
            return False
        self._last = now
        record.suppressed = self.suppressed
        self.suppressed = 0
        return True


def configure(fmt: str = "", level: str = "info") -> None:
    fmt = fmt or default_format()
    threshold = LEVELS.get(level.lower(), logging.INFO)
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            timestamper,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = _StdlibHandler(sys.stderr)
    handler.setLevel(threshold)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.processors.add_log_level,
                structlog.stdlib.add_logger_name,
                timestamper,
                structlog.stdlib.ExtraAdder(allow=["suppressed"]),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _StdlibHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(threshold)
    accept_log = logging.getLogger("asyncio")
    if not any(isinstance(f, AcceptErrorFilter) for f in accept_log.filters):
        accept_log.addFilter(AcceptErrorFilter())
    logging.captureWarnings(True)

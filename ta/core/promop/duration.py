"""Prometheus duration strings (``1h30m``, ``15s``, ``500ms``, ``0``) to milliseconds.

In: a duration string as written in a CR. Out: an integer number of milliseconds, or ``Invalid``.
"""

from __future__ import annotations

import re

from ta.core.promop.model import Invalid

_UNITS_MS = (
    ("y", 365 * 24 * 3600 * 1000),
    ("w", 7 * 24 * 3600 * 1000),
    ("d", 24 * 3600 * 1000),
    ("h", 3600 * 1000),
    ("m", 60 * 1000),
    ("s", 1000),
    ("ms", 1),
)
_PATTERN = re.compile("".join(rf"(?:(\d+){unit})?" for unit, _ in _UNITS_MS))


def parse_ms(text: str) -> int:
    if text == "0":
        return 0
    match = _PATTERN.fullmatch(text)
    if not text or match is None:
        raise Invalid(f"not a valid duration string: {text!r}")
    return sum(int(part) * ms for part, (_, ms) in zip(match.groups(), _UNITS_MS, strict=True) if part)


def check_timeout(interval: str, timeout: str, default_interval: str) -> None:
    """Reject a scrape timeout longer than the (possibly defaulted) scrape interval."""
    if not timeout:
        return
    effective = interval or default_interval
    try:
        interval_ms = parse_ms(effective)
    except Invalid as exc:
        raise Invalid(f"invalid scrapeInterval {effective!r}: {exc}") from None
    try:
        timeout_ms = parse_ms(timeout)
    except Invalid as exc:
        raise Invalid(f"invalid scrapeTimeout: {timeout!r}: {exc}") from None
    if timeout_ms > interval_ms:
        raise Invalid(f"scrapeTimeout {timeout!r} greater than scrapeInterval {effective!r}")

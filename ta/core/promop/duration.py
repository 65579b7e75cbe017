"""The scrape timeout check the operator makes on a monitor CR.

In: a CR's interval, its scrapeTimeout and the default interval, as duration text (``1h30m``, ``15s``, ``0``).
Out: nothing, or ``Invalid`` naming what is wrong. The text is parsed by ``ta.core.promcfg.duration``, the one
owner of Prometheus' duration rule; this module only words the CR-level messages.
"""

from __future__ import annotations

from ta.core.promcfg.duration import parse_duration
from ta.core.promcfg.errors import PromConfigError
from ta.core.promop.model import Invalid


def parse_ms(text: str) -> int:
    """Milliseconds in a Prometheus duration; ``Invalid`` (worded as the CR messages always were) if not one."""
    try:
        return parse_duration(text)
    except PromConfigError:
        raise Invalid(f"not a valid duration string: {text!r}") from None


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

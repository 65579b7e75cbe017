"""Prometheus ``model.Duration``: parsing config strings and formatting them back.

In: duration text such as ``"1m30s"`` (units y w d h m s ms, largest first, ``"0"`` allowed).
Out: whole milliseconds (Prometheus durations never carry finer precision from config text), and the
canonical string Prometheus prints (``"1m30s"``, ``"0s"``; years and weeks only when exact).
"""

from __future__ import annotations

from ta.core.promcfg.errors import PromConfigError, go_quote

_NS_PER_MS = 1_000_000
_MS_PER: dict[str, int] = {
    "y": 365 * 24 * 3600 * 1000,
    "w": 7 * 24 * 3600 * 1000,
    "d": 24 * 3600 * 1000,
    "h": 3600 * 1000,
    "m": 60 * 1000,
    "s": 1000,
    "ms": 1,
}
# Position of each unit; a later unit must have a strictly larger position ("1m1d" is rejected).
_ORDER = {unit: pos for pos, unit in enumerate(_MS_PER, start=1)}
_MAX_NS = (1 << 63) - 1
_MAX_UINT64 = (1 << 64) - 1


def parse_duration(text: str) -> int:
    """Parse a Prometheus duration into milliseconds; raise ``PromConfigError`` with Prometheus' message."""
    if text == "0":
        return 0
    if text == "":
        raise PromConfigError("empty duration string")
    invalid = PromConfigError(f"not a valid duration string: {go_quote(text)}")
    rest = text
    total_ns = 0
    last_pos = 0
    while rest:
        digits = _leading(rest, digits=True)
        if not digits:
            raise invalid
        value = int(digits)
        if value > _MAX_UINT64:
            raise invalid
        rest = rest[len(digits) :]
        unit = _leading(rest, digits=False)
        if not unit:
            raise invalid
        rest = rest[len(unit) :]
        if unit not in _MS_PER:
            raise PromConfigError(f"unknown unit {go_quote(unit)} in duration {go_quote(text)}")
        if _ORDER[unit] <= last_pos:
            raise invalid
        last_pos = _ORDER[unit]
        unit_ns = _MS_PER[unit] * _NS_PER_MS
        # Go guards against overflowing its int64 nanosecond Duration; keep the same limits.
        if value > (1 << 63) // unit_ns:
            raise PromConfigError("duration out of range")
        total_ns += value * unit_ns
        if total_ns > _MAX_NS:
            raise PromConfigError("duration out of range")
    return total_ns // _NS_PER_MS


def _leading(text: str, *, digits: bool) -> str:
    end = 0
    while end < len(text) and ("0" <= text[end] <= "9") == digits:
        end += 1
    return text[:end]


def format_duration(ms: int) -> str:
    """Format milliseconds as Prometheus prints a duration: largest units first, ``"0s"`` for zero."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    remaining = abs(ms)
    parts: list[str] = []
    for unit, mult in _MS_PER.items():
        # Years and weeks are only used when they divide evenly: "90d" reads better than "12w6d".
        if unit in ("y", "w") and remaining % mult != 0:
            continue
        count = remaining // mult
        if count > 0:
            parts.append(f"{count}{unit}")
            remaining -= count * mult
    return sign + "".join(parts)


def normalize_duration(text: str) -> str:
    """Parse and re-format, as a Prometheus config round trip does (``"90s"`` -> ``"1m30s"``)."""
    return format_duration(parse_duration(text))

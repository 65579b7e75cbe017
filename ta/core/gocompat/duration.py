"""Go ``time.Duration`` text, both ways.

In: duration strings as Go's ``time.ParseDuration`` accepts them (``30s``, ``1m30s``, ``1.5h``, ``300ms``,
``-1s``, ``0``). Out: seconds as ``float`` (or whole nanoseconds), and back to the text Go's
``Duration.String`` prints (``30s``, ``1m30s``, ``1h0m0s``, ``500ms``). Errors are ``ValueError`` carrying Go's
own message text (``time: unknown unit "d" in duration "1d"``), because users compare them with upstream logs.
"""

from __future__ import annotations

_NANOSECOND = 1
_MICROSECOND = 1_000
_MILLISECOND = 1_000_000
_SECOND = 1_000_000_000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE

_UNITS: dict[str, int] = {
    "ns": _NANOSECOND,
    "us": _MICROSECOND,
    "\u00b5s": _MICROSECOND,  # micro sign
    "\u03bcs": _MICROSECOND,  # Greek small letter mu
    "ms": _MILLISECOND,
    "s": _SECOND,
    "m": _MINUTE,
    "h": _HOUR,
}

# Go keeps durations in a signed 64-bit count of nanoseconds; anything wider is an error there.
_LIMIT = 1 << 63


def _quote(text: str) -> str:
    """Go's ``time.quote``: ASCII printable kept, quotes and backslashes escaped, other bytes as ``\\xNN``."""
    out = ['"']
    for char in text:
        if char < " " or char >= "\x80":
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
        else:
            if char in {'"', "\\"}:
                out.append("\\")
            out.append(char)
    out.append('"')
    return "".join(out)


def _invalid(original: str) -> ValueError:
    return ValueError(f"time: invalid duration {_quote(original)}")


def _leading_digits(text: str) -> str:
    end = 0
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return text[:end]


def parse_go_duration_ns(text: str) -> int:
    """Parse ``text`` with Go ``time.ParseDuration`` rules; return whole nanoseconds."""
    original = text
    negative = False
    if text[:1] in {"-", "+"}:
        negative = text[0] == "-"
        text = text[1:]
    if text == "0":
        return 0
    if not text:
        raise _invalid(original)
    total = 0
    while text:
        if not (text[0] == "." or "0" <= text[0] <= "9"):
            raise _invalid(original)
        whole_digits = _leading_digits(text)
        text = text[len(whole_digits) :]
        whole = int(whole_digits) if whole_digits else 0
        if whole > _LIMIT:
            raise _invalid(original)
        fraction, scale, fraction_digits = 0, 1.0, ""
        if text.startswith("."):
            text = text[1:]
            fraction_digits = _leading_digits(text)
            text = text[len(fraction_digits) :]
            fraction, scale = _fraction(fraction_digits)
        if not whole_digits and not fraction_digits:
            raise _invalid(original)
        unit_end = 0
        while unit_end < len(text) and not (text[unit_end] == "." or "0" <= text[unit_end] <= "9"):
            unit_end += 1
        unit_text, text = text[:unit_end], text[unit_end:]
        if not unit_text:
            raise ValueError(f"time: missing unit in duration {_quote(original)}")
        unit = _UNITS.get(unit_text)
        if unit is None:
            raise ValueError(f"time: unknown unit {_quote(unit_text)} in duration {_quote(original)}")
        if whole > _LIMIT // unit:
            raise _invalid(original)
        value = whole * unit
        if fraction:
            # Go scales the fraction in float64 and truncates; doing the same keeps results bit-identical.
            value += int(float(fraction) * (float(unit) / scale))
            if value > _LIMIT:
                raise _invalid(original)
        total += value
        if total > _LIMIT:
            raise _invalid(original)
    if negative:
        return -total
    if total > _LIMIT - 1:
        raise _invalid(original)
    return total


def _fraction(digits: str) -> tuple[int, float]:
    """Go's ``leadingFraction``: accumulate digits until the value would overflow, then ignore the rest."""
    value, scale = 0, 1.0
    for digit in digits:
        if value > (_LIMIT - 1) // 10:
            break
        candidate = value * 10 + int(digit)
        if candidate > _LIMIT:
            break
        value = candidate
        scale *= 10
    return value, scale


def parse_go_duration(text: str) -> float:
    """Parse ``text`` with Go ``time.ParseDuration`` rules; return seconds."""
    return parse_go_duration_ns(text) / _SECOND


def _fraction_text(value: int, digits: int) -> tuple[str, int]:
    """Fractional part of ``value`` over ``10**digits`` without trailing zeros, and the whole part."""
    whole, rest = divmod(value, 10**digits)
    text = f"{rest:0{digits}d}".rstrip("0")
    return ("." + text if text else ""), whole


def format_go_duration_ns(nanoseconds: int) -> str:
    """Render whole nanoseconds as Go's ``Duration.String`` does."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    magnitude = abs(nanoseconds)
    if magnitude < _SECOND:
        if magnitude < _MICROSECOND:
            return f"{sign}{magnitude}ns"
        if magnitude < _MILLISECOND:
            fraction, whole = _fraction_text(magnitude, 3)
            return f"{sign}{whole}{fraction}\u00b5s"
        fraction, whole = _fraction_text(magnitude, 6)
        return f"{sign}{whole}{fraction}ms"
    fraction, seconds = _fraction_text(magnitude, 9)
    text = f"{seconds % 60}{fraction}s"
    minutes = seconds // 60
    if minutes:
        text = f"{minutes % 60}m{text}"
        hours = minutes // 60
        if hours:
            text = f"{hours}h{text}"
    return sign + text


def seconds_to_ns(seconds: float) -> int:
    """Seconds (as this package stores durations) to whole nanoseconds, rounding float noise away."""
    return round(seconds * _SECOND)


def format_go_duration(seconds: float) -> str:
    """Render seconds as Go's ``Duration.String`` does (``30s``, ``1m30s``, ``1h0m0s``, ``500ms``)."""
    return format_go_duration_ns(seconds_to_ns(seconds))

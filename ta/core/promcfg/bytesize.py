"""Prometheus byte sizes (``body_size_limit``): parsed and printed as Prometheus' ``units.Base2Bytes`` does.

In: the scalar's text (``"500MB"``, ``"1.5KiB"``, ``"1MB512KB"``) or a decoded YAML value (``as_base2_bytes``).
Out: ``parse_base2_bytes`` -> the number of
bytes, or ``PromConfigError`` with Prometheus' message; ``format_base2_bytes`` -> the canonical text Prometheus marshals
(``524288000`` -> ``"500MiB"``, ``1536`` -> ``"1KiB512B"``).

Rules: every prefix is a power of 1024 whether written ``KB`` or ``KiB`` (lower-case ``kB`` is refused); a value is a
sequence of number-and-unit terms added up; fractions are allowed and the total is truncated to whole bytes. The
arithmetic is float64, as Prometheus' parser does, so large or fractional values round the same way.
"""

from __future__ import annotations

import math

from ta.core.promcfg.decode import scalar_text
from ta.core.promcfg.errors import PromConfigError, yaml_kind

_PREFIXES = ("K", "M", "G", "T", "P", "E")
# Both spellings Prometheus tries, in its order: the IEC one first, then the old one without the "i".
_UNITS = tuple(
    {"B": 1.0, **{f"{prefix}{suffix}": float(1024 ** (i + 1)) for i, prefix in enumerate(_PREFIXES)}}
    for suffix in ("iB", "B")
)
_OVERFLOW = 1 << 63


def _leading_int(text: str, pos: int, orig: str) -> tuple[int, int]:
    value = 0
    while pos < len(text) and "0" <= text[pos] <= "9":
        if value >= (_OVERFLOW - 10) // 10:
            raise PromConfigError(f"units: invalid {orig}")
        value = value * 10 + ord(text[pos]) - ord("0")
        pos += 1
    return value, pos


def _parse_unit(orig: str, units: dict[str, float]) -> int:
    text = orig
    negative = False
    if text[:1] in ("-", "+"):
        negative = text[0] == "-"
        text = text[1:]
    if text == "0":
        return 0
    if not text:
        raise PromConfigError(f"units: invalid {orig}")
    total = 0.0
    pos = 0
    while pos < len(text):
        if not (text[pos] == "." or "0" <= text[pos] <= "9"):
            raise PromConfigError(f"units: invalid {orig}")
        start = pos
        whole, pos = _leading_int(text, pos, orig)
        term = float(whole)
        digits_before = pos != start
        digits_after = False
        if pos < len(text) and text[pos] == ".":
            pos += 1
            start = pos
            fraction, pos = _leading_int(text, pos, orig)
            scale = 1.0
            for _ in range(pos - start):
                scale *= 10
            term += float(fraction) / scale
            digits_after = pos != start
        if not digits_before and not digits_after:
            raise PromConfigError(f"units: invalid {orig}")
        start = pos
        while pos < len(text) and not (text[pos] == "." or "0" <= text[pos] <= "9"):
            pos += 1
        unit = text[start:pos]
        if unit not in units:
            raise PromConfigError(f"units: unknown unit {unit} in {orig}")
        total += term * units[unit]
    if negative:
        total = -total
    if total < -float(_OVERFLOW) or total > float(_OVERFLOW - 1):
        raise PromConfigError("units: overflow parsing unit")
    result = math.trunc(total)
    # float64(1<<63 - 1) is 2**63, which the range check lets through; Go's conversion then wraps to the minimum.
    return -_OVERFLOW if result >= _OVERFLOW else result


def parse_base2_bytes(text: str) -> int:
    try:
        return _parse_unit(text, _UNITS[0])
    except PromConfigError:
        return _parse_unit(text, _UNITS[1])


def _go_divmod(n: int, d: int) -> tuple[int, int]:
    """Go's integer division: truncated towards zero, the remainder takes the dividend's sign."""
    quotient = abs(n) // d
    if n < 0:
        quotient = -quotient
    return quotient, n - quotient * d


def format_base2_bytes(value: int) -> str:
    parts: list[str] = []
    n = value
    for i, prefix in enumerate(("", *_PREFIXES)):
        quotient, remainder = _go_divmod(n, 1024)
        if remainder != 0 or (i == 0 and n == 0):
            parts.append(f"{remainder}{prefix}{'iB' if i else 'B'}")
        n = quotient
        if n == 0:
            break
    return "".join(reversed(parts))


def as_base2_bytes(value: object) -> int:
    """A ``units.Base2Bytes`` config field from a decoded YAML value (null is 0: unset)."""
    if value is None:
        return 0
    if not isinstance(value, str | int | float | bool):
        raise PromConfigError(f"cannot unmarshal {yaml_kind(value)} into units.Base2Bytes")
    # yaml.v2 hands the scalar's text to the parser whatever its type, so a bare 1024 has no unit and is refused.
    return parse_base2_bytes(scalar_text(value))

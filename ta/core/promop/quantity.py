"""Kubernetes ``resource.Quantity`` values, read as prometheus-operator reads them.

In: a CR field's value as the API server serves it: a quantity string (``"12124m"``, ``"1.5Gi"``, ``"2e-3"``) or a
JSON integer (the CRD schema is int-or-string). Out: ``quantity_float`` -> the float64 the operator writes into the
generated scrape config (it calls ``AsApproximateFloat64``), or ``Invalid`` with the reason.

Parsing is exact integer arithmetic and keeps the representation Kubernetes keeps (a small integer times a power
of ten when the value fits in 18 digits, otherwise a decimal rounded up to nano units): the float is computed from
that representation the way Go does (``unscaled * math.Pow10(exponent)``), so it matches the operator to the last
bit, e.g. ``"12124m"`` -> 12.124.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ta.core.promop.model import Invalid

_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
_DECIMAL = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_MAX_DIGITS = 18  # decimal digits an int64 always holds
_NANO = -9
_INT64_MAX = (1 << 63) - 1
# Beyond these decimal exponents the float64 is infinite (or the value rounds up to one nano): decided without
# building the integer, so "1e999999999" costs nothing.
_EXPONENT_LIMIT = 400
_MAX_TEXT_DIGITS = 1000  # far beyond any float64's precision; keeps the integer arithmetic small


@dataclass(frozen=True, slots=True)
class Quantity:
    """``unscaled * 10**exponent``, exactly as Kubernetes holds it (the float depends on the split)."""

    unscaled: int
    exponent: int


def _int32(value: int) -> int:
    return (value + (1 << 31)) % (1 << 32) - (1 << 31)


def _split(text: str) -> tuple[bool, str, str, str]:
    """(positive, integer digits without leading zeros or "0", fraction digits, suffix), as Kubernetes scans them."""
    positive = True
    pos = 0
    if text[:1] in ("-", "+"):
        positive = text[0] == "+"
        pos = 1
    while pos < len(text) and text[pos] == "0":
        pos += 1
    if pos == len(text):
        return positive, "0", "", ""
    start = pos
    while pos < len(text) and text[pos].isascii() and text[pos].isdigit():
        pos += 1
    integer = text[start:pos] or "0"
    fraction = ""
    if pos < len(text) and text[pos] == ".":
        pos += 1
        start = pos
        while pos < len(text) and text[pos].isascii() and text[pos].isdigit():
            pos += 1
        fraction = text[start:pos]
    suffix_start = pos
    while pos < len(text) and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < len(text) and text[pos] in "+-":
        pos += 1
    while pos < len(text) and text[pos].isascii() and text[pos].isdigit():
        pos += 1
    if pos < len(text):
        raise Invalid(_FORMAT_ERROR)
    return positive, integer, fraction, text[suffix_start:]


def _suffix(suffix: str) -> tuple[int, bool]:
    """(exponent, binary) for a suffix: the value is multiplied by 2**exponent when binary, else 10**exponent."""
    if suffix in _DECIMAL:
        return _DECIMAL[suffix], False
    if suffix in _BINARY:
        return _BINARY[suffix], True
    if len(suffix) > 1 and suffix[0] in "eE":
        digits = suffix[1:]
        body = digits[1:] if digits[:1] in ("+", "-") else digits
        if body and body.isascii() and body.isdigit():
            value = int(digits)
            if -(1 << 63) <= value < (1 << 63):
                return _int32(value), False
    raise Invalid("unable to parse quantity's suffix")


def parse_quantity(text: str) -> Quantity:
    if not text:
        raise Invalid(_FORMAT_ERROR)
    if text == "0":
        return Quantity(0, 0)
    positive, integer, fraction, suffix = _split(text)
    if len(integer) + len(fraction) > _MAX_TEXT_DIGITS:
        raise Invalid("quantity has too many digits")
    exponent, binary = _suffix(suffix)
    sign = 1 if positive else -1
    # The fast path: a value whose digits fit an int64 keeps them, scaled by a power of ten down to nano.
    if binary:
        fits = not fraction and _MAX_DIGITS - 4 - len(integer) - exponent * 3 // 10 >= 0
        scale, mantissa = 0, 1 << exponent
    else:
        fits = _MAX_DIGITS - len(integer) - len(fraction) >= 0
        scale, mantissa = exponent, 1
    if fits:
        scale = _int32(scale - len(fraction))
        if scale >= _NANO:
            value = int(integer + fraction) * mantissa
            if value <= _INT64_MAX:
                return Quantity(sign * value, scale)
    # The general path: an exact decimal, rounded away from zero to nano units (binary values capped at int64).
    unscaled = int(integer + fraction)
    if binary:
        unscaled <<= exponent
        decimals = len(fraction)
    else:
        decimals = _int32(len(fraction) - exponent)
    if unscaled == 0:
        return Quantity(0, -decimals)
    shift = decimals + _NANO  # digits to drop (> 0) or to add (< 0) to reach nano units
    if shift > len(str(unscaled)) + 1:
        nanos = 1  # below one nano: rounded up to it
    elif shift > 0:
        nanos = -(-unscaled // 10**shift)
    elif -shift > _EXPONENT_LIMIT:
        raise Invalid("quantity is too large")
    else:
        nanos = unscaled * 10**-shift
    if binary and nanos > _INT64_MAX * 10**-_NANO:
        return Quantity(sign * _INT64_MAX, 0)  # the cap is an int64 of units, and so is its float
    return Quantity(sign * nanos, _NANO)


# Go's math.Pow10 tables: the float is 1eN (correctly rounded) assembled from these, not 10.0 ** N.
_POW10 = tuple(float(f"1e{i}") for i in range(32))
_POW10_POS32 = tuple(float(f"1e{32 * i}") for i in range(10))
_POW10_NEG32 = tuple(float(f"1e-{32 * i}") for i in range(11))


def _go_pow10(n: int) -> float:
    if 0 <= n <= 308:
        return _POW10_POS32[n // 32] * _POW10[n % 32]
    if -323 <= n < 0:
        return _POW10_NEG32[-n // 32] / _POW10[-n % 32]
    return math.inf if n > 0 else 0.0


def approximate_float(quantity: Quantity) -> float:
    """Kubernetes' ``AsApproximateFloat64``."""
    try:
        base = float(quantity.unscaled)
    except OverflowError:
        base = math.copysign(math.inf, quantity.unscaled)
    if quantity.exponent == 0:
        return base
    return base * _go_pow10(quantity.exponent)


def quantity_float(value: object, field: str) -> float:
    """A quantity-typed CR field as the float64 the operator writes; ``Invalid`` names the field and the problem."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(f"{field}: expected a quantity (string or integer), got {type(value).__name__}")
    # A JSON number reaches Kubernetes' decoder as its text; Python's repr is the shortest text that round-trips.
    text = value.strip() if isinstance(value, str) else repr(value)
    try:
        result = approximate_float(parse_quantity(text))
    except Invalid as exc:
        raise Invalid(f"{field}: {text!r}: {exc}") from None
    if not math.isfinite(result):
        raise Invalid(f"{field}: {text!r}: the value does not fit a float64")
    return result

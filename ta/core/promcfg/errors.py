"""The error type for Prometheus config problems, plus Go-compatible quoting for error texts.

In: a message, or a string to quote. Out: ``PromConfigError`` (its ``str`` is Prometheus' exact message) and
``go_quote`` (Go's ``%q``), which Prometheus uses inside most of its messages.
"""

from __future__ import annotations


class PromConfigError(ValueError):
    """A configuration value Prometheus would reject; ``str(err)`` is Prometheus' error text."""


_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Quote like Go's ``strconv.Quote`` (``%q``): printable runes kept, others escaped.

    This is the only implementation; the TA config messages use it too, so one input is quoted one way.
    Go escapes only C0 controls and DEL as ``\\x``; every other non-printable rune gets ``\\u``/``\\U``.
    A lone surrogate stands for bytes that were not UTF-8, which Go shows byte by byte as ``\\x``.
    """
    out = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif 0xD800 <= code <= 0xDFFF:
            # surrogateescape keeps a raw byte b as U+DC00+b; any other surrogate is itself invalid UTF-8.
            raw = bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else char.encode("utf-8", "surrogatepass")
            out.extend(f"\\x{byte:02x}" for byte in raw)
        elif char.isprintable() or char == " ":
            out.append(char)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def yaml_kind(value: object) -> str:
    """Name a decoded YAML value the way yaml.v2 names node tags in its type errors."""
    if value is None:
        return "!!null"
    if isinstance(value, bool):
        return "!!bool"
    if isinstance(value, int):
        return "!!int"
    if isinstance(value, float):
        return "!!float"
    if isinstance(value, str):
        return "!!str"
    if isinstance(value, list | tuple):
        return "!!seq"
    return "!!map"

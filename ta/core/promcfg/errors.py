"""The error type for Prometheus config problems, plus Go-compatible quoting for error texts.

In: a message, or a string to quote. Out: ``ConfigError`` (its ``str`` is Prometheus' exact message) and
``go_quote`` (Go's ``%q``), which Prometheus uses inside most of its messages.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A configuration value Prometheus would reject; ``str(err)`` is Prometheus' error text."""


_SHORT_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """Quote like Go's ``strconv.Quote`` (``%q``): printable runes kept, others escaped."""
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
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

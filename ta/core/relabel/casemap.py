"""Go ``strings.ToLower`` / ``strings.ToUpper``: simple, rune-by-rune Unicode case mapping.

In: a label value. Out: the value with each code point mapped on its own, as Go does for the ``lowercase`` and
``uppercase`` relabel actions.

Python's ``str.lower``/``str.upper`` apply *full* mappings (``'ß'.upper() == 'SS'``, ``'İ'.lower()`` has two code
points) and context rules (final sigma). Mapping one code point at a time removes the context; where the full
mapping still yields several code points, the simple mapping is recovered: for upper case it is the titlecase
form when that is a single code point (Greek iota-subscript letters), otherwise the code point is unchanged; for
lower case the only such code point is U+0130, whose simple lowercase is ``i``.
Tables come from Python's Unicode database, so code points added after its Unicode version may differ from Go.
"""

from __future__ import annotations

from collections.abc import Callable


def _simple_lower(char: str) -> str:
    mapped = char.lower()
    if len(mapped) == 1:
        return mapped
    return "i" if char == "\u0130" else char


def _simple_upper(char: str) -> str:
    mapped = char.upper()
    if len(mapped) == 1:
        return mapped
    title = char.title()
    return title if len(title) == 1 else char


class _Table(dict[int, str]):
    """A ``str.translate`` table filled lazily, one code point at a time."""

    __slots__ = ("_map",)

    def __init__(self, one: Callable[[str], str]) -> None:
        super().__init__()
        self._map = one

    def __missing__(self, code: int) -> str:
        mapped = self._map(chr(code))
        self[code] = mapped
        return mapped


_LOWER = _Table(_simple_lower)
_UPPER = _Table(_simple_upper)


def go_lower(value: str) -> str:
    if value.isascii():
        return value.lower()
    return value.translate(_LOWER)


def go_upper(value: str) -> str:
    if value.isascii():
        return value.upper()
    return value.translate(_UPPER)

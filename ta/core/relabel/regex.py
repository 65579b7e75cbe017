"""Prometheus relabel regexes on RE2, matched the way Go's ``regexp`` matches them.

In: the user's pattern text from a ``RelabelConfig`` and the strings to match. Out: ``Regex`` values (compiled
once per pattern and shared by every rule and target that uses it) whose ``groups`` returns the submatches of a
full-string match, and ``check_regex`` which returns Prometheus' load error text for a pattern Go would reject.

Prometheus compiles ``^(?s:R)$`` with Go's RE2 engine. google-re2 wraps the C++ RE2 library, which has the same
syntax and leftmost-first submatch rules, with these deliberate adaptations:

* We call the extension type ``re2._re2.RE2`` directly: the ``re``-compatible wrapper costs ~10x per match.
  Offsets it returns are UTF-8 byte offsets, so non-ASCII values are matched as bytes and sliced as bytes.
* Encoding stays UTF-8 (Latin-1 would make ``.`` match a single byte of a multi-byte rune); ``log_errors`` is off
  so invalid patterns do not write to stderr; ``longest_match`` stays off (Go is leftmost-first).
* C++ RE2 accepts a few things Go rejects (``\\C``, non-ASCII capture names); ``check_regex`` rejects them too.
* Go allows one name on several groups and expands ``$name`` from the first of them that participated, so
  group names are read from the pattern here rather than from RE2's name map (which keeps one index per name).
"""

from __future__ import annotations

import re2
from re2 import _re2

from ta.core.base.cache import LRU, memoize

_ANCHOR = _re2.RE2.Anchor.UNANCHORED

# C++ RE2 error code texts mapped to Go's regexp/syntax ErrorCode texts, so users see what Prometheus says.
_GO_ERRORS = {
    "missing ]": "missing closing ]",
    "missing )": "missing closing )",
    "unexpected )": "unexpected )",
    "trailing \\": "trailing backslash at end of expression",
    "no argument for repetition operator": "missing argument to repetition operator",
    "invalid repetition size": "invalid repeat count",
    "bad repetition operator": "invalid nested repetition operator",
    "invalid perl operator": "invalid or unsupported Perl syntax",
    "invalid named capture group": "invalid named capture",
    "invalid escape sequence": "invalid escape sequence",
    "invalid character class": "invalid character class",
    "invalid character class range": "invalid character class range",
    "invalid UTF-8": "invalid UTF-8",
    "pattern too large - compile failed": "expression too large",
    "pattern too large - reverse compile failed": "expression too large",
}

_METACHARS = frozenset("\\.+*?()|[]{}^$")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    return options


def wrap(pattern: str) -> str:
    """The pattern Prometheus actually compiles (plain concatenation, exactly as upstream)."""
    return "^(?s:" + pattern + ")$"


def encode(text: str) -> bytes:
    # Lone surrogates can only come from undecodable input bytes; carry them through instead of failing.
    return text.encode("utf-8", "surrogatepass")


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


class _Scan:
    """What a light scan of the wrapped pattern finds: capture names by index, and Go-only rejections."""

    __slots__ = ("error", "names")

    def __init__(self, names: list[str], error: str | None) -> None:
        self.names = names
        self.error = error


def _scan(wrapped: str) -> _Scan:
    names: list[str] = [""]
    i, n = 0, len(wrapped)
    while i < n:
        c = wrapped[i]
        if c == "\\":
            nxt = wrapped[i + 1 : i + 2]
            if nxt == "Q":
                end = wrapped.find("\\E", i + 2)
                i = n if end < 0 else end + 2
                continue
            if nxt == "C":
                return _Scan(names, "invalid escape sequence: `\\C`")
            i += 2
            continue
        if c == "[":
            i = _skip_class(wrapped, i)
            if i < 0:
                return _Scan(names, "")
            continue
        if c == "(":
            if wrapped.startswith("(?P<", i) or (wrapped.startswith("(?<", i) and not wrapped.startswith("(?<=", i)):
                start = wrapped.index("<", i) + 1
                end = wrapped.find(">", start)
                name = wrapped[start:end] if end >= 0 else ""
                if end < 0 or not name or not _NAME_CHARS.issuperset(name):
                    fragment = wrapped[i : end + 1] if end >= 0 else wrapped[i:]
                    return _Scan(names, f"invalid named capture: `{fragment}`")
                names.append(name)
                i = end + 1
                continue
            if not wrapped.startswith("(?", i):
                names.append("")
        i += 1
    return _Scan(names, None)


def _skip_class(text: str, i: int) -> int:
    """Index just past the character class opening at ``i``, or -1 if it never closes."""
    j = i + 1
    if text.startswith("^", j):
        j += 1
    if text.startswith("]", j):
        j += 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\":
            if text.startswith("C", j + 1):
                return j  # let the caller's escape check see it via a second pass
            j += 2
            continue
        if c == "[" and text.startswith(":", j + 1):
            end = text.find(":]", j + 2)
            if end >= 0:
                j = end + 2
                continue
        if c == "]":
            return j + 1
        j += 1
    return -1


def _affix_shape(pattern: str) -> tuple[str, int, str] | None:
    """(prefix, minimum middle length, suffix) if ``pattern`` is ``P(.*)S`` or ``P(.+)S`` with literal P and S.

    Such a pattern matches exactly the strings with that prefix and suffix and a long enough middle, and its one
    group is the middle, so no regex engine is needed (the operator's ``Pod;(.*)``, ``(.+);``, ``(.+)`` ...).
    """
    for middle, minimum in (("(.*)", 0), ("(.+)", 1)):
        start = pattern.find(middle)
        if start < 0:
            continue
        prefix, suffix = pattern[:start], pattern[start + 4 :]
        if not _METACHARS.intersection(prefix) and not _METACHARS.intersection(suffix):
            return prefix, minimum, suffix
    return None


class Regex:
    """One compiled ``^(?s:R)$`` pattern; immutable after construction and safe to share."""

    __slots__ = ("_re", "affix", "group_count", "group_names", "literal", "pattern")

    def __init__(self, pattern: str) -> None:
        error = check_regex(pattern)
        if error is not None:
            raise ValueError(error)
        wrapped = wrap(pattern)
        self.pattern = pattern
        self._re = _re2.RE2(encode(wrapped), _options())
        self.group_count: int = self._re.NumberOfCapturingGroups()
        names = _scan(wrapped).names
        if len(names) != self.group_count + 1:
            # The light scan disagreed with RE2; trust RE2's (one index per name) map instead.
            names = [""] * (self.group_count + 1)
            for raw_name, index in self._re.NamedCapturingGroups():
                names[index] = decode(raw_name)
        self.group_names: tuple[str, ...] = tuple(names)
        # A pattern without metacharacters matches exactly one string: itself.
        self.literal: str | None = None if _METACHARS.intersection(pattern) else pattern
        self.affix = _affix_shape(pattern)

    def matches(self, text: str) -> bool:
        if self.literal is not None:
            return text == self.literal
        if self.affix is not None:
            return self._affix_groups(self.affix, text) is not None
        data = encode(text)
        return self._re.Match(_ANCHOR, data, 0, len(data))[0][0] >= 0  # type: ignore[no-any-return]

    def groups(self, text: str) -> tuple[str | None, ...] | None:
        """Submatches 0..n of a full match (``None`` for groups that did not take part), or ``None``."""
        if self.affix is not None:
            return self._affix_groups(self.affix, text)
        data = encode(text)
        spans = self._re.Match(_ANCHOR, data, 0, len(data))
        if spans[0][0] < 0:
            return None
        if len(data) == len(text):
            # ASCII: byte offsets are character offsets.
            return tuple(None if start < 0 else text[start:end] for start, end in spans)
        return tuple(None if start < 0 else decode(data[start:end]) for start, end in spans)

    @staticmethod
    def _affix_groups(affix: tuple[str, int, str], text: str) -> tuple[str, str] | None:
        prefix, minimum, suffix = affix
        end = len(text) - len(suffix)
        if end - len(prefix) < minimum or not text.startswith(prefix) or not text.endswith(suffix):
            return None
        return text, text[len(prefix) : end]


@memoize(
    name="relabel.regexes",
    bound=4096,
    policy=LRU,
    reason="looked up per rule compiled; an RE2 compile is costly and a config has far fewer patterns",
)
def compile_regex(pattern: str) -> Regex:
    """The shared compiled form of ``pattern``; raises ``ValueError`` with Prometheus' message if invalid."""
    return Regex(pattern)


@memoize(
    name="relabel.regex_checks",
    bound=4096,
    policy=LRU,
    reason="looked up per rule parsed (generated jobs repeat the same patterns); a check compiles the pattern",
)
def check_regex(pattern: str) -> str | None:
    """``None`` if Prometheus accepts ``pattern`` as a relabel regex, else its error text."""
    wrapped = wrap(pattern)
    try:
        data = wrapped.encode("utf-8")
    except UnicodeEncodeError:
        return f"error parsing regexp: invalid UTF-8: `{wrapped}`"
    compiled = _re2.RE2(data, _options())
    if not compiled.ok():
        message = decode(compiled.error())
        code, _, arg = message.partition(": ")
        return f"error parsing regexp: {_GO_ERRORS.get(code, code)}: `{arg}`"
    scan = _scan(wrapped)
    if scan.error:
        return f"error parsing regexp: {scan.error}"
    return None

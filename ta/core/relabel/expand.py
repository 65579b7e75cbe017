"""Go ``regexp.Expand`` templates (``$1``, ``${1}``, ``$name``, ``$$``) as used by relabel rules.

In: a template string (``target_label`` or ``replacement``) and the capture-group names of the rule's regex.
Out: a ``Template`` parsed once per rule, whose ``expand`` turns one match's submatches into the result string.

Go's rules, which differ from Python's ``re`` expansion: a name is the longest run of letters (Unicode L), decimal
digits (Unicode Nd) and ``_``; an all-ASCII-digit name of at most 9 digits without a leading zero is a group
number; unknown names, out-of-range numbers and groups that did not participate expand to ""; a ``$`` that does
not start a valid reference (``$-``, trailing ``$``, ``${}``, unclosed ``${x``) is copied literally.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# A part is literal text, or the candidate group indexes of one reference (first participating one wins).
Part = str | tuple[int, ...]


def _is_name_char(char: str) -> bool:
    return char == "_" or char.isalpha() or char.isdecimal()


def _reference(text: str) -> tuple[str, str] | None:
    """Split ``text`` (what follows a ``$``) into (name, rest), or ``None`` if no valid reference starts it."""
    braced = text.startswith("{")
    body = text[1:] if braced else text
    end = 0
    while end < len(body) and _is_name_char(body[end]):
        end += 1
    if end == 0:
        return None
    name = body[:end]
    if braced:
        if not body.startswith("}", end):
            return None
        end += 1
    return name, body[end:]


def _group_number(name: str) -> int:
    """The group number ``name`` denotes, or -1 if it is a group name."""
    if len(name) > 9 or not (name.isascii() and name.isdigit()):
        return -1
    if name[0] == "0" and len(name) > 1:
        return -1
    return int(name)


def parse(template: str, group_names: Sequence[str]) -> tuple[Part, ...]:
    """Resolve ``template`` against a regex with ``group_names`` (index 0 is the whole match)."""
    parts: list[Part] = []
    literal: list[str] = []
    rest = template
    while True:
        before, dollar, after = rest.partition("$")
        literal.append(before)
        if not dollar:
            break
        if after.startswith("$"):
            literal.append("$")
            rest = after[1:]
            continue
        ref = _reference(after)
        if ref is None:
            literal.append("$")
            rest = after
            continue
        name, rest = ref
        number = _group_number(name)
        if number >= 0:
            indexes: tuple[int, ...] = (number,) if number < len(group_names) else ()
        else:
            indexes = tuple(i for i, group in enumerate(group_names) if group == name)
        if indexes:
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(indexes)
    text = "".join(literal)
    if text:
        parts.append(text)
    return tuple(part for part in parts if part != "")


@dataclass(frozen=True, slots=True, kw_only=True)
class Template:
    """A parsed template; ``constant`` is its value when it references no group."""

    parts: tuple[Part, ...]

    @classmethod
    def of(cls, template: str, group_names: Sequence[str]) -> Template:
        return cls(parts=parse(template, group_names))

    @property
    def constant(self) -> str | None:
        if all(isinstance(part, str) for part in self.parts):
            return "".join(part for part in self.parts if isinstance(part, str))
        return None

    def expand(self, groups: Sequence[str | None]) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            for index in part:
                value = groups[index]
                if value is not None:
                    out.append(value)
                    break
        return "".join(out)


def expand(template: str, groups: Sequence[str | None], group_names: Sequence[str]) -> str:
    """One-shot expansion, for callers that do not keep the parsed template."""
    return Template.of(template, group_names).expand(groups)

"""Immutable JSON-like trees: the rendered form of a scrape config and of opaque SD blocks.

In: plain decoded YAML/JSON values (dicts, lists, scalars) possibly holding ``Secret`` leaves.
Out: ``Obj`` (an immutable, hashable mapping with sorted keys) and tuples for arrays (``freeze``), and
plain Python values with secrets resolved (``thaw``) ready for JSON encoding.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Union

from ta.core.promcfg.secret import Secret

Node = Union["Obj", tuple["Node", ...], str, int, float, bool, None, Secret]


class Obj(Mapping[str, Node]):
    """An immutable JSON object with keys kept in sorted (byte) order."""

    __slots__ = ("_index", "_items")

    _items: tuple[tuple[str, Node], ...]
    _index: dict[str, Node]

    def __init__(self, items: Mapping[str, Node] | None = None) -> None:
        pairs = tuple(sorted((items or {}).items()))
        object.__setattr__(self, "_items", pairs)
        object.__setattr__(self, "_index", dict(pairs))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Obj is immutable")

    def __getitem__(self, key: str) -> Node:
        return self._index[key]

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Obj):
            return self._items == other._items
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        return f"Obj({dict(self._items)!r})"

    def pairs(self) -> tuple[tuple[str, Node], ...]:
        return self._items


def freeze(value: object) -> Node:
    """Turn decoded YAML/JSON into an immutable tree (dict -> ``Obj``, list -> tuple); keys become strings."""
    if isinstance(value, Obj | Secret | str | bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return Obj({_key(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return str(value)


def _key(key: object) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def thaw(node: Node, *, reveal_secrets: bool) -> object:
    """Back to plain dicts/lists for JSON encoding, rendering each ``Secret`` as Prometheus marshals it."""
    if isinstance(node, Obj):
        return {key: thaw(value, reveal_secrets=reveal_secrets) for key, value in node.pairs()}
    if isinstance(node, tuple):
        return [thaw(value, reveal_secrets=reveal_secrets) for value in node]
    if isinstance(node, Secret):
        return node.render(reveal=reveal_secrets)
    if isinstance(node, float) and node.is_integer() and abs(node) < 2**63:
        # yaml.v2 prints integral floats without a fraction, so the TA's YAML->JSON step yields an integer.
        return int(node)
    return node

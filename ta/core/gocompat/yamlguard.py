"""Limits for reading untrusted YAML: nesting depth and alias expansion, checked while the document is composed.

In: a PyYAML loader class (``GuardedComposer`` is mixed in before it). Out: the same loader, which raises
``yaml.composer.ComposerError`` (a ``MarkedYAMLError``: line and column of the offending node) for

- nesting deeper than ``MAX_DEPTH`` collections. PyYAML composes recursively, so a 20 000-deep document
  would otherwise end in ``RecursionError``; real configs and Kubernetes objects nest a few dozen levels;
- excessive aliasing (a "billion laughs" document). PyYAML shares one object per anchor, so loading stays
  small, but everything after it (sanitising, JSON encoding, config mapping) walks the expanded tree: a 1 KB
  document can stand for ~10^9 nodes. The budget follows the idea of Go's ``gopkg.in/yaml`` decoder, which
  counts every node it decodes and those it decodes through an alias, and refuses the document once more
  than 100 aliased nodes make up more than a size-dependent share of more than 1 000 decoded ones (99% up to
  400 000 nodes, then falling linearly to 10% at 4 000 000). Here the expanded size of each anchored node is
  known when its alias is met, so an alias costs one addition rather than a walk, and the document is
  refused before anything is expanded. The aliased share only grows while an alias is expanded (and the
  allowed share only falls), so checking after each alias and each plain node refuses what Go's
  node-by-node count refuses, up to the order nodes are counted in (here when complete, there when entered);
- an alias to an anchor whose node is still open (``&a [*a]``): its expansion never ends;
- a ``\\u``/``\\U`` escape naming a UTF-16 surrogate (``"\\udc80"``), which yaml.v2's scanner refuses: in
  Python it makes a string no UTF-8 encoder accepts (JSON bodies, the journal, HTTP answers).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import ComposerError

MAX_DEPTH = 128
# Below this many decoded nodes, or this many aliased ones, aliasing is never refused.
MIN_DECODED = 1_000
MIN_ALIASED = 100
RATIO_LOW_NODES = 400_000
RATIO_HIGH_NODES = 4_000_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def allowed_alias_share(decoded: int) -> float:
    """The share of decoded nodes that may come from alias expansion, for a document of ``decoded`` nodes."""
    if decoded <= RATIO_LOW_NODES:
        return 0.99
    if decoded >= RATIO_HIGH_NODES:
        return 0.10
    return 0.99 - 0.89 * (decoded - RATIO_LOW_NODES) / (RATIO_HIGH_NODES - RATIO_LOW_NODES)


def excessive_aliasing(decoded: int, aliased: int) -> bool:
    return aliased > MIN_ALIASED and decoded > MIN_DECODED and aliased / decoded > allowed_alias_share(decoded)


def _mark(event: yaml.Event) -> Any:
    return event.start_mark  # yaml.error.Mark; the stubs also allow the C parser's Mark, unused here


class GuardedComposer:
    """Mix in before a PyYAML loader class: ``class L(GuardedComposer, yaml.SafeLoader)``."""

    # Per document: the expanded size (nodes) of each anchored node once it is complete, the open
    # collections' running sizes, and the counts.
    _anchor_sizes: dict[str, int]
    _open_sizes: list[int]
    _decoded: int
    _aliased: int

    def compose_document(self) -> Any:
        self._anchor_sizes = {}
        self._open_sizes = [0]
        self._decoded = 0
        self._aliased = 0
        return super().compose_document()  # type: ignore[misc]

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)  # type: ignore[misc]  # raises for an undefined alias
            size = self._anchor_sizes.get(str(event.anchor))
            if size is None:
                raise ComposerError(None, None, f"anchor {event.anchor!r} value contains itself", _mark(event))
            self._open_sizes[-1] += 1 + size
            self._decoded += 1 + size
            self._aliased += size
            self._check(event)
            return node
        if len(self._open_sizes) > MAX_DEPTH:
            raise ComposerError(None, None, f"nesting deeper than {MAX_DEPTH} levels", _mark(event))
        self._open_sizes.append(0)
        node = super().compose_node(parent, index)  # type: ignore[misc]
        size = 1 + self._open_sizes.pop()
        self._open_sizes[-1] += size
        if event.anchor is not None:
            self._anchor_sizes[str(event.anchor)] = size
        self._decoded += 1
        self._check(event)
        return node

    def compose_scalar_node(self, anchor: Any) -> yaml.ScalarNode:
        node: yaml.ScalarNode = super().compose_scalar_node(anchor)  # type: ignore[misc]
        if not node.value.isascii() and _SURROGATE.search(node.value):
            raise ComposerError(
                "while parsing a quoted scalar", node.start_mark, "found invalid Unicode character escape code", None
            )
        return node

    def _check(self, event: yaml.Event) -> None:
        if excessive_aliasing(self._decoded, self._aliased):
            raise ComposerError(
                None,
                None,
                f"document contains excessive aliasing ({self._aliased} of {self._decoded} nodes come from aliases)",
                _mark(event),
            )

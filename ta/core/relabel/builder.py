"""A mutable label set with Prometheus ``labels.Builder`` semantics, used while relabel rules run.

In: a base ``LabelSet`` (sorted). Out: ``get``/``set``/``delete``, ``items()`` in the builder's Range order, and
``labels()``, the final sorted ``LabelSet``.

Semantics reproduced from Prometheus: an empty value means the label is absent (setting "" deletes; empty base
values start deleted). Range order is the base labels in sorted order, minus those deleted or set since, followed
by the labels set since, in the order they were first set; updating such a label keeps its place, deleting and
setting it again moves it to the end. This order feeds the TA identity hash, so it must be exact.

One insertion-ordered dict holds the visible labels in exactly that order: a base label that is set again is
removed and re-inserted (it joins the "set since" tail), while a label already in the tail is updated in place.
"""

from __future__ import annotations

from ta.core.base.labels import LabelSet


class LabelBuilder:
    __slots__ = ("added", "cur")

    def __init__(self, base: LabelSet = ()) -> None:
        cur = dict(base)
        if "" in cur.values():
            cur = {name: value for name, value in base if value}
        self.cur: dict[str, str] = cur
        # Names in the "set since reset" tail of the Range order; the other names of ``cur`` are the base labels
        # still untouched, in sorted order.
        self.added: set[str] = set()

    def get(self, name: str) -> str:
        return self.cur.get(name, "")

    def set(self, name: str, value: str) -> None:
        if not value:
            self.delete(name)
            return
        cur = self.cur
        if name in self.added:
            cur[name] = value
            return
        cur.pop(name, None)
        cur[name] = value
        self.added.add(name)

    def delete(self, name: str) -> None:
        self.cur.pop(name, None)
        self.added.discard(name)

    def items(self) -> list[tuple[str, str]]:
        """A snapshot of the labels in Range order."""
        return list(self.cur.items())

    def labels(self) -> LabelSet:
        return tuple(sorted(self.cur.items()))

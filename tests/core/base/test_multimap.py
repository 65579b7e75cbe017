"""Tests for ta.core.base.multimap."""

from __future__ import annotations

from ta.core.base.multimap import Multimap


def test_one_value_is_held_bare_and_many_in_a_set() -> None:
    index: Multimap[str, str] = Multimap()
    assert (index.sorted("k"), index.greatest("k"), len(index)) == ((), None, 0)
    index.add("k", "b")
    index.add("k", "b")  # the same value again: still one
    assert (index.sorted("k"), index.greatest("k"), len(index)) == (("b",), "b", 1)
    index.add("k", "a")
    index.add("k", "c")
    index.add("j", "x")
    assert (index.sorted("k"), index.greatest("k"), len(index)) == (("a", "b", "c"), "c", 2)
    index.discard("k", "b")
    index.discard("k", "c")
    assert (index.sorted("k"), index.greatest("k")) == (("a",), "a")
    index.discard("k", "zz")  # not there: nothing happens
    assert index.sorted("k") == ("a",)
    index.discard("k", "a")
    assert (index.sorted("k"), index.greatest("k"), len(index)) == ((), None, 1)
    index.discard("k", "a")
    index.discard("missing", "a")
    index.discard("j", "x")
    assert len(index) == 0

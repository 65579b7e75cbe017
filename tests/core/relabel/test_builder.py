"""LabelBuilder: Prometheus labels.Builder semantics and Range order."""

from __future__ import annotations

from ta.core.relabel.builder import LabelBuilder


def test_empty_values_are_absent() -> None:
    builder = LabelBuilder((("a", ""), ("b", "1")))
    assert builder.get("a") == ""
    assert builder.items() == [("b", "1")]
    builder.set("b", "")
    assert builder.labels() == ()


def test_range_order_base_sorted_then_first_insertion() -> None:
    builder = LabelBuilder((("a", "1"), ("b", "2"), ("c", "3")))
    builder.set("z", "9")
    builder.set("b", "2")  # re-setting a base label moves it to the tail, even with the same value
    builder.set("y", "8")
    builder.set("z", "10")  # updating a tail label keeps its place
    assert builder.items() == [("a", "1"), ("c", "3"), ("z", "10"), ("b", "2"), ("y", "8")]
    builder.delete("z")
    builder.set("z", "11")  # delete then set moves it to the end
    assert builder.items() == [("a", "1"), ("c", "3"), ("b", "2"), ("y", "8"), ("z", "11")]
    assert builder.labels() == (("a", "1"), ("b", "2"), ("c", "3"), ("y", "8"), ("z", "11"))


def test_deleted_base_label_set_again_is_visible() -> None:
    builder = LabelBuilder((("a", "1"), ("b", "2")))
    builder.delete("a")
    assert builder.get("a") == ""
    builder.set("a", "3")
    assert builder.items() == [("b", "2"), ("a", "3")]

"""Immutable JSON trees."""

from __future__ import annotations

import pytest

from ta.core.promcfg.secret import Secret
from ta.core.promcfg.tree import Obj, freeze, thaw


def test_freeze_sorts_keys_and_makes_arrays_tuples() -> None:
    tree = freeze({"b": [1, {"z": 1, "a": None}], "a": True})
    assert isinstance(tree, Obj)
    assert list(tree) == ["a", "b"]
    assert tree["b"] == (1, Obj({"a": None, "z": 1}))


def test_obj_is_immutable_and_hashable() -> None:
    tree = Obj({"a": 1})
    with pytest.raises(AttributeError):
        setattr(tree, "extra", 1)  # noqa: B010
    assert hash(tree) == hash(Obj({"a": 1}))
    assert tree == Obj({"a": 1})


def test_thaw_resolves_secrets_and_integral_floats() -> None:
    tree = Obj({"password": Secret.known("x"), "factor": 2.0, "ratio": 1.5})
    assert thaw(tree, reveal_secrets=False) == {"password": "<secret>", "factor": 2, "ratio": 1.5}
    assert thaw(tree, reveal_secrets=True) == {"password": "x", "factor": 2, "ratio": 1.5}

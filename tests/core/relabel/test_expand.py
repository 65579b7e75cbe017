"""Go regexp.Expand semantics: tests/data/relabel/expand_cases.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from ta.core.relabel.expand import Template, expand
from ta.core.relabel.regex import compile_regex

DATA = Path(__file__).parents[2] / "data" / "relabel"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "expand_cases.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[f"{c['template']}|{c['regex']}|{c['input']}" for c in CASES])
def test_expand(case: dict[str, Any]) -> None:
    regex = compile_regex(case["regex"])
    groups = regex.groups(case["input"])
    assert groups is not None
    assert expand(case["template"], groups, regex.group_names) == case["expected"]


def test_constant_template() -> None:
    assert Template.of("a$$b", ("", "")).constant == "a$b"
    assert Template.of("a$1", ("", "")).constant is None

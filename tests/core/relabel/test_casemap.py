"""Go simple case mapping: tests/data/relabel/case_cases.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ta.core.relabel.casemap import go_lower, go_upper

DATA = Path(__file__).parents[2] / "data" / "relabel"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "case_cases.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["input"] or "empty" for c in CASES])
def test_case_mapping(case: dict[str, Any]) -> None:
    assert go_lower(case["input"]) == case["lower"]
    assert go_upper(case["input"]) == case["upper"]


@given(st.text())
def test_mapping_is_rune_wise(text: str) -> None:
    assert len(go_lower(text)) == len(text)
    assert len(go_upper(text)) == len(text)
    assert go_lower(text) == "".join(go_lower(char) for char in text)

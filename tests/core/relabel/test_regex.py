"""RE2 relabel regexes: Prometheus' error texts (tests/data/relabel/regex_cases.yaml) and fast-path parity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ta.core.relabel.regex import Regex, check_regex, compile_regex

DATA = Path(__file__).parents[2] / "data" / "relabel"
CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "regex_cases.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["regex"] or "empty" for c in CASES])
def test_check_regex(case: dict[str, Any]) -> None:
    assert check_regex(case["regex"]) == case["error"]
    if case["error"] is not None:
        with pytest.raises(ValueError, match="error parsing regexp"):
            Regex(case["regex"])


def test_full_match_semantics() -> None:
    assert not compile_regex("f|o").matches("foo")
    assert compile_regex("a.b").matches("a\nb")  # dot matches newline
    assert not compile_regex("a$").matches("a\n")  # $ is end of text only
    assert compile_regex("\\d").matches("1") and not compile_regex("\\d").matches("\u0661")  # ASCII classes
    assert compile_regex("(?i)k").matches("\u212a")
    assert compile_regex("x{,3}").matches("x{,3}")


def test_groups_use_character_offsets_for_non_ascii() -> None:
    assert compile_regex("(é+)(.)").groups("ééx") == ("ééx", "éé", "x")
    assert compile_regex("(a)|(b)").groups("b") == ("b", None, "b")


def test_compiled_regex_is_shared() -> None:
    assert compile_regex("a(.*)") is compile_regex("a(.*)")


def test_duplicate_group_names() -> None:
    assert compile_regex("(?P<x>a)|(?P<x>b)").group_names == ("", "x", "x")


@given(
    pattern=st.sampled_from(["Pod;(.*)", "(.+);", "(.+)", "(.*)", "a(.*)a", "ab(.+)", "web", "true"]),
    text=st.text(alphabet="aPod;bwetrué\n", max_size=8),
)
def test_fast_paths_agree_with_re2(pattern: str, text: str) -> None:
    regex = compile_regex(pattern)
    data = text.encode()
    spans = regex._re.Match(regex._re.Anchor.UNANCHORED, data, 0, len(data))
    expected = None if spans[0][0] < 0 else tuple(None if s < 0 else data[s:e].decode() for s, e in spans)
    assert regex.groups(text) == expected
    assert regex.matches(text) == (expected is not None)

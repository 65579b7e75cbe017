"""YAML limits for untrusted input: nesting depth and alias expansion, refused before anything is expanded."""

from __future__ import annotations

import time

import pytest
import yaml

from ta.core.config.errors import ConfigError
from ta.core.config.yamltext import load_yaml_mapping
from ta.core.gocompat.yamlguard import MAX_DEPTH, GuardedComposer, allowed_alias_share, excessive_aliasing


class Loader(GuardedComposer, yaml.SafeLoader):
    pass


def load(text: str) -> object:
    return yaml.load(text, Loader=Loader)


def laughs(levels: int, width: int = 9) -> str:
    lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_at_once() -> None:
    text = laughs(9)  # ~9^10 leaves from under 500 bytes
    assert len(text) < 1024
    started = time.process_time()
    with pytest.raises(yaml.MarkedYAMLError, match="excessive aliasing") as info:
        load(text)
    assert time.process_time() - started < 5  # a bound against expanding, not a speed assertion
    assert info.value.problem_mark is not None


def test_the_config_loader_refuses_it_with_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"error unmarshaling YAML: line \d+, column \d+: document contains exc"):
        load_yaml_mapping(laughs(9), source="config file x.yaml")


def test_ordinary_anchor_reuse_is_accepted() -> None:
    # A shared label block used by 200 jobs: 200 aliases, each cheap, among plenty of plain nodes.
    jobs = "\n".join(f"- {{job_name: j{i}, labels: *common, targets: [a, b, c]}}" for i in range(200))
    data = load("common: &common {team: a, env: prod}\njobs:\n" + jobs + "\n")
    assert isinstance(data, dict) and len(data["jobs"]) == 200
    assert data["jobs"][199]["labels"] == {"team": "a", "env": "prod"}
    # Small bombs stay under Go's thresholds (fewer than 1000 decoded nodes) and load as in Go.
    assert isinstance(load(laughs(2)), dict)


def test_a_self_containing_anchor_is_refused() -> None:
    with pytest.raises(yaml.MarkedYAMLError, match="value contains itself"):
        load("a: &a [x, *a]\n")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 20_000])
@pytest.mark.parametrize("style", ["flow", "block", "json"])
def test_deep_nesting_is_refused_not_a_recursion_error(style: str, depth: int) -> None:
    if style == "flow":
        text = "a: " + "[" * depth + "]" * depth + "\n"
    elif style == "json":
        text = '{"a": ' + '{"b": ' * depth + "1" + "}" * depth + "}"
    else:
        text = "".join(" " * i + f"k{i}:\n" for i in range(depth)) + " " * depth + "x\n"
    with pytest.raises(yaml.MarkedYAMLError, match=f"nesting deeper than {MAX_DEPTH} levels"):
        load(text)


def test_nesting_at_the_limit_loads() -> None:
    depth = MAX_DEPTH - 1  # the document's mapping is a level too
    value = load("a: " + "[" * depth + "]" * depth + "\n")
    assert isinstance(value, dict)
    inner, levels = value["a"], 1
    while inner:
        inner, levels = inner[0], levels + 1
    assert levels == depth


def test_alias_share_follows_go_curve() -> None:
    assert allowed_alias_share(1_000) == 0.99
    assert allowed_alias_share(400_000) == 0.99
    assert allowed_alias_share(2_200_000) == pytest.approx(0.545)
    assert allowed_alias_share(4_000_000) == allowed_alias_share(10**12) == 0.10
    assert not excessive_aliasing(decoded=1_000, aliased=999)  # too small to judge
    assert not excessive_aliasing(decoded=20_000, aliased=100)
    assert excessive_aliasing(decoded=20_000, aliased=19_900)
    assert not excessive_aliasing(decoded=20_000, aliased=19_700)


def test_file_sd_yaml_is_read_under_the_same_limits() -> None:
    from ta.core.discovery.groups import GroupsError, parse_groups

    bomb = "- targets: &t0 [a:1, b:1, c:1, d:1, e:1, f:1, g:1, h:1, i:1]\n" + "".join(
        f"- targets: &t{i} [" + ", ".join([f"*t{i - 1}"] * 9) + "]\n" for i in range(1, 8)
    )
    with pytest.raises(GroupsError, match="excessive aliasing"):
        parse_groups(bomb.encode(), yaml_format=True)
    with pytest.raises(GroupsError, match="nesting deeper"):
        parse_groups(b"- targets: " + b"[" * 5000 + b"]" * 5000, yaml_format=True)
    assert parse_groups(b"- targets: &t [a:1]\n- targets: *t\n", yaml_format=True)[1][0] == ("a:1",)


def test_surrogate_escapes_are_refused_in_every_guarded_document() -> None:
    from ta.core.discovery.groups import GroupsError, parse_groups
    from ta.journal.reader import CaptureError, read_objects

    with pytest.raises(GroupsError, match="found invalid Unicode character escape code"):
        parse_groups(b'- targets: [a:1]\n  labels: {team: "\\udc80"}\n', yaml_format=True)
    with pytest.raises(CaptureError, match="line 3, column 18: found invalid Unicode character escape code"):
        list(read_objects(b'apiVersion: v1\nkind: Pod\nmetadata: {name: "p\\ud800"}\n'))

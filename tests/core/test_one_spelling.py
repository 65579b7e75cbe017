"""Each resource name and strategy name is spelled once in ``ta``; everything else imports the constant.

A second spelling is how two modules drift apart (one renamed, the other not), so the test reads every string
literal in the package and allows each of these names only in its owner module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ta
from ta.core.allocation import strategy
from ta.core.config import model
from ta.core.objects import resources

PACKAGE = Path(ta.__file__).parent


def _owner(module: object) -> str:
    # Read from the module itself, so a move of the owner moves the rule with it.
    return Path(str(getattr(module, "__file__", ""))).relative_to(PACKAGE).as_posix()


OWNED: dict[str, str] = {
    **{name: _owner(resources) for name in resources.known_resources()},
    **{name: _owner(strategy) for name in strategy.STRATEGIES},
    model.RELABEL_CONFIG: _owner(model),
}
# The test harness speaks the API server's side of the protocol on purpose.
EXEMPT = ("testing/",)


def _literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_every_owned_name_is_spelled_only_by_its_owner() -> None:
    strays: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(EXEMPT):
            continue
        for text in sorted(_literals(path) & OWNED.keys()):
            if OWNED[text] != rel:
                strays.append(f"{rel}: {text!r} (owner {OWNED[text]})")
    assert strays == []


def test_owners_define_the_names() -> None:
    assert resources.PODS == "v1/pods"
    assert strategy.STRATEGIES == ("consistent-hashing", "least-weighted", "per-node", "rendezvous-bounded")
    assert model.TAConfig().allocation_strategy == strategy.CONSISTENT_HASHING


def test_error_class_names_are_unique() -> None:
    # There were two ``ConfigError`` classes (TA config and Prometheus config) that callers had to alias apart.
    seen: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Error", "Exception")):
                seen.setdefault(node.name, []).append(path.relative_to(PACKAGE).as_posix())
    assert {name: where for name, where in seen.items() if len(where) > 1} == {}

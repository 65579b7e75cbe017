"""Selection: nil vs {} monitor selectors, namespace selectors, allow/deny lists, dedup and order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ta.core.promop import Kind, KindSelectors, Settings, match_all, select, selected_namespaces

NAMESPACES = {"a": {"team": "x"}, "b": {"team": "y"}, "c": {}, "ta": {}}


def obj(namespace: str, name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"namespace": namespace, "name": name, "labels": labels}, "spec": {}}


OBJECTS = [obj("b", "one", release="p"), obj("a", "two"), obj("a", "one", release="p"), obj("ta", "own")]


def names(selected: tuple[Mapping[str, Any], ...]) -> list[str]:
    return [f"{o['metadata']['namespace']}/{o['metadata']['name']}" for o in selected]


def test_nil_monitor_selector_selects_nothing_and_empty_selects_all_sorted() -> None:
    assert select(Kind.SERVICE_MONITOR, OBJECTS, Settings(), NAMESPACES) == ()
    settings = Settings(service_monitors=KindSelectors(objects=match_all))
    assert names(select(Kind.SERVICE_MONITOR, OBJECTS, settings, NAMESPACES)) == ["a/one", "a/two", "b/one", "ta/own"]
    # Each kind has its own selectors.
    assert select(Kind.POD_MONITOR, OBJECTS, settings, NAMESPACES) == ()


def test_label_selector_on_objects() -> None:
    settings = Settings(probes=KindSelectors(objects=lambda labels: labels.get("release") == "p"))
    assert names(select(Kind.PROBE, OBJECTS, settings, NAMESPACES)) == ["a/one", "b/one"]


def test_namespace_selector_and_unset_namespace_selector() -> None:
    by_team = Settings(
        namespace="ta",
        scrape_configs=KindSelectors(objects=match_all, namespaces=lambda labels: labels.get("team") == "x"),
    )
    assert selected_namespaces(Kind.SCRAPE_CONFIG, by_team, NAMESPACES) == ("a",)
    assert names(select(Kind.SCRAPE_CONFIG, OBJECTS, by_team, NAMESPACES)) == ["a/one", "a/two"]
    own_only = Settings(namespace="ta", scrape_configs=KindSelectors(objects=match_all, namespaces=None))
    assert names(select(Kind.SCRAPE_CONFIG, OBJECTS, own_only, NAMESPACES)) == ["ta/own"]
    # Objects in namespaces that do not exist (no labels known) are not selected.
    assert (
        select(
            Kind.SCRAPE_CONFIG,
            [obj("gone", "x")],
            Settings(scrape_configs=KindSelectors(objects=match_all)),
            NAMESPACES,
        )
        == ()
    )


def test_allow_and_deny_lists() -> None:
    allow = Settings(allow_namespaces=("b",), service_monitors=KindSelectors(objects=match_all))
    assert names(select(Kind.SERVICE_MONITOR, OBJECTS, allow, NAMESPACES)) == ["b/one"]
    deny = Settings(deny_namespaces=("a", "ta"), service_monitors=KindSelectors(objects=match_all))
    assert names(select(Kind.SERVICE_MONITOR, OBJECTS, deny, NAMESPACES)) == ["b/one"]


def test_duplicates_collapse_to_last_seen() -> None:
    first, second = obj("a", "dup", v="1"), obj("a", "dup", v="2")
    settings = Settings(pod_monitors=KindSelectors(objects=match_all))
    (chosen,) = select(Kind.POD_MONITOR, [first, second], settings, NAMESPACES)
    assert chosen is second

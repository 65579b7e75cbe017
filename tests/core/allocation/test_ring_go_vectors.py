"""Ring parity with Go: tests/data/allocation/go_ring_vectors.json.

The vectors come from buraksezer/consistent v1.0.0 with the TA's configuration (1061 partitions, 5 replicas,
load 1.1, cespare/xxhash v2 ``Sum64``); see the file's ``generated_by`` note.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import xxhash

from ta.core.allocation.ring import TA_RING, max_load, partition_of, partition_owners

DATA = Path(__file__).parents[2] / "data" / "allocation"
VECTORS: dict[str, Any] = json.loads((DATA / "go_ring_vectors.json").read_text(encoding="utf-8"))
KEYS: list[str] = VECTORS["keys"]
SETS: list[dict[str, Any]] = VECTORS["member_sets"]


def test_vectors_use_the_ta_configuration() -> None:
    config = VECTORS["config"]
    assert (config["partition_count"], config["replication_factor"], config["load"]) == (
        TA_RING.partition_count,
        TA_RING.replication_factor,
        TA_RING.load,
    )
    assert "buraksezer/consistent v1.0.0" in VECTORS["generated_by"]
    assert len(KEYS) == len(VECTORS["key_partitions"]) == len(VECTORS["key_hashes"])
    assert len(KEYS) > 1900


def test_key_hashes_match_go_xxhash() -> None:
    ours = [str(xxhash.xxh64_intdigest(key.encode("utf-8"))) for key in KEYS]
    assert ours == VECTORS["key_hashes"]


def test_partition_of_matches_go() -> None:
    mismatches = [
        (key, ours, go)
        for key, go in zip(KEYS, VECTORS["key_partitions"], strict=True)
        if (ours := partition_of(key)) != go
    ]
    assert mismatches == []


@pytest.mark.parametrize("member_set", SETS, ids=[s["name"] for s in SETS])
def test_partition_owners_match_go(member_set: dict[str, Any]) -> None:
    members: list[str] = member_set["members"]
    expected = [members[index] for index in member_set["owners"]]
    ours = partition_owners(members)
    assert len(ours) == len(expected) == TA_RING.partition_count
    differing = [(part, ours[part], go) for part, go in enumerate(expected) if ours[part] != go]
    assert differing == [], f"{len(differing)} partitions differ, first: {differing[:5]}"


@pytest.mark.parametrize("member_set", SETS, ids=[s["name"] for s in SETS])
def test_key_assignment_matches_go(member_set: dict[str, Any]) -> None:
    members: list[str] = member_set["members"]
    owners = partition_owners(members)
    expected = [members[index] for index in member_set["key_owners"]]
    differing = [
        (key, owners[partition_of(key)], go)
        for key, go in zip(KEYS, expected, strict=True)
        if owners[partition_of(key)] != go
    ]
    assert differing == [], f"{len(differing)} keys differ, first: {differing[:5]}"


@pytest.mark.parametrize("member_set", SETS, ids=[s["name"] for s in SETS])
def test_max_load_matches_go_average_load(member_set: dict[str, Any]) -> None:
    distinct = set(member_set["members"])
    assert max_load(len(distinct)) == member_set["avg_load"]
    loads = Counter(member_set["owners"])
    assert max(loads.values()) <= member_set["avg_load"]

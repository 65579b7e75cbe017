"""Consistent hashing with bounded loads, bit-compatible with the ring upstream's TA builds.

In: a set of member (collector pod) names, or keys (targets' pre-relabel addresses). Out: the owner of every
partition (``partition_owners``, indexed by partition id) and the partition of a key (``partition_of``,
``partitions_of``).

Semantics follow buraksezer/consistent v1.0.0 as configured by the TA: 1061 partitions, 5 replicas per member,
load factor 1.1, xxHash64 with seed 0. Replica points hash ``"{i}:{name}"``; partition ``p`` starts at the
first ring point >= xxh64(p as 8-byte little-endian), wrapping to the start, and walks the ring until it meets a
member whose load stays within ``ceil(partitions / members * load)``. Owners depend only on the member set.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import xxhash


@dataclass(frozen=True, slots=True, kw_only=True)
class RingConfig:
    partition_count: int
    replication_factor: int
    load: float


TA_RING = RingConfig(partition_count=1061, replication_factor=5, load=1.1)


class RingFullError(RuntimeError):
    """No member has room for a partition; impossible with ``load > 1`` but kept so we never loop forever."""


def _hash(data: bytes) -> int:
    return int(xxhash.xxh64_intdigest(data))


def _encode(text: str) -> bytes:
    # Go hashes the raw bytes of the string; "surrogatepass" keeps any Python str encodable instead of raising.
    return text.encode("utf-8", "surrogatepass")


def _partition_points(count: int) -> tuple[int, ...]:
    return tuple(_hash(part.to_bytes(8, "little")) for part in range(count))


_TA_PARTITION_POINTS = _partition_points(TA_RING.partition_count)


def replica_key(name: str, index: int) -> bytes:
    """The bytes hashed for replica ``index`` of member ``name``: the index first, so names cannot collide."""
    return _encode(f"{index}:{name}")


def partition_of(key: str, config: RingConfig = TA_RING) -> int:
    return _hash(_encode(key)) % config.partition_count


def partitions_of(keys: Sequence[str], config: RingConfig = TA_RING) -> list[int]:
    """``partition_of`` for many keys; inlined because it runs once per target added."""
    count = config.partition_count
    digest = xxhash.xxh64_intdigest
    try:
        return [digest(key.encode()) % count for key in keys]
    except UnicodeEncodeError:
        # Only lone surrogates fail strict UTF-8; then every key goes the slower way that encodes them too.
        return [digest(_encode(key)) % count for key in keys]


def max_load(member_count: int, config: RingConfig = TA_RING) -> int:
    """Most partitions one member may own; the float arithmetic mirrors Go's so rounding agrees exactly."""
    if member_count == 0:
        return 0
    return math.ceil(config.partition_count / member_count * config.load)


def ring_points(members: Iterable[str], config: RingConfig = TA_RING) -> tuple[tuple[int, ...], dict[int, str]]:
    """Sorted ring points (duplicates kept, as Go keeps them) and the member each point belongs to.

    Go fills the point->member map in collector map order, so on a 64-bit hash collision the winner is random
    there. We insert in name order, so the greatest name wins a collided point; the point itself stays in the
    sorted list twice and both copies lead to that member, exactly as in Go.
    """
    owner: dict[int, str] = {}
    points: list[int] = []
    for name in sorted(set(members)):
        for index in range(config.replication_factor):
            point = _hash(replica_key(name, index))
            owner[point] = name
            points.append(point)
    points.sort()
    return tuple(points), owner


def partition_owners(members: Iterable[str], config: RingConfig = TA_RING) -> tuple[str, ...]:
    """Owner name of each partition (index = partition id); empty when there are no members."""
    names = sorted(set(members))
    if not names:
        return ()
    points, owner = ring_points(names, config)
    capacity = max_load(len(names), config)
    starts = (
        _TA_PARTITION_POINTS
        if config.partition_count == TA_RING.partition_count
        else _partition_points(config.partition_count)
    )
    loads = dict.fromkeys(names, 0)
    owners: list[str] = []
    size = len(points)
    for start in starts:
        index = bisect.bisect_left(points, start)
        if index >= size:
            index = 0
        for _ in range(size):
            member = owner[points[index]]
            if loads[member] < capacity:
                loads[member] += 1
                owners.append(member)
                break
            index = index + 1 if index + 1 < size else 0
        else:
            raise RingFullError(f"no room for partition {len(owners)} among {len(names)} members")
    return tuple(owners)

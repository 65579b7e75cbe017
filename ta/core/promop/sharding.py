"""The sharding relabel block the operator appends to generated jobs.

In: the rules so far, the number of shards and the label to hash (``__address__``, or ``__param_target`` for
probes). Out: the rules with the three-rule block appended: copy the label into ``__tmp_hash`` unless already set,
``hashmod`` it, and keep on ``$(SHARD)`` unless ``__tmp_disable_sharding`` is set. The TA sets
``__tmp_disable_sharding`` itself, since the ``$(SHARD)`` placeholder is never expanded outside the operator.
"""

from __future__ import annotations

from collections.abc import Sequence

from ta.core.promop.model import Job

HASH_LABEL = "__tmp_hash"
DISABLE_LABEL = "__tmp_disable_sharding"


def sharding_rules(shards: int, shard_label: str = "__address__") -> list[Job]:
    return [
        {
            "source_labels": [shard_label, HASH_LABEL],
            "target_label": HASH_LABEL,
            "regex": "(.+);",
            "replacement": "$1",
            "action": "replace",
        },
        {"source_labels": [HASH_LABEL], "target_label": HASH_LABEL, "modulus": shards, "action": "hashmod"},
        {"source_labels": [HASH_LABEL, DISABLE_LABEL], "regex": "$(SHARD);|.+;.+", "action": "keep"},
    ]


def with_sharding_if_missing(rules: Sequence[Job], shards: int) -> list[Job]:
    """ScrapeConfig variant: leave rules alone when a user rule already shards with ``hashmod``."""
    if any(rule.get("action") == "hashmod" for rule in rules):
        return list(rules)
    return [*rules, *sharding_rules(shards)]

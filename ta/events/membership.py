"""Membership events (internal, derived): the collector set changed.

In: produced by the membership actor. Out: consumed by the allocation actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ta.core.base.model import Collector


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectorsChanged:
    KIND: ClassVar[str] = "membership.collectors"
    VERSION: ClassVar[int] = 1

    seq: int  # the journal entry that caused it
    collectors: tuple[Collector, ...]  # sorted by name

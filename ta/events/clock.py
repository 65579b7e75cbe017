"""Clock input events: the passage of time, journaled so grace periods and debounces replay exactly.

In: the clock source's periodic ticks. Out (journaled): ``Tick``; the time itself is the envelope's ``ts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from ta.events.base import NO_UPCASTERS, Upcaster, register


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    KIND: ClassVar[str] = "clock.tick"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    def to_data(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        return cls()

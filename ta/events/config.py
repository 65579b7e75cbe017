"""Configuration input events.

In: the effective TA configuration after defaults < file < env < flags. Out (journaled): ``ConfigLoaded``
holding that configuration as canonical JSON in the config file's own key layout, with secret values
replaced by keyed digests (see ``ta.core.objects.secrets``), so a replay loads exactly the same settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import orjson

from ta.core.gocompat import jsonbytes
from ta.events.base import NO_UPCASTERS, Upcaster, register


@register
@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigLoaded:
    KIND: ClassVar[str] = "config.loaded"
    VERSION: ClassVar[int] = 1
    UPCASTERS: ClassVar[Mapping[int, Upcaster]] = NO_UPCASTERS

    body: bytes  # canonical JSON (sorted keys) of the effective config mapping, secrets as digests
    source: str = ""  # where it came from, for people reading the journal
    # The same config with its secret values, in memory only: never journaled, compared or printed. Empty in
    # a replay, where the digests in ``body`` are all there is.
    plain: bytes = field(default=b"", repr=False, compare=False)

    def mapping(self) -> dict[str, Any]:
        """The config to run with: with secret values when this process has them."""
        decoded = orjson.loads(self.plain or self.body)
        if not isinstance(decoded, dict):
            raise ValueError("config body is not a JSON object")
        return decoded

    def to_data(self) -> dict[str, Any]:
        return {"source": self.source, "config": orjson.Fragment(self.body)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        config = data["config"]
        if not isinstance(config, dict):
            raise ValueError("config must be a JSON object")
        return cls(body=jsonbytes.dumps(config, option=orjson.OPT_SORT_KEYS), source=str(data.get("source", "")))

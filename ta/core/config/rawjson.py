"""An immutable JSON value for config sections this package passes through without interpreting.

In: a YAML-decoded value (the Prometheus ``config:`` section, ``scrape_classes``, ``telemetry``). Out:
``RawJSON`` holding canonical JSON bytes (sorted keys), which compares and journals deterministically;
``value()`` hands each caller a fresh, mutable copy so no one can alter the shared configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import orjson

from ta.core.config.errors import ConfigError
from ta.core.config.yamltext import scalar_text
from ta.core.gocompat import jsonbytes

_INT64_MIN = -(1 << 63)
_UINT64_MAX = (1 << 64) - 1


@dataclass(frozen=True, slots=True, kw_only=True)
class RawJSON:
    body: bytes  # canonical JSON: UTF-8, sorted object keys, no insignificant whitespace

    @classmethod
    def of(cls, value: object, *, where: str) -> RawJSON:
        """Freeze a YAML-decoded value; ``where`` names its config key in error messages."""
        return cls(body=jsonbytes.dumps(_jsonable(value, where), option=orjson.OPT_SORT_KEYS))

    def value(self) -> Any:
        """A fresh decoded copy; callers may mutate it freely."""
        return orjson.loads(self.body)


def _jsonable(value: object, where: str) -> object:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not _INT64_MIN <= value <= _UINT64_MAX:
            raise ConfigError(f"{where}: integer {value} is out of range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {scalar_text(value)} is not supported here")
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        result: dict[str, object] = {}
        for key, item in value.items():
            text = scalar_text(key)
            if text is None:
                raise ConfigError(f"{where}: mapping keys must be scalars")
            result[text] = _jsonable(item, f"{where}.{text}")
        return result
    raise ConfigError(f"{where}: unsupported YAML value of type {type(value).__name__}")

"""Turning a journaled ``ConfigLoaded`` back into a ``TAConfig`` (memoised: every actor asks for it).

In: ``ConfigLoaded`` events. Out: the ``TAConfig`` they carry, or the reason it cannot be used.
"""

from __future__ import annotations

import collections

from ta.core.config.errors import ConfigError
from ta.core.config.mapping import config_from_mapping
from ta.core.config.model import TAConfig
from ta.events.config import ConfigLoaded

_CACHE: collections.OrderedDict[bytes, TAConfig | str] = collections.OrderedDict()
_CACHE_SIZE = 4


def settings_of(event: ConfigLoaded) -> TAConfig | str:
    key = event.plain or event.body
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        config, _ignored = config_from_mapping(event.mapping(), base=TAConfig())
        result: TAConfig | str = config
    except (ConfigError, ValueError) as exc:
        result = f"journaled config cannot be used: {exc}"
    _CACHE[key] = result
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result

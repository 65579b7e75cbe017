"""Turning a journaled ``ConfigLoaded`` back into a ``TAConfig`` (memoised: every actor asks for it).

In: ``ConfigLoaded`` events. Out: the ``TAConfig`` they carry, or the reason it cannot be used.
"""

from __future__ import annotations

from ta.config.errors import ConfigError
from ta.config.mapping import config_from_mapping
from ta.config.model import TAConfig
from ta.core.cache import LRU, BoundedCache
from ta.events.config import ConfigLoaded

_CACHE: BoundedCache[bytes, TAConfig | str] = BoundedCache(
    "actors.settings",
    bound=4,
    policy=LRU,
    reason="each actor asks once per config event; only the current config (and one being replaced) matter",
)


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
    return _CACHE.put(key, result)

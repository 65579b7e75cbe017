"""A journaled ``ConfigLoaded``, decoded and validated once for every actor.

In: ``ConfigLoaded`` envelopes (the router hands each one here once). Out: a ``Configured`` message carrying the
decoded ``TAConfig`` (what the actors that read the config receive), or, for a config that cannot be used, one
``InputRejected`` note: one bad config is one rejection, one ``/debug/problems`` entry and one metric increment,
however many actors read the config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ta.core.config.errors import ConfigError
from ta.core.config.mapping import config_from_mapping
from ta.core.config.model import TAConfig
from ta.events.base import Envelope
from ta.events.config import ConfigLoaded
from ta.events.problems import InputRejected


@dataclass(frozen=True, slots=True, kw_only=True)
class Configured:
    """The config of journal entry ``seq``, decoded; ``event`` keeps the input (its secret values mask failures)."""

    KIND: ClassVar[str] = ConfigLoaded.KIND

    seq: int
    ts: float
    settings: TAConfig
    event: ConfigLoaded


def settings_of(event: ConfigLoaded) -> TAConfig | str:
    """The config an event carries, or why it cannot be used."""
    try:
        config, _ignored = config_from_mapping(event.mapping(), base=TAConfig())
    except (ConfigError, ValueError) as exc:
        return f"journaled config cannot be used: {exc}"
    return config


def decode_config(envelope: Envelope) -> Configured | InputRejected:
    """The envelope's ``ConfigLoaded`` decoded for the actors, or the one note rejecting it."""
    event = envelope.event
    if not isinstance(event, ConfigLoaded):
        raise TypeError(f"not a config: {type(event).__name__}")
    settings = settings_of(event)
    if isinstance(settings, str):
        return InputRejected(seq=envelope.seq, source="config", reason=settings)
    return Configured(seq=envelope.seq, ts=envelope.ts, settings=settings, event=event)

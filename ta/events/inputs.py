"""The closed union of journaled input events, for handlers that ``match`` on them.

In: nothing. Out: ``InputEvent`` (the union type) and ``ALL_INPUT_KINDS``. Importing this module registers
every input kind with the journal decoder.
"""

from __future__ import annotations

from typing import get_args

from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.events.cluster import (
    KubeListSynced,
    KubeObjectBatch,
    KubeObjectChanged,
    KubeResourceUnavailable,
    KubeWatchesPlanned,
)
from ta.events.config import ConfigLoaded
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse

InputEvent = (
    ConfigLoaded
    | Tick
    | KubeWatchesPlanned
    | KubeObjectChanged
    | KubeObjectBatch
    | KubeListSynced
    | KubeResourceUnavailable
    | FileRead
    | HttpSDResponse
)

# The union's members, for ``isinstance``: derived, so a new kind is named in the union only.
_CLASSES: tuple[type[InputEvent], ...] = get_args(InputEvent)

ALL_INPUT_KINDS: tuple[str, ...] = tuple(sorted(c.KIND for c in _CLASSES))


def input_of(envelope: Envelope) -> InputEvent:
    """The envelope's event as the closed union, for exhaustive ``match`` statements."""
    event = envelope.event
    if isinstance(event, _CLASSES):
        return event
    raise TypeError(f"not an input event: {type(event).__name__}")

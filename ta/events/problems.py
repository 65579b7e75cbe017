"""Problem notes (internal, derived): an input that could not be used and was skipped, or a step that failed.

In: produced by any actor's step when an input is bad (a pod without a name, a bad scrape config, ...), and by
an actor whose step raised (``StepFailed``). Out: logged once with the journal sequence number (a
``StepFailed`` by the actor that failed, with the traceback), counted in a metric and listed in
``/debug/problems`` by the serving actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRejected:
    KIND: ClassVar[str] = "problem.rejected"
    VERSION: ClassVar[int] = 1

    seq: int
    source: str  # what was rejected: "v1/pods opentelemetry/x", "job foo", "config"
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StepFailed:
    """An actor's step raised on an input: the input was not applied at all (the step's changes were taken back).

    Not bad input (that is ``InputRejected``) but a bug; counted per actor and listed with the problems.
    """

    KIND: ClassVar[str] = "problem.step_failed"
    VERSION: ClassVar[int] = 1

    seq: int
    actor: str
    input: str  # the input's kind ("k8s.objects", "discovery.targets", ...)
    error: str  # exception type and the first line of its message, secret values masked

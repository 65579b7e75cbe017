"""Problem notes (internal, derived): an input that could not be used and was skipped.

In: produced by any actor's step when an input is bad (a pod without a name, a bad scrape config, ...).
Out: logged once by the emitting actor with the journal sequence number, and counted in a metric.
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

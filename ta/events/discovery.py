"""Discovery events (internal, derived): targets and scrape configs changed.

In: produced by the discovery actor. Out: ``TargetsChanged`` to the allocation actor,
``ScrapeConfigsChanged`` to the serving actor, and ``BuildContinues`` back to the discovery actor itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ta.core.base.model import Target
from ta.core.discovery.targets import DroppedTarget


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetsChanged:
    KIND: ClassVar[str] = "discovery.targets"
    VERSION: ClassVar[int] = 1

    seq: int
    upserts: tuple[Target, ...]
    removals: tuple[int, ...]  # Target.hash values
    discovered: tuple[tuple[str, int], ...]  # per job, before relabel filtering (for the metric)
    remaining: int  # targets kept after filtering, all jobs
    # Groups whose dropped targets changed: (job, source, the group's dropped targets now), for the
    # "why is my target missing" view.
    dropped: tuple[tuple[str, str, tuple[DroppedTarget, ...]], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ScrapeConfigsChanged:
    KIND: ClassVar[str] = "discovery.scrape_configs"
    VERSION: ClassVar[int] = 1

    seq: int
    redacted: bytes  # the /scrape_configs body with secrets as <secret>
    revealed: bytes  # the body with secret values (plain HTTP only with allow_insecure_auth_secrets)


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildContinues:
    """A long build (a large cluster's first) goes on in a next step; routed back to the discovery actor.

    Between steps the event loop serves probes and metrics. The journal entry ``seq`` that started the build is
    not settled until its last step, so no other entry is admitted in between.
    """

    KIND: ClassVar[str] = "discovery.build_continues"
    VERSION: ClassVar[int] = 1

    seq: int

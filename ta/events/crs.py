"""Prometheus CR events (internal, derived): the jobs generated from ServiceMonitors, PodMonitors, Probes and
ScrapeConfigs changed.

In: produced by the CR actor. Out: consumed by the discovery actor, which serves them next to the config
file's jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ta.core.promcfg.scrape import ScrapeJob


@dataclass(frozen=True, slots=True, kw_only=True)
class CRJobsChanged:
    KIND: ClassVar[str] = "crs.jobs"
    VERSION: ClassVar[int] = 1

    seq: int
    jobs: tuple[ScrapeJob, ...]  # in prometheus-operator's order

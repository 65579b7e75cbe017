"""The discovery actor: config and SD inputs in, target changes and scrape configs out.

In: ``ConfigLoaded`` (the Prometheus ``config:`` section, the filter strategy), ``FileRead`` (file SD
contents). Out: ``TargetsChanged`` (only what changed), ``ScrapeConfigsChanged`` (both ``/scrape_configs``
bodies, rendered once per config change) and ``InputRejected`` for every job or file that was skipped.
"""

from __future__ import annotations

from typing import assert_never

from ta.actors.settings import settings_of
from ta.core.discovery.jobs import Discovery, Result
from ta.core.resources import known_resources
from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.events.cluster import KubeListSynced, KubeObjectChanged, KubeResourceUnavailable
from ta.events.config import ConfigLoaded
from ta.events.discovery import ScrapeConfigsChanged, TargetsChanged
from ta.events.files import FileRead
from ta.events.inputs import input_of
from ta.events.problems import InputRejected
from ta.promcfg.errors import ConfigError as PromConfigError
from ta.promcfg.render import render_scrape_configs
from ta.promcfg.scrape import parse_prometheus_config

RELABEL_CONFIG = "relabel-config"
KNOWN_RESOURCES = frozenset(known_resources())

Output = TargetsChanged | ScrapeConfigsChanged | InputRejected


class DiscoveryActor:
    def __init__(self) -> None:
        self.core = Discovery()
        self._counts_sent = -1

    def step(self, envelope: Envelope) -> list[Output]:
        event = input_of(envelope)
        seq = envelope.seq
        match event:
            case ConfigLoaded():
                settings = settings_of(event)
                if isinstance(settings, str):
                    return [InputRejected(seq=seq, source="config", reason=settings)]
                raw = settings.prometheus_config.value() if settings.prometheus_config is not None else {}
                try:
                    parsed = parse_prometheus_config(raw)
                except PromConfigError as exc:
                    return [InputRejected(seq=seq, source="config", reason=f"config: {exc}")]
                result = self.core.configure(
                    parsed,
                    filter_relabel=settings.filter_strategy == RELABEL_CONFIG,
                    own_namespace=settings.collector_namespace,
                )
                jobs = self.core.jobs
                rendered = ScrapeConfigsChanged(
                    seq=seq,
                    redacted=render_scrape_configs(jobs, reveal_secrets=False),
                    revealed=render_scrape_configs(jobs, reveal_secrets=True),
                )
                return [*self._outputs(seq, result), rendered]
            case FileRead():
                return self._outputs(seq, self.core.file_read(event.path, event.content))
            case KubeObjectChanged():
                if event.resource not in KNOWN_RESOURCES:
                    return [
                        InputRejected(
                            seq=seq,
                            source=f"{event.resource} {event.namespace}/{event.name}",
                            reason="unknown resource, skipped",
                        )
                    ]
                return self._outputs(seq, self.core.kube_object(event.resource, event.watch_type, event.obj()))
            case KubeResourceUnavailable():
                where = f"{event.resource} {event.namespace or '*'}"
                return [InputRejected(seq=seq, source=where, reason=f"cannot watch, skipped: {event.reason}")]
            case KubeListSynced() | Tick():
                return []
            case _:
                assert_never(event)

    def _outputs(self, seq: int, result: Result) -> list[Output]:
        out: list[Output] = [InputRejected(seq=seq, source=src, reason=why) for src, why in result.problems]
        delta = result.delta
        index = self.core.index
        if not delta and index.counts_version == self._counts_sent:
            return out
        self._counts_sent = index.counts_version
        out.append(
            TargetsChanged(
                seq=seq,
                upserts=tuple(delta.upserts[h] for h in sorted(delta.upserts)),
                removals=tuple(sorted(delta.removals)),
                discovered=self.core.index.discovered_counts(),
                remaining=self.core.index.remaining(),
            )
        )
        return out

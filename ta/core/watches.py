"""Which Kubernetes watches a configuration needs, and when their first picture is complete.

In: the TA config and its parsed scrape jobs; then the ``KubeListSynced``/``KubeResourceUnavailable`` inputs.
Out: the sorted (resource, namespace) scopes to list and watch — one per resource and namespace, collapsed
to the whole cluster when any user needs the whole cluster — and ``SyncTracker.complete``, which readiness
waits for.
"""

from __future__ import annotations

from collections.abc import Iterable

from ta.config.model import TAConfig
from ta.core.discovery.kube import KubeDiscovery
from ta.core.resources import PODS
from ta.promcfg.scrape import ScrapeJob

Scope = tuple[str, str]  # (resource, namespace); "" = all namespaces or cluster-scoped


def collapse(scopes: Iterable[Scope]) -> tuple[Scope, ...]:
    wanted = set(scopes)
    cluster_wide = {resource for resource, namespace in wanted if namespace == ""}
    return tuple(sorted((r, ns) for r, ns in wanted if ns == "" or r not in cluster_wide))


def needed_scopes(config: TAConfig, jobs: Iterable[ScrapeJob]) -> tuple[Scope, ...]:
    kube = KubeDiscovery(own_namespace=config.collector_namespace)
    for job in jobs:
        kube.set_job(job, job.job_name)
    # Collector membership always needs the pods of the collector namespace.
    return collapse([(PODS, config.collector_namespace), *kube.watches()])


class SyncTracker:
    def __init__(self, expected: Iterable[Scope] = ()) -> None:
        self._pending = set(expected)

    def expect(self, scopes: Iterable[Scope]) -> None:
        self._pending |= set(scopes)

    def observe(self, resource: str, namespace: str) -> None:
        self._pending.discard((resource, namespace))

    @property
    def pending(self) -> tuple[Scope, ...]:
        return tuple(sorted(self._pending))

    @property
    def complete(self) -> bool:
        return not self._pending

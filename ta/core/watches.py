"""Which Kubernetes watches a configuration needs, and when their first picture is complete.

In: the TA config and its parsed scrape jobs; then the ``KubeListSynced``/``KubeResourceUnavailable`` inputs.
Out: the sorted (resource, namespace) scopes to list and watch — one per resource and namespace, collapsed
to the whole cluster when any user needs the whole cluster — and ``SyncTracker.complete``, which readiness
waits for.
"""

from __future__ import annotations

from collections.abc import Iterable

from ta.core.config.model import TAConfig
from ta.core.discovery.kube import KubeDiscovery
from ta.core.objects.resources import (
    CONFIGMAPS,
    ENDPOINTSLICES,
    INGRESSES,
    NAMESPACES,
    POD_MONITORS,
    PODS,
    PROBES,
    SCRAPE_CONFIGS,
    SECRETS,
    SERVICE_MONITORS,
    SERVICES,
)
from ta.core.promcfg.scrape import ScrapeJob

Scope = tuple[str, str]  # (resource, namespace); "" = all namespaces or cluster-scoped


def collapse(scopes: Iterable[Scope]) -> tuple[Scope, ...]:
    wanted = set(scopes)
    cluster_wide = {resource for resource, namespace in wanted if namespace == ""}
    return tuple(sorted((r, ns) for r, ns in wanted if ns == "" or r not in cluster_wide))


CR_RESOURCES = (SERVICE_MONITORS, POD_MONITORS, PROBES, SCRAPE_CONFIGS)
# What jobs generated from CRs discover with (EndpointSlice role for ServiceMonitors, pod role for
# PodMonitors, ingress role for Probes), and what generation reads (Secrets, ConfigMaps).
CR_SUPPORT = (ENDPOINTSLICES, SERVICES, PODS, INGRESSES, SECRETS, CONFIGMAPS)


def needed_scopes(
    config: TAConfig, jobs: Iterable[ScrapeJob], served_crs: Iterable[str] = CR_RESOURCES
) -> tuple[Scope, ...]:
    """``served_crs``: the CR resources the API server serves (a CRD that is not installed is not watched)."""
    kube = KubeDiscovery(own_namespace=config.collector_namespace)
    for job in jobs:
        kube.set_job(job, job.job_name)
    # Collector membership always needs the pods of the collector namespace.
    scopes: list[Scope] = [(PODS, config.collector_namespace), *kube.watches()]
    cr = config.prometheus_cr
    if cr.enabled:
        # CR jobs come and go at run time, so their discovery resources are watched up front, in the allowed
        # namespaces (or everywhere); denied namespaces are filtered out after the watch.
        namespaces = cr.allow_namespaces or ("",)
        served = [r for r in CR_RESOURCES if r in set(served_crs)]
        scopes += [(r, ns) for r in (*served, *CR_SUPPORT) for ns in namespaces]
        scopes.append((NAMESPACES, ""))
    return collapse(scopes)


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

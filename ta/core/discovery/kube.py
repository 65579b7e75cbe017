"""kubernetes_sd_configs inside discovery: one shared object store, one evaluator per distinct SD config.

In: the scrape jobs' ``kubernetes_sd_configs`` and Kubernetes object changes. Out: per (job, source) target
groups to rebuild. Jobs whose SD configs are identical share one ``KubeSD`` (as Prometheus shares one
provider), so an object change is evaluated once per distinct config, and only the sources it affects are
recomputed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ta.core.k8s_sd.config import KubeSDConfig, KubeSDConfigError, parse_kube_sd_config, required_resources
from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.pod_enrichment import pod_facts
from ta.core.k8s_sd.resources import PODS
from ta.core.model import TargetGroup
from ta.promcfg.scrape import ScrapeJob
from ta.promcfg.tree import thaw

SOURCE_PREFIX = "k8s/"


def source_key(index: int, source: str) -> str:
    return f"{SOURCE_PREFIX}{index}/{source}"


class KubeDiscovery:
    def __init__(self, own_namespace: str = "") -> None:
        self.objects = KubeObjects()
        self.own_namespace = own_namespace
        self._sds: dict[KubeSDConfig, KubeSD] = {}
        self._users: dict[KubeSDConfig, set[tuple[str, int]]] = {}
        self._by_job: dict[str, tuple[tuple[int, KubeSDConfig], ...]] = {}
        # Each evaluator's current groups, filled on first use and then kept current by ``apply``, so a job
        # (re)built later does not rescan every object of the cluster.
        self._groups: dict[KubeSDConfig, dict[str, TargetGroup]] = {}
        self._order: tuple[KubeSDConfig, ...] | None = None

    def set_job(self, job: ScrapeJob | None, name: str) -> list[str]:
        """(Re)register a job's SD configs (None removes it); returns problems found in them."""
        problems: list[str] = []
        for i, cfg in self._by_job.pop(name, ()):
            self._release(cfg, (name, i))
        if job is None:
            self._refresh_eager()
            return problems
        configs: list[tuple[int, KubeSDConfig]] = []
        for i, raw in enumerate(job.kubernetes_sd_configs):
            plain = thaw(raw, reveal_secrets=False)
            try:
                cfg = parse_kube_sd_config(plain if isinstance(plain, Mapping) else {})
            except KubeSDConfigError as exc:
                problems.append(f"kubernetes_sd_configs[{i}]: {exc}")
                continue
            configs.append((i, cfg))
            if cfg not in self._sds:
                self._sds[cfg] = KubeSD(cfg, self.objects, self.own_namespace)
                self._order = None
            self._users.setdefault(cfg, set()).add((name, i))
        self._by_job[name] = tuple(configs)
        self._refresh_eager()
        return problems

    def _refresh_eager(self) -> None:
        # Endpoint roles read every referenced pod's facts: derive them as pods arrive (decoded already).
        enriching = any(cfg.role in ("endpoints", "endpointslice") for cfg in self._sds)
        self.objects.eager = {PODS: (pod_facts,)} if enriching else {}

    def _release(self, cfg: KubeSDConfig, user: tuple[str, int]) -> None:
        users = self._users.get(cfg)
        if users is None:
            return
        users.discard(user)
        if not users:
            del self._users[cfg], self._sds[cfg]
            self._groups.pop(cfg, None)
            self._order = None

    def has_job(self, name: str) -> bool:
        return bool(self._by_job.get(name))

    def job_groups(self, name: str) -> dict[str, TargetGroup]:
        return dict(self.iter_job_groups(name))

    def iter_job_groups(self, name: str) -> Iterator[tuple[str, TargetGroup]]:
        """(source key, group) of every group of the job, config by config; builds (and caches) as it goes."""
        for i, cfg in self._by_job.get(name, ()):
            cached = self._groups.get(cfg)
            if cached is not None:
                for source, group in cached.items():
                    yield source_key(i, source), group
                continue
            built: dict[str, TargetGroup] = {}
            for group in self._sds[cfg].iter_groups():
                built[group.source] = group
                yield source_key(i, group.source), group
            self._groups[cfg] = built

    def store(self, resource: str, watch_type: str, obj: Mapping[str, Any], body: bytes | None = None) -> None:
        """Record a change without evaluating anything (during the initial lists; see ``Discovery``)."""
        self.objects.apply(resource, watch_type, obj, body)
        self._groups.clear()

    def apply(
        self, resource: str, watch_type: str, obj: Mapping[str, Any], body: bytes | None = None
    ) -> Iterator[tuple[str, str, TargetGroup]]:
        """Apply one object change; yield (job, source key, new group) for every group it may have changed."""
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
        assert isinstance(meta, Mapping)
        namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
        before = self.objects.get(resource, namespace, name)
        self.objects.apply(resource, watch_type, obj, body)
        after = self.objects.get(resource, namespace, name)
        if self._order is None:
            self._order = tuple(sorted(self._sds, key=repr))
        for cfg in self._order:
            sd = self._sds[cfg]
            affected = sd.affected_sources(resource, namespace, name, before, after)
            cached = self._groups.get(cfg)
            for source in sorted(affected):
                group = sd.group(source)
                if group is None:
                    continue  # Prometheus sends nothing for a node without addresses
                if cached is not None:
                    if group.targets:
                        cached[source] = group
                    else:
                        cached.pop(source, None)
                for job, i in sorted(self._users[cfg]):
                    yield job, source_key(i, source), group

    def watches(self) -> set[tuple[str, str]]:
        """(resource, namespace) pairs the SD configs need; namespaced ones collapse to "" when any config
        needs the whole cluster, so no object arrives twice."""
        needed = {(w.resource, w.namespace) for cfg in self._sds for w in required_resources(cfg, self.own_namespace)}
        cluster_wide = {resource for resource, namespace in needed if namespace == ""}
        return {(r, ns) for r, ns in needed if ns == "" or r not in cluster_wide}

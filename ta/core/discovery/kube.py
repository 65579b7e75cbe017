"""kubernetes_sd_configs inside discovery: one shared object store, one evaluator per distinct SD config.

In: the scrape jobs' ``kubernetes_sd`` entries (typed once, by ``ta.core.promcfg.sd``) and Kubernetes object changes.
Out: per (job, source) target groups to rebuild. Jobs whose SD configs are identical share one ``KubeSD`` (as
Prometheus shares one provider), so an object change is evaluated once per distinct config, and only the sources
it affects are recomputed. Changes are recorded in ``undo`` (the owning ``Discovery``'s), so a failed step can be
taken back: an object change by storing the object's previous version again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ta.core.base.model import TargetGroup
from ta.core.base.undo import UndoLog
from ta.core.k8s_sd.config import KubeSDConfig, required_resources
from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.meta import name_of, namespace_of
from ta.core.k8s_sd.pod_enrichment import pod_facts
from ta.core.k8s_sd.resources import PODS
from ta.core.k8s_sd.roles import ROLES
from ta.core.promcfg.scrape import ScrapeJob

SOURCE_PREFIX = "k8s/"


def source_key(index: int, source: str) -> str:
    return f"{SOURCE_PREFIX}{index}/{source}"


def _coordinates(obj: Mapping[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    assert isinstance(meta, Mapping)
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _stored_at(obj: Mapping[str, Any]) -> tuple[str, str]:
    """Where ``KubeObjects`` keeps ``obj`` (its own reading of the metadata)."""
    return namespace_of(obj), name_of(obj)


class KubeDiscovery:
    def __init__(self, own_namespace: str = "", undo: UndoLog | None = None) -> None:
        self.undo = undo if undo is not None else UndoLog()
        self.objects = KubeObjects()
        self.own_namespace = own_namespace
        self._sds: dict[KubeSDConfig, KubeSD] = {}
        self._users: dict[KubeSDConfig, set[tuple[str, int]]] = {}
        self._by_job: dict[str, tuple[tuple[int, KubeSDConfig], ...]] = {}
        # Each evaluator's current groups, filled on first use and then kept current by ``apply``, so a job
        # (re)built later does not rescan every object of the cluster.
        self._groups: dict[KubeSDConfig, dict[str, TargetGroup]] = {}
        self._order: tuple[KubeSDConfig, ...] | None = None

    def fields(self) -> tuple[Any, ...]:
        """The fields a step replaces wholesale rather than changes in place (see ``Discovery.begin``)."""
        return self.own_namespace, self.objects.eager, self._order

    def restore_fields(self, fields: tuple[Any, ...]) -> None:
        self.own_namespace, self.objects.eager, self._order = fields

    def set_job(self, job: ScrapeJob | None, name: str) -> list[str]:
        """(Re)register a job's SD configs (None removes it); returns problems found in them."""
        problems: list[str] = []
        undo = self.undo
        undo.item(self._by_job, name)
        for i, cfg in self._by_job.pop(name, ()):
            self._release(cfg, (name, i))
        if job is None:
            self._refresh_eager()
            return problems
        configs: list[tuple[int, KubeSDConfig]] = []
        for i, entry in enumerate(job.kubernetes_sd):
            if isinstance(entry, str):
                problems.append(f"kubernetes_sd_configs[{i}]: {entry}")
                continue
            cfg = entry
            configs.append((i, cfg))
            if cfg not in self._sds:
                undo.item(self._sds, cfg)
                self._sds[cfg] = KubeSD(cfg, self.objects, self.own_namespace)
                self._order = None
            users = self._users.get(cfg)
            if users is None:
                undo.item(self._users, cfg)
                users = self._users[cfg] = set()
            undo.member(users, (name, i))
            users.add((name, i))
        self._by_job[name] = tuple(configs)
        self._refresh_eager()
        return problems

    def _refresh_eager(self) -> None:
        # Endpoint roles read every referenced pod's facts: derive them as pods arrive (decoded already).
        enriching = any(ROLES[cfg.role].reads_pod_facts for cfg in self._sds)
        self.objects.eager = {PODS: (pod_facts,)} if enriching else {}

    def _release(self, cfg: KubeSDConfig, user: tuple[str, int]) -> None:
        users = self._users.get(cfg)
        if users is None:
            return
        undo = self.undo
        undo.member(users, user)
        users.discard(user)
        if not users:
            undo.item(self._users, cfg)
            undo.item(self._sds, cfg)
            undo.item(self._groups, cfg)
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
            self.undo.item(self._groups, cfg)
            self._groups[cfg] = built

    def store(self, resource: str, watch_type: str, obj: Mapping[str, Any], body: bytes | None = None) -> None:
        """Record a change without evaluating anything (during the initial lists; see ``Discovery``)."""
        if self.undo.open and watch_type in ("ADDED", "MODIFIED", "DELETED"):
            namespace, name = _stored_at(obj)
            # Decoded only when the object is held already: in a first list most are not.
            objects = self.objects
            held = objects.get(resource, namespace, name) if objects.contains(resource, namespace, name) else None
            self.undo.call(self._put_back, resource, held, obj)
        self.objects.apply(resource, watch_type, obj, body)
        if self._groups:
            self.undo.call(self._set_groups, self._groups)
            self._groups = {}

    def _put_back(self, resource: str, held: Mapping[str, Any] | None, changed: Mapping[str, Any]) -> None:
        """Undo a change to the store: the object as it was, or gone again if it was absent."""
        if held is None:
            self.objects.apply(resource, "DELETED", changed)
        else:
            self.objects.apply(resource, "MODIFIED", held)

    def _set_groups(self, groups: dict[KubeSDConfig, dict[str, TargetGroup]]) -> None:
        self._groups = groups

    def apply(
        self, resource: str, watch_type: str, obj: Mapping[str, Any], body: bytes | None = None
    ) -> Iterator[tuple[str, str, TargetGroup]]:
        """Apply one object change; yield (job, source key, new group) for every group it may have changed."""
        namespace, name = _coordinates(obj)
        before = self.objects.get(resource, namespace, name)
        if self.undo.open and watch_type in ("ADDED", "MODIFIED", "DELETED"):
            at = _stored_at(obj)
            held = before if at == (namespace, name) else self.objects.get(resource, *at)
            self.undo.call(self._put_back, resource, held, obj)
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
                    self.undo.item(cached, source)
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

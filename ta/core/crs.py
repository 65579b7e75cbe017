"""Prometheus CRs to scrape jobs, incrementally: what prometheus-operator would generate for the TA.

In: the TA's ``prometheus_cr`` settings, and changes to ServiceMonitors, PodMonitors, Probes, ScrapeConfigs,
Namespaces (their labels drive namespace selectors), Secrets and ConfigMaps (credentials). Out: the ordered
tuple of parsed ``ScrapeJob``s all selected, valid objects generate, plus the objects rejected (and why).

Each object's outcome is cached; a change regenerates only that object, a Secret or ConfigMap change only the
objects that read it, and a namespace label change only re-evaluates selection. Secret and ConfigMap values come
from the in-memory ``secret_values`` of live events; in a replay only digests exist and every value reads as
``<secret>`` (an empty one as ``""``). Each actor step's changes can be taken back whole
(``begin``/``commit``/``rollback``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ta.core.base.undo import UndoLog
from ta.core.config.model import TAConfig
from ta.core.objects import secrets
from ta.core.objects.resources import (
    CONFIGMAPS,
    NAMESPACES,
    POD_MONITORS,
    PROBES,
    SCRAPE_CONFIGS,
    SECRETS,
    SERVICE_MONITORS,
)
from ta.core.promcfg.duration import format_duration
from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.globalcfg import GlobalConfig, parse_global
from ta.core.promcfg.scrape import ScrapeJob, parse_scrape_config
from ta.core.promop import (
    Generated,
    Kind,
    KindSelectors,
    Lookups,
    Rejected,
    SecretRef,
    Settings,
    build,
    dependencies,
)
from ta.core.promop.select import namespace_watched, selected_namespaces

RESOURCE_KINDS: dict[str, Kind] = {
    SERVICE_MONITORS: Kind.SERVICE_MONITOR,
    POD_MONITORS: Kind.POD_MONITOR,
    PROBES: Kind.PROBE,
    SCRAPE_CONFIGS: Kind.SCRAPE_CONFIG,
}
# Every resource this core reads: the monitor kinds and what their selectors and credentials refer to.
INPUT_RESOURCES = frozenset([*RESOURCE_KINDS, NAMESPACES, SECRETS, CONFIGMAPS])
# Watched resources only this core reads: their lists do not hold back kubernetes_sd evaluation.
CR_ONLY_RESOURCES = frozenset([*RESOURCE_KINDS, SECRETS, CONFIGMAPS])

Key = tuple[Kind, str, str]  # kind, namespace, name
_KIND_ORDER = {kind: i for i, kind in enumerate(Kind)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    source: str  # "ServiceMonitor ns/name"
    reason: str


def _meta(obj: Mapping[str, Any]) -> tuple[str, str, dict[str, str]]:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), Mapping) else {}
    assert isinstance(meta, Mapping)
    labels = meta.get("labels") if isinstance(meta.get("labels"), Mapping) else {}
    assert isinstance(labels, Mapping)
    return str(meta.get("namespace") or ""), str(meta.get("name") or ""), {str(k): str(v) for k, v in labels.items()}


def _same_content(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    """What generation reads (labels and spec) is unchanged; resourceVersion and status do not matter."""
    if old is None:
        return False
    return old.get("spec") == new.get("spec") and _meta(old)[2] == _meta(new)[2]


# ScrapeClass fields (and their nested TLS, authorization and relabel fields) as the CRD spells them. The
# operator writes the TA config's scrape_classes through a case-insensitive JSON round trip, so they can
# arrive lowercased ("tlsconfig", "cafile"); upstream matches them case-insensitively, and so do we.
_SCRAPE_CLASS_FIELDS = (
    "name",
    "default",
    "fallbackScrapeProtocol",
    "tlsConfig",
    "authorization",
    "relabelings",
    "metricRelabelings",
    "attachMetadata",
    "node",
    "ca",
    "cert",
    "keySecret",
    "caFile",
    "certFile",
    "keyFile",
    "serverName",
    "insecureSkipVerify",
    "minVersion",
    "maxVersion",
    "secret",
    "configMap",
    "key",
    "optional",
    "type",
    "credentials",
    "credentialsFile",
    "sourceLabels",
    "separator",
    "targetLabel",
    "regex",
    "modulus",
    "replacement",
    "action",
)
_BY_LOWER = {f.lower(): f for f in _SCRAPE_CLASS_FIELDS}


def _crd_case(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_BY_LOWER.get(str(k).lower(), str(k)): _crd_case(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_crd_case(v) for v in value]
    return value


def generator_settings(config: TAConfig) -> Settings:
    cr = config.prometheus_cr

    def kind(objects: Any, namespaces: Any) -> KindSelectors:
        return KindSelectors(
            objects=objects.matches if objects is not None else None,
            namespaces=namespaces.matches if namespaces is not None else None,
        )

    classes = cr.scrape_classes.value() if cr.scrape_classes is not None else []
    return Settings(
        namespace=config.collector_namespace,
        scrape_interval=format_duration(round(cr.scrape_interval * 1000)) if cr.scrape_interval else "1m",
        service_monitors=kind(cr.service_monitor_selector, cr.service_monitor_namespace_selector),
        pod_monitors=kind(cr.pod_monitor_selector, cr.pod_monitor_namespace_selector),
        probes=kind(cr.probe_selector, cr.probe_namespace_selector),
        scrape_configs=kind(cr.scrape_config_selector, cr.scrape_config_namespace_selector),
        allow_namespaces=cr.allow_namespaces,
        deny_namespaces=cr.deny_namespaces,
        scrape_classes=tuple(_crd_case(c) for c in classes if isinstance(c, Mapping))
        if isinstance(classes, list)
        else (),
        deny_fs_access=cr.deny_fs_access_through_sms,
    )


def generator_global(config: TAConfig) -> GlobalConfig:
    """The global section prometheus-operator writes for the TA's synthetic Prometheus object."""
    cr = config.prometheus_cr
    raw: dict[str, Any] = {"scrape_protocols": list(cr.scrape_protocols)}
    if cr.scrape_interval:
        raw["scrape_interval"] = format_duration(round(cr.scrape_interval * 1000))
    return parse_global(raw)


class CRState:
    def __init__(self) -> None:
        self.enabled = False
        self._settings = Settings()
        self._global = GlobalConfig()
        self._kubeconfig = ""
        self._objects: dict[Kind, dict[tuple[str, str], Mapping[str, Any]]] = {k: {} for k in Kind}
        self._namespaces: dict[str, dict[str, str]] = {}
        self._selected_ns: dict[Kind, frozenset[str]] = {k: frozenset() for k in Kind}
        self._secrets: dict[tuple[str, str], dict[str, str]] = {}
        self._configmaps: dict[tuple[str, str], dict[str, str]] = {}
        self._outcomes: dict[Key, tuple[ScrapeJob, ...] | Problem] = {}
        self._readers: dict[tuple[str, str, str], set[Key]] = {}  # (source, ns, name) -> objects reading it
        self._reads: dict[Key, tuple[SecretRef, ...]] = {}
        self._problems: list[Problem] = []
        self._undo = UndoLog()
        self._saved: tuple[Any, ...] = ()

    # --- all-or-nothing steps: in-place changes are recorded, fields replaced wholesale are saved ----------

    def begin(self) -> None:
        self._undo.begin()
        problems = self._problems
        self._saved = (self.enabled, self._settings, self._global, self._kubeconfig, problems, len(problems))

    def commit(self) -> None:
        self._undo.commit()
        self._saved = ()

    def rollback(self) -> None:
        self._undo.rollback()
        self.enabled, self._settings, self._global, self._kubeconfig, problems, count = self._saved
        del problems[count:]
        self._problems = problems
        self._saved = ()

    def secret_values(self) -> set[str]:
        """Every Secret value held, and the ConfigMap values objects read: what a failure note must not show."""
        found = {value for data in self._secrets.values() for value in data.values()}
        found.update(
            value
            for (source, namespace, name) in self._readers
            if source == "configmap"
            for value in self._configmaps.get((namespace, name), {}).values()
        )
        return found

    # --- inputs -------------------------------------------------------------------------------------

    def configure(self, config: TAConfig) -> None:
        self.enabled = config.prometheus_cr.enabled
        self._settings = generator_settings(config)
        self._global = generator_global(config)
        self._kubeconfig = config.kube_config_file_path
        for kind in Kind:
            self._undo.item(self._selected_ns, kind)
            self._selected_ns[kind] = frozenset(selected_namespaces(kind, self._settings, self._namespaces))
        for kind in Kind:
            for namespace, name in sorted(self._objects[kind]):
                self._refresh((kind, namespace, name))

    def object_changed(
        self, resource: str, watch_type: str, obj: Mapping[str, Any], values: tuple[tuple[str, str], ...] = ()
    ) -> bool:
        """Apply one change; True when the job list may have changed."""
        namespace, name, labels = _meta(obj)
        deleted = watch_type == "DELETED"
        kind = RESOURCE_KINDS.get(resource)
        if kind is not None:
            store = self._objects[kind]
            if deleted:
                if (namespace, name) not in store:
                    return False
                self._undo.item(store, (namespace, name))
                del store[(namespace, name)]
            else:
                if _same_content(store.get((namespace, name)), obj):
                    return False  # a re-sync or a status-only update: nothing to regenerate
                self._undo.item(store, (namespace, name))
                store[(namespace, name)] = obj
            self._refresh((kind, namespace, name))
            return True
        if resource == NAMESPACES:
            self._undo.item(self._namespaces, name)
            if deleted:
                self._namespaces.pop(name, None)
            else:
                self._namespaces[name] = labels
            return self._reselect()
        if resource in (SECRETS, CONFIGMAPS):
            data = self._secret_data(obj, values) if resource == SECRETS else self._configmap_data(obj, values)
            target = self._secrets if resource == SECRETS else self._configmaps
            if not deleted and target.get((namespace, name)) == data:
                return False
            self._undo.item(target, (namespace, name))
            if deleted:
                target.pop((namespace, name), None)
            else:
                target[(namespace, name)] = data
            source = "secret" if resource == SECRETS else "configmap"
            readers = sorted(self._readers.get((source, namespace, name), ()))
            for key in readers:
                self._build(key)
            return bool(readers)
        return False

    @staticmethod
    def _secret_data(obj: Mapping[str, Any], values: tuple[tuple[str, str], ...]) -> dict[str, str]:
        if values:
            return dict(values)
        digests = obj.get("data") if isinstance(obj.get("data"), Mapping) else {}
        assert isinstance(digests, Mapping)
        return {str(k): secrets.unknown_value(v) for k, v in digests.items()}

    @staticmethod
    def _configmap_data(obj: Mapping[str, Any], values: tuple[tuple[str, str], ...]) -> dict[str, str]:
        if values:
            return dict(values)
        data = obj.get("data") if isinstance(obj.get("data"), Mapping) else {}
        assert isinstance(data, Mapping)
        # Journals written before ConfigMap values were digested hold them verbatim: those still replay as they did.
        return {
            str(k): secrets.unknown_value(v) if str(v).startswith(secrets.PREFIX) else str(v) for k, v in data.items()
        }

    # --- selection and generation -------------------------------------------------------------------

    def _reselect(self) -> bool:
        changed = False
        for kind in Kind:
            namespaces = frozenset(selected_namespaces(kind, self._settings, self._namespaces))
            if namespaces != self._selected_ns[kind]:
                self._undo.item(self._selected_ns, kind)
                self._selected_ns[kind] = namespaces
                changed = True
                for namespace, name in sorted(self._objects[kind]):
                    self._refresh((kind, namespace, name))
        return changed

    def _selected(self, key: Key) -> Mapping[str, Any] | None:
        kind, namespace, name = key
        obj = self._objects[kind].get((namespace, name))
        selector = self._settings.selectors(kind).objects
        if obj is None or selector is None or namespace not in self._selected_ns[kind]:
            return None
        if not namespace_watched(namespace, self._settings) or not selector(_meta(obj)[2]):
            return None
        return obj

    def _refresh(self, key: Key) -> None:
        if self._selected(key) is None:
            self._forget(key)
        else:
            self._build(key)

    def _forget(self, key: Key) -> None:
        undo = self._undo
        undo.item(self._outcomes, key)
        self._outcomes.pop(key, None)
        undo.item(self._reads, key)
        for ref in self._reads.pop(key, ()):
            readers = self._readers.get((ref.source, ref.namespace, ref.name))
            if readers is not None:
                undo.member(readers, key)
                readers.discard(key)
                if not readers:
                    undo.item(self._readers, (ref.source, ref.namespace, ref.name))
                    del self._readers[(ref.source, ref.namespace, ref.name)]

    def _lookups(self) -> Lookups:
        def secret(namespace: str, name: str, key: str) -> str | None:
            return self._secrets.get((namespace, name), {}).get(key)

        def configmap(namespace: str, name: str, key: str) -> str | None:
            return self._configmaps.get((namespace, name), {}).get(key)

        return Lookups(secret=secret, configmap=configmap)

    def _build(self, key: Key) -> None:
        obj = self._selected(key)
        self._forget(key)
        if obj is None:
            return
        kind, namespace, name = key
        outcome = build(kind, obj, self._settings, self._lookups())
        source = f"{kind.value} {namespace}/{name}"
        if isinstance(outcome, Rejected):
            problem = Problem(source=source, reason=outcome.reason)
            self._undo.item(self._outcomes, key)
            self._outcomes[key] = problem
            self._problems.append(problem)
            # A rejected object may be rejected *because* a Secret is missing: watch for it to appear.
            self._remember_reads(key, self._reads_of(kind, obj))
            return
        assert isinstance(outcome, Generated)
        self._remember_reads(key, outcome.dependencies)
        jobs: list[ScrapeJob] = []
        for raw in outcome.jobs:
            try:
                jobs.append(parse_scrape_config(self._with_kubeconfig(raw), self._global))
            except PromConfigError as exc:
                problem = Problem(source=source, reason=f"job {raw.get('job_name')}: {exc}")
                self._undo.item(self._outcomes, key)
                self._outcomes[key] = problem
                self._problems.append(problem)
                return
        self._undo.item(self._outcomes, key)
        self._outcomes[key] = tuple(jobs)

    def _reads_of(self, kind: Kind, obj: Mapping[str, Any]) -> tuple[SecretRef, ...]:
        return dependencies(kind, obj, self._settings)

    def _remember_reads(self, key: Key, refs: tuple[SecretRef, ...]) -> None:
        undo = self._undo
        undo.item(self._reads, key)
        self._reads[key] = refs
        for ref in refs:
            where = (ref.source, ref.namespace, ref.name)
            readers = self._readers.get(where)
            if readers is None:
                undo.item(self._readers, where)
                readers = self._readers[where] = set()
            undo.member(readers, key)
            readers.add(key)

    def _with_kubeconfig(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        # Upstream points every generated kubernetes_sd_config at the TA's own kubeconfig ("" in-cluster).
        job = dict(raw)
        sds = job.get("kubernetes_sd_configs")
        if isinstance(sds, list):
            job["kubernetes_sd_configs"] = [{**sd, "kubeconfig_file": self._kubeconfig} for sd in sds]
        return job

    # --- outputs ------------------------------------------------------------------------------------

    def jobs(self) -> tuple[ScrapeJob, ...]:
        """Every generated job in prometheus-operator's order: by kind, then namespace/name."""
        if not self.enabled:
            return ()
        out: list[ScrapeJob] = []
        for key in sorted(self._outcomes, key=lambda k: (_KIND_ORDER[k[0]], f"{k[1]}/{k[2]}")):
            outcome = self._outcomes[key]
            if isinstance(outcome, tuple):
                out.extend(outcome)
        return tuple(out)

    def rejected(self) -> tuple[Problem, ...]:
        return tuple(o for _, o in sorted(self._outcomes.items()) if isinstance(o, Problem))

    def take_problems(self) -> tuple[Problem, ...]:
        problems, self._problems = tuple(self._problems), []
        return problems

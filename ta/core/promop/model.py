"""Values shared by selection, validation and generation of prometheus-operator custom resources.

In: nothing (plain immutable data and type aliases). Out: ``Kind`` (the four CR kinds, in the order the operator
emits their jobs), ``SecretRef`` (one Secret/ConfigMap key an object reads), ``Rejected`` (an invalid object and
why), ``Generated`` (the jobs of one valid object), ``KindSelectors`` and ``Settings`` (the TA's ``prometheus_cr``
section as the generator needs it) and ``Lookups`` (the injected Secret/ConfigMap readers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# A CR object exactly as the API server serves it (camelCase keys, already defaulted by the CRD schema).
Obj = Mapping[str, Any]

# A generated scrape config: an insertion-ordered dict in Prometheus YAML form (snake_case keys).
Job = dict[str, Any]

# A label selector reduced to its meaning: does it match this label set? ``ta.core.config.selector`` builds these.
Selector = Callable[[Mapping[str, str]], bool]

SecretGetter = Callable[[str, str, str], "str | None"]


def match_all(_labels: Mapping[str, str]) -> bool:
    """The ``{}`` selector: matches every label set."""
    return True


class Kind(StrEnum):
    """The CR kinds; declaration order is the order of their jobs in the generated configuration."""

    SERVICE_MONITOR = "ServiceMonitor"
    POD_MONITOR = "PodMonitor"
    PROBE = "Probe"
    SCRAPE_CONFIG = "ScrapeConfig"


KIND_ORDER: tuple[Kind, ...] = tuple(Kind)


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class SecretRef:
    """A key of a Secret (``source == "secret"``) or ConfigMap (``"configmap"``) that an object reads."""

    source: str
    namespace: str
    name: str
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejected:
    """An object that was selected but is invalid; it contributes no jobs."""

    kind: Kind
    namespace: str
    name: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Generated:
    """The jobs of one valid object, plus every Secret/ConfigMap key they were built from."""

    kind: Kind
    namespace: str
    name: str
    jobs: tuple[Job, ...]
    dependencies: tuple[SecretRef, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class KindSelectors:
    """Which objects of one kind are selected.

    ``objects`` matches the object's labels; ``None`` selects nothing (the TA's unset monitor selector).
    ``namespaces`` matches the namespace's labels; ``None`` means only the TA's own namespace. The TA defaults it
    to ``{}`` (all namespaces).
    """

    objects: Selector | None = None
    namespaces: Selector | None = match_all


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """The synthetic Prometheus object the TA hands to the generator (``prometheus_cr`` plus fixed choices).

    ``scrape_classes`` are CRD-shaped ``ScrapeClass`` mappings (camelCase keys), as in the TA config.
    ``deny_fs_access`` is the TA's ``deny_fs_access_through_sms``. ``shards`` is always 1 in the TA; the
    sharding block is still emitted and neutralised by ``__tmp_disable_sharding`` downstream.
    """

    namespace: str = ""
    scrape_interval: str = "30s"
    service_monitors: KindSelectors = field(default_factory=KindSelectors)
    pod_monitors: KindSelectors = field(default_factory=KindSelectors)
    probes: KindSelectors = field(default_factory=KindSelectors)
    scrape_configs: KindSelectors = field(default_factory=KindSelectors)
    allow_namespaces: tuple[str, ...] = ()
    deny_namespaces: tuple[str, ...] = ()
    scrape_classes: tuple[Obj, ...] = ()
    shards: int = 1
    pod_target_labels: tuple[str, ...] = ()
    deny_fs_access: bool = False
    ignore_namespace_selectors: bool = False
    override_honor_labels: bool = False
    override_honor_timestamps: bool = False
    enforced_namespace_label: str = ""

    def selectors(self, kind: Kind) -> KindSelectors:
        return {
            Kind.SERVICE_MONITOR: self.service_monitors,
            Kind.POD_MONITOR: self.pod_monitors,
            Kind.PROBE: self.probes,
            Kind.SCRAPE_CONFIG: self.scrape_configs,
        }[kind]


def _missing(_namespace: str, _name: str, _key: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Lookups:
    """Readers for referenced credentials: ``(namespace, name, key) -> value``, ``None`` when absent."""

    secret: SecretGetter = _missing
    configmap: SecretGetter = _missing


class Invalid(Exception):
    """Raised inside validation/generation; becomes a ``Rejected`` with ``str(exc)`` as the reason."""

"""The Target Allocator's own configuration as immutable values.

In: nothing (pure data; ``ta.core.config.mapping`` fills these from the config file's mapping and
``ta.core.config.load`` applies env and flags). Out: ``TAConfig`` with upstream's keys and defaults. Durations are
seconds (``float``); the Prometheus ``config:`` section, ``scrape_classes`` and ``telemetry`` stay raw JSON for
the modules that interpret them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ta.core.allocation.strategy import CONSISTENT_HASHING
from ta.core.config.rawjson import RawJSON
from ta.core.config.selector import EVERYTHING, LabelSelector

DEFAULT_CONFIG_FILE = "/conf/targetallocator.yaml"
DEFAULT_LISTEN_ADDR = ":8080"
DEFAULT_HTTPS_LISTEN_ADDR = ":8443"
RELABEL_CONFIG = "relabel-config"
DEFAULT_SCRAPE_PROTOCOLS = (
    "OpenMetricsText1.0.0",
    "OpenMetricsText0.0.1",
    "PrometheusText1.0.0",
    "PrometheusText0.0.4",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HTTPSConfig:
    enabled: bool = False
    listen_addr: str = DEFAULT_HTTPS_LISTEN_ADDR
    ca_file_path: str = ""
    tls_cert_file_path: str = ""
    tls_key_file_path: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class PrometheusCRConfig:
    enabled: bool = False
    scrape_interval: float = 30.0  # seconds; 0 means Prometheus' own default (1m)
    evaluation_interval: float = 0.0
    scrape_protocols: tuple[str, ...] = DEFAULT_SCRAPE_PROTOCOLS
    scrape_classes: RawJSON | None = None  # list of prometheus-operator ScrapeClass objects, as written
    # None selects no objects of that kind; an empty selector selects all.
    service_monitor_selector: LabelSelector | None = None
    pod_monitor_selector: LabelSelector | None = None
    probe_selector: LabelSelector | None = None
    scrape_config_selector: LabelSelector | None = None
    service_monitor_namespace_selector: LabelSelector = EVERYTHING
    pod_monitor_namespace_selector: LabelSelector = EVERYTHING
    probe_namespace_selector: LabelSelector = EVERYTHING
    scrape_config_namespace_selector: LabelSelector = EVERYTHING
    allow_namespaces: tuple[str, ...] = ()  # empty = all namespaces
    deny_namespaces: tuple[str, ...] = ()
    secret_namespaces: tuple[str, ...] = ()  # as configured; see TAConfig.effective_secret_namespaces
    deny_fs_access_through_sms: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TAConfig:
    listen_addr: str = DEFAULT_LISTEN_ADDR
    # "" means in-cluster credentials: set when the configured kubeconfig file does not exist, as upstream.
    kube_config_file_path: str = ""
    collector_namespace: str = ""
    collector_selector: LabelSelector | None = None  # None (like {}) makes every pod in the namespace a collector
    prometheus_config: RawJSON | None = None  # the `config:` section
    allocation_strategy: str = CONSISTENT_HASHING
    allocation_fallback_strategy: str = ""
    filter_strategy: str = RELABEL_CONFIG  # any other value disables relabel filtering
    prometheus_cr: PrometheusCRConfig = field(default_factory=PrometheusCRConfig)
    https: HTTPSConfig = field(default_factory=HTTPSConfig)
    collector_not_ready_grace_period: float = 30.0  # seconds; 0 disables pod health filtering
    allow_insecure_auth_secrets: bool = False
    telemetry: RawJSON | None = None

    @property
    def in_cluster(self) -> bool:
        return not self.kube_config_file_path

    @property
    def relabel_filtering(self) -> bool:
        return self.filter_strategy == RELABEL_CONFIG

    def prometheus_config_dict(self) -> dict[str, Any] | None:
        """A fresh copy of the `config:` section, or None when the file has none."""
        if self.prometheus_config is None:
            return None
        value = self.prometheus_config.value()
        return value if isinstance(value, dict) else None

    def scrape_config_count(self) -> int:
        config = self.prometheus_config_dict()
        scrape_configs = config.get("scrape_configs") if config is not None else None
        return len(scrape_configs) if isinstance(scrape_configs, list) else 0

    @property
    def effective_secret_namespaces(self) -> tuple[str, ...]:
        """Namespaces whose Secrets are watched: the configured list, else the collector namespace (sorted)."""
        if self.prometheus_cr.secret_namespaces:
            return tuple(sorted(set(self.prometheus_cr.secret_namespaces)))
        return (self.collector_namespace,) if self.collector_namespace else ()

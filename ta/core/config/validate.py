"""Whole-config checks run after defaults, file, env and flags are merged.

In: the merged ``TAConfig``. Out: nothing, or ``ConfigError`` for the first problem, checked in upstream's
order with upstream's messages (scrape configs or CR watching, collector namespace, allow/deny namespaces,
telemetry readers), then the allocation strategy names, which upstream only checks when building the
allocator (an unknown fallback name panics there; here it is an ordinary error).
"""

from __future__ import annotations

from ta.core.allocation.strategy import FALLBACKS, PER_NODE, STRATEGIES
from ta.core.config.errors import ConfigError
from ta.core.config.model import TAConfig
from ta.core.config.telemetry import telemetry_problem
from ta.core.promcfg.errors import go_quote


def _unknown_strategy(key: str, name: str) -> ConfigError:
    valid = ", ".join(STRATEGIES)
    return ConfigError(f"{key}: unknown allocation strategy {go_quote(name)} (valid: {valid})")


def validate_config(config: TAConfig) -> None:
    if not config.prometheus_cr.enabled and config.scrape_config_count() == 0:
        raise ConfigError("at least one scrape config must be defined, or Prometheus CR watching must be enabled")
    if not config.collector_namespace:
        raise ConfigError("collector namespace must be set")
    if config.prometheus_cr.allow_namespaces and config.prometheus_cr.deny_namespaces:
        raise ConfigError("only one of allowNamespaces or denyNamespaces can be set")
    problem = telemetry_problem(config.telemetry)
    if problem is not None:
        raise ConfigError(problem)
    # Upstream evaluates the fallback option before looking up the main strategy, so it fails first.
    fallback = config.allocation_fallback_strategy
    if fallback and fallback not in STRATEGIES:
        raise _unknown_strategy("allocation_fallback_strategy", fallback)
    if config.allocation_strategy not in STRATEGIES:
        raise _unknown_strategy("allocation_strategy", config.allocation_strategy)
    if config.allocation_strategy == PER_NODE and fallback and fallback not in FALLBACKS:
        # Checked here, not first met by the allocator: one error line at start-up, not a config the other
        # actors apply while allocation refuses it.
        raise ConfigError(
            f"allocation_fallback_strategy: per-node cannot fall back on {go_quote(fallback)} "
            f"(valid: {', '.join(FALLBACKS)})"
        )

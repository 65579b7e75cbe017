"""Typed kubernetes_sd configs for tests, made the one way the TA makes them (``ta.core.promcfg.sd``)."""

from __future__ import annotations

from collections.abc import Mapping

from ta.core.k8s_sd.config import KubeSDConfig
from ta.core.promcfg.sd import parse_kubernetes_sd_configs


def kube_sd(raw: Mapping[str, object]) -> KubeSDConfig:
    _, (cfg,) = parse_kubernetes_sd_configs([dict(raw)])
    assert isinstance(cfg, KubeSDConfig), cfg
    return cfg

import dataclasses

import pytest

from ta.core.config.model import PrometheusCRConfig, TAConfig
from ta.core.config.rawjson import RawJSON


def test_values_are_frozen() -> None:
    config = TAConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.listen_addr = ":1"  # type: ignore[misc]


def test_secret_namespaces_default_to_the_collector_namespace() -> None:
    assert TAConfig(collector_namespace="ta").effective_secret_namespaces == ("ta",)
    assert TAConfig().effective_secret_namespaces == ()
    configured = TAConfig(collector_namespace="ta", prometheus_cr=PrometheusCRConfig(secret_namespaces=("b", "a", "b")))
    assert configured.effective_secret_namespaces == ("a", "b")


def test_in_cluster_and_relabel_filtering_flags() -> None:
    assert TAConfig().in_cluster
    assert not TAConfig(kube_config_file_path="/k").in_cluster
    assert TAConfig().relabel_filtering
    assert not TAConfig(filter_strategy="").relabel_filtering


def test_scrape_config_count_and_fresh_dicts() -> None:
    config = TAConfig(prometheus_config=RawJSON.of({"scrape_configs": [{"job_name": "a"}, {}]}, where="config"))
    assert config.scrape_config_count() == 2
    first = config.prometheus_config_dict()
    assert first is not None
    first["scrape_configs"].clear()
    assert config.scrape_config_count() == 2
    assert TAConfig().prometheus_config_dict() is None
    assert TAConfig().scrape_config_count() == 0

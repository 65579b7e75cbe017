"""Static, file, http and kubernetes SD blocks."""

from __future__ import annotations

import pytest

from ta.core.k8s_sd.config import KubeSDConfig
from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.sd import (
    parse_file_sd_configs,
    parse_http_sd_configs,
    parse_kubernetes_sd_configs,
    parse_static_configs,
)
from ta.core.promcfg.tree import Obj


def test_static_groups_are_numbered_across_entries() -> None:
    groups, rendered = parse_static_configs(
        [{"targets": ["a:1", "b:2"], "labels": {"env": "prod"}}, {"targets": ["c:3"]}, {}]
    )
    assert [g.source for g in groups] == ["0", "1", "2"]
    assert groups[0].targets == ((("__address__", "a:1"),), (("__address__", "b:2"),))
    assert groups[0].labels == (("env", "prod"),)
    assert groups[2].targets == ()
    assert rendered[1] == Obj({"targets": ("c:3",)})
    assert rendered[2] == Obj({"targets": ()})


def test_null_static_entry_is_rejected() -> None:
    with pytest.raises(PromConfigError, match=r"^empty or null section in static_configs$"):
        parse_static_configs([None])


def test_file_sd_defaults_and_errors() -> None:
    (cfg,) = parse_file_sd_configs([{"files": ["/t/*.yaml"]}])
    assert cfg.refresh_interval == "5m"
    with pytest.raises(PromConfigError, match=r"^file service discovery config must contain at least one path name$"):
        parse_file_sd_configs([{}])
    with pytest.raises(PromConfigError, match=r'^path name "/t/x.txt" is not valid for file discovery$'):
        parse_file_sd_configs([{"files": ["/t/x.txt"]}])


def test_http_sd_defaults_and_errors() -> None:
    (cfg,) = parse_http_sd_configs([{"url": "https://sd:1/x"}])
    assert (cfg.url, cfg.refresh_interval) == ("https://sd:1/x", "1m")
    for raw, message in [
        ({}, "URL is missing"),
        ({"url": "ftp://sd/x"}, "URL scheme must be 'http' or 'https'"),
        ({"url": "http:///x"}, "host is missing in URL"),
    ]:
        with pytest.raises(PromConfigError) as err:
            parse_http_sd_configs([raw])
        assert str(err.value) == message


def test_kubernetes_block_marshalled_with_defaults() -> None:
    (block,), _ = parse_kubernetes_sd_configs(
        [{"role": "endpointslice", "namespaces": {"names": ["default"]}, "attach_metadata": {"node": True}}]
    )
    assert block == Obj(
        {
            "role": "endpointslice",
            "kubeconfig_file": "",
            "enable_http2": True,
            "follow_redirects": True,
            "namespaces": Obj({"names": ("default",), "own_namespace": False}),
            "attach_metadata": Obj(
                {"node": True, "namespace": False, "deployment": False, "job": False, "cronjob": False}
            ),
        }
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "role missing (one of: pod, service, endpoints, endpointslice, node, ingress)"),
        ({"role": "pods"}, 'unknown Kubernetes SD role "pods"'),
        ({"role": "pod", "bearer_token": "x"},
         "to use custom HTTP client configuration please provide the 'api_server' URL explicitly"),
        ({"role": "pod", "api_server": "https://k", "namespaces": {"own_namespace": True}},
         "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously"),
        ({"role": "service", "selectors": [{"role": "pod"}]}, "service role supports only service selectors"),
        # These were also checked, with the same texts, by a second validator in ta.core.k8s_sd.config.
        ({"role": "foo"}, 'unknown Kubernetes SD role "foo"'),
        ({"role": "pod", "selectors": [{"role": "service"}]}, "pod role supports only pod, node selectors"),
        ({"role": "endpoints", "selectors": [{"role": "node"}]},
         "endpoints role supports only pod, service, endpoints selectors"),
        ({"role": "node", "selectors": [{"role": "node"}, {"role": "node"}]}, "duplicated selector role: node"),
        ({"role": "pod", "api_server": "https://x", "kubeconfig_file": "/k"},
         "cannot use 'kubeconfig_file' and 'api_server' simultaneously"),
        ({"role": "pod", "kubeconfig_file": "/k", "namespaces": {"own_namespace": True}},
         "cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously"),
    ],
)
def test_kubernetes_errors(raw: dict[str, object], message: str) -> None:
    with pytest.raises(PromConfigError) as err:
        parse_kubernetes_sd_configs([raw])
    assert str(err.value) == message


def test_kubernetes_block_typed_in_the_same_pass() -> None:
    (tree,), (cfg,) = parse_kubernetes_sd_configs(
        [
            {
                "role": "endpointslice",
                "api_server": "https://user:pw@k:6443",
                "namespaces": {"names": ["b", "a"], "own_namespace": False},
                "selectors": [{"role": "pod", "label": "app=x"}, {"role": "service", "field": "metadata.name=s"}],
                "attach_metadata": {"node": True, "namespace": True},
            }
        ]
    )
    assert isinstance(cfg, KubeSDConfig)
    assert (cfg.role, cfg.names, cfg.own_namespace) == ("endpointslice", ("b", "a"), False)
    selectors = [(s.role, s.label, s.field) for s in cfg.selectors]
    assert selectors == [("pod", "app=x", ""), ("service", "", "metadata.name=s")]
    assert (cfg.attach_node, cfg.attach_namespace) == (True, True)
    # The typed form never holds the password either: it is what the served tree shows.
    assert cfg.api_server == tree["api_server"] and "pw" not in cfg.api_server

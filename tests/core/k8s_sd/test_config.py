import pytest

from ta.core.k8s_sd.config import (
    KubeSDConfigError,
    Watch,
    matches_selectors,
    parse_kube_sd_config,
    required_resources,
)
from ta.core.k8s_sd.resources import ENDPOINTSLICES, NAMESPACES, NODES, PODS, SERVICES


def test_parse_full_entry() -> None:
    cfg = parse_kube_sd_config(
        {
            "role": "endpointslice",
            "kubeconfig_file": "",
            "namespaces": {"names": ["default", "b"], "own_namespace": False},
            "selectors": [{"role": "pod", "label": "app=x"}, {"role": "service", "field": "metadata.name=s"}],
            "attach_metadata": {"node": True, "namespace": True},
            "follow_redirects": True,
        }
    )
    assert cfg.role == "endpointslice"
    assert cfg.names == ("default", "b")
    assert (cfg.attach_node, cfg.attach_namespace) == (True, True)
    assert [s.role for s in cfg.selectors] == ["pod", "service"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({}, "role missing (one of: pod, service, endpoints, endpointslice, node, ingress)"),
        ({"role": "foo"}, 'unknown Kubernetes SD role "foo"'),
        ({"role": "pod", "selectors": [{"role": "service"}]}, "pod role supports only pod, node selectors"),
        (
            {"role": "endpoints", "selectors": [{"role": "node"}]},
            "endpoints role supports only pod, service, endpoints selectors",
        ),
        ({"role": "node", "selectors": [{"role": "node"}, {"role": "node"}]}, "duplicated selector role: node"),
        (
            {"role": "pod", "api_server": "https://x", "kubeconfig_file": "/k"},
            "cannot use 'kubeconfig_file' and 'api_server' simultaneously",
        ),
        (
            {"role": "pod", "api_server": "https://x", "namespaces": {"own_namespace": True}},
            "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously",
        ),
    ],
)
def test_validation_errors(raw: dict[str, object], message: str) -> None:
    with pytest.raises(KubeSDConfigError) as err:
        parse_kube_sd_config(raw)
    assert str(err.value) == message


def test_bad_selector_syntax_is_rejected() -> None:
    with pytest.raises(KubeSDConfigError):
        parse_kube_sd_config({"role": "pod", "selectors": [{"role": "pod", "label": "a in (b"}]})


def test_required_resources_endpointslice() -> None:
    cfg = parse_kube_sd_config(
        {
            "role": "endpointslice",
            "namespaces": {"names": ["b", "a"], "own_namespace": True},
            "selectors": [
                {"role": "pod", "label": "app=x", "field": "status.phase=Running"},
                {"role": "endpointslice", "label": "k"},
            ],
            "attach_metadata": {"node": True, "namespace": True},
        }
    )
    watches = required_resources(cfg, own_namespace="me")
    assert watches == tuple(
        sorted(
            [Watch(resource=ENDPOINTSLICES, namespace=ns, label_selector="k") for ns in ("a", "b", "me")]
            + [Watch(resource=SERVICES, namespace=ns) for ns in ("a", "b", "me")]
            + [
                Watch(resource=PODS, namespace=ns, label_selector="app=x", field_selector="status.phase=Running")
                for ns in ("a", "b", "me")
            ]
            + [Watch(resource=NODES), Watch(resource=NAMESPACES)]
        )
    )


def test_required_resources_simple_roles() -> None:
    assert required_resources(parse_kube_sd_config({"role": "node", "namespaces": {"names": ["x"]}})) == (
        Watch(resource=NODES),
    )
    assert required_resources(parse_kube_sd_config({"role": "service"})) == (Watch(resource=SERVICES),)
    pod_cfg = parse_kube_sd_config({"role": "pod", "selectors": [{"role": "node", "label": "a=b"}]})
    # Without attach_metadata.node the node selector has nothing to act on.
    assert required_resources(pod_cfg) == (Watch(resource=PODS),)


def test_matches_selectors() -> None:
    cfg = parse_kube_sd_config(
        {"role": "pod", "selectors": [{"role": "pod", "label": "app in (a,b)", "field": "spec.nodeName=n1"}]}
    )
    good = {"metadata": {"labels": {"app": "a"}}, "spec": {"nodeName": "n1"}}
    assert matches_selectors(cfg, PODS, good)
    assert not matches_selectors(cfg, PODS, {"metadata": {"labels": {"app": "a"}}, "spec": {"nodeName": "n2"}})
    assert matches_selectors(cfg, NODES, {})


from ta.core.k8s_sd.config import Watch, matches_selectors, required_resources
from ta.core.k8s_sd.resources import ENDPOINTSLICES, NAMESPACES, NODES, PODS, SERVICES
from ta.core.promcfg.sd import parse_kubernetes_sd_configs
from tests.core.k8s_sd.support import kube_sd


def test_parse_full_entry() -> None:
    cfg = kube_sd(
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


def test_bad_selector_syntax_is_reported_not_typed() -> None:
    # The job keeps being served; discovery reports this entry instead of evaluating it.
    trees, typed = parse_kubernetes_sd_configs([{"role": "pod", "selectors": [{"role": "pod", "label": "a in (b"}]}])
    assert len(trees) == 1
    assert len(typed) == 1 and isinstance(typed[0], str) and typed[0]


def test_required_resources_endpointslice() -> None:
    cfg = kube_sd(
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
    assert required_resources(kube_sd({"role": "node", "namespaces": {"names": ["x"]}})) == (
        Watch(resource=NODES),
    )
    assert required_resources(kube_sd({"role": "service"})) == (Watch(resource=SERVICES),)
    pod_cfg = kube_sd({"role": "pod", "selectors": [{"role": "node", "label": "a=b"}]})
    # Without attach_metadata.node the node selector has nothing to act on.
    assert required_resources(pod_cfg) == (Watch(resource=PODS),)


def test_matches_selectors() -> None:
    cfg = kube_sd(
        {"role": "pod", "selectors": [{"role": "pod", "label": "app in (a,b)", "field": "spec.nodeName=n1"}]}
    )
    good = {"metadata": {"labels": {"app": "a"}}, "spec": {"nodeName": "n1"}}
    assert matches_selectors(cfg, PODS, good)
    assert not matches_selectors(cfg, PODS, {"metadata": {"labels": {"app": "a"}}, "spec": {"nodeName": "n2"}})
    assert matches_selectors(cfg, NODES, {})

"""The role table is the one seam: validation, watch planning and evaluation all follow it."""

from __future__ import annotations

import pytest

from ta.core.k8s_sd.config import Watch, required_resources
from ta.core.k8s_sd.resources import NAMESPACES, NODES
from ta.core.k8s_sd.roles import ROLE_NAMES, ROLES
from ta.core.promcfg.errors import PromConfigError
from ta.core.promcfg.sd import parse_kubernetes_sd_configs
from tests.core.k8s_sd.support import kube_sd


def test_prometheus_roles_in_prometheus_order() -> None:
    assert ROLE_NAMES == ("pod", "service", "endpoints", "endpointslice", "node", "ingress")


def test_sources_as_prometheus_names_them() -> None:
    # The prefix is the builder module's own, so a role is its builder module plus its table entry.
    sources = {name: role.source("ns", "x") for name, role in ROLES.items()}
    assert sources == {
        "pod": "pod/ns/x",
        "service": "svc/ns/x",
        "endpoints": "endpoints/ns/x",
        "endpointslice": "endpointslice/ns/x",
        "node": "node/x",
        "ingress": "ingress/ns/x",
    }
    for name, role in ROLES.items():
        expected = ("", "x") if name == "node" else ("ns", "x")
        assert role.parse_source(sources[name]) == expected
        assert role.parse_source("other/ns/x") is None


@pytest.mark.parametrize("name", ROLE_NAMES)
def test_validation_follows_the_table(name: str) -> None:
    role = ROLES[name]
    for selector in ROLE_NAMES:
        raw = {"role": name, "selectors": [{"role": selector}]}
        if selector in role.selectors:
            parse_kubernetes_sd_configs([raw])
        else:
            with pytest.raises(PromConfigError, match=f"^{name} role supports only {', '.join(role.selectors)}"):
                parse_kubernetes_sd_configs([raw])


@pytest.mark.parametrize("name", ROLE_NAMES)
def test_watches_follow_the_table(name: str) -> None:
    role = ROLES[name]
    plain = {w.resource for w in required_resources(kube_sd({"role": name}))}
    assert plain == {role.primary, *role.also_reads}
    both = {"node": True, "namespace": True}
    attached = {w.resource for w in required_resources(kube_sd({"role": name, "attach_metadata": both}))}
    expected = plain | ({NODES} if role.attaches_node else set()) | ({NAMESPACES} if role.attaches_namespace else set())
    assert attached == expected


def test_a_selector_filters_the_primary_of_its_role() -> None:
    cfg = kube_sd({"role": "endpoints", "selectors": [{"role": "service", "label": "a=b"}]})
    assert Watch(resource=ROLES["service"].primary, label_selector="a=b") in required_resources(cfg)

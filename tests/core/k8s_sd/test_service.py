from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.related import NoRelated
from ta.core.k8s_sd.resources import NAMESPACES, SERVICES
from ta.core.k8s_sd.service import build_service_group
from tests.core.k8s_sd.builders import as_dicts, namespace, service
from tests.core.k8s_sd.support import kube_sd

S = "__meta_kubernetes_service_"


def test_cluster_ip_service_one_target_per_port() -> None:
    svc = service(
        "testservice",
        ports=[
            {"name": "testport", "port": 30900, "protocol": "TCP"},
            {"name": "testport2", "port": 30901, "protocol": "UDP"},
        ],
        labels={"a.b": "c"},
    )
    group = build_service_group(svc, NoRelated())
    assert group.source == "svc/default/testservice"
    assert dict(group.labels) == {
        "__meta_kubernetes_namespace": "default",
        S + "name": "testservice",
        S + "label_a_b": "c",
        S + "labelpresent_a_b": "true",
    }
    assert as_dicts(group) == [
        {
            "__address__": "testservice.default.svc:30900",
            S + "port_name": "testport",
            S + "port_number": "30900",
            S + "port_protocol": "TCP",
            S + "type": "ClusterIP",
            S + "cluster_ip": "10.0.0.1",
        },
        {
            "__address__": "testservice.default.svc:30901",
            S + "port_name": "testport2",
            S + "port_number": "30901",
            S + "port_protocol": "UDP",
            S + "type": "ClusterIP",
            S + "cluster_ip": "10.0.0.1",
        },
    ]


def test_external_name_and_load_balancer() -> None:
    ext = build_service_group(
        service("ext", type_="ExternalName", extra_spec={"externalName": "db.example.com"}), NoRelated()
    )
    [t] = as_dicts(ext)
    assert t[S + "external_name"] == "db.example.com"
    assert S + "cluster_ip" not in t
    lb = service("lb", type_="LoadBalancer", extra_spec={"loadBalancerIP": "9.9.9.9"})
    [t] = as_dicts(build_service_group(lb, NoRelated()))
    assert (t[S + "cluster_ip"], t[S + "loadbalancer_ip"]) == ("10.0.0.1", "9.9.9.9")
    lb_status = service(
        "lb",
        type_="LoadBalancer",
        status={"loadBalancer": {"ingress": [{"ip": "1.1.1.1"}, {"hostname": "h"}, {"ip": "2.2.2.2"}]}},
    )
    [t] = as_dicts(build_service_group(lb_status, NoRelated()))
    assert t[S + "loadbalancer_ip"] == "1.1.1.1,2.2.2.2"


def test_no_ports_gives_no_targets() -> None:
    assert build_service_group(service(ports=[]), NoRelated()).targets == ()


def test_index_add_delete_namespaces_and_metadata() -> None:
    store = KubeObjects()
    store.apply(SERVICES, "ADDED", service("a", "ns1"))
    store.apply(SERVICES, "ADDED", service("b", "ns2"))
    store.apply(NAMESPACES, "ADDED", namespace("ns1", annotations={"x/y": "z"}))
    cfg = kube_sd(
        {"role": "service", "namespaces": {"names": ["ns1"]}, "attach_metadata": {"namespace": True}}
    )
    kube = KubeSD(cfg, store)
    groups = kube.groups()
    assert list(groups) == ["svc/ns1/a"]
    assert dict(groups["svc/ns1/a"].labels)["__meta_kubernetes_namespace_annotation_x_y"] == "z"
    assert kube.affected_sources(SERVICES, "ns2", "b", None, service("b", "ns2")) == set()
    old = service("a", "ns1")
    store.apply(SERVICES, "DELETED", old)
    assert kube.affected_sources(SERVICES, "ns1", "a", old, None) == {"svc/ns1/a"}
    group = kube.group("svc/ns1/a")
    assert group is not None and group.targets == () and group.labels == ()


def test_all_namespaces() -> None:
    store = KubeObjects()
    store.apply(SERVICES, "ADDED", service("a", "ns1"))
    store.apply(SERVICES, "ADDED", service("b", "ns2"))
    assert sorted(KubeSD(kube_sd({"role": "service"}), store).groups()) == ["svc/ns1/a", "svc/ns2/b"]

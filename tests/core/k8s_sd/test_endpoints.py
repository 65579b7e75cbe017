from ta.core.k8s_sd.endpoints import build_endpoints_group
from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.related import NoRelated
from ta.core.k8s_sd.resources import ENDPOINTS, NODES, PODS, SERVICES
from tests.core.k8s_sd.builders import as_dicts, container, cport, endpoints, node, pod, pod_ref, service
from tests.core.k8s_sd.support import kube_sd

E = "__meta_kubernetes_endpoint_"
POD = "__meta_kubernetes_pod_"


def sd(objs: list[tuple[str, dict[str, object]]], **cfg: object) -> KubeSD:
    store = KubeObjects()
    for resource, obj in objs:
        store.apply(resource, "ADDED", obj)
    return KubeSD(kube_sd({"role": "endpoints", **cfg}), store)


def basic() -> dict[str, object]:
    return endpoints(
        labels={"app/name": "test"},
        subsets=[
            {
                "addresses": [{"ip": "1.2.3.4", "hostname": "testendpoint1", "nodeName": "foobar"}],
                "notReadyAddresses": [{"ip": "2.3.4.5"}],
                "ports": [{"name": "testport", "port": 9000, "protocol": "TCP"}],
            },
            {
                "addresses": [{"ip": "6.7.8.9", "targetRef": {"kind": "Node", "name": "barbaz"}}],
                "ports": [{"name": "testport", "port": 9002, "protocol": "TCP"}],
            },
        ],
    )


def test_ready_then_not_ready_per_port() -> None:
    group = build_endpoints_group(basic(), NoRelated())
    assert group.source == "endpoints/default/testendpoints"
    assert dict(group.labels) == {
        "__meta_kubernetes_namespace": "default",
        "__meta_kubernetes_endpoints_name": "testendpoints",
        "__meta_kubernetes_endpoints_label_app_name": "test",
        "__meta_kubernetes_endpoints_labelpresent_app_name": "true",
    }
    port = {E + "port_name": "testport", E + "port_protocol": "TCP"}
    assert as_dicts(group) == [
        {
            "__address__": "1.2.3.4:9000",
            E + "hostname": "testendpoint1",
            E + "node_name": "foobar",
            E + "ready": "true",
            **port,
        },
        {"__address__": "2.3.4.5:9000", E + "ready": "false", **port},
        {
            "__address__": "6.7.8.9:9002",
            E + "address_target_kind": "Node",
            E + "address_target_name": "barbaz",
            E + "ready": "true",
            **port,
        },
    ]


def test_pod_enrichment_uses_endpoint_protocol_and_adds_uncovered_ports() -> None:
    p = pod(containers=[container("c1", [cport("mainport", 9000, "UDP")]), container("c2", [cport("side", 9001)])])
    eps = endpoints(
        subsets=[
            {
                "addresses": [{"ip": "4.3.2.1", "targetRef": pod_ref()}],
                "ports": [{"name": "testport", "port": 9000, "protocol": "TCP"}],
            }
        ]
    )
    targets = as_dicts(sd([(PODS, p), (ENDPOINTS, eps)]).groups()["endpoints/default/testendpoints"])
    assert targets[0][POD + "container_name"] == "c1"
    assert targets[0][POD + "container_port_protocol"] == "TCP"
    assert POD + "container_id" not in targets[0]
    assert targets[1]["__address__"] == "1.2.3.4:9001"
    assert targets[1][POD + "container_port_protocol"] == "TCP"
    assert E + "ready" not in targets[1]


def test_with_service_and_service_update() -> None:
    store = KubeObjects()
    kube = KubeSD(kube_sd({"role": "endpoints"}), store)
    store.apply(ENDPOINTS, "ADDED", basic())
    svc = service(labels={"app": "x"})
    store.apply(SERVICES, "ADDED", svc)
    assert kube.affected_sources(SERVICES, "default", "testendpoints", None, svc) == {"endpoints/default/testendpoints"}
    group = kube.group("endpoints/default/testendpoints")
    assert group is not None
    assert dict(group.labels)["__meta_kubernetes_service_label_app"] == "x"
    assert kube.affected_sources(SERVICES, "default", "unrelated", None, service("unrelated")) == set()


def test_node_metadata_prefers_node_name() -> None:
    eps = endpoints(
        subsets=[
            {
                "addresses": [{"ip": "1.1.1.1", "nodeName": "a", "targetRef": {"kind": "Node", "name": "b"}}],
                "ports": [{"port": 80}],
            }
        ]
    )
    kube = sd(
        [(ENDPOINTS, eps), (NODES, node("a", labels={"n": "a"})), (NODES, node("b", labels={"n": "b"}))],
        attach_metadata={"node": True},
    )
    [t] = as_dicts(kube.groups()["endpoints/default/testendpoints"])
    assert t["__meta_kubernetes_node_label_n"] == "a"
    assert kube.affected_sources(NODES, "", "b", None, None) == {"endpoints/default/testendpoints"}


def test_empty_subsets_and_odd_input() -> None:
    assert build_endpoints_group(endpoints(subsets=[]), NoRelated()).targets == ()
    odd = endpoints(subsets=[{"addresses": [{"ip": "1.1.1.1"}], "ports": [{}]}, {"ports": None}])
    [t] = as_dicts(build_endpoints_group(odd, NoRelated()))
    assert t == {"__address__": "1.1.1.1:0", E + "port_name": "", E + "port_protocol": "", E + "ready": "true"}


def test_namespaces_and_pod_update() -> None:
    p = pod(namespace="ns1")
    eps1 = endpoints(
        namespace="ns1",
        subsets=[{"addresses": [{"ip": "1.2.3.4", "targetRef": pod_ref(namespace="ns1")}], "ports": [{"port": 9000}]}],
    )
    eps2 = endpoints(namespace="ns2", subsets=[{"addresses": [{"ip": "1.2.3.4"}], "ports": [{"port": 9000}]}])
    kube = sd([(PODS, p), (ENDPOINTS, eps1), (ENDPOINTS, eps2)], namespaces={"names": ["ns1"]})
    assert list(kube.groups()) == ["endpoints/ns1/testendpoints"]
    assert kube.affected_sources(PODS, "ns1", "testpod", p, p) == {"endpoints/ns1/testendpoints"}

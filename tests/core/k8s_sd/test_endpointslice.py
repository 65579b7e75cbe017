import json

from ta.core.k8s_sd.endpointslice import build_endpointslice_group
from ta.core.k8s_sd.index import KubeObjects, KubeSD
from ta.core.k8s_sd.related import NoRelated
from ta.core.k8s_sd.resources import ENDPOINTSLICES, NAMESPACES, NODES, PODS, SERVICES
from tests.core.k8s_sd.builders import (
    as_dicts,
    container,
    cport,
    endpointslice,
    flat,
    namespace,
    node,
    pod,
    pod_ref,
    service,
)
from tests.core.k8s_sd.support import kube_sd

ESL = "__meta_kubernetes_endpointslice_"
POD = "__meta_kubernetes_pod_"


def sd(objs: list[tuple[str, dict[str, object]]], **cfg: object) -> KubeSD:
    store = KubeObjects()
    for resource, obj in objs:
        store.apply(resource, "ADDED", obj)
    return KubeSD(kube_sd({"role": "endpointslice", **cfg}), store)


def four_endpoint_slice() -> dict[str, object]:
    return endpointslice(
        annotations={"test.annotation": "test"},
        ports=[{"name": "testport", "port": 9000, "protocol": "TCP", "appProtocol": "http"}],
        endpoints=[
            {
                "addresses": ["1.2.3.4"],
                "conditions": {"ready": True, "serving": True, "terminating": False},
                "hostname": "testendpoint1",
                "targetRef": {},
                "nodeName": "foobar",
                "deprecatedTopology": {"topology": "value"},
                "zone": "us-east-1a",
            },
            {"addresses": ["2.3.4.5"], "conditions": {"ready": True, "serving": True, "terminating": False}},
            {"addresses": ["3.4.5.6"], "conditions": {"ready": False, "serving": True, "terminating": True}},
            {
                "addresses": ["4.5.6.7"],
                "conditions": {"ready": True, "serving": True, "terminating": False},
                "targetRef": {"kind": "Node", "name": "barbaz"},
            },
        ],
    )


def test_all_optional_endpoint_fields_and_conditions() -> None:
    group = build_endpointslice_group(four_endpoint_slice(), NoRelated())
    assert group.source == "endpointslice/default/testendpoints"
    assert dict(group.labels) == {
        ESL + "address_type": "IPv4",
        "__meta_kubernetes_namespace": "default",
        ESL + "name": "testendpoints",
        ESL + "label_kubernetes_io_service_name": "testendpoints",
        ESL + "labelpresent_kubernetes_io_service_name": "true",
        ESL + "annotation_test_annotation": "test",
        ESL + "annotationpresent_test_annotation": "true",
    }
    port = {
        ESL + "port": "9000",
        ESL + "port_app_protocol": "http",
        ESL + "port_name": "testport",
        ESL + "port_protocol": "TCP",
    }
    assert as_dicts(group) == [
        {
            "__address__": "1.2.3.4:9000",
            # An empty targetRef still yields (empty) kind/name labels.
            ESL + "address_target_kind": "",
            ESL + "address_target_name": "",
            ESL + "endpoint_conditions_ready": "true",
            ESL + "endpoint_conditions_serving": "true",
            ESL + "endpoint_conditions_terminating": "false",
            ESL + "endpoint_hostname": "testendpoint1",
            ESL + "endpoint_node_name": "foobar",
            ESL + "endpoint_topology_present_topology": "true",
            ESL + "endpoint_topology_topology": "value",
            ESL + "endpoint_zone": "us-east-1a",
            **port,
        },
        {
            "__address__": "2.3.4.5:9000",
            ESL + "endpoint_conditions_ready": "true",
            ESL + "endpoint_conditions_serving": "true",
            ESL + "endpoint_conditions_terminating": "false",
            **port,
        },
        {
            # Not ready and terminating endpoints are kept, only labelled.
            "__address__": "3.4.5.6:9000",
            ESL + "endpoint_conditions_ready": "false",
            ESL + "endpoint_conditions_serving": "true",
            ESL + "endpoint_conditions_terminating": "true",
            **port,
        },
        {
            "__address__": "4.5.6.7:9000",
            ESL + "address_target_kind": "Node",
            ESL + "address_target_name": "barbaz",
            ESL + "endpoint_conditions_ready": "true",
            ESL + "endpoint_conditions_serving": "true",
            ESL + "endpoint_conditions_terminating": "false",
            **port,
        },
    ]


def pod_labels(ip: str = "1.2.3.4") -> dict[str, str]:
    return {
        POD + "host_ip": "2.3.4.5",
        POD + "ip": ip,
        POD + "name": "testpod",
        POD + "node_name": "testnode",
        POD + "phase": "",
        POD + "ready": "unknown",
        POD + "uid": "deadbeef",
    }


def test_add_with_pod_enrichment_and_uncovered_container_port() -> None:
    p = pod(containers=[container("c1", [cport("mainport", 9000)]), container("c2", [cport("sideport", 9001)])])
    eps = endpointslice(
        service_name=None,
        endpoints=[{"addresses": ["4.3.2.1"], "targetRef": pod_ref(), "conditions": {"ready": False}}],
    )
    groups = sd([(PODS, p), (ENDPOINTSLICES, eps)], namespaces={"names": ["default"]}).groups()
    group = groups["endpointslice/default/testendpoints"]
    assert dict(group.labels) == {
        ESL + "address_type": "IPv4",
        ESL + "name": "testendpoints",
        "__meta_kubernetes_namespace": "default",
    }
    assert as_dicts(group) == [
        {
            "__address__": "4.3.2.1:9000",
            ESL + "address_target_kind": "Pod",
            ESL + "address_target_name": "testpod",
            ESL + "endpoint_conditions_ready": "false",
            ESL + "port": "9000",
            ESL + "port_name": "testport",
            ESL + "port_protocol": "TCP",
            POD + "container_name": "c1",
            POD + "container_image": "c1:latest",
            POD + "container_port_name": "mainport",
            POD + "container_port_number": "9000",
            POD + "container_port_protocol": "TCP",
            POD + "container_init": "false",
            **pod_labels(),
        },
        {
            "__address__": "1.2.3.4:9001",
            POD + "container_name": "c2",
            POD + "container_image": "c2:latest",
            POD + "container_port_name": "sideport",
            POD + "container_port_number": "9001",
            POD + "container_port_protocol": "TCP",
            POD + "container_init": "false",
            **pod_labels(),
        },
    ]


def test_group_names_every_label_its_targets_carry() -> None:
    # target_names lets a job decide group-level rules once per slice: it must cover every target's names.
    p = pod(containers=[container("c1", [cport("mainport", 9000)]), container("c2", [cport("sideport", 9001)])])
    eps = endpointslice(
        endpoints=[
            {"addresses": ["4.3.2.1"], "targetRef": pod_ref(), "conditions": {"ready": False}, "zone": "z"},
            {"addresses": ["4.3.2.2"], "nodeName": "n1", "deprecatedTopology": {"a/b": "c"}},
        ],
    )
    store = KubeObjects()
    for resource, obj in ((PODS, p), (ENDPOINTSLICES, eps)):
        store.apply(resource, "ADDED", obj)
    for cfg in ({}, {"attach_metadata": {"node": True}}):
        group = KubeSD(kube_sd({"role": "endpointslice", **cfg}), store).groups()[
            "endpointslice/default/testendpoints"
        ]
        carried = {name for target in group.targets for name, _ in target}
        assert group.target_names is not None
        assert carried <= group.target_names
        assert len(group.targets) == 3  # two endpoints, and the pod's uncovered port
        assert group.addressless == sum(1 for target in group.targets if not dict(target).get("__address__")) == 0


def test_pod_labels_are_derived_once_per_pod_version() -> None:
    p = pod(containers=[container("c1", [cport("mainport", 9000)])])
    eps = endpointslice(service_name=None, endpoints=[{"addresses": ["4.3.2.1"], "targetRef": pod_ref()}])
    store = KubeObjects()
    store.apply(PODS, "ADDED", p)
    store.apply(ENDPOINTSLICES, "ADDED", eps)
    sd_ = KubeSD(kube_sd({"role": "endpointslice"}), store)
    first = sd_.groups()["endpointslice/default/testendpoints"].targets[0]
    again = sd_.groups()["endpointslice/default/testendpoints"].targets[0]
    assert first == again
    assert {id(pair) for pair in first} & {id(pair) for pair in again}  # the pod's pairs are shared
    store.apply(PODS, "MODIFIED", pod(containers=[container("c1", [cport("mainport", 9000)])], labels={"app": "new"}))
    after = dict(sd_.groups()["endpointslice/default/testendpoints"].targets[0])
    assert after[POD + "label_app"] == "new"


def test_sidecar_and_init_containers() -> None:
    p = pod(
        ip="4.3.2.1",
        containers=[container("c1", [cport("mainport", 9000)])],
        init_containers=[container("ic1", [cport("initport", 1111)]), container("ic2", [cport("initport", 9111)])],
    )
    eps = endpointslice(
        "testsidecar",
        service_name=None,
        ports=[
            {"name": "testport", "port": 9000, "protocol": "TCP"},
            {"name": "initport", "port": 9111, "protocol": "TCP"},
        ],
        endpoints=[{"addresses": ["4.3.2.1"], "targetRef": pod_ref()}],
    )
    group = sd([(PODS, p), (ENDPOINTSLICES, eps)]).groups()["endpointslice/default/testsidecar"]
    got = [
        (t["__address__"], t[POD + "container_name"], t[POD + "container_init"], ESL + "port" in t)
        for t in as_dicts(group)
    ]
    assert got == [
        ("4.3.2.1:9000", "c1", "false", True),
        ("4.3.2.1:9111", "ic2", "true", True),
        ("4.3.2.1:1111", "ic1", "true", False),
    ]


def test_port_number_declared_by_two_containers_labels_the_last() -> None:
    p = pod(containers=[container("a", [cport("x", 9000)]), container("b", [cport("y", 9000, "UDP")])])
    eps = endpointslice(service_name=None, endpoints=[{"addresses": ["1.2.3.4"], "targetRef": pod_ref()}])
    group = sd([(PODS, p), (ENDPOINTSLICES, eps)]).groups()["endpointslice/default/testendpoints"]
    [target] = as_dicts(group)
    assert (target[POD + "container_name"], target[POD + "container_port_protocol"]) == ("b", "UDP")


def test_empty_endpoints_still_yield_group_labels() -> None:
    group = build_endpointslice_group(endpointslice(endpoints=[]), NoRelated())
    assert group.targets == ()
    assert dict(group.labels)[ESL + "name"] == "testendpoints"


def test_with_service_labels() -> None:
    svc = service(labels={"app/name": "test"}, annotations={"a.b": "c"})
    eps = endpointslice(endpoints=[{"addresses": ["1.2.3.4"]}])
    group = sd([(SERVICES, svc), (ENDPOINTSLICES, eps)]).groups()["endpointslice/default/testendpoints"]
    labels = dict(group.labels)
    assert labels["__meta_kubernetes_service_name"] == "testendpoints"
    assert labels["__meta_kubernetes_service_label_app_name"] == "test"
    assert labels["__meta_kubernetes_service_labelpresent_app_name"] == "true"
    assert labels["__meta_kubernetes_service_annotation_a_b"] == "c"
    assert labels["__meta_kubernetes_service_annotationpresent_a_b"] == "true"


def test_service_failing_selector_still_emits_targets_without_service_labels() -> None:
    svc = service(labels={"app": "other"})
    eps = endpointslice(endpoints=[{"addresses": ["1.2.3.4"]}])
    kube = sd([(SERVICES, svc), (ENDPOINTSLICES, eps)], selectors=[{"role": "service", "label": "app=mine"}])
    group = kube.groups()["endpointslice/default/testendpoints"]
    assert len(group.targets) == 1
    assert "__meta_kubernetes_service_name" not in dict(group.labels)


def test_pod_failing_selector_is_not_a_pod() -> None:
    p = pod(labels={"app": "other"}, containers=[container("c", [cport("a", 9000), cport("b", 9001)])])
    eps = endpointslice(service_name=None, endpoints=[{"addresses": ["1.2.3.4"], "targetRef": pod_ref()}])
    kube = sd([(PODS, p), (ENDPOINTSLICES, eps)], selectors=[{"role": "pod", "label": "app=mine"}])
    [target] = as_dicts(kube.groups()["endpointslice/default/testendpoints"])
    assert not any(k.startswith(POD) for k in target)


def test_with_node_metadata() -> None:
    eps = endpointslice(
        endpoints=[
            {"addresses": ["1.2.3.4"], "nodeName": "foobar"},
            {"addresses": ["4.5.6.7"], "nodeName": "foobar", "targetRef": {"kind": "Node", "name": "barbaz"}},
            {"addresses": ["5.6.7.8"], "nodeName": "missing"},
        ]
    )
    n1 = node("foobar", labels={"az": "us-east1"})
    n2 = node("barbaz", labels={"az": "us-west2"})
    kube = sd([(ENDPOINTSLICES, eps), (NODES, n1), (NODES, n2)], attach_metadata={"node": True})
    targets = as_dicts(kube.groups()["endpointslice/default/testendpoints"])
    assert targets[0]["__meta_kubernetes_node_name"] == "foobar"
    assert targets[0]["__meta_kubernetes_node_label_az"] == "us-east1"
    assert targets[0]["__meta_kubernetes_node_labelpresent_az"] == "true"
    # A Node targetRef wins over nodeName.
    assert targets[1]["__meta_kubernetes_node_label_az"] == "us-west2"
    assert "__meta_kubernetes_node_name" not in targets[2]


def test_namespaces_are_restricted() -> None:
    a = endpointslice(namespace="ns1", endpoints=[{"addresses": ["1.1.1.1"]}])
    b = endpointslice(namespace="ns2", endpoints=[{"addresses": ["2.2.2.2"]}])
    c = endpointslice(namespace="ns3", endpoints=[{"addresses": ["3.3.3.3"]}])
    kube = sd([(ENDPOINTSLICES, a), (ENDPOINTSLICES, b), (ENDPOINTSLICES, c)], namespaces={"names": ["ns1", "ns2"]})
    assert sorted(kube.groups()) == ["endpointslice/ns1/testendpoints", "endpointslice/ns2/testendpoints"]


def test_empty_pod_status_gives_no_extra_targets() -> None:
    p = pod(ip="", host_ip="")
    eps = endpointslice(
        service_name=None,
        ports=[{"name": "other", "port": 8080, "protocol": "TCP"}],
        endpoints=[{"addresses": ["1.2.3.4"], "targetRef": pod_ref()}],
    )
    group = sd([(PODS, p), (ENDPOINTSLICES, eps)]).groups()["endpointslice/default/testendpoints"]
    # Only the endpoint target; the pod's uncovered port 9000 has no IP to build an address from.
    assert [t["__address__"] for t in as_dicts(group)] == ["1.2.3.4:8080"]


def test_with_namespace_metadata() -> None:
    eps = endpointslice(endpoints=[{"addresses": ["1.2.3.4"]}])
    ns = namespace("default", labels={"team": "a"}, annotations={"owner": "x"})
    group = sd([(ENDPOINTSLICES, eps), (NAMESPACES, ns)], attach_metadata={"namespace": True}).groups()[
        "endpointslice/default/testendpoints"
    ]
    labels = dict(group.labels)
    assert labels["__meta_kubernetes_namespace_label_team"] == "a"
    assert labels["__meta_kubernetes_namespace_annotationpresent_owner"] == "true"
    assert "__meta_kubernetes_namespace_name" not in labels


def dual_stack_service(policy: str | None, families: list[str]) -> dict[str, object]:
    extra: dict[str, object] = {"ipFamilies": families}
    if policy is not None:
        extra["ipFamilyPolicy"] = policy
    return service(extra_spec=extra)


def test_dual_stack_secondary_slice_has_labels_but_no_targets() -> None:
    for policy in ("PreferDualStack", "RequireDualStack"):
        v4 = endpointslice("s-v4", endpoints=[{"addresses": ["1.2.3.4"]}])
        v6 = endpointslice("s-v6", address_type="IPv6", endpoints=[{"addresses": ["fd00::1"]}])
        groups = sd(
            [(SERVICES, dual_stack_service(policy, ["IPv4", "IPv6"])), (ENDPOINTSLICES, v4), (ENDPOINTSLICES, v6)]
        ).groups()
        assert [t["__address__"] for t in as_dicts(groups["endpointslice/default/s-v4"])] == ["1.2.3.4:9000"]
        assert groups["endpointslice/default/s-v6"].targets == ()
        assert dict(groups["endpointslice/default/s-v6"].labels)["__meta_kubernetes_service_name"] == "testendpoints"


def test_dual_stack_ipv6_primary_and_single_stack() -> None:
    v6 = endpointslice("s-v6", address_type="IPv6", endpoints=[{"addresses": ["fd00::1"]}])
    v4 = endpointslice("s-v4", endpoints=[{"addresses": ["1.2.3.4"]}])
    groups = sd(
        [
            (SERVICES, dual_stack_service("PreferDualStack", ["IPv6", "IPv4"])),
            (ENDPOINTSLICES, v4),
            (ENDPOINTSLICES, v6),
        ]
    ).groups()
    assert [t["__address__"] for t in as_dicts(groups["endpointslice/default/s-v6"])] == ["[fd00::1]:9000"]
    assert groups["endpointslice/default/s-v4"].targets == ()
    single = sd([(SERVICES, dual_stack_service("SingleStack", ["IPv6"])), (ENDPOINTSLICES, v4)]).groups()
    assert len(single["endpointslice/default/s-v4"].targets) == 1


def test_port_without_number_gives_bare_address_and_no_container_match() -> None:
    p = pod()
    eps = endpointslice(
        service_name=None, ports=[{"name": "anything"}], endpoints=[{"addresses": ["1.2.3.4"], "targetRef": pod_ref()}]
    )
    targets = as_dicts(sd([(PODS, p), (ENDPOINTSLICES, eps)]).groups()["endpointslice/default/testendpoints"])
    assert targets[0]["__address__"] == "1.2.3.4"
    assert ESL + "port" not in targets[0]
    assert POD + "container_name" not in targets[0]
    # The uncovered container port still becomes an extra target.
    assert targets[1]["__address__"] == "1.2.3.4:9000"


def test_odd_input_does_not_crash() -> None:
    odd = {
        "metadata": {"name": "odd", "namespace": "default", "labels": None, "annotations": {"x": "y" * 300_000}},
        "addressType": "FQDN",
        "ports": None,
        "endpoints": [{"addresses": None}, {"conditions": None, "targetRef": None}],
    }
    group = build_endpointslice_group(odd, NoRelated())
    assert group.targets == ()
    assert dict(group.labels)[ESL + "annotation_x"] == "y" * 300_000
    no_ports = endpointslice(ports=[], endpoints=[{"addresses": ["1.2.3.4"]}])
    assert build_endpointslice_group(no_ports, NoRelated()).targets == ()


SEED_TARGET = {
    "__meta_kubernetes_endpointslice_port_name": "prom",
    "__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name": "true",
    "__meta_kubernetes_endpointslice_port_protocol": "TCP",
    "__meta_kubernetes_endpointslice_address_target_name": "py-prometheus-app-575cfdd46-nfttj",
    "__meta_kubernetes_endpointslice_annotation_endpoints_kubernetes_io_last_change_trigger_time": (
        "2024-06-21T20:01:37Z"
    ),
    "__meta_kubernetes_endpointslice_labelpresent_app_kubernetes_io_name": "true",
    "__meta_kubernetes_pod_name": "py-prometheus-app-575cfdd46-nfttj",
    "__meta_kubernetes_pod_controller_name": "py-prometheus-app-575cfdd46",
    "__meta_kubernetes_pod_label_app_kubernetes_io_name": "py-prometheus-app",
    "__meta_kubernetes_endpointslice_address_target_kind": "Pod",
    "__meta_kubernetes_pod_node_name": "otel-target-allocator-talk-control-plane",
    "__meta_kubernetes_pod_labelpresent_pod_template_hash": "true",
    "__meta_kubernetes_endpointslice_label_kubernetes_io_service_name": "py-prometheus-app",
    "__meta_kubernetes_endpointslice_annotationpresent_endpoints_kubernetes_io_last_change_trigger_time": "true",
    "__meta_kubernetes_service_name": "py-prometheus-app",
    "__meta_kubernetes_pod_ready": "true",
    "__meta_kubernetes_pod_labelpresent_app": "true",
    "__meta_kubernetes_pod_controller_kind": "ReplicaSet",
    "__meta_kubernetes_endpointslice_labelpresent_app": "true",
    "__meta_kubernetes_pod_container_image": "otel-target-allocator-talk:0.1.0-py-prometheus-app",
    "__address__": "10.244.0.11:8080",
    "__meta_kubernetes_service_label_app_kubernetes_io_name": "py-prometheus-app",
    "__meta_kubernetes_pod_uid": "495d47ee-9a0e-49df-9b41-fe9e6f70090b",
    "__meta_kubernetes_endpointslice_port": "8080",
    "__meta_kubernetes_endpointslice_label_endpointslice_kubernetes_io_managed_by": "endpointslice-controller.k8s.io",
    "__meta_kubernetes_endpointslice_label_app": "my-app",
    "__meta_kubernetes_service_labelpresent_app_kubernetes_io_name": "true",
    "__meta_kubernetes_pod_host_ip": "172.24.0.2",
    "__meta_kubernetes_namespace": "opentelemetry",
    "__meta_kubernetes_endpointslice_endpoint_conditions_serving": "true",
    "__meta_kubernetes_endpointslice_labelpresent_kubernetes_io_service_name": "true",
    "__meta_kubernetes_endpointslice_endpoint_conditions_ready": "true",
    "__meta_kubernetes_service_annotation_kubectl_kubernetes_io_last_applied_configuration": (
        '{"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"labels":{"app":"my-app",'
        '"app.kubernetes.io/name":"py-prometheus-app"},"name":"py-prometheus-app","namespace":"opentelemetry"},'
        '"spec":{"ports":[{"name":"prom","port":8080}],"selector":{"app":"my-app",'
        '"app.kubernetes.io/name":"py-prometheus-app"}}}\n'
    ),
    "__meta_kubernetes_endpointslice_endpoint_conditions_terminating": "false",
    "__meta_kubernetes_pod_container_port_protocol": "TCP",
    "__meta_kubernetes_pod_phase": "Running",
    "__meta_kubernetes_pod_container_name": "my-app",
    "__meta_kubernetes_pod_container_port_name": "prom",
    "__meta_kubernetes_pod_ip": "10.244.0.11",
    "__meta_kubernetes_service_annotationpresent_kubectl_kubernetes_io_last_applied_configuration": "true",
    "__meta_kubernetes_service_labelpresent_app": "true",
    "__meta_kubernetes_endpointslice_address_type": "IPv4",
    "__meta_kubernetes_service_label_app": "my-app",
    "__meta_kubernetes_pod_label_app": "my-app",
    "__meta_kubernetes_pod_container_port_number": "8080",
    "__meta_kubernetes_endpointslice_name": "py-prometheus-app-bwbvn",
    "__meta_kubernetes_pod_label_pod_template_hash": "575cfdd46",
    "__meta_kubernetes_endpointslice_endpoint_node_name": "otel-target-allocator-talk-control-plane",
    "__meta_kubernetes_endpointslice_labelpresent_endpointslice_kubernetes_io_managed_by": "true",
    "__meta_kubernetes_endpointslice_label_app_kubernetes_io_name": "py-prometheus-app",
}


def test_rebuilds_the_documented_servicemonitor_target_label_for_label() -> None:
    """The /jobs/.../targets sample in the OpenTelemetry TA troubleshooting docs (seed 000), rebuilt from objects."""
    ns, app, node_name = "opentelemetry", "py-prometheus-app", "otel-target-allocator-talk-control-plane"
    app_labels = {"app": "my-app", "app.kubernetes.io/name": app}
    last_applied = (
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"annotations": {}, "labels": app_labels, "name": app, "namespace": ns},
                "spec": {"ports": [{"name": "prom", "port": 8080}], "selector": app_labels},
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    svc = service(
        app,
        ns,
        labels=app_labels,
        ports=[{"name": "prom", "port": 8080, "protocol": "TCP", "targetPort": 8080}],
        annotations={"kubectl.kubernetes.io/last-applied-configuration": last_applied},
    )
    p = pod(
        f"{app}-575cfdd46-nfttj",
        ns,
        ip="10.244.0.11",
        host_ip="172.24.0.2",
        node=node_name,
        uid="495d47ee-9a0e-49df-9b41-fe9e6f70090b",
        labels={**app_labels, "pod-template-hash": "575cfdd46"},
        owner=("ReplicaSet", f"{app}-575cfdd46"),
        phase="Running",
        ready="True",
        containers=[
            container("my-app", [cport("prom", 8080)], image="otel-target-allocator-talk:0.1.0-py-prometheus-app")
        ],
        statuses=[{"name": "my-app", "containerID": "containerd://abc", "ready": True}],
    )
    eps = endpointslice(
        f"{app}-bwbvn",
        ns,
        service_name=app,
        labels={**app_labels, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
        annotations={"endpoints.kubernetes.io/last-change-trigger-time": "2024-06-21T20:01:37Z"},
        ports=[{"name": "prom", "port": 8080, "protocol": "TCP"}],
        endpoints=[
            {
                "addresses": ["10.244.0.11"],
                "conditions": {"ready": True, "serving": True, "terminating": False},
                "nodeName": node_name,
                "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": ns, "uid": "x"},
            }
        ],
    )
    kube = sd([(SERVICES, svc), (PODS, p), (ENDPOINTSLICES, eps)], namespaces={"names": [ns]})
    group = kube.groups()[f"endpointslice/{ns}/{app}-bwbvn"]
    [target] = group.targets
    got = {k: v for k, v in flat(group, target).items() if v}
    # The sample predates Prometheus adding __meta_kubernetes_pod_container_init; everything else is identical.
    assert got.pop("__meta_kubernetes_pod_container_init") == "false"
    assert got == SEED_TARGET


def test_odd_label_values_do_not_break_pod_enrichment() -> None:
    # A non-string label value (not what the API serves, but a capture may hold anything) is skipped, not fatal.
    p = pod(containers=[container("c1", [cport("mainport", 9000)])], labels={"app": "x"})
    p["metadata"]["labels"]["weird"] = {"nested": True}  # type: ignore[index]
    eps = endpointslice(service_name=None, endpoints=[{"addresses": ["4.3.2.1"], "targetRef": pod_ref()}])
    for _ in range(2):  # the second build goes through the pair tables
        [target] = as_dicts(sd([(PODS, p), (ENDPOINTSLICES, eps)]).groups()["endpointslice/default/testendpoints"])
        assert target[POD + "label_app"] == "x"
        assert not any("weird" in name for name in target)


def test_an_empty_address_without_port_is_counted_as_addressless() -> None:
    eps = endpointslice(service_name=None, ports=[{"name": "np"}], endpoints=[{"addresses": ["", "1.2.3.4"]}])
    group = sd([(ENDPOINTSLICES, eps)]).groups()["endpointslice/default/testendpoints"]
    assert [dict(t)["__address__"] for t in group.targets] == ["", "1.2.3.4"]
    assert group.addressless == 1

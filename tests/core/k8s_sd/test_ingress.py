from ta.core.k8s_sd.ingress import build_ingress_group, matches_hostname_pattern
from ta.core.k8s_sd.related import NoRelated
from tests.core.k8s_sd.builders import as_dicts, ingress

ING = "__meta_kubernetes_ingress_"


def spec(tls: list[str] | None = None) -> dict[str, object]:
    out: dict[str, object] = {
        "ingressClassName": "testclass",
        "rules": [
            {"host": "example.com", "http": {"paths": [{"path": "/"}, {"path": "/foo"}]}},
            {"host": "test.example.com", "http": {"paths": [{}]}},
            {"host": "nohttp.example.com"},
        ],
    }
    if tls is not None:
        out["tls"] = [{"hosts": tls}]
    return out


def test_add_plain() -> None:
    group = build_ingress_group(ingress(spec=spec(), labels={"l": "v"}), NoRelated())
    assert group.source == "ingress/default/testingress"
    assert dict(group.labels) == {
        "__meta_kubernetes_namespace": "default",
        ING + "name": "testingress",
        ING + "class_name": "testclass",
        ING + "label_l": "v",
        ING + "labelpresent_l": "true",
    }
    assert [(t["__address__"], t[ING + "scheme"], t[ING + "host"], t[ING + "path"]) for t in as_dicts(group)] == [
        ("example.com", "http", "example.com", "/"),
        ("example.com", "http", "example.com", "/foo"),
        ("test.example.com", "http", "test.example.com", "/"),
        ("nohttp.example.com", "http", "nohttp.example.com", "/"),
    ]


def test_tls_and_wildcard() -> None:
    group = build_ingress_group(ingress(spec=spec(tls=["example.com", "*.example.com"])), NoRelated())
    assert [t[ING + "scheme"] for t in as_dicts(group)] == ["https", "https", "https", "https"]
    mixed = build_ingress_group(ingress(spec=spec(tls=["example.com"])), NoRelated())
    assert [t[ING + "scheme"] for t in as_dicts(mixed)] == ["https", "https", "http", "http"]


def test_hostname_pattern() -> None:
    assert matches_hostname_pattern("*.example.com", "a.example.com")
    assert not matches_hostname_pattern("*.example.com", "a.b.example.com")
    assert not matches_hostname_pattern("a.*.com", "a.b.com")


def test_odd_input() -> None:
    group = build_ingress_group(ingress(spec={"rules": [{"http": {"paths": []}}, {}]}), NoRelated())
    # A rule without host still yields a target with an empty address; an http block without paths yields none.
    assert as_dicts(group) == [{"__address__": "", ING + "scheme": "http", ING + "host": "", ING + "path": "/"}]
    assert ING + "class_name" not in dict(group.labels)

import pytest

from ta.core.k8s_sd.selectors import SelectorError, field_value, parse_field_selector, parse_label_selector


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("", {}, True),
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("app!=web", {"app": "web"}, False),
        ("env in (prod, staging)", {"env": "staging"}, True),
        ("env in (prod)", {}, False),
        ("env notin (prod)", {}, True),
        ("env notin (prod,dev)", {"env": "dev"}, False),
        ("tier", {"tier": ""}, True),
        ("!tier", {"tier": "x"}, False),
        ("!tier", {}, True),
        ("app.kubernetes.io/name=web, env in (a,b), !legacy", {"app.kubernetes.io/name": "web", "env": "b"}, True),
        ("rank>3", {"rank": "4"}, True),
        ("rank<3", {"rank": "x"}, False),
        ("empty=", {"empty": ""}, True),
    ],
)
def test_label_selector(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(selector).matches(labels) is expected


@pytest.mark.parametrize("bad", ["app=(", "a b", "env in ()", "=x", "app=a b", "-bad=x", "app=" + "x" * 64, "x>y"])
def test_label_selector_errors(bad: str) -> None:
    with pytest.raises(SelectorError):
        parse_label_selector(bad)


def test_field_selector() -> None:
    p = {"metadata": {"name": "p", "namespace": "ns"}, "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}}
    assert parse_field_selector("spec.nodeName=n1,status.phase!=Failed").matches(p)
    assert not parse_field_selector("metadata.namespace==other").matches(p)
    assert parse_field_selector("spec.hostNetwork=false").matches(p)
    assert parse_field_selector(r"metadata.name=a\,b").requirements[0].value == "a,b"
    assert field_value({"spec": {"unschedulable": True}}, "spec.unschedulable") == "true"
    assert parse_field_selector("").matches({})


@pytest.mark.parametrize("bad", ["nooperator", r"a=b\x", "a=b=c"])
def test_field_selector_errors(bad: str) -> None:
    with pytest.raises(SelectorError):
        parse_field_selector(bad)

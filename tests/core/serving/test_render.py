from ta.core.base.labels import label_set
from ta.core.base.model import Target
from ta.core.serving import render


def _t(address: str, job: str = "j", h: int = 1, **labels: str) -> Target:
    return Target(job=job, address=address, own=label_set({"__address__": address, **labels}), hash=h)


def test_query_escape_matches_go() -> None:
    assert render.query_escape("serviceMonitor/ns/app/0") == "serviceMonitor%2Fns%2Fapp%2F0"
    assert render.query_escape("a b+c~d_e.f-g") == "a+b%2Bc~d_e.f-g"
    assert render.query_escape("é") == "%C3%A9"


def test_query_unescape_matches_go() -> None:
    assert render.query_unescape("serviceMonitor%2Fns%2Fapp%2F0") == "serviceMonitor/ns/app/0"
    assert render.query_unescape("a+b") == "a b"
    assert render.query_unescape("bad%2") is None
    assert render.query_unescape("bad%zz") is None


def test_jobs_body_is_sorted_compact_with_newline() -> None:
    body = render.render_jobs(["z", "serviceMonitor/ns/app/0"])
    assert body == (
        b'{"serviceMonitor/ns/app/0":{"_link":"/jobs/serviceMonitor%2Fns%2Fapp%2F0/targets"},'
        b'"z":{"_link":"/jobs/z/targets"}}\n'
    )
    assert render.render_jobs([]) == b"{}\n"


def test_targets_body_shape_and_order() -> None:
    body = render.render_targets([_t("10.0.0.2:80", h=2, b="2"), _t("10.0.0.1:80", h=1, a="1")])
    assert body == (
        b'[{"targets":["10.0.0.1:80"],"labels":{"__address__":"10.0.0.1:80","a":"1"}},'
        b'{"targets":["10.0.0.2:80"],"labels":{"__address__":"10.0.0.2:80","b":"2"}}]\n'
    )
    assert render.render_targets([]) == b"[]\n"


def test_go_html_escaping_in_strings() -> None:
    body = render.render_targets([_t("h:1", note="<a&b>\u2028")])
    assert b"\\u003ca\\u0026b\\u003e\\u2028" in body
    assert b"<" not in body


def test_job_by_collector_links_to_a_real_route() -> None:
    body = render.render_job_by_collector("a/b", [("c-0", [_t("h:1", job="a/b")]), ("c-1", [])])
    assert body.startswith(b'{"c-0":{"_link":"/jobs/a%2Fb/targets?collector_id=c-0","targets":[{"targets":["h:1"]')
    assert body.endswith(b'"c-1":{"_link":"/jobs/a%2Fb/targets?collector_id=c-1","targets":[]}}\n')

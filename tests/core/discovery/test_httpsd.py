import pytest

from ta.core.discovery.httpsd import http_sd_groups

URL = "http://sd.example/targets"


@pytest.mark.parametrize(
    ("content_type", "ok"),
    [
        ("application/json", True),
        ("application/JSON", True),
        ("application/json; charset=utf-8", True),
        ('application/json;charset="utf-8"', True),
        ("  application/json  ", True),
        ("application/json;", False),
        ("application/json; charset=latin1", False),
        ("text/plain", False),
        ("", False),
    ],
)
def test_content_type_rules(content_type: str, ok: bool) -> None:
    result = http_sd_groups(URL, 200, content_type, "[]")
    assert (result == ()) if ok else isinstance(result, str)


def test_groups_sources_and_meta_url() -> None:
    body = '[{"targets": ["a:1", "b:2"], "labels": {"x": "y", "__meta_url": "spoofed"}}, {"Targets": ["c:3"]}]'
    groups = http_sd_groups(URL, 200, "application/json", body)
    assert not isinstance(groups, str)
    assert [g.source for g in groups] == [f"{URL}:0", f"{URL}:1"]
    assert groups[0].targets == ((("__address__", "a:1"),), (("__address__", "b:2"),))
    assert dict(groups[0].labels) == {"x": "y", "__meta_url": URL}
    assert dict(groups[1].labels) == {"__meta_url": URL}


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, "[]", "HTTP status 500"),
        (200, "[null]", "nil target group"),
        (200, '[{"targets": ["a"], "extra": 1}]', 'unknown field "extra"'),
        (200, "{}", "expected a list"),
        (200, "not json", "invalid JSON"),
        (200, '[{"targets": ["a"], "labels": {"": "v"}}]', "not a valid label name"),
    ],
)
def test_rejections(status: int, body: str, error: str) -> None:
    result = http_sd_groups(URL, status, "application/json", body)
    assert isinstance(result, str) and error in result

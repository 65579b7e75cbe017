"""The HTML debug pages, byte for byte.

The page cases rebuild the inputs of upstream's server_test.go HTML tests (same collectors, jobs, addresses
and labels; target hashes from our identity hash of the same labels) and compare against expected pages
kept in tests/data/html/. The escaping cases pin Go html/template and goccy/go-json behaviour on awkward
names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ta.core.discovery.targets import identity_hash
from ta.http import html

DATA = Path(__file__).resolve().parent.parent / "data" / "html"

# Upstream's fixture targets: (job, address, labels).
BASE = ("test-job", "test-url", (("test_label", "test-value"),))
JOB_TWO = ("test-job", "test-url2", (("test_label", "test-value2"),))
JOB2_TWO = ("test-job2", "test-url3", (("test_label", "test-value2"),))
JOB2_FOUR = ("test-job2", "test-url4", (("test_label", "test-value3"),))


def _hash(item: tuple[str, str, tuple[tuple[str, str], ...]]) -> int:
    job, _, labels = item
    return identity_hash(labels, job)


def _expected(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_fixture_hashes_match_upstream_goldens() -> None:
    # The hashes printed in upstream's goldens; if these moved, the page cases below would be testing a
    # different world than upstream's.
    assert _hash(BASE) == 11170662653441480747
    assert _hash(JOB_TWO) == 5467859392755170604
    assert _hash(JOB2_TWO) == 1641186170520627519
    assert _hash(JOB2_FOUR) == 14477087093029933912


# --- index -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "jobs", "targets", "collector1"),
    [
        ("index_empty.html", 0, 0, (0, 0)),
        ("index_single.html", 1, 1, (1, 1)),
        # Upstream's allocator put all three targets on test-collector1.
        ("index_multiple.html", 2, 3, (2, 3)),
    ],
)
def test_index_page(name: str, jobs: int, targets: int, collector1: tuple[int, int]) -> None:
    page = html.index_page(
        scrape_config_count=0,
        job_count=jobs,
        target_count=targets,
        # Given out of order: the page sorts by name.
        collectors=[("test-collector2", 0, 0), ("test-collector1", *collector1)],
    )
    assert page == _expected(name)


# --- jobs / job ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "jobs"),
    [
        ("jobs_empty.html", []),
        ("jobs_one.html", [("job1", 1)]),
        ("jobs_multiple.html", [("job3", 3), ("job1", 1), ("job2", 1)]),
    ],
)
def test_jobs_page(name: str, jobs: list[tuple[str, int]]) -> None:
    assert html.jobs_page(jobs) == _expected(name)


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("job_empty.html", (0, 0)),
        ("job_single.html", (1, 0)),
        # test-job2's target does not count towards test-job.
        ("job_multiple.html", (1, 0)),
    ],
)
def test_job_page(name: str, counts: tuple[int, int]) -> None:
    page = html.job_page("test-job", [("test-collector2", counts[1]), ("test-collector", counts[0])])
    assert page == _expected(name)


# --- targets / target ------------------------------------------------------------------------------------


def _row(item: tuple[str, str, tuple[tuple[str, str], ...]], collector: str) -> html.TargetRow:
    return html.TargetRow(job=item[0], target_hash=_hash(item), address=item[1], collector=collector)


@pytest.mark.parametrize(
    ("name", "items"),
    [
        ("targets_empty.html", []),
        ("targets_single.html", [BASE]),
        ("targets_multiple.html", [BASE, JOB_TWO, JOB2_TWO]),
    ],
)
def test_targets_page(name: str, items: list[tuple[str, str, tuple[tuple[str, str], ...]]]) -> None:
    rows = [_row(item, "test-collector1") for item in items]
    assert html.targets_page(rows) == _expected(name)
    # Sorted by hash, whatever order the rows come in.
    assert html.targets_page(list(reversed(rows))) == _expected(name)


@pytest.mark.parametrize(("name", "item"), [("target_single.html", BASE), ("target_multiple.html", JOB2_TWO)])
def test_target_page(name: str, item: tuple[str, str, tuple[tuple[str, str], ...]]) -> None:
    job, address, labels = item
    page = html.target_page(address=address, job=job, collector="test-collector", labels=labels)
    assert page == _expected(name)


def test_target_page_missing_hash() -> None:
    assert html.target_hash_missing_page() == _expected("target_empty_hash.html")


def test_target_page_kubernetes_fields() -> None:
    labels = [
        ("__meta_kubernetes_pod_container_port_name", "metrics"),
        ("__meta_kubernetes_namespace", "ns"),
        ("__meta_kubernetes_service_name", "svc"),
        ("__meta_kubernetes_service_port", "8080"),  # not a standard SD label, but upstream reads it
        ("__meta_kubernetes_pod_name", "pod-0"),
        ("__meta_kubernetes_pod_container_name", "app"),
        ("__meta_kubernetes_endpointslice_name", "svc-abcde"),
        ("__meta_kubernetes_endpointslice_address_target_kind", "Node"),
        ("__meta_kubernetes_endpointslice_address_target_name", "node-a"),
        ("__address__", "10.0.0.1:8080"),
    ]
    page = html.target_page(address="10.0.0.1:8080", job="j", collector="c", labels=labels).decode()
    for caption, value in [
        ("Namespace", "ns"),
        ("Service Name", "svc"),
        ("Service Port", "8080"),
        ("Pod Name", "pod-0"),
        ("Container Name", "app"),
        ("Container Port Name", "metrics"),
        # No node-name label, so the EndpointSlice target of kind Node names the node.
        ("Node Name", "node-a"),
        ("Endpoint Slice Name", "svc-abcde"),
    ]:
        row = (
            f'\n        <td style="vertical-align: top;">\n            {caption}\n        </td>'
            f'\n        <td style="vertical-align: top;">\n            {value}\n        </td>'
        )
        assert row in page
    # The label table lists labels sorted by name.
    label_rows = [line.strip() for line in page.split("<td>\n        Label", 1)[1].splitlines()]
    names = [n for n, _ in labels]
    positions = [label_rows.index(n) for n in sorted(names)]
    assert positions == sorted(positions)


def test_target_page_node_name_prefers_pod_node() -> None:
    labels = [
        ("__meta_kubernetes_endpointslice_address_target_kind", "Node"),
        ("__meta_kubernetes_endpointslice_address_target_name", "node-a"),
        ("__meta_kubernetes_pod_node_name", "node-b"),
    ]
    page = html.target_page(address="a", job="j", collector="c", labels=labels).decode()
    assert 'Node Name\n        </td>\n        <td style="vertical-align: top;">\n            node-b\n' in page


# --- collector -------------------------------------------------------------------------------------------


def test_collector_pages() -> None:
    assert html.collector_page("test-collector", []) == _expected("collector_empty.html")
    base = (BASE[0], BASE[1], _hash(BASE), "")
    assert html.collector_page("test-collector", [base]) == _expected("collector_single.html")
    four = (JOB2_FOUR[0], JOB2_FOUR[1], _hash(JOB2_FOUR), "")
    assert html.collector_page("test-collector2", [four]) == _expected("collector_multiple.html")


def test_collector_error_pages() -> None:
    assert html.collector_id_missing_page() == _expected("collector_empty_id.html")
    assert html.unknown_collector_page("unknown-collector-1") == _expected("collector_unknown_id.html")


def test_collector_page_sorted_by_hash() -> None:
    rows = [("b", "addr-big", 2**64 - 1, "s1"), ("a", "addr-small", 7, "")]
    page = html.collector_page("c", rows).decode()
    assert page.index("target_hash=7") < page.index(f"target_hash={2**64 - 1}")
    assert "\n            s1\n" in page


# --- error pages -----------------------------------------------------------------------------------------


def test_unknown_target_page() -> None:
    assert html.unknown_target_page("007") == b"<html>\n<body>\n<h1>Unknown Target: 007</h1>\n</body>\n</html>"


def test_target_hash_not_a_number_body() -> None:
    # What upstream writes for ?target_hash=x: the 400 page, then (falling through) the 404 page.
    value, ok = html.go_parse_uint64("x")
    assert (value, ok) == (0, False)
    body = html.target_hash_not_a_number_page() + html.unknown_target_page("x")
    assert body == (
        b"<html>\n<body>\n<h1>Bad Request</h1>\n<p>Expected target_hash to be a number</p>\n"
        b"<p>Example: /debug/target?target_hash=42</p>\n</body>\n</html>"
        b"<html>\n<body>\n<h1>Unknown Target: x</h1>\n</body>\n</html>"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", (42, True)),
        ("007", (7, True)),
        ("0", (0, True)),
        ("18446744073709551615", (2**64 - 1, True)),
        ("18446744073709551616", (2**64 - 1, False)),
        ("99999999999999999999x", (2**64 - 1, False)),  # overflow is seen before the bad character
        ("x99999999999999999999", (0, False)),
        ("", (0, False)),
        ("+1", (0, False)),
        ("-1", (0, False)),
        ("1_000", (0, False)),
        (" 1", (0, False)),
        ("\u0661", (0, False)),  # ARABIC-INDIC DIGIT ONE: not an ASCII digit
    ],
)
def test_go_parse_uint64(raw: str, expected: tuple[int, bool]) -> None:
    assert html.go_parse_uint64(raw) == expected


def test_bad_request_escapes() -> None:
    assert html.bad_request_page("a<b", "x&y") == (
        b"<html>\n<body>\n<h1>Bad Request</h1>\n<p>a&lt;b</p>\n<p>Example: x&amp;y</p>\n</body>\n</html>"
    )


# --- escaping --------------------------------------------------------------------------------------------


def test_html_escape_table() -> None:
    assert html.html_escape("<a href='x'>\"&+\0 é/ ") == "&lt;a href=&#39;x&#39;&gt;&#34;&amp;&#43;\ufffd é/ "


def test_job_link_and_text_escaping() -> None:
    job = "serviceMonitor/ns/a b<&\"'>/0"
    page = html.jobs_page([(job, 1)])
    # QueryEscape ("/" -> %2F, space -> "+", quotes and angle brackets percent-encoded), then attribute
    # escaping turns "+" into "&#43;"; the text is HTML-escaped.
    assert (
        b'<a href="/debug/job?job_id=serviceMonitor%2Fns%2Fa&#43;b%3C%26%22%27%3E%2F0">'
        b"serviceMonitor/ns/a b&lt;&amp;&#34;&#39;&gt;/0</a>"
    ) in page


def test_title_and_heading_escaping() -> None:
    page = html.job_page("a+b <c>", [])
    assert b"<title>Job: a&#43;b &lt;c&gt;</title>" in page
    assert b"<h1>Job: a&#43;b &lt;c&gt;</h1>" in page


def test_collector_link_escaping() -> None:
    page = html.index_page(scrape_config_count=1, job_count=0, target_count=0, collectors=[("c 1&2", 0, 0)])
    assert b'<a href="/debug/collector?collector_id=c&#43;1%262">c 1&amp;2</a>' in page


def test_target_text_escaping() -> None:
    row = html.TargetRow(job="j", target_hash=5, address="[::1]:80", collector="c", endpoint_slice="<s>")
    page = html.targets_page([row])
    assert b'<a href="/debug/target?target_hash=5">[::1]:80</a>' in page
    assert b"\n            &lt;s&gt;\n" in page


def test_undecodable_bytes_pass_through() -> None:
    # A job_id query value with %FF reaches upstream as a raw 0xFF byte; Go writes it back unchanged.
    job = b"a\xffb".decode("utf-8", "surrogateescape")
    page = html.job_page(job, [])
    assert b"<title>Job: a\xffb</title>" in page
    assert b'href="/debug/job?job_id=a%FFb"' in html.jobs_page([(job, 1)])


def test_sorting_is_bytewise() -> None:
    page = html.jobs_page([("b", 1), ("B", 1), ("a", 1), ("\u00e9", 1), ("a b", 1)])
    order = [page.index(f">{name}</a>".encode()) for name in ("B", "a", "a b", "b", "\u00e9")]
    assert order == sorted(order)


def test_even_rows_are_striped() -> None:
    page = html.jobs_page([(f"j{i}", i) for i in range(4)]).decode()
    assert page.count('<tr style="background: #eee">') == 2
    assert page.count("<tr >") == 2


# --- scrape configs --------------------------------------------------------------------------------------

SCRAPE_PAGE_HEAD = (
    "<!DOCTYPE html>\n"
    '<html lang="en"><head>\n'
    '    <meta charset="utf-8">\n'
    "    <title>OpenTelemetry Target Allocator - Scrape Configs</title>\n"
    '    <link rel="shortcut icon" href="https://opentelemetry.io/favicons/favicon.ico"/>\n'
    "</head>\n"
    "<body>\n"
    "<h1>OpenTelemetry Target Allocator - Scrape Configs</h1>\n"
    "<nav>\n"
    "    <ul>\n"
    '        <li><a href="/">Home</a></li>\n'
    '        <li><a href="/debug/scrape_configs">Scrape Configs</a></li>\n'
    '        <li><a href="/debug/jobs">Jobs</a></li>\n'
    '        <li><a href="/debug/targets">Targets</a></li>\n'
    "    </ul>\n"
    "</nav>\n"
)


def test_scrape_configs_page() -> None:
    raw = (
        b'{"serviceMonitor/ns/app/0":{"job_name":"serviceMonitor/ns/app/0","scrape_interval":"30s",'
        b'"sample_limit":100,"relabel_configs":[{"regex":"(.+)","action":"keep"}],"static_configs":[],'
        b'"params":{}},"a":{"honor_labels":true,"x":null}}'
    )
    assert html.scrape_configs_page_from_json(raw) == _expected("scrape_configs.html")


def test_scrape_configs_page_empty() -> None:
    expected = (
        SCRAPE_PAGE_HEAD + "<table>\n    <thead>\n    <td>\n        Job\n    </td>\n    <td>\n"
        "        Scrape Config\n    </td>\n    </thead>\n</table>\n</body>\n</html>"
    ).encode()
    assert html.scrape_configs_page({}) == expected
    assert html.scrape_configs_page_from_json(b"{}") == expected
    assert html.scrape_configs_page_from_json(b"null") == expected


def test_scrape_configs_page_before_first_config() -> None:
    # Upstream's decode of its nil response fails after the header went out: header + encoded error.
    assert html.scrape_configs_page_from_json(None) == SCRAPE_PAGE_HEAD.encode() + b'{"Offset":0}\n'
    assert html.scrape_config_count(None) == 0
    assert html.scrape_config_count(b'{"a":{},"b":{}}') == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, "{}"),
        ([], "[]"),
        ("s", '"s"'),
        (None, "null"),
        (
            {"a": [1, {"b": {}}, []], "c": True},
            '{\n  "a": [\n    1,\n    {\n      "b": {}\n    },\n    []\n  ],\n  "c": true\n}',
        ),
        # Keys sort by their encoded bytes, closing quote included: "a b" and "a!" before "a", and an
        # escaped quote (backslash) after plain letters.
        (
            {"a": 1, "a b": 2, "a!": 3, 'a"': 4, "aa": 5},
            '{\n  "a b": 2,\n  "a!": 3,\n  "a": 1,\n  "a\\"": 4,\n  "aa": 5\n}',
        ),
    ],
)
def test_marshal_indent_layout(value: object, expected: str) -> None:
    assert html.marshal_indent(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (-0.0, "-0"),
        (30, "30"),
        (0.1, "0.1"),
        (1e-6, "0.000001"),
        (1.5e-7, "1.5e-07"),
        (1e-100, "1e-100"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (-1e22, "-1e+22"),
        (2**63 - 1, "9223372036854776000"),  # a float64, then shortest digits in %f style
        (123456.789e3, "123456789"),
        (1 / 3, "0.3333333333333333"),
        (5e-324, "5e-324"),
    ],
)
def test_marshal_indent_numbers(value: float, expected: str) -> None:
    assert html.marshal_indent(value) == expected


def test_marshal_indent_string_escapes() -> None:
    s = "<>&\"\\\n\r\t\b\f\x00\x1f\x7f'+\u2028\u2029é😀"
    assert html.marshal_indent(s) == (
        '"\\u003c\\u003e\\u0026\\"\\\\\\n\\r\\t\\u0008\\u000c\\u0000\\u001f\x7f\'+\\u2028\\u2029é😀"'
    )


def test_scrape_config_json_is_html_escaped_in_pre() -> None:
    page = html.scrape_configs_page({"j": {"regex": "a+b", "q": "it's <x>"}})
    assert (
        b"<pre>{\n  &#34;q&#34;: &#34;it&#39;s \\u003cx\\u003e&#34;,\n  &#34;regex&#34;: &#34;a&#43;b&#34;\n}</pre>"
        in page
    )


def test_lone_surrogate_escape_decodes_to_replacement_char() -> None:
    page = html.scrape_configs_page_from_json(b'{"j":"\\ud800x"}')
    assert "<pre>&#34;\ufffdx&#34;</pre>".encode() in page


def test_headers() -> None:
    assert html.HTML_HEADERS == {"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff"}
    assert html.INDEX_HEADERS == {"Content-Type": "text/html"}


# --- pagination (ours; upstream renders every row) -------------------------------------------------------


def test_a_listing_that_fits_on_one_page_is_upstreams_page() -> None:
    jobs = [("job3", 3), ("job1", 1), ("job2", 1)]
    pager = html.Pager(base="/debug/jobs", page=1, per_page=3, total=3)
    assert html.jobs_page(jobs, pager=pager) == _expected("jobs_multiple.html")


def test_pager_line_and_links() -> None:
    pager = html.Pager(base="/debug/collector?collector_id=a+b", page=2, per_page=10, total=35)
    page = html.collector_page("a b", [("j", "x:1", 5, "")], pager=pager)
    line = (
        b"<p>Rows 11-20 of 35, page 2 of 4: "
        b'<a href="/debug/collector?collector_id=a&#43;b&amp;page=1&amp;per_page=10">First</a> '
        b'<a href="/debug/collector?collector_id=a&#43;b&amp;page=1&amp;per_page=10">Previous</a> '
        b'<a href="/debug/collector?collector_id=a&#43;b&amp;page=3&amp;per_page=10">Next</a> '
        b'<a href="/debug/collector?collector_id=a&#43;b&amp;page=4&amp;per_page=10">Last</a></p>\n'
    )
    # Above and below the table, which keeps upstream's shape.
    assert page.count(line) == 2
    assert b"</nav>\n" + line + b"<table>" in page
    assert b"</table>\n" + line + b"</body>" in page


def test_index_pager_applies_to_the_collector_table_only() -> None:
    pager = html.Pager(base="/", page=1, per_page=1, total=2)
    page = html.index_page(
        scrape_config_count=0, job_count=1, target_count=1, collectors=[("test-collector1", 1, 1)], pager=pager
    )
    summary_end = page.index(b"</table>\n")
    assert page[summary_end:].startswith(b"</table>\n<p>Rows 1-1 of 2, page 1 of 2: ")
    assert b'<a href="/?page=2&amp;per_page=1">Next</a>' in page

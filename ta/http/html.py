"""Byte-exact renderings of the upstream TA's HTML debug pages.

In: plain data the caller has already gathered from its view of the allocation (names, counts, target
hashes, addresses, discovered labels, the redacted scrape-config JSON). Out: the response body as bytes,
exactly as upstream's ``html/template`` templates render them, plus the header sets upstream sends
(``HTML_HEADERS`` for the debug pages, ``INDEX_HEADERS`` for ``/``).

Pages (upstream route -> function):

* ``GET /`` -> ``index_page``
* ``GET /debug/scrape_configs`` (and ``/scrape_configs`` with ``Accept: text/html``) -> ``scrape_configs_page``
  or ``scrape_configs_page_from_json``
* ``GET /debug/jobs`` (and ``/jobs`` with ``Accept: text/html``) -> ``jobs_page``
* ``GET /debug/job?job_id=`` -> ``job_page``; a missing or repeated ``job_id`` is a 400 with an empty body
  (still sent with ``HTML_HEADERS``)
* ``GET /debug/targets`` -> ``targets_page``
* ``GET /debug/target?target_hash=`` -> ``target_page``; ``target_hash_missing_page`` (400),
  ``unknown_target_page`` (404), ``target_hash_not_a_number_page`` + ``go_parse_uint64`` (400, see there)
* ``GET /debug/collector?collector_id=`` -> ``collector_page``; ``collector_id_missing_page`` (400),
  ``unknown_collector_page`` (404)

Listings longer than one page (see ``Pager``) carry a paragraph before and after their table with the row
range, the totals and first/previous/next/last links; this is ours, upstream renders every row on one page.
A listing that fits on one page is upstream's page, byte for byte.

Escaping follows Go's ``html/template`` contextual rules as they apply to these templates: text (including
``<title>`` and ``<pre>``) escapes ``< > & ' " +`` and NUL; ``href`` values are Go ``url.QueryEscape``d by
the handler and then attribute-escaped (so a space in a job name shows up as ``&#43;`` in the link).
Strings may carry undecodable bytes as lone surrogates (``surrogateescape``); they are written back as the
raw bytes, as Go passes invalid UTF-8 through untouched. Every order that shows is sorted the way upstream
sorts it (byte order of names, numeric order of target hashes).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote_plus

from ta.core.base.cache import LRU, memoize
from ta.core.base.nodes import node_of

# Upstream's debug handlers set both headers; the index handler sets only a bare content type (no
# charset, no nosniff).
HTML_CONTENT_TYPE = "text/html; charset=utf-8"
INDEX_CONTENT_TYPE = "text/html"
HTML_HEADERS: Mapping[str, str] = {"Content-Type": HTML_CONTENT_TYPE, "X-Content-Type-Options": "nosniff"}
INDEX_HEADERS: Mapping[str, str] = {"Content-Type": INDEX_CONTENT_TYPE}

ENDPOINT_SLICE_LABEL = "__meta_kubernetes_endpointslice_name"

# The target page's first table: row caption -> the discovered label it shows. Collector, Job and
# Node Name are not plain label reads and are handled separately.
_TARGET_LABEL_ROWS = (
    ("Namespace", "__meta_kubernetes_namespace"),
    ("Service Name", "__meta_kubernetes_service_name"),
    ("Service Port", "__meta_kubernetes_service_port"),
    ("Pod Name", "__meta_kubernetes_pod_name"),
    ("Container Name", "__meta_kubernetes_pod_container_name"),
    ("Container Port Name", "__meta_kubernetes_pod_container_port_name"),
)

_MAX_UINT64 = (1 << 64) - 1


# --- escaping -------------------------------------------------------------------------------------------

# html/template's replacement table for HTML text, RCDATA (<title>) and quoted attribute values. Only
# these code points change; everything else, including non-ASCII and invalid bytes, passes through.
_HTML_TABLE = str.maketrans(
    {
        "\0": "\ufffd",
        '"': "&#34;",
        "&": "&amp;",
        "'": "&#39;",
        "+": "&#43;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


_HTML_SPECIAL = re.compile("[\0\"&'+<>]")


def html_escape(text: str) -> str:
    """Go ``html/template`` escaping of a plain string in text, ``<title>`` or a quoted attribute."""
    # Most strings need nothing; the search is much cheaper than a translate that changes nothing.
    return text.translate(_HTML_TABLE) if _HTML_SPECIAL.search(text) else text


@memoize(
    name="http.query_escape",
    bound=4096,
    policy=LRU,
    reason="job and collector names repeat on every row of a listing; the bound keeps invented names from growing it",
)
def query_escape(value: str) -> str:
    """Go ``url.QueryEscape``; undecodable bytes (as surrogates) are escaped as the bytes they were."""
    return quote_plus(_to_bytes(value), safe="")


def _to_bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        # A surrogate that is not an escaped byte cannot come from Go; write U+FFFD rather than fail.
        return "".join(
            "\ufffd" if 0xD800 <= ord(c) <= 0xDFFF and not 0xDC80 <= ord(c) <= 0xDCFF else c for c in text
        ).encode("utf-8", "surrogateescape")


def go_order(name: str) -> bytes:
    """The sort key that orders strings as Go compares them."""
    # Go sorts strings by their bytes; for valid UTF-8 that is code-point order, and this also places
    # escaped raw bytes where Go would.
    return _to_bytes(name)


# --- template pieces ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cell:
    text: str
    link: str = ""
    pre: bool = False


def _text(text: str) -> _Cell:
    return _Cell(text)


def _job_cell(job: str) -> _Cell:
    return _Cell(job, link=f"/debug/job?job_id={query_escape(job)}")


def _collector_cell(collector: str) -> _Cell:
    return _Cell(collector, link=f"/debug/collector?collector_id={query_escape(collector)}")


def _target_cell(target_hash: int, address: str) -> _Cell:
    return _Cell(address, link=f"/debug/target?target_hash={target_hash}")


def _header(title: str) -> str:
    t = html_escape(title)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head>\n'
        '    <meta charset="utf-8">\n'
        f"    <title>{t}</title>\n"
        '    <link rel="shortcut icon" href="https://opentelemetry.io/favicons/favicon.ico"/>\n'
        "</head>\n"
        "<body>\n"
        f"<h1>{t}</h1>\n"
        "<nav>\n"
        "    <ul>\n"
        '        <li><a href="/">Home</a></li>\n'
        '        <li><a href="/debug/scrape_configs">Scrape Configs</a></li>\n'
        '        <li><a href="/debug/jobs">Jobs</a></li>\n'
        '        <li><a href="/debug/targets">Targets</a></li>\n'
        "    </ul>\n"
        "</nav>\n"
    )


# The footer has no trailing newline, and neither do the standalone error pages.
_FOOTER = "</body>\n</html>"


def _cell_html(cell: _Cell) -> str:
    if cell.link:
        # Links are always "/debug/..." or "/..." followed by QueryEscape output or digits, so
        # html/template's URL filter and normaliser leave them alone; only the attribute escaping
        # (which turns QueryEscape's "+" into "&#43;") changes anything.
        body = f'<a href="{html_escape(cell.link)}">{html_escape(cell.text)}</a>'
    elif cell.pre:
        body = f"<pre>{html_escape(cell.text)}</pre>"
    else:
        body = html_escape(cell.text)
    return f'\n        <td style="vertical-align: top;">\n            {body}\n        </td>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[_Cell]]) -> str:
    """The properties table with the whitespace left by the template's ``{{-`` trimming."""
    parts = ["<table>\n    <thead>"]
    parts.extend(f"\n    <td>\n        {html_escape(h)}\n    </td>" for h in headers)
    parts.append("\n    </thead>")
    for index, row in enumerate(rows):
        # Rows are zebra-striped from the first (index 0) row; odd rows keep the stray space.
        parts.append('\n    <tr style="background: #eee">' if index % 2 == 0 else "\n    <tr >")
        parts.extend(_cell_html(cell) for cell in row)
        parts.append("\n    </tr>")
    parts.append("\n</table>\n")
    return "".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class Pager:
    """Which slice of a listing a page shows. ``base`` is the page's path with any query the listing needs
    (``/debug/collector?collector_id=c``); ``page`` counts from 1 and is within ``pages``."""

    base: str
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def link(self, page: int) -> str:
        joiner = "&" if "?" in self.base else "?"
        return f"{self.base}{joiner}page={page}&per_page={self.per_page}"


def _pager_html(pager: Pager | None) -> str:
    if pager is None or pager.total <= pager.per_page:
        return ""
    first = pager.offset + 1
    last = min(pager.offset + pager.per_page, pager.total)
    links = []
    if pager.page > 1:
        links.append(f'<a href="{html_escape(pager.link(1))}">First</a>')
        links.append(f'<a href="{html_escape(pager.link(pager.page - 1))}">Previous</a>')
    if pager.page < pager.pages:
        links.append(f'<a href="{html_escape(pager.link(pager.page + 1))}">Next</a>')
        links.append(f'<a href="{html_escape(pager.link(pager.pages))}">Last</a>')
    return f"<p>Rows {first}-{last} of {pager.total}, page {pager.page} of {pager.pages}: " + " ".join(links) + "</p>\n"


def _paged(table: str, pager: Pager | None) -> str:
    nav = _pager_html(pager)
    return nav + table + nav


def _page(title: str, *tables: str) -> bytes:
    return _to_bytes(_header(title) + "".join(tables) + _FOOTER)


# --- pages ----------------------------------------------------------------------------------------------


def index_page(
    *,
    scrape_config_count: int,
    job_count: int,
    target_count: int,
    collectors: Sequence[tuple[str, int, int]],
    pager: Pager | None = None,
) -> bytes:
    """``GET /``. ``scrape_config_count``: jobs in the (redacted) scrape-config response, 0 before the
    first one (see ``scrape_config_count``); ``job_count``: distinct jobs among the current targets;
    ``target_count``: all current targets. ``collectors``: every known collector as (name, distinct jobs
    among its targets, its target count); sorted by name here (with a ``pager``: the page's collectors).
    Serve with ``INDEX_HEADERS``."""
    summary = _table(
        ("Category", "Count"),
        (
            (_Cell("Scrape Configs", link="/scrape_configs"), _text(str(scrape_config_count))),
            (_Cell("Jobs", link="/debug/jobs"), _text(str(job_count))),
            (_Cell("Targets", link="/debug/targets"), _text(str(target_count))),
        ),
    )
    per_collector = _table(
        ("Collector", "Job Count", "Target Count"),
        [
            (_collector_cell(name), _text(str(jobs)), _text(str(targets)))
            for name, jobs, targets in sorted(collectors, key=lambda c: go_order(c[0]))
        ],
    )
    return _page("OpenTelemetry Target Allocator", summary, _paged(per_collector, pager))


def jobs_page(jobs: Sequence[tuple[str, int]], pager: Pager | None = None) -> bytes:
    """``GET /debug/jobs``: (job, target count) for each job that has current targets (with a ``pager``: the
    page's jobs); sorted by job."""
    rows = [(_job_cell(job), _text(str(count))) for job, count in sorted(jobs, key=lambda j: go_order(j[0]))]
    return _page("OpenTelemetry Target Allocator - Jobs", _paged(_table(("Job", "Target Count"), rows), pager))


def job_page(job: str, collectors: Sequence[tuple[str, int]], pager: Pager | None = None) -> bytes:
    """``GET /debug/job?job_id=<job>``: (collector, count of the job's targets on it) for every known
    collector, zero counts included (an unknown job is a 200 with all zeros); sorted by collector."""
    rows = [
        (_collector_cell(name), _text(str(count))) for name, count in sorted(collectors, key=lambda c: go_order(c[0]))
    ]
    return _page(f"Job: {job}", _paged(_table(("Collector", "Target Count"), rows), pager))


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One row of ``/debug/targets``. ``address`` is the pre-relabel ``__address__`` (upstream's TargetURL),
    ``endpoint_slice`` the ``__meta_kubernetes_endpointslice_name`` label ("" when absent)."""

    job: str
    target_hash: int
    address: str
    collector: str
    endpoint_slice: str = ""


def targets_page(rows: Sequence[TargetRow], pager: Pager | None = None) -> bytes:
    """``GET /debug/targets``: every current target, sorted by target hash (as unsigned 64-bit)."""
    cells = [
        (
            _job_cell(r.job),
            _target_cell(r.target_hash, r.address),
            _collector_cell(r.collector),
            _text(r.endpoint_slice),
        )
        for r in sorted(rows, key=lambda r: r.target_hash)
    ]
    table = _table(("Job", "Target", "Collector", "Endpoint Slice"), cells)
    return _page("OpenTelemetry Target Allocator - Targets", _paged(table, pager))


def target_page(*, address: str, job: str, collector: str, labels: Sequence[tuple[str, str]]) -> bytes:
    """``GET /debug/target?target_hash=<n>`` for a known target. ``address`` is its pre-relabel
    ``__address__`` (the page title); ``labels`` its discovered labels, listed sorted by name as
    Prometheus' ``labels.Labels`` keeps them. The summary rows read ``__meta_kubernetes_*`` labels ("" when
    absent); Node Name is the first non-empty of the pod/node/endpoint node-name labels, else the
    EndpointSlice address target name when its kind is ``Node``."""
    values: dict[str, str] = {}
    for name, value in labels:
        values.setdefault(name, value)  # labels.Get returns the first match
    summary: list[tuple[_Cell, _Cell]] = [
        (_text("Collector"), _collector_cell(collector)),
        (_text("Job"), _job_cell(job)),
    ]
    summary.extend((_text(caption), _text(values.get(label, ""))) for caption, label in _TARGET_LABEL_ROWS)
    summary.append((_text("Node Name"), _text(node_of(tuple(labels)))))
    summary.append((_text("Endpoint Slice Name"), _text(values.get(ENDPOINT_SLICE_LABEL, ""))))
    label_rows = [(_text(n), _text(v)) for n, v in sorted(labels, key=lambda lv: go_order(lv[0]))]
    return _page(f"Target: {address}", _table(("", ""), summary), _table(("Label", "Value"), label_rows))


def collector_page(collector: str, rows: Sequence[tuple[str, str, int, str]], pager: Pager | None = None) -> bytes:
    """``GET /debug/collector?collector_id=<id>`` for a known collector: its targets as (job, address,
    target hash, endpoint slice name), sorted by target hash."""
    cells = [
        (_job_cell(job), _target_cell(target_hash, address), _text(endpoint_slice))
        for job, address, target_hash, endpoint_slice in sorted(rows, key=lambda r: r[2])
    ]
    return _page(f"Collector: {collector}", _paged(_table(("Job", "Target", "Endpoint Slice"), cells), pager))


def scrape_configs_page(configs: Mapping[str, object], pager: Pager | None = None) -> bytes:
    """``GET /debug/scrape_configs``: job -> scrape config as JSON values (dict/list/str/int/float/bool/None),
    i.e. the redacted ``/scrape_configs`` response decoded. Each config is shown pretty-printed as upstream's
    goccy/go-json ``MarshalIndent(v, "", "  ")`` after a round trip through ``map[string]any`` (so numbers
    print as float64). Upstream walks a Go map here, so its row order is random; ours is sorted by job."""
    rows = [(_job_cell(job), _Cell(marshal_indent(configs[job]), pre=True)) for job in sorted(configs, key=go_order)]
    table = _table(("Job", "Scrape Config"), rows)
    return _page("OpenTelemetry Target Allocator - Scrape Configs", _paged(table, pager))


def scrape_configs_page_from_json(raw: bytes | None) -> bytes:
    """``GET /debug/scrape_configs`` from the stored redacted response bytes, as upstream decodes them.

    Before the first config is rendered upstream holds no bytes and its decode fails after the page
    header was written: the body is then the header followed by the encoded decode error and nothing
    else (status stays 200). That case is reproduced for ``None``/empty input. Upstream treats a JSON
    ``null`` as an empty map. Any other undecodable input raises ``ValueError``."""
    if not raw:
        return _to_bytes(_header("OpenTelemetry Target Allocator - Scrape Configs")) + b'{"Offset":0}\n'
    configs = decode_config_map(raw)
    return scrape_configs_page(configs)


def scrape_config_count(raw: bytes | None) -> int:
    """Upstream's index-page count: the number of jobs in the redacted response, 0 if it does not decode."""
    if not raw:
        return 0
    try:
        return len(decode_config_map(raw))
    except ValueError:
        return 0


def decode_config_map(raw: bytes) -> Mapping[str, object]:
    """The redacted ``/scrape_configs`` bytes decoded as upstream's page decodes them (``ValueError`` if not
    a JSON object or null). ``ta.http.paging`` decodes the same way in steps; tests hold the two equal."""
    text, fix = config_json_text(raw)
    value = json.loads(text, parse_int=float)
    if fix:
        value = replace_surrogates(value)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError("scrape-config response is not a JSON object")
    return value


def config_json_text(raw: bytes) -> tuple[str, bool]:
    """The text to decode (with ``parse_int=float``: decoding into interface{} makes every number a float64,
    and "-0" stays negative zero), and whether decoded strings then need ``replace_surrogates``."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Undecodable bytes survive as surrogates, which the encoder writes as \ufffd like goccy does.
        return raw.decode("utf-8", "surrogateescape"), False
    # goccy decodes a lone surrogate escape to U+FFFD; Python keeps the surrogate.
    return text, _LONE_SURROGATE_ESCAPE.search(text) is not None


_LONE_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_surrogates(value: object) -> object:
    """Every lone surrogate in the decoded strings (keys included) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_SURROGATE.sub("\ufffd", k): replace_surrogates(v) for k, v in value.items()}
    return value


def bad_request_page(error: str, example: str) -> bytes:
    """Upstream's standalone 400 page (no shared header or nav)."""
    return _to_bytes(
        "<html>\n<body>\n<h1>Bad Request</h1>\n"
        f"<p>{html_escape(error)}</p>\n<p>Example: {html_escape(example)}</p>\n</body>\n</html>"
    )


def not_found_page(resource_type: str, resource_name: str) -> bytes:
    """Upstream's standalone 404 page: ``<h1>Unknown <type>: <name></h1>``."""
    return _to_bytes(
        f"<html>\n<body>\n<h1>Unknown {html_escape(resource_type)}: {html_escape(resource_name)}</h1>\n</body>\n</html>"
    )


def unknown_target_page(raw: str) -> bytes:
    """404 for ``/debug/target``: ``raw`` is the ``target_hash`` query value as given (e.g. "007")."""
    return not_found_page("Target", raw)


def unknown_collector_page(collector: str) -> bytes:
    """404 for ``/debug/collector`` naming a collector that is not known."""
    return not_found_page("Collector", collector)


def collector_id_missing_page() -> bytes:
    """400 for ``/debug/collector`` when ``collector_id`` is absent, empty or repeated."""
    return bad_request_page(
        "Expected collector_id in the query string", "/debug/collector?collector_id=my-collector-42"
    )


def target_hash_missing_page() -> bytes:
    """400 for ``/debug/target`` when the first ``target_hash`` value is absent, empty or exactly "0"."""
    return bad_request_page("Expected target_hash in the query string", "/debug/target?target_hash=my-target-42")


def target_hash_not_a_number_page() -> bytes:
    """The first part of upstream's 400 body when ``target_hash`` does not parse as a uint64.

    Upstream does not stop after writing it: it goes on to look up the hash ``strconv.ParseUint``
    returned with its error (see ``go_parse_uint64``) and appends either that target's page (never in
    practice) or ``unknown_target_page(raw)``. The status stays 400 because the first write fixed it."""
    return bad_request_page("Expected target_hash to be a number", "/debug/target?target_hash=42")


def go_parse_uint64(raw: str) -> tuple[int, bool]:
    """Go ``strconv.ParseUint(raw, 10, 64)`` as (value, ok): ASCII digits only (no sign, no underscores,
    no spaces); a bad character gives (0, False), an overflow (2**64-1, False), whichever comes first."""
    if not raw:
        return 0, False
    n = 0
    for c in raw:
        if not "0" <= c <= "9":
            return 0, False
        n = n * 10 + (ord(c) - 48)
        if n > _MAX_UINT64:
            return _MAX_UINT64, False
    return n, True


# --- goccy/go-json MarshalIndent ------------------------------------------------------------------------

# goccy's HTML-safe, UTF-8-normalising string encoder: \n \r \t get short escapes, every other control
# character \u00XX (lowercase hex, including \b and \f), < > & and U+2028/U+2029 \uXXXX; DEL and other
# non-ASCII pass through. Invalid bytes (here: surrogateescape's U+DC80..U+DCFF) become the escape
# \ufffd, one per byte; other lone surrogates (decoded from a lone "\ud800"-style escape) become a
# literal U+FFFD, as goccy's decoder substitutes it before the encoder sees the string.
_JSON_TABLE: dict[int, str] = {c: f"\\u{c:04x}" for c in range(0x20)}
_JSON_TABLE.update(
    {
        ord("\n"): "\\n",
        ord("\r"): "\\r",
        ord("\t"): "\\t",
        ord('"'): '\\"',
        ord("\\"): "\\\\",
        ord("<"): "\\u003c",
        ord(">"): "\\u003e",
        ord("&"): "\\u0026",
        0x2028: "\\u2028",
        0x2029: "\\u2029",
    }
)
_JSON_TABLE.update({c: "\ufffd" for c in range(0xD800, 0xE000)})
_JSON_TABLE.update({c: "\\ufffd" for c in range(0xDC80, 0xDD00)})


def _json_string(s: str) -> str:
    return '"' + s.translate(_JSON_TABLE) + '"'


def _go_float(value: float) -> str:
    """goccy's float64: shortest round-trip digits, %f style unless |v| < 1e-6 or >= 1e21, then %e style
    with a signed exponent of at least two digits (goccy, unlike encoding/json, keeps "e-07")."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"unsupported JSON value: {value!r}")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    # repr gives the shortest digits that round-trip, the same digits Go's AppendFloat(-1) picks.
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    exponent += len(digit_tuple) - len(digits)
    prefix = "-" if sign else ""
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        exp10 = exponent + len(digits) - 1
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if exponent >= 0:
        return prefix + digits + "0" * exponent
    point = len(digits) + exponent
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def _encoded_key(key: str) -> bytes:
    # goccy sorts map entries by their *encoded* key bytes, so "a b" and "a!" sort before "a" (the
    # closing quote is compared too) and escaped characters sort by their backslash.
    return _to_bytes(_json_string(key))


def _indent(value: object, depth: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        # Decoded into interface{}, every JSON number is a float64.
        return _go_float(float(value))
    if isinstance(value, str):
        return _json_string(value)
    inner = "  " * (depth + 1)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        keys = sorted(value, key=lambda k: _encoded_key(str(k)))
        body = ",\n".join(f"{inner}{_json_string(str(k))}: {_indent(value[k], depth + 1)}" for k in keys)
        return "{\n" + body + "\n" + "  " * depth + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        body = ",\n".join(inner + _indent(v, depth + 1) for v in value)
        return "[\n" + body + "\n" + "  " * depth + "]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def marshal_indent(value: object) -> str:
    """goccy/go-json ``MarshalIndent(value, "", "  ")`` of a decoded JSON value (HTML-safe escaping,
    sorted keys, ``{}``/``[]`` for empty containers, no trailing newline)."""
    return _indent(value, 0)

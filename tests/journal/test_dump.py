"""The filter/format core of ``ta dump``: batches narrowed to matching changes, jobs mapped to their
objects or config entries, time and sequence ranges, and readable lines that summarise rather than print."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from ta.core.gocompat import jsonbytes
from ta.events.base import Envelope
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged, WatchType
from ta.journal.dump import Dumper, Filter, FilterError, Shown, parse_time, resource_name
from ta.journal.reader import Skipped

ALL_KINDS = Path(__file__).parents[1] / "data" / "journal" / "v1" / "all-kinds.jsonl"
SM = "monitoring.coreos.com/v1/servicemonitors"


def _run(flt: Filter, lines: list[bytes] | None = None) -> list[Shown]:
    dumper = Dumper(flt)
    shown: list[Shown] = []
    for number, line in enumerate(lines if lines is not None else ALL_KINDS.read_bytes().splitlines(), start=1):
        result = dumper.feed(line, number)
        assert not isinstance(result, Skipped), result
        if result is not None:
            shown.append(result)
    return shown


def _change(
    wt: WatchType, name: str, labels: dict[str, str], rv: str, *, spec: object = None, ns: str = "app"
) -> KubeObjectChanged:
    body = {"metadata": {"name": name, "namespace": ns, "labels": labels, "resourceVersion": rv}, "spec": spec or {}}
    return KubeObjectChanged(watch_type=wt, resource=SM, namespace=ns, name=name, body=jsonbytes.dumps(body))


def _line(seq: int, event: KubeObjectChanged | KubeObjectBatch, ts: float = 1000.0) -> bytes:
    return orjson.dumps(Envelope(seq=seq, ts=ts, event=event).to_record())


def test_no_filter_shows_every_entry_and_json_is_the_line_as_it_came() -> None:
    lines = ALL_KINDS.read_bytes().splitlines()
    shown = _run(Filter())
    assert [s.seq for s in shown] == list(range(1, 16))
    assert [s.json for s in shown] == lines
    # one text line per change of the batch at seq 10
    assert sum(len(s.text) for s in shown) == 15 + 2


def test_an_object_filter_looks_inside_batches_and_narrows_them() -> None:
    shown = _run(Filter(objects=(("otel", "collector-1"),)))
    assert [s.seq for s in shown] == [10]
    record = orjson.loads(shown[0].json)
    assert record["kind"] == "k8s.objects"
    assert [c["name"] for c in record["data"]["changes"]] == ["collector-1"]
    assert len(shown[0].text) == 1 and "otel/collector-1" in shown[0].text[0] and "ADDED" in shown[0].text[0]


def test_a_bare_name_matches_in_any_namespace_and_a_resource_filter_keeps_whole_resource_entries() -> None:
    assert [s.seq for s in _run(Filter(objects=((None, "web-1"),)))] == [14]
    pods = _run(Filter(resources=("v1/pods",)))
    assert [s.seq for s in pods] == [2, 10, 13, 14]  # planned (has the scope), the batch, synced, the object


def test_kind_k8s_object_includes_batches_and_other_kinds_are_exact() -> None:
    assert [s.seq for s in _run(Filter(kinds=("k8s.object",)))] == [10, 14]
    assert [s.seq for s in _run(Filter(kinds=("k8s.objects",)))] == [10]
    assert [s.seq for s in _run(Filter(kinds=("config.loaded", "clock.tick")))] == [1, 15]
    with pytest.raises(FilterError, match="unknown kind"):
        Dumper(Filter(kinds=("k8s.nope",)))


def test_a_config_job_shows_its_config_and_the_file_and_http_sd_entries_it_reads() -> None:
    files = _run(Filter(jobs=("files",)))
    assert [s.seq for s in files] == [1, 3]
    assert files[0].text[0].endswith("jobs=1: files")
    assert [s.seq for s in _run(Filter(jobs=("http",)))] == [1, 4]
    # the config is read even when its kind is filtered out
    assert [s.seq for s in _run(Filter(jobs=("files",), kinds=("file.read",)))] == [3]
    assert _run(Filter(jobs=("no-such-job",))) == []


def test_a_cr_job_maps_to_its_monitor_and_changes_show_label_and_spec_changes() -> None:
    lines = [
        _line(
            1,
            KubeObjectBatch(
                resource=SM, changes=(_change("ADDED", "web", {"team": "a"}, "1"), _change("ADDED", "other", {}, "2"))
            ),
        ),
        _line(2, _change("MODIFIED", "web", {"team": "b", "tier": "x"}, "3")),
        _line(3, _change("MODIFIED", "web", {"team": "b", "tier": "x"}, "4", spec={"endpoints": [{"port": "bleh"}]})),
        _line(4, _change("MODIFIED", "web", {"team": "b", "tier": "x"}, "5", spec={"endpoints": [{"port": "bleh"}]})),
        _line(5, _change("DELETED", "web", {"team": "b"}, "6")),
    ]
    shown = _run(Filter(jobs=("serviceMonitor/app/web/0",)), lines)
    assert [s.seq for s in shown] == [1, 2, 3, 4, 5]
    assert [c["name"] for c in orjson.loads(shown[0].json)["data"]["changes"]] == ["web"]
    text = [s.text[0] for s in shown]
    assert text[0].endswith("ADDED    monitoring.coreos.com/v1/servicemonitors app/web rv=1 labels +team=a")
    assert text[1].endswith("rv=3 labels ~team=a->b +tier=x")
    assert text[2].endswith("rv=4 spec changed")
    assert text[3].endswith("rv=5 labels and spec unchanged")
    assert "DELETED" in text[4]
    assert _run(Filter(jobs=("serviceMonitor/app/other/0",)), lines)[0].seq == 1
    assert _run(Filter(jobs=("podMonitor/app/web/0",)), lines) == []


def test_a_monitor_whose_resource_cannot_be_watched_shows_why_and_nothing_about_other_scopes() -> None:
    shown = _run(Filter(jobs=("serviceMonitor/app/web/0",)))
    assert [s.seq for s in shown] == [6]
    assert shown[0].text[0].endswith("unavailable: forbidden: injected 403")
    assert [s.seq for s in _run(Filter(resources=(SM,), objects=(("app", "web"),)))] == [6]
    assert [s.seq for s in _run(Filter(resources=(SM,)))] == [2, 6]


def test_seq_and_time_ranges() -> None:
    assert [s.seq for s in _run(Filter(since_seq=3, until_seq=5))] == [3, 4, 5]
    newest = 1796655418.068363
    since = parse_time("0.5s", newest)
    assert [s.seq for s in _run(Filter(since_ts=since))] == [15]
    assert parse_time("2026-12-07T14:56:58Z", None) == 1796655418.0
    assert parse_time("1h", 7200.0) == 3600.0
    with pytest.raises(FilterError):
        parse_time("1h", None)
    with pytest.raises(FilterError):
        parse_time("yesterday", 0.0)


def test_until_seq_tells_a_follower_to_stop() -> None:
    dumper = Dumper(Filter(until_seq=2))
    lines = ALL_KINDS.read_bytes().splitlines()
    dumper.feed(lines[0], 1)
    assert not dumper.done()
    dumper.feed(lines[1], 2)
    assert dumper.done()


def test_resource_aliases() -> None:
    assert resource_name("servicemonitors") == SM
    assert resource_name("ServiceMonitor") == SM
    assert resource_name("pods") == "v1/pods"
    assert resource_name("scrapeconfig") == "monitoring.coreos.com/v1alpha1/scrapeconfigs"
    with pytest.raises(FilterError, match="unknown resource"):
        resource_name("gadgets")


def test_undecodable_lines_are_skipped_with_their_number() -> None:
    dumper = Dumper(Filter())
    bad = dumper.feed(b"{nope", 7)
    assert isinstance(bad, Skipped) and bad.where == "line 7" and bad.reason.startswith("not JSON")
    result = dumper.feed(b'{"seq":1,"ts":0,"kind":"k8s.nope","data":{}}', 3)
    assert isinstance(result, Skipped) and result.where == "line 3" and "unknown event kind" in result.reason


def test_text_never_prints_file_contents_or_http_sd_bodies() -> None:
    text = "\n".join(line for s in _run(Filter()) for line in s.text)
    assert "10.0.1.1" not in text and "10.0.2.1" not in text


def test_changes_before_the_range_are_remembered_so_the_first_shown_change_is_a_real_diff() -> None:
    lines = [
        _line(1, _change("ADDED", "web", {"release": "prometheus"}, "1"), ts=1000.0),
        _line(2, _change("MODIFIED", "web", {"release": "old"}, "2"), ts=5000.0),
    ]
    (shown,) = _run(Filter(objects=(("app", "web"),), since_ts=parse_time("1h", 5000.0)), lines)
    assert shown.seq == 2 and shown.text[0].endswith("rv=2 labels ~release=prometheus->old")
    # An object first met in a MODIFIED (its earlier state not in this journal) is described, not diffed.
    (alone,) = _run(Filter(), lines[1:])
    assert alone.text[0].endswith("rv=2 labels {release=old}")

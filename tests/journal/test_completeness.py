"""What an incomplete journal lacks, said in words: cut short, joined, without its config, with holes."""

from __future__ import annotations

from ta.events.base import Envelope, Journaled
from ta.events.clock import Tick
from ta.events.cluster import KubeListSynced, KubeObjectBatch, KubeResourceUnavailable, KubeWatchesPlanned
from ta.events.config import ConfigLoaded
from ta.journal.completeness import journal_gaps

SCOPES = (
    ("monitoring.coreos.com/v1/servicemonitors", ""),
    ("v1/pods", "otel"),
    ("v1/services", ""),
)


def journal(*events: Journaled, first: int = 1) -> list[Envelope]:
    return [Envelope(seq=first + i, ts=100.0, event=e) for i, e in enumerate(events)]


def synced(resource: str, namespace: str) -> KubeListSynced:
    return KubeListSynced(resource=resource, namespace=namespace, resource_version="1")


def live_like() -> list[Journaled]:
    """What ``ta run`` writes: config, plan, each scope's list ended by k8s.synced (or k8s.unavailable)."""
    return [
        ConfigLoaded(body=b"{}", source="ta.yaml"),
        KubeWatchesPlanned(scopes=SCOPES),
        KubeObjectBatch(resource="v1/pods", changes=()),
        synced("v1/pods", "otel"),
        KubeResourceUnavailable(resource="monitoring.coreos.com/v1/servicemonitors", namespace="", reason="403"),
        synced("v1/services", ""),
        Tick(),
    ]


def test_a_complete_journal_has_no_gaps() -> None:
    assert journal_gaps(journal(*live_like())) == ()


def test_missing_last_syncs_name_the_scopes_and_what_waits_for_them() -> None:
    gaps = journal_gaps(journal(*live_like()[:4]))
    assert gaps == (
        "scope monitoring.coreos.com/v1/servicemonitors (all namespaces) never finished its list "
        "(no k8s.synced after the k8s.planned at seq 2)",
        "scope v1/services (all namespaces) never finished its list (no k8s.synced after the k8s.planned at seq 2)",
        "discovery waits for these lists: Kubernetes service discovery targets may be missing or stale",
        "the CR actor waits for these lists: ServiceMonitor, PodMonitor, Probe and ScrapeConfig jobs may be "
        "missing or stale",
    )


def test_only_pods_missing_means_no_collectors() -> None:
    events = [e for e in live_like() if not (isinstance(e, KubeListSynced) and e.resource == "v1/pods")]
    gaps = journal_gaps(journal(*events))
    assert gaps[0].startswith("scope v1/pods otel never finished its list")
    assert "membership waits for the pods' list: collectors may be missing or stale, targets unassigned" in gaps


def test_a_second_plan_after_the_lists_is_reported() -> None:
    gaps = journal_gaps(journal(*live_like(), KubeWatchesPlanned(scopes=SCOPES)))
    assert gaps[0].startswith("k8s.planned appears 2 times (seq 2, 8)")
    assert (
        "scope v1/services (all namespaces) never finished its list (no k8s.synced after the k8s.planned at seq 8)"
        in gaps
    )


def test_no_config_unless_one_is_given() -> None:
    events = journal(*live_like()[1:], first=2)
    assert journal_gaps(events) == (
        "no config.loaded entry: no scrape jobs and no collector selector, so no targets "
        "(pass --config-file CFG to replay it with a config)",
        "starts at seq 2, not 1: the beginning of the run is missing",
    )
    assert journal_gaps(events, config_given=True) == ("starts at seq 2, not 1: the beginning of the run is missing",)


def test_sequence_holes_and_disorder() -> None:
    events = journal(*live_like())
    holed = [events[0], events[1], *events[4:]]
    assert journal_gaps(holed)[0] == "seq 3 to 4 missing (2 entries)"
    swapped = [*events[:5], events[6], events[5]]
    assert journal_gaps(swapped) == ("seq 6 follows seq 7: entries are out of order or repeated",)


def test_nothing_readable() -> None:
    assert journal_gaps([]) == ("no entry could be read: nothing but a given config was replayed",)


def test_many_holes_are_counted_past_the_first_few() -> None:
    events = journal(*live_like(), *[Tick() for _ in range(20)])
    gaps = journal_gaps(events[::2])  # every other entry lost
    assert gaps[:2] == ("seq 2 missing (1 entry)", "seq 4 missing (1 entry)")
    assert gaps[5] == "and 8 more holes in the sequence numbers"

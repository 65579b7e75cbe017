"""What a recorded journal lacks, compared with what a live ``ta run`` always writes, and what that changes.

In: the envelopes read from a journal, in file order. Out: one line per gap, each saying what is missing and
what the replay does without it (empty when the journal looks complete).

A live run journals ``config.loaded`` first (seq 1), then one ``k8s.planned`` naming every watch scope, then
for each scope its list (``k8s.objects``/``k8s.object``) ended by ``k8s.synced``, or ``k8s.unavailable``
when it cannot be watched; sequence numbers are consecutive. The actors wait for the lists of the plan in
effect (the last one) before they publish: discovery builds no Kubernetes targets until every scope it reads
is listed, the CR actor generates no monitor jobs until the CR inputs are, membership names no collectors
until the collector pods are. A journal cut short, or two concatenated, replays "successfully" to fewer
targets; these notes say why.
"""

from __future__ import annotations

from collections.abc import Sequence

from ta.core.crs import CR_ONLY_RESOURCES as NOT_OURS
from ta.core.crs import INPUT_RESOURCES as CR_INPUTS
from ta.core.objects.resources import PODS
from ta.events.base import Envelope
from ta.events.cluster import KubeListSynced, KubeResourceUnavailable, KubeWatchesPlanned
from ta.events.config import ConfigLoaded

Scope = tuple[str, str]
_MAX_HOLES = 5  # listed one by one; past that, counted


def _scope(scope: Scope) -> str:
    resource, namespace = scope
    return f"{resource} {namespace or '(all namespaces)'}"


def _seq_gaps(envelopes: Sequence[Envelope]) -> list[str]:
    notes: list[str] = []
    seqs = [e.seq for e in envelopes]
    if seqs[0] != 1:
        notes.append(f"starts at seq {seqs[0]}, not 1: the beginning of the run is missing")
    highest = seqs[0]
    for seq in seqs[1:]:
        if seq <= highest:
            notes.append(f"seq {seq} follows seq {highest}: entries are out of order or repeated")
            break  # one note is enough to say the file was edited or joined
        highest = seq
    seen = set(seqs)
    holes: list[tuple[int, int]] = []
    for seq in range(seqs[0], max(seqs)):
        if seq not in seen:
            if holes and holes[-1][1] == seq - 1:
                holes[-1] = (holes[-1][0], seq)
            else:
                holes.append((seq, seq))
    for low, high in holes[:_MAX_HOLES]:
        count = high - low + 1
        span = f"seq {low}" if count == 1 else f"seq {low} to {high}"
        notes.append(f"{span} missing ({count} {'entry' if count == 1 else 'entries'})")
    if len(holes) > _MAX_HOLES:
        notes.append(f"and {len(holes) - _MAX_HOLES} more holes in the sequence numbers")
    return notes


def _waiting(envelopes: Sequence[Envelope]) -> list[str]:
    plans = [e for e in envelopes if isinstance(e.event, KubeWatchesPlanned)]
    if not plans:
        return []  # hand-written journals: the actors publish as entries come, nothing waits
    notes: list[str] = []
    if len(plans) > 1:
        at = ", ".join(str(p.seq) for p in plans)
        notes.append(
            f"k8s.planned appears {len(plans)} times (seq {at}), a live run journals it once (two journals "
            f"joined, or edited?): the actors wait again for the lists of the last plan, seq {plans[-1].seq}"
        )
    last = plans[-1]
    assert isinstance(last.event, KubeWatchesPlanned)
    pending = set(last.event.scopes)
    after = envelopes[envelopes.index(last) + 1 :]
    for envelope in after:
        event = envelope.event
        if isinstance(event, KubeListSynced | KubeResourceUnavailable):
            pending.discard((event.resource, event.namespace))
    if not pending:
        return notes
    notes += [
        f"scope {_scope(s)} never finished its list (no k8s.synced after the k8s.planned at seq {last.seq})"
        for s in sorted(pending)
    ]
    # What waits for those lists (see the module docstring): what it would have published is missing or stale.
    if any(r not in NOT_OURS for r, _ in pending):
        notes.append("discovery waits for these lists: Kubernetes service discovery targets may be missing or stale")
    if any(r in CR_INPUTS for r, _ in pending):
        notes.append(
            "the CR actor waits for these lists: ServiceMonitor, PodMonitor, Probe and ScrapeConfig jobs "
            "may be missing or stale"
        )
    if any(r == PODS for r, _ in pending):
        notes.append("membership waits for the pods' list: collectors may be missing or stale, targets unassigned")
    return notes


def journal_gaps(envelopes: Sequence[Envelope], *, config_given: bool = False) -> tuple[str, ...]:
    """Why a replay of ``envelopes`` may differ from the run that recorded them; empty when nothing is missing.

    ``config_given``: the replay brings its own config (``--config-file``), so a missing one is no gap."""
    notes: list[str] = []
    if not envelopes:
        return ("no entry could be read: nothing but a given config was replayed",)
    if not config_given and not any(isinstance(e.event, ConfigLoaded) for e in envelopes):
        notes.append(
            "no config.loaded entry: no scrape jobs and no collector selector, so no targets "
            "(pass --config-file CFG to replay it with a config)"
        )
    notes += _seq_gaps(envelopes)
    notes += _waiting(envelopes)
    return tuple(notes)

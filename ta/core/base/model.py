"""Domain values shared by discovery, allocation and serving.

In: nothing (plain immutable data). Out: ``TargetGroup`` (what a discovery mechanism yields),
``Target`` (one allocatable unit with its identity hash) and ``Collector`` (one collector pod).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ta.core.base.labels import LabelSet, merge


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetGroup:
    """A Prometheus SD target group: per-target label sets (each with ``__address__``) plus group labels."""

    source: str
    targets: tuple[LabelSet, ...]
    labels: LabelSet = ()
    # Every label name some target carries, when the producer knows it for free (Kubernetes SD does): lets
    # relabeling decide rules that read only group labels once for the whole group. Not part of the value.
    target_names: frozenset[str] | None = field(default=None, compare=False, repr=False)
    # How many targets lack a non-empty ``__address__`` of their own, when the producer knows (0 lets a job that
    # drops the whole group skip looking at each target).
    addressless: int | None = field(default=None, compare=False, repr=False)


Merger = Callable[[LabelSet, LabelSet], LabelSet]


def served_labels(group: LabelSet, own: LabelSet, merger: Merger | None) -> LabelSet:
    """A target's discovered labels: its group's merged under its own (the target wins on a clash)."""
    return merge(group, own) if merger is None else merger(group, own)


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One discovered target of one job.

    ``address`` is the pre-relabel ``__address__`` (the consistent-hashing key), ``own`` the target's own
    pre-relabel discovered labels and ``group`` its group's, which ``labels`` merges (the target's value wins)
    into what is served to collectors; ``hash`` is the upstream identity hash (xxHash64 over the post-relabel
    non-meta labels and the job name), and ``node`` the node name used by the per-node strategy ("" when the
    labels name no node).

    The two parts are kept apart because both are shared already (with the target group, and by every target of
    the group): a merged set per target would be the largest single thing a big TA holds (~0.8 KB a target for
    Kubernetes SD), and it is only needed when an answer is rendered.
    """

    job: str
    address: str
    own: LabelSet
    hash: int
    node: str = ""
    group: LabelSet = ()
    # ``merge`` done a faster way for these two label sets' names (shared by the targets of a group that have the
    # same names), when the builder has one; None: ``merge``.
    merger: Merger | None = field(default=None, compare=False, repr=False)

    @property
    def labels(self) -> LabelSet:
        return served_labels(self.group, self.own, self.merger)


@dataclass(frozen=True, slots=True, kw_only=True)
class Collector:
    """A collector pod that may receive targets; ``name`` is the pod name (the receiver's collector_id)."""

    name: str
    node: str = ""

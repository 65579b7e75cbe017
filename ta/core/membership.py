"""Collector membership: which pods are collectors that may receive targets.

In: Pod objects (as the API serves them) with their watch type, the membership settings, and the current
time as data. Out: the collector set (sorted ``Collector`` values) whenever it changes, plus a note for
each pod that had to be ignored (so the actor can log it once).
Each actor step's changes can be taken back whole (``begin``/``commit``/``rollback``).

Settling: the first set, and the set a complete pod list shows, are published as they are (as is every set the
caller says has settled). Otherwise collectors
arriving while none is published (a fresh install whose collectors start after the TA, or a fleet recreated from
nothing) are held for ``SETTLE_SECONDS`` from the first arrival and published together: the targets waiting for
them would otherwise all go to whichever pod came first (for good with least-weighted). Every other change is
published at once.

Rules (upstream TA, with the later fix for terminating pods): a pod in the collector namespace that matches
the collector selector (``None`` = every pod, as upstream) counts when it has ``spec.nodeName``, has no
``deletionTimestamp``, and is not unhealthy. With a grace period > 0 a pod is unhealthy when it is not
Running and started longer ago than the grace period, or its Ready condition is not True and last changed
longer ago than the grace period.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeVar

from ta.core.base.cache import CLEAR_WHEN_FULL, BoundedCache
from ta.core.base.model import Collector
from ta.core.base.undo import UndoLog
from ta.core.gocompat.timefmt import parse_rfc3339

T = TypeVar("T")

# Upstream's collector watcher applies membership changes at most every 5 s (defaultMinUpdateInterval, not
# configurable), so collectors starting together are seen together; the settle window has that length.
SETTLE_SECONDS = 5.0


class Selector(Protocol):
    def matches(self, labels: Mapping[str, str]) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class MembershipSettings:
    namespace: str
    selector: Selector | None
    grace_period: float  # seconds; 0 disables the health check


class PodFacts(NamedTuple):
    """The few pod fields membership reads (a tuple: one is kept for every pod of the collector namespace, and for
    every pod that arrives before the first config)."""

    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    node_name: str
    terminating: bool
    phase: str
    start_time: float | None
    ready_status: str | None  # status of the Ready condition, None when the pod has none
    ready_since: float | None


# Bounded tables sharing what repeats between pods (a workload's replicas have the same labels, nodes, phases and
# often start times): membership holds facts for every pod of its namespace. Identity and speed only, never results.
# ``ta.core.base.cache`` tables, cleared when full.
_REPEATS = "a namespace's pods repeat far fewer distinct values than the bound; a full table means they changed"
_shared: BoundedCache[object, object] = BoundedCache(
    "membership.shared", bound=1 << 16, policy=CLEAR_WHEN_FULL, reason=_REPEATS
)
_times: BoundedCache[str, float | None] = BoundedCache(
    "membership.times", bound=1 << 16, policy=CLEAR_WHEN_FULL, reason=_REPEATS
)
_times_get = _times.data.get
_UNKNOWN = object()


def _share(value: T) -> T:
    return _shared.intern(value)  # type: ignore[return-value]


def _label_pairs(raw: Mapping[Any, Any]) -> tuple[tuple[str, str], ...]:
    # Computed every time, not looked up by the raw items: odd values that compare equal (1, True, 1.0) print
    # differently, and a table keyed by every pod's label map would hold one more tuple per pod.
    return _share(tuple(sorted((str(k), str(v)) for k, v in raw.items())))


def _time(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    found = _times_get(value, _UNKNOWN)
    if found is _UNKNOWN:
        return _times.put(value, parse_rfc3339(value))
    _times.hits += 1
    return found  # type: ignore[return-value]


def pod_facts(obj: Mapping[str, Any]) -> PodFacts | str:
    """Extract ``PodFacts``, or return why the object cannot be a pod we understand."""
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        return "pod has no metadata"
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        return "pod has no name"
    spec = obj.get("spec")
    status = obj.get("status")
    if not isinstance(spec, Mapping):
        spec = {}
    if not isinstance(status, Mapping):
        status = {}
    raw_labels = meta.get("labels") or {}
    labels = _label_pairs(raw_labels) if isinstance(raw_labels, Mapping) else ()
    ready_status: str | None = None
    ready_since: float | None = None
    conditions = status.get("conditions") or []
    if isinstance(conditions, list):
        for cond in conditions:
            if isinstance(cond, Mapping) and cond.get("type") == "Ready":
                ready_status = _share(str(cond.get("status", "")))
                ready_since = _time(cond.get("lastTransitionTime"))
    node = spec.get("nodeName")
    return PodFacts(
        name,
        _share(str(meta.get("namespace") or "")),
        labels,
        _share(node if isinstance(node, str) else ""),
        bool(meta.get("deletionTimestamp")),
        _share(str(status.get("phase") or "")),
        _time(status.get("startTime")),
        ready_status,
        ready_since,
    )


def is_unhealthy(pod: PodFacts, grace_period: float, now: float) -> bool:
    if grace_period <= 0:
        return False
    if pod.phase != "Running" and pod.start_time is not None and now - pod.start_time > grace_period:
        return True
    # A Ready condition without a parseable transition time is treated as having changed at the epoch, as a
    # zero Go time would be: long past any grace period.
    return pod.ready_status is not None and pod.ready_status != "True" and now - (pod.ready_since or 0.0) > grace_period


# What a step may replace wholesale, saved by ``begin`` and put back by ``rollback`` (one list, so a new field
# cannot be saved and then forgotten); in-place changes to the dicts and sets go through the undo log.
_REPLACED = (
    "_settings",
    "_pods",
    "_passed",
    "_selected",
    "_sorted",
    "_steady",
    "_timed",
    "_last",
    "_arriving_since",
)


class Membership:
    """Holds the candidate pods; ``collectors(now)`` is the current collector set.

    The time-independent rules (namespace, selector, node, deletion) are evaluated once per pod, when it is
    applied or the settings change, and the sorted result is cached; evaluating at a given time only re-checks
    the health of the selected pods whose health can change with time (not Running, or Ready not True). When
    none can, the cached tuple itself is returned, so ``changed`` costs an identity check per tick.
    """

    def __init__(self, settings: MembershipSettings | None = None) -> None:
        # None until configured: every pod is kept meanwhile (a journal may bring pods before its config).
        self._settings = settings
        # Keyed by (namespace, name): pod names repeat across namespaces, and a cluster-wide pod watch (for
        # kubernetes_sd) must not let another namespace's "collector-0" replace or delete ours. Only the collector
        # namespace's pods are kept once configured (``wants``): facts for every pod of a cluster-wide watch cost
        # ~12 us and ~150 B a pod, for a namespace that is fixed for the life of a ``ta run`` process.
        self._pods: dict[tuple[str, str], PodFacts] = {}
        self._passed: set[str] = set()  # namespaces whose pods went by unkept (see ``configure``)
        self._selected: dict[str, PodFacts] = {}  # only the collector namespace's pods, so by name
        # Sorted by pod name: (collector, pod) for every selected pod; pod is None when its health cannot
        # depend on time (then the collector always counts). None = to be rebuilt from ``_selected``.
        self._sorted: tuple[tuple[Collector, PodFacts | None], ...] | None = None
        self._steady: tuple[Collector, ...] = ()  # all of ``_sorted``'s collectors, when no pod is timed
        self._timed = False
        self._last: tuple[Collector, ...] | None = None
        self._arriving_since: float | None = None  # when collectors first appeared while none is published
        self._undo = UndoLog()
        self._saved: tuple[Any, ...] = ()

    # --- all-or-nothing steps: in-place changes are recorded, fields replaced wholesale are saved ----------

    def begin(self) -> None:
        self._undo.begin()
        self._saved = tuple(getattr(self, name) for name in _REPLACED)

    def commit(self) -> None:
        self._undo.commit()
        self._saved = ()

    def rollback(self) -> None:
        self._undo.rollback()
        for name, value in zip(_REPLACED, self._saved, strict=True):
            setattr(self, name, value)
        self._saved = ()

    def configure(self, settings: MembershipSettings) -> str | None:
        """New settings; returns a note when the collector namespace moves to one whose pods went by unkept: they
        count from their next change (``ta run`` never moves it, its config is read once; a hand-made journal with a
        second config can)."""
        first = self._settings is None
        moved = self._settings is not None and settings.namespace != self._settings.namespace
        self._settings = settings
        if first or moved:
            # Replaced, not changed in place: ``rollback`` puts the old set back.
            self._passed = self._passed | {namespace for namespace, _ in self._pods if namespace != settings.namespace}
            self._pods = {key: pod for key, pod in self._pods.items() if key[0] == settings.namespace}
        self._selected = {pod.name: pod for pod in self._pods.values() if self._selects(pod)}
        self._sorted = None
        if moved and settings.namespace in self._passed:
            return (
                f"collector namespace changed to {settings.namespace!r} after pods of it went by: "
                "they count from their next change"
            )
        return None

    def wants(self, namespace: str) -> bool:
        """Whether a pod of ``namespace`` matters (else it is passed by, with nothing worked out from it). Records
        the namespaces passed by, for ``configure``'s note."""
        if self._settings is None or namespace == self._settings.namespace:
            return True
        if namespace not in self._passed:
            self._undo.member(self._passed, namespace)
            self._passed.add(namespace)
        return False

    def apply(self, watch_type: str, pod: PodFacts) -> None:
        """A pod of the collector namespace (another namespace's is passed by, as ``wants`` tells)."""
        if not self.wants(pod.namespace):
            return
        undo = self._undo
        key = (pod.namespace, pod.name)
        undo.item(self._pods, key)
        if watch_type == "DELETED":
            self._pods.pop(key, None)
            if pod.name in self._selected:
                undo.item(self._selected, pod.name)
                del self._selected[pod.name]
                self._sorted = None
            return
        self._pods[key] = pod
        if self._selects(pod):
            if self._selected.get(pod.name) != pod:
                undo.item(self._selected, pod.name)
                self._selected[pod.name] = pod
                self._sorted = None
        elif pod.name in self._selected:
            undo.item(self._selected, pod.name)
            del self._selected[pod.name]
            self._sorted = None

    def collectors(self, now: float) -> tuple[Collector, ...]:
        entries = self._entries()
        if not self._timed:
            return self._steady
        grace_period = 0.0 if self._settings is None else self._settings.grace_period
        return tuple(collector for collector, pod in entries if pod is None or not is_unhealthy(pod, grace_period, now))

    def changed(self, now: float, *, settled: bool = False) -> tuple[Collector, ...] | None:
        """The collector set if it differs from the last one returned here and has settled, else None.

        ``settled``: the caller knows the set is not collectors arriving one by one (the pods were just listed in
        full, so a restarted TA sees its running fleet at once; or no pod watch runs, as in a hand-written journal,
        where time need not pass): published at once.
        """
        current = self.collectors(now)
        if current is self._last or current == self._last:
            self._arriving_since = None
            return None
        if self._last == () and not settled:
            if self._arriving_since is None:
                self._arriving_since = now
            if now - self._arriving_since < SETTLE_SECONDS:
                return None
        self._arriving_since = None
        self._last = current
        return current

    def _selects(self, pod: PodFacts) -> bool:
        """The rules that do not depend on time."""
        settings = self._settings
        if settings is None or pod.namespace != settings.namespace or not pod.node_name or pod.terminating:
            return False
        return settings.selector is None or settings.selector.matches(dict(pod.labels))

    def _entries(self) -> tuple[tuple[Collector, PodFacts | None], ...]:
        if self._sorted is None:
            checked = self._settings is not None and self._settings.grace_period > 0
            self._sorted = tuple(
                (Collector(name=pod.name, node=pod.node_name), pod if checked and _may_turn_unhealthy(pod) else None)
                for pod in (self._selected[name] for name in sorted(self._selected))
            )
            self._timed = any(pod is not None for _, pod in self._sorted)
            self._steady = tuple(collector for collector, _ in self._sorted)
        return self._sorted


def _may_turn_unhealthy(pod: PodFacts) -> bool:
    """Whether ``is_unhealthy`` can be true for this pod at some time (else it never is, whatever the time)."""
    return pod.phase != "Running" or (pod.ready_status is not None and pod.ready_status != "True")

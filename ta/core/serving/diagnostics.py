"""The "why is my target missing?" read model: dropped targets with the rule that dropped them, and the
recent problems (rejected monitors, bad jobs, unreadable files, unwatchable resources, failed actor steps).

In: the dropped targets of each changed (job, source) group (up to ten examples per group; see
``ta.core.discovery.index``) and every ``InputRejected`` and ``StepFailed`` note, from the serving actor. Out:
JSON bodies for ``GET /debug/dropped?job=<job>`` (one page of a job's entries: ``dropped_page``) and
``GET /debug/problems``.
Nothing here holds secrets: dropped targets carry discovered labels only, problems carry reasons.
"""

from __future__ import annotations

import collections

from ta.core.discovery.targets import DroppedTarget
from ta.core.gocompat import gojson

RECENT_PROBLEMS = 500


class Diagnostics:
    def __init__(self) -> None:
        self._dropped: dict[str, dict[str, tuple[DroppedTarget, ...]]] = {}
        self._problems: collections.deque[tuple[int, str, str]] = collections.deque(maxlen=RECENT_PROBLEMS)

    def set_dropped(self, job: str, source: str, dropped: tuple[DroppedTarget, ...]) -> None:
        groups = self._dropped.setdefault(job, {})
        if dropped:
            groups[source] = dropped
        else:
            groups.pop(source, None)
            if not groups:
                del self._dropped[job]

    def add_problem(self, seq: int, source: str, reason: str) -> None:
        self._problems.append((seq, source, reason))

    def add_step_failure(self, seq: int, actor: str, kind: str, error: str) -> None:
        """A step that raised and was taken back: listed with the problems, under ``actor <name>``."""
        self.add_problem(seq, f"actor {actor}", f"{kind} not applied, the step failed: {error}")

    def dropped_of(self, job: str, source: str) -> tuple[DroppedTarget, ...]:
        return self._dropped.get(job, {}).get(source, ())

    def dropped_count(self, job: str) -> int:
        return sum(len(d) for d in self._dropped.get(job, {}).values())

    def render_dropped(self, job: str) -> bytes:
        groups = self._dropped.get(job, {})
        entries = [
            {"source": source, "reason": d.reason, "labels": dict(d.labels)}
            for source in sorted(groups)
            for d in groups[source]
        ]
        return gojson.dumps(entries, newline=True)

    def dropped_page(self, job: str, offset: int, limit: int) -> tuple[bytes, int]:
        """Entries ``offset`` to ``offset + limit`` of ``render_dropped(job)`` and the job's entry count: the
        work and the body are bounded by ``limit`` whatever the number of sources (only the source names
        are sorted)."""
        groups = self._dropped.get(job, {})
        total = sum(len(d) for d in groups.values())
        entries: list[dict[str, object]] = []
        skip = offset
        for source in sorted(groups):
            group = groups[source]
            if skip >= len(group):
                skip -= len(group)
                continue
            for d in group[skip : skip + limit - len(entries)]:
                entries.append({"source": source, "reason": d.reason, "labels": dict(d.labels)})
            skip = 0
            if len(entries) >= limit:
                break
        return gojson.dumps(entries, newline=True), total

    def render_problems(self) -> bytes:
        """Newest first; each entry names the journal entry (``seq``) that caused it."""
        entries = [{"seq": seq, "source": source, "reason": reason} for seq, source, reason in reversed(self._problems)]
        return gojson.dumps(entries, newline=True)

"""Holding back until the first lists are in: the one rule the membership, CR and discovery actors share.

In: the journal's watch plan (``KubeWatchesPlanned`` scopes), filtered to the resources an actor takes (its
declaration in ``ta.actors.wiring``), then each ``KubeListSynced``/``KubeResourceUnavailable``. Out: whether the
actor is still waiting, and whether a list was the last planned one (the moment to publish what was held).

Immutable state (a frozenset), so an actor's all-or-nothing step saves and restores it as one field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FirstLists:
    """The planned scopes whose first list is not in yet; ``planned`` once any plan named one of ours."""

    pending: frozenset[tuple[str, str]] = frozenset()
    planned: bool = False

    @property
    def waiting(self) -> bool:
        return bool(self.pending)

    def plan(self, scopes: Iterable[tuple[str, str]], takes: Callable[[str], bool]) -> FirstLists:
        """A new plan replaces what was pending: the scopes of resources this actor takes."""
        pending = frozenset((r, ns) for r, ns in scopes if takes(r))
        return FirstLists(pending, self.planned or bool(pending))

    def listed(self, resource: str, namespace: str) -> tuple[FirstLists, bool]:
        """The state after a scope's first list is in (or cannot be watched), and whether that completed the plan."""
        scope = (resource, namespace)
        if scope not in self.pending:
            return self, False
        pending = self.pending - {scope}
        return FirstLists(pending, self.planned), not pending

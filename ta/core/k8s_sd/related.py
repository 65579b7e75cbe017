"""The lookups a role builder needs for objects other than the one it is building a group for.

In: namespace/name coordinates. Out: the related Service, Pod, Node or Namespace object as the discoverer sees it
(already filtered by the config's namespaces and selectors), or None when it is not visible.
"""

from __future__ import annotations

from typing import Protocol

from ta.core.k8s_sd.meta import Obj


class Related(Protocol):
    def service(self, namespace: str, name: str) -> Obj | None: ...

    def pod(self, namespace: str, name: str) -> Obj | None: ...

    def node(self, name: str) -> Obj | None: ...

    def namespace(self, name: str) -> Obj | None: ...


class NoRelated:
    """A view in which no related object exists (roles that need none, and tests)."""

    def service(self, namespace: str, name: str) -> Obj | None:
        return None

    def pod(self, namespace: str, name: str) -> Obj | None:
        return None

    def node(self, name: str) -> Obj | None:
        return None

    def namespace(self, name: str) -> Obj | None:
        return None

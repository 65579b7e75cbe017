"""The lookups a role builder needs for objects other than the one it is building a group for.

In: namespace/name coordinates. Out: the related Service, Pod, Node or Namespace object as the discoverer sees it
(already filtered by the config's namespaces and selectors), or None when it is not visible; and ``derive``, through
which builders share what they compute from one object version (pod labels, say) across groups and SD configs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from ta.core.k8s_sd.meta import Obj

T = TypeVar("T")


class Related(Protocol):
    def service(self, namespace: str, name: str) -> Obj | None: ...

    def pod(self, namespace: str, name: str) -> Obj | None: ...

    def node(self, name: str) -> Obj | None: ...

    def namespace(self, name: str) -> Obj | None: ...

    def derive(self, resource: str, namespace: str, name: str, compute: Callable[[Obj], T]) -> T | None:
        """``compute`` of the object as ``service``/``pod``/``node``/``namespace`` would return it (None when those
        would return None), possibly remembered for as long as that object does not change."""
        ...


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

    def derive(self, resource: str, namespace: str, name: str, compute: Callable[[Obj], T]) -> T | None:
        return None

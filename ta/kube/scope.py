"""What one watch covers: a resource, a namespace (or all), and optional label/field selectors.

In: names as used in events (``v1/pods``, ``discovery.k8s.io/v1/endpointslices``). Out: the API path to
list/watch it (``/api/v1/namespaces/<ns>/pods``, ``/apis/<group>/<version>/<plural>``) and the selector
query parameters. Scopes are hashable values, so they key shared watches in the hub.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchScope:
    resource: str  # "<group/version>/<plural>"; core resources have no group ("v1/pods")
    namespace: str = ""  # "" = all namespaces (and cluster-scoped resources)
    label_selector: str = ""
    field_selector: str = ""

    def __post_init__(self) -> None:
        parts = self.resource.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"resource must be [<group>/]<version>/<plural>, got {self.resource!r}")

    @property
    def group_version(self) -> str:
        return self.resource.rsplit("/", 1)[0]

    @property
    def plural(self) -> str:
        return self.resource.rsplit("/", 1)[1]

    def path(self) -> str:
        gv = self.group_version
        base = f"/api/{gv}" if "/" not in gv else f"/apis/{gv}"
        if self.namespace:
            return f"{base}/namespaces/{self.namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def selector_params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        if self.label_selector:
            params.append(("labelSelector", self.label_selector))
        if self.field_selector:
            params.append(("fieldSelector", self.field_selector))
        return params

"""One ``kubernetes_sd_configs`` entry: parsing, validation, the watches it needs and client-side selector filtering.

In: the fields of an entry ``ta.core.promcfg.sd`` has parsed and validated (it is the one place that does), the TA's
own namespace for ``own_namespace``, and objects. Out: a frozen ``KubeSDConfig`` (or ``KubeSDConfigError`` for a
selector that does not parse), the ``Watch`` list a shared watcher must serve (``required_resources``) and
``matches_selectors`` deciding whether an object passes the role selector for its resource, as the API server
would have filtered it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ta.core.k8s_sd.resources import (
    NAMESPACES,
    NODES,
)
from ta.core.k8s_sd.roles import ROLES
from ta.core.k8s_sd.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorError,
    label_matches,
    parse_field_selector,
    parse_label_selector,
)

_ANY_LABEL = LabelSelector()
_ANY_FIELD = FieldSelector()


class KubeSDConfigError(ValueError):
    """An invalid ``kubernetes_sd_configs`` entry; the message matches Prometheus' where it has one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Selector:
    role: str
    label: str = ""
    field: str = ""
    parsed_label: LabelSelector = _ANY_LABEL
    parsed_field: FieldSelector = _ANY_FIELD


@dataclass(frozen=True, slots=True, kw_only=True)
class KubeSDConfig:
    role: str
    names: tuple[str, ...] = ()
    own_namespace: bool = False
    selectors: tuple[Selector, ...] = ()
    attach_node: bool = False
    attach_namespace: bool = False
    # Kept for fidelity of the served config only: we always use the TA's own cluster connection.
    api_server: str = ""
    kubeconfig_file: str = ""

    def selector_for(self, resource: str) -> Selector | None:
        for selector in self.selectors:
            # A selector role filters the resource that role's targets come from.
            if ROLES[selector.role].primary == resource:
                return selector
        return None


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class Watch:
    """One list/watch: a resource in one namespace ("" = all, or cluster-scoped) with server-side selectors."""

    resource: str
    namespace: str = ""
    label_selector: str = ""
    field_selector: str = ""


def build_kube_sd_config(
    *,
    role: str,
    names: tuple[str, ...] = (),
    own_namespace: bool = False,
    selectors: tuple[tuple[str, str, str], ...] = (),
    attach_node: bool = False,
    attach_namespace: bool = False,
    api_server: str = "",
    kubeconfig_file: str = "",
) -> KubeSDConfig:
    """The typed form of an entry ``ta.core.promcfg.sd`` has already validated; ``selectors`` are (role, label, field).

    Only the selector texts are checked here (``KubeSDConfigError`` with the parser's message), because only
    evaluation needs them parsed; every other rule has its one owner in ``ta.core.promcfg.sd``.
    """
    parsed: list[Selector] = []
    for sel_role, label, field in selectors:
        try:
            parsed_field = parse_field_selector(field)
            parsed_label = parse_label_selector(label)
        except SelectorError as exc:
            raise KubeSDConfigError(str(exc)) from exc
        parsed.append(
            Selector(role=sel_role, label=label, field=field, parsed_label=parsed_label, parsed_field=parsed_field)
        )
    return KubeSDConfig(
        role=role,
        names=names,
        own_namespace=own_namespace,
        selectors=tuple(parsed),
        attach_node=attach_node,
        attach_namespace=attach_namespace,
        api_server=api_server,
        kubeconfig_file=kubeconfig_file,
    )


def watched_namespaces(cfg: KubeSDConfig, own_namespace: str = "") -> tuple[str, ...]:
    """Namespaces watched for namespaced resources; ``("",)`` means all. Sorted and de-duplicated."""
    names = list(cfg.names)
    if cfg.own_namespace and own_namespace:
        names.append(own_namespace)
    if not cfg.names and not cfg.own_namespace:
        return ("",)
    return tuple(sorted(set(names)))


def _role_resources(cfg: KubeSDConfig) -> tuple[str, ...]:
    """The role's own resources (``roles.ROLES``), then what ``attach_metadata`` adds where it applies."""
    role = ROLES[cfg.role]
    extra: list[str] = []
    if cfg.attach_node and role.attaches_node:
        extra.append(NODES)
    if cfg.attach_namespace and role.attaches_namespace:
        extra.append(NAMESPACES)
    return (role.primary, *role.also_reads, *extra)


def required_resources(cfg: KubeSDConfig, own_namespace: str = "") -> tuple[Watch, ...]:
    """The watches this config needs, with the selectors Prometheus would send server-side. Sorted."""
    watches: set[Watch] = set()
    for resource in _role_resources(cfg):
        selector = cfg.selector_for(resource)
        label = selector.label if selector else ""
        field = selector.field if selector else ""
        if resource == NAMESPACES:
            # Prometheus watches namespaces unfiltered, whatever the selectors.
            label = field = ""
        if resource in (NODES, NAMESPACES):
            watches.add(Watch(resource=resource, label_selector=label, field_selector=field))
            continue
        for namespace in watched_namespaces(cfg, own_namespace):
            watches.add(Watch(resource=resource, namespace=namespace, label_selector=label, field_selector=field))
    return tuple(sorted(watches))


def matches_selectors(cfg: KubeSDConfig, resource: str, obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` passes this config's label and field selector for ``resource`` (no selector: True)."""
    if resource == NAMESPACES:
        return True
    selector = cfg.selector_for(resource)
    if selector is None:
        return True
    return label_matches(selector.parsed_label, obj) and selector.parsed_field.matches(obj)

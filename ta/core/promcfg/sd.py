"""Service-discovery blocks of a scrape config: static, file, http and kubernetes, with Prometheus' defaults.

In: the decoded ``*_sd_configs`` / ``static_configs`` lists of one scrape config.
Out: ``TargetGroup`` values for static targets (sources "0", "1", … across all entries), ``FileSDConfig``,
``HTTPSDConfig`` and kubernetes blocks as immutable ``Obj`` trees, each with its marshalled form (kubernetes
blocks also as the ``KubeSDConfig`` discovery evaluates: this is the one place they are parsed and validated);
or a ``PromConfigError`` with Prometheus' text.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

from ta.core.base.labels import label_set
from ta.core.base.model import TargetGroup
from ta.core.k8s_sd.config import KubeSDConfig, KubeSDConfigError, build_kube_sd_config
from ta.core.k8s_sd.roles import ROLE_NAMES, ROLES
from ta.core.promcfg.decode import as_bool, as_duration_ms, as_map, as_str, as_str_list
from ta.core.promcfg.duration import format_duration
from ta.core.promcfg.errors import PromConfigError, go_quote, yaml_kind
from ta.core.promcfg.httpclient import HTTPClientConfig, parse_http_client_config, redact_url
from ta.core.promcfg.relabel import is_valid_label_name
from ta.core.promcfg.tree import Node, Obj

FILE_SD_DEFAULT_REFRESH_MS = 5 * 60 * 1000
HTTP_SD_DEFAULT_REFRESH_MS = 60 * 1000
_FILE_SD_NAME = re.compile(r"^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class FileSDConfig:
    files: tuple[str, ...]
    refresh_interval: str = format_duration(FILE_SD_DEFAULT_REFRESH_MS)

    def to_tree(self) -> Obj:
        return Obj({"files": self.files, "refresh_interval": self.refresh_interval})


@dataclass(frozen=True, slots=True, kw_only=True)
class HTTPSDConfig:
    url: str
    refresh_interval: str = format_duration(HTTP_SD_DEFAULT_REFRESH_MS)
    http_client: HTTPClientConfig = field(default_factory=HTTPClientConfig)

    def to_tree(self) -> Obj:
        out = self.http_client.to_tree()
        out["url"] = self.url
        out["refresh_interval"] = self.refresh_interval
        return Obj(out)


def _entries(value: object, key: str) -> list[object]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise PromConfigError(f"cannot unmarshal {yaml_kind(value)} into []{key}")
    for entry in value:
        if entry is None:
            raise PromConfigError(f"empty or null section in {key}")
    return list(value)


def parse_static_configs(value: object) -> tuple[tuple[TargetGroup, ...], tuple[Obj, ...]]:
    """Groups named "0", "1", … in order, each target as ``{__address__: …}``; plus their marshalled form."""
    groups: list[TargetGroup] = []
    rendered: list[Obj] = []
    for entry in _entries(value, "static_configs"):
        data = as_map(entry, "struct { Targets []string; Labels model.LabelSet }")
        targets = as_str_list(data.get("targets")) or ()
        labels = {name: as_str(val) for name, val in as_map(data.get("labels"), "model.LabelSet").items()}
        for name in labels:
            if not is_valid_label_name(name, legacy=False):
                raise PromConfigError(f"{go_quote(name)} is not a valid label name")
        groups.append(
            TargetGroup(
                source=str(len(groups)),
                targets=tuple(label_set({"__address__": target}) for target in targets),
                labels=label_set(labels),
            )
        )
        tree: dict[str, Node] = {"targets": targets}
        if labels:
            tree["labels"] = Obj(dict(labels))
        rendered.append(Obj(tree))
    return tuple(groups), tuple(rendered)


def parse_file_sd_configs(value: object) -> tuple[FileSDConfig, ...]:
    configs: list[FileSDConfig] = []
    for entry in _entries(value, "file_sd_configs"):
        data = as_map(entry, "file.plain")
        files = as_str_list(data.get("files")) or ()
        refresh = as_duration_ms(data.get("refresh_interval")) or FILE_SD_DEFAULT_REFRESH_MS
        if not files:
            raise PromConfigError("file service discovery config must contain at least one path name")
        for name in files:
            if not _FILE_SD_NAME.search(name):
                raise PromConfigError(f"path name {go_quote(name)} is not valid for file discovery")
        configs.append(FileSDConfig(files=files, refresh_interval=format_duration(refresh)))
    return tuple(configs)


def parse_http_sd_configs(value: object) -> tuple[HTTPSDConfig, ...]:
    configs: list[HTTPSDConfig] = []
    for entry in _entries(value, "http_sd_configs"):
        data = as_map(entry, "http.plain")
        refresh = as_duration_ms(data.get("refresh_interval")) or HTTP_SD_DEFAULT_REFRESH_MS
        url = as_str(data.get("url"))
        if not url:
            raise PromConfigError("URL is missing")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https"):
            raise PromConfigError("URL scheme must be 'http' or 'https'")
        if not parsed.netloc.rpartition("@")[2]:
            raise PromConfigError("host is missing in URL")
        client = parse_http_client_config(data)
        configs.append(HTTPSDConfig(url=url, refresh_interval=format_duration(refresh), http_client=client))
    return tuple(configs)


def _role(value: object) -> str:
    role = as_str(value)
    if role and role not in ROLES:
        raise PromConfigError(f"unknown Kubernetes SD role {go_quote(role)}")
    return role


def parse_kubernetes_sd_configs(value: object) -> tuple[tuple[Obj, ...], tuple[KubeSDConfig | str, ...]]:
    """Each block validated as Prometheus does (the only place that validates them), as its marshalled,
    immutable tree and as the typed config discovery evaluates. A block whose selector does not parse has, in
    place of the typed config, the reason discovery reports (the job itself is still served)."""
    configs: list[Obj] = []
    typed: list[KubeSDConfig | str] = []
    for entry in _entries(value, "kubernetes_sd_configs"):
        data = as_map(entry, "kubernetes.plain")
        api_server = as_str(data.get("api_server"))
        role = _role(data.get("role"))
        kubeconfig = as_str(data.get("kubeconfig_file"))
        namespaces = as_map(data.get("namespaces"), "kubernetes.plain")
        own_namespace = as_bool(namespaces.get("own_namespace"))
        names = as_str_list(namespaces.get("names")) or ()
        selectors: list[Obj] = []
        raw_selectors = data.get("selectors")
        for raw in _entries(raw_selectors, "selectors") if raw_selectors is not None else []:
            sel = as_map(raw, "kubernetes.SelectorConfig")
            tree: dict[str, Node] = {}
            for key in ("role", "label", "field"):
                text = _role(sel.get(key)) if key == "role" else as_str(sel.get(key))
                if text:
                    tree[key] = text
            selectors.append(Obj(tree))
        attach = as_map(data.get("attach_metadata"), "kubernetes.AttachMetadataConfig")
        attach_flags = {key: as_bool(attach.get(key)) for key in ("node", "namespace", "deployment", "job", "cronjob")}
        if not role:
            raise PromConfigError(f"role missing (one of: {', '.join(ROLE_NAMES)})")
        client = parse_http_client_config(data)
        custom_client = client != HTTPClientConfig()
        if api_server and kubeconfig:
            raise PromConfigError("cannot use 'kubeconfig_file' and 'api_server' simultaneously")
        if kubeconfig and custom_client:
            raise PromConfigError("cannot use a custom HTTP client configuration together with 'kubeconfig_file'")
        if not api_server and custom_client:
            raise PromConfigError(
                "to use custom HTTP client configuration please provide the 'api_server' URL explicitly"
            )
        if api_server and own_namespace:
            raise PromConfigError("cannot use 'api_server' and 'namespaces.own_namespace' simultaneously")
        if kubeconfig and own_namespace:
            raise PromConfigError("cannot use 'kubeconfig_file' and 'namespaces.own_namespace' simultaneously")
        seen: set[str] = set()
        for sel_tree in selectors:
            sel_role = str(sel_tree.get("role", ""))
            if sel_role in seen:
                raise PromConfigError(f"duplicated selector role: {sel_role}")
            seen.add(sel_role)
            allowed = ROLES[role].selectors
            if sel_role not in allowed:
                raise PromConfigError(f"{role} role supports only {', '.join(allowed)} selectors")
        out = client.to_tree()
        out["role"] = role
        out["kubeconfig_file"] = kubeconfig
        if api_server:
            out["api_server"] = redact_url(api_server)
        if own_namespace or names:
            out["namespaces"] = Obj({"names": names, "own_namespace": own_namespace})
        if selectors:
            out["selectors"] = tuple(selectors)
        if any(attach_flags.values()):
            out["attach_metadata"] = Obj(dict(attach_flags))
        configs.append(Obj(out))
        try:
            typed.append(
                build_kube_sd_config(
                    role=role,
                    names=names,
                    own_namespace=own_namespace,
                    selectors=tuple(
                        (str(sel.get("role", "")), str(sel.get("label", "")), str(sel.get("field", "")))
                        for sel in selectors
                    ),
                    attach_node=attach_flags["node"],
                    attach_namespace=attach_flags["namespace"],
                    api_server=redact_url(api_server) if api_server else "",
                    kubeconfig_file=kubeconfig,
                )
            )
        except KubeSDConfigError as exc:
            typed.append(str(exc))
    return tuple(configs), tuple(typed)

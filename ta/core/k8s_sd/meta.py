"""Shared helpers for reading Kubernetes JSON objects and exporting their metadata as Prometheus meta labels.

In: Kubernetes objects as plain dicts (camelCase, as the API server serves them), which may be partial or odd.
Out: safe typed accessors, Go-compatible string helpers (label-name sanitising, lower-casing, host:port joining)
and the ``__meta_kubernetes_<kind>_{name,label_*,labelpresent_*,annotation_*,annotationpresent_*}`` families.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from ta.core.base.cache import CLEAR_WHEN_FULL, BoundedCache

Obj = Mapping[str, Any]

META = "__meta_kubernetes_"
NAMESPACE_LABEL = META + "namespace"
ADDRESS_LABEL = "__address__"
PRESENT = "true"


def as_map(value: object) -> Mapping[str, Any]:
    """A mapping view of ``value``; anything else (null, wrong type) reads as empty so odd input never crashes."""
    if type(value) is dict:  # decoded JSON: skips the (slow) abstract-class check
        return value
    return value if isinstance(value, Mapping) else {}


def as_list(value: object) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else ()


def as_str(value: object) -> str:
    return value if isinstance(value, str) else ""


def opt_str(value: object) -> str | None:
    """A string, or None when the field is absent/null (Go ``*string`` semantics)."""
    return value if isinstance(value, str) else None


def opt_int(value: object) -> int | None:
    # bool is an int subclass in Python but never a valid port.
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def opt_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def go_bool(value: bool) -> str:
    return "true" if value else "false"


def metadata(obj: Obj) -> Mapping[str, Any]:
    return as_map(obj.get("metadata"))


def name_of(obj: Obj) -> str:
    return as_str(metadata(obj).get("name"))


def namespace_of(obj: Obj) -> str:
    return as_str(metadata(obj).get("namespace"))


def str_map(value: object) -> dict[str, str]:
    """A string-to-string map (labels, annotations, topology); non-string values are dropped."""
    return {k: v for k, v in as_map(value).items() if isinstance(k, str) and isinstance(v, str)}


def labels_of(obj: Obj) -> dict[str, str]:
    return str_map(metadata(obj).get("labels"))


_INVALID_RUNE = re.compile("[^a-zA-Z0-9_]")


def sanitize_label_name(name: str) -> str:
    """Prometheus ``strutil.SanitizeLabelName``: every rune outside ``[a-zA-Z0-9_]`` becomes ``_``, nothing else."""
    return _INVALID_RUNE.sub("_", name)


# Interning tables (``ta.core.base.cache``, cleared when full: identity is only about memory, never about results). A
# cluster has few distinct keys and values and every object repeats them: one shared string or pair instead of one
# per object (and no re-sanitising).
_INTERNED = "a cluster's distinct label keys and values are far fewer than the bound; a full table means they changed"
# (prefix, key) -> the interned label and present-label names of one label/annotation key.
_family_names: BoundedCache[tuple[str, str], tuple[str, str]] = BoundedCache(
    "k8s_sd.family_names", bound=1 << 16, policy=CLEAR_WHEN_FULL, reason=_INTERNED
)
# present-label name -> the ("<name>", "true") pair, shared by every object that has the key.
_present_pairs: BoundedCache[str, tuple[str, str]] = BoundedCache(
    "k8s_sd.present_pairs", bound=1 << 16, policy=CLEAR_WHEN_FULL, reason=_INTERNED
)
# (name, value) -> one pair object for all equal pairs: per label of every object, so hits are not counted.
_pairs: BoundedCache[tuple[str, str], tuple[str, str]] = BoundedCache(
    "k8s_sd.pairs", bound=1 << 17, policy=CLEAR_WHEN_FULL, reason=_INTERNED, count_hits=False
)
_pairs_get = _pairs.data.get
# (prefix, *map items) -> that map's family pairs.
_families: BoundedCache[tuple[object, ...], tuple[tuple[str, str], ...]] = BoundedCache(
    "k8s_sd.families", bound=1 << 16, policy=CLEAR_WHEN_FULL, reason=_INTERNED
)


def family_names(prefix: str, key: str) -> tuple[str, str]:
    """``(<prefix>_<sanitised key>, <prefix>present_<sanitised key>)`` for ``prefix`` like ``..._pod_label``."""
    found = _family_names.get((prefix, key))
    if found is None:
        name = sanitize_label_name(key)
        found = _family_names.put(
            (prefix, key), (sys.intern(f"{prefix}_{name}"), sys.intern(f"{prefix}present_{name}"))
        )
    return found


def shared_pair(name: str, value: str) -> tuple[str, str]:
    """One ``(name, value)`` pair object for every object with that label value (values repeat across a workload)."""
    pair = (name, value)
    found = _pairs_get(pair)
    if found is None:
        return _pairs.put(pair, pair)
    return found


def family(prefix: str, values: object) -> tuple[tuple[str, str], ...]:
    """The ``<prefix>_<key>``/``<prefix>present_<key>`` pairs of a label or annotation map, name-sorted.

    Two keys that sanitise to the same name collide; Prometheus keeps a random one (Go map order), here the last
    in key order, so the names are unique. The pairs are shared: per distinct map (a workload's replicas carry
    the same labels and annotations) and per value (``shared_pair``).
    """
    if not isinstance(values, Mapping) or not values:
        return ()
    # The replicas of a workload carry the same labels and annotations: their pairs are looked up, not rebuilt.
    items: tuple[object, ...] = (prefix, *values.items())
    key: tuple[object, ...] | None = items
    try:
        found = _families.get(items)
    except TypeError:  # an unhashable (non-string) value, skipped below: not cached
        key, found = None, None
    if found is None:
        built: dict[str, tuple[str, str]] = {}
        for label in sorted(key for key in values if isinstance(key, str)):
            value = values[label]
            if isinstance(value, str):
                name, present = family_names(prefix, label)
                built[name] = shared_pair(name, value)
                built[present] = present_pair(present)
        found = tuple(sorted(built.values()))
        if key is not None:
            _families.put(key, found)
    return found


def present_pair(name: str) -> tuple[str, str]:
    """The shared ``(name, "true")`` pair of a present-label."""
    pair = _present_pairs.get(name)
    if pair is None:
        pair = _present_pairs.put(name, (name, PRESENT))
    return pair


def go_lower(text: str) -> str:
    """Go ``strings.ToLower``: a one-rune-to-one-rune mapping, unlike Python's full case mapping (e.g. ``İ``)."""
    if text.isascii():
        return text.lower()  # the two mappings agree on ASCII
    out = []
    for c in text:
        low = c.lower()
        out.append(low[0] if low else c)
    return "".join(out)


def join_host_port(host: str, port: int | str) -> str:
    """Go ``net.JoinHostPort``: brackets around any host containing a colon (IPv6)."""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def add_labels_and_annotations(out: MutableMapping[str, str], obj: Obj, kind: str) -> None:
    """Add the label/annotation families of ``obj`` under ``__meta_kubernetes_<kind>_``.

    Two keys that sanitise to the same name collide; Prometheus keeps a random one (Go map order). We iterate
    keys sorted so the last in byte order deterministically wins.
    """
    meta = metadata(obj)
    out.update(family(f"{META}{kind}_label", meta.get("labels")))
    out.update(family(f"{META}{kind}_annotation", meta.get("annotations")))


def add_object_meta(out: MutableMapping[str, str], obj: Obj, kind: str) -> None:
    """``addObjectMetaLabels``: ``<kind>_name`` plus the label/annotation families."""
    out[f"{META}{kind}_name"] = name_of(obj)
    add_labels_and_annotations(out, obj, kind)


def namespace_meta(namespace: Obj | None) -> dict[str, str]:
    """``attach_metadata.namespace``: the namespace's families (its name is already ``__meta_kubernetes_namespace``)."""
    out: dict[str, str] = {}
    if namespace is not None:
        add_labels_and_annotations(out, namespace, "namespace")
    return out


def node_meta(node: Obj | None) -> dict[str, str]:
    """``attach_metadata.node``: node name and families only (no provider id, no conditions)."""
    out: dict[str, str] = {}
    if node is not None:
        add_object_meta(out, node, "node")
    return out

"""Reads recorded input: a JSONL journal, or Kubernetes objects as ``kubectl get -o json|yaml`` prints them.

In: a file path or bytes. Out: ``Envelope`` values in file order, plus a ``Skipped`` note (line or item
number and reason) for each entry that cannot be used, so one bad line never stops a replay; a file that
cannot be read at all raises ``CaptureError``. YAML is read under the limits of ``ta.core.gocompat.yamlguard``
(nesting depth, alias expansion), and an object whose fields have types an API server would never serve
(``ta.journal.shape``) is skipped rather than half-understood.

Kubernetes object files (a ``List`` or a single object, JSON or YAML, several YAML documents allowed) become
``KubeObjectChanged`` ADDED events in order, sanitised exactly as the live watcher sanitises them, between a
``KubeWatchesPlanned`` naming every resource seen and one ``KubeListSynced`` per resource (a capture is a
complete list), with sequence numbers from 1 and ingress time 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from ta.core.gocompat import jsonbytes
from ta.core.gocompat.yamlguard import GuardedComposer
from ta.core.objects.resources import resource_of
from ta.core.objects.sanitize import sanitize
from ta.core.objects.secrets import Digester
from ta.events import inputs as _inputs  # noqa: F401  (registers every journaled kind for ``decode``)
from ta.events.base import Envelope, EventDecodeError, Journaled, decode
from ta.events.cluster import KubeListSynced, KubeObjectChanged, KubeWatchesPlanned
from ta.journal.shape import shape_problem
from ta.process.digestkey import process_digester


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    where: str  # "line 12" or "item 3"
    reason: str


Entry = Envelope | Skipped


class CaptureError(ValueError):
    """A Kubernetes object file that cannot be read at all (not JSON, not YAML, or over a YAML limit)."""


class _CaptureLoader(GuardedComposer, yaml.SafeLoader):
    """PyYAML's safe loader with the nesting and alias limits of ``ta.core.gocompat.yamlguard``."""


def looks_like_journal(data: bytes) -> bool:
    first = data.lstrip()[:1]
    if first != b"{":
        return False
    line = data.lstrip().split(b"\n", 1)[0]
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(record, dict) and "seq" in record and "kind" in record


def read_journal(data: bytes) -> Iterator[Entry]:
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Skipped(where=f"line {number}", reason=f"not JSON: {exc}")
            continue
        if not isinstance(record, dict):
            yield Skipped(where=f"line {number}", reason="not a JSON object")
            continue
        try:
            yield decode(record)
        except EventDecodeError as exc:
            yield Skipped(where=f"line {number}", reason=str(exc))


def _documents(data: bytes) -> list[Any]:
    try:
        return [orjson.loads(data)]
    except orjson.JSONDecodeError:
        pass
    return [doc for doc in yaml.load_all(data, Loader=_CaptureLoader) if doc is not None]


def _flatten(doc: Any) -> Iterator[Any]:
    if isinstance(doc, Mapping) and isinstance(doc.get("items"), list) and str(doc.get("kind", "")).endswith("List"):
        yield from doc["items"]
    elif isinstance(doc, list):
        yield from doc
    else:
        yield doc


def object_event(obj: Any, digest: Digester | None = None) -> KubeObjectChanged | str:
    """An ADDED event for one Kubernetes object, or why it cannot be one (digests under the process's key)."""
    if not isinstance(obj, Mapping):
        return "not an object"
    resource = resource_of(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    if resource is None:
        return f"unknown resource apiVersion={obj.get('apiVersion')!r} kind={obj.get('kind')!r}"
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    if not isinstance(name, str) or not name:
        return f"{resource} object without metadata.name"
    namespace = str(meta.get("namespace") or "") if isinstance(meta, Mapping) else ""
    problem = shape_problem(resource, obj)
    if problem is not None:
        return f"{resource} {namespace}/{name}: {problem}"
    clean = sanitize(resource, dict(obj), digest or process_digester())
    try:
        body = jsonbytes.dumps(clean)
    except orjson.JSONEncodeError as exc:  # YAML allows what JSON cannot hold (a number as a map key, say)
        return f"{resource} {namespace}/{name} is not JSON: {exc}"
    return KubeObjectChanged(watch_type="ADDED", resource=resource, namespace=namespace, name=name, body=body)


def read_objects(data: bytes) -> Iterator[Entry]:
    try:
        docs = _documents(data)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise CaptureError(f"not readable as JSON or YAML: {where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise CaptureError(f"not readable as JSON or YAML: {' '.join(str(exc).split())}") from None
    events: list[KubeObjectChanged] = []
    resources: list[str] = []
    for item_no, obj in enumerate((o for doc in docs for o in _flatten(doc)), start=1):
        event = object_event(obj)
        if isinstance(event, str):
            yield Skipped(where=f"item {item_no}", reason=event)
            continue
        events.append(event)
        if event.resource not in resources:
            resources.append(event.resource)
    # As a live run would journal it: the plan (one cluster-wide list per resource), the objects, the syncs.
    plan = KubeWatchesPlanned(scopes=tuple((r, "") for r in resources))
    stream: list[Journaled] = [plan, *events]
    stream += [KubeListSynced(resource=r, namespace="", resource_version="") for r in resources]
    for seq, item in enumerate(stream, start=1):
        yield Envelope(seq=seq, ts=0.0, event=item)


def read_path(path: str | Path) -> Iterator[Entry]:
    data = Path(path).read_bytes()
    if looks_like_journal(data):
        yield from read_journal(data)
    else:
        yield from read_objects(data)

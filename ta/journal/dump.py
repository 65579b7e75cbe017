"""The filter and formats behind ``ta dump``: which journal entries (and which changes of a batch) to show, and how.

In: journal lines (bytes) one at a time, with a ``Filter``. Out: per line, nothing (filtered out), a
``Skipped`` note (a line that cannot be decoded), or a ``Shown`` value holding the text lines (one readable
line per event, one per matching change of a ``k8s.objects`` batch) and the JSON line (the line as it came
when nothing was cut from it, else the entry re-encoded with its batch narrowed to the matching changes).

Pure: no I/O, no clock (a relative ``--since 1h`` is resolved by the caller against a journal timestamp with
``parse_time``). Nothing here prints a value the journal does not hold, and the journal holds no secret
values (only keyed digests); text lines summarise objects (resourceVersion, label changes) rather than print
them. State is bounded: the last labels of at most ``_MAX_TRACKED`` objects, for the "labels changed" summary.
"""

from __future__ import annotations

import datetime
import fnmatch
import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, assert_never

import orjson

from ta.core.objects import resources
from ta.core.objects.resources import known_resources
from ta.events.base import Envelope, EventDecodeError, decode
from ta.events.clock import Tick
from ta.events.cluster import (
    KubeListSynced,
    KubeObjectBatch,
    KubeObjectChanged,
    KubeResourceUnavailable,
    KubeWatchesPlanned,
)
from ta.events.config import ConfigLoaded
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse
from ta.events.inputs import ALL_INPUT_KINDS, input_of
from ta.journal.reader import Skipped

_MAX_TRACKED = 20_000  # objects whose last labels are remembered (oldest forgotten first)
_MAX_LABEL_CHANGES = 6  # label changes spelled out per line; the rest are counted
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
# A job generated from a monitoring CR names the object it came from (see ta.core.promop).
_CR_JOB = re.compile(r"^(serviceMonitor|podMonitor|probe|scrapeConfig)/([^/]+)/([^/]+)(?:/\d+)?$")
_CR_RESOURCE = {
    "serviceMonitor": resources.SERVICE_MONITORS,
    "podMonitor": resources.POD_MONITORS,
    "probe": resources.PROBES,
    "scrapeConfig": resources.SCRAPE_CONFIGS,
}
# ``--kind k8s.object`` also means the changes that arrive in list pages: people think in object changes.
_KIND_ALIASES = {"k8s.object": ("k8s.object", "k8s.objects")}


class FilterError(ValueError):
    """A filter argument that cannot be understood (an unknown kind or resource, a bad time)."""


def resource_name(text: str) -> str:
    """``servicemonitors``, ``servicemonitor``, ``ServiceMonitor`` or the full ``group/version/plural``."""
    known = known_resources()
    if text in known:
        return text
    wanted = text.lower()
    for resource in known:
        plural = resource.rsplit("/", 1)[1]
        if wanted in (plural, plural.removesuffix("s"), plural.removesuffix("es")):
            return resource
    if "/" in text:  # a resource this build does not know may still be in a journal
        return text
    raise FilterError(f"unknown resource {text!r}; known: {', '.join(r.rsplit('/', 1)[1] for r in known)}")


def kind_names(text: str) -> tuple[str, ...]:
    if text in _KIND_ALIASES:
        return _KIND_ALIASES[text]
    if text not in ALL_INPUT_KINDS:
        raise FilterError(f"unknown kind {text!r}; known: {', '.join(ALL_INPUT_KINDS)}")
    return (text,)


def object_ref(text: str) -> tuple[str | None, str]:
    """``ns/name`` -> (ns, name); a bare ``name`` matches it in any namespace (and cluster-scoped)."""
    if "/" in text:
        namespace, _, name = text.partition("/")
        if not name or "/" in name:
            raise FilterError(f"--object wants NAMESPACE/NAME or NAME, got {text!r}")
        return namespace, name
    if not text:
        raise FilterError("--object wants NAMESPACE/NAME or NAME")
    return None, text


def parse_time(text: str, newest_ts: float | None) -> float:
    """RFC 3339 (``2026-12-07T10:00:00Z``), Unix seconds, or a duration (``90s``, ``15m``, ``1h``, ``2d``)
    before ``newest_ts``; a duration without a reference time is an error."""
    match = _DURATION.match(text.strip())
    if match:
        if newest_ts is None:
            raise FilterError(f"{text!r} is relative, but there is no entry to measure it from")
        return newest_ts - float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise FilterError(f"not a time: {text!r} (RFC 3339, Unix seconds, or a duration like 1h)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.timestamp()


def is_relative(text: str) -> bool:
    return bool(_DURATION.match(text.strip()))


@dataclass(frozen=True, slots=True, kw_only=True)
class Filter:
    """Every set criterion must hold; an entry that does not carry what a criterion asks about (a clock tick
    under ``resources``) does not match it. Empty tuples and ``None`` mean "any"."""

    kinds: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    objects: tuple[tuple[str | None, str], ...] = ()
    jobs: tuple[str, ...] = ()
    since_seq: int | None = None
    until_seq: int | None = None
    since_ts: float | None = None
    until_ts: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Shown:
    seq: int
    text: tuple[str, ...]
    json: bytes  # one line, without the newline


@dataclass(slots=True)
class Dumper:
    """Feeds journal lines through a ``Filter``; remembers what the summaries and the job filter need."""

    flt: Filter
    _kinds: frozenset[str] = field(init=False)
    _job_objects: tuple[tuple[str, str, str], ...] = field(init=False)  # (resource, ns, name) of CR jobs
    _config_jobs: tuple[str, ...] = field(init=False)
    _job_files: tuple[str, ...] = ()  # file_sd patterns of the config jobs asked for (from config.loaded)
    _job_urls: tuple[str, ...] = ()  # http_sd URLs of those jobs
    last_seq: int = 0  # of the latest decoded entry, shown or not
    _config_has_job: bool = False  # the latest config.loaded defines one of the config jobs asked for
    _labels: OrderedDict[tuple[str, str, str], tuple[dict[str, str], str]] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self._kinds = frozenset(k for kind in self.flt.kinds for k in kind_names(kind))
        cr: list[tuple[str, str, str]] = []
        plain: list[str] = []
        for job in self.flt.jobs:
            match = _CR_JOB.match(job)
            if match:
                cr.append((_CR_RESOURCE[match.group(1)], match.group(2), match.group(3)))
            else:
                plain.append(job)
        self._job_objects = tuple(cr)
        self._config_jobs = tuple(plain)

    def feed(self, line: bytes, number: int = 0) -> Shown | Skipped | None:
        """One journal line (``number`` names it in a ``Skipped`` note)."""
        where = f"line {number}" if number else "a line"
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            return Skipped(where=where, reason=f"not JSON: {exc}")
        if not isinstance(record, dict):
            return Skipped(where=where, reason="not a JSON object")
        try:
            envelope = decode(record)
        except EventDecodeError as exc:
            return Skipped(where=where, reason=str(exc))
        return self.feed_envelope(envelope, line.rstrip(b"\r\n"))

    def done(self) -> bool:
        """No later entry can match (``until_seq`` reached): a follower may stop."""
        return self.flt.until_seq is not None and self.last_seq >= self.flt.until_seq

    def feed_envelope(self, envelope: Envelope, raw: bytes | None = None) -> Shown | None:
        flt = self.flt
        self.last_seq = envelope.seq
        if self._config_jobs and isinstance(envelope.event, ConfigLoaded):
            # Before the other criteria: ``--kind file.read --job files`` still needs the config to know the files.
            self._config_has_job = self._note_config_jobs(envelope.event)
        in_range = (
            (flt.since_seq is None or envelope.seq >= flt.since_seq)
            and (flt.until_seq is None or envelope.seq <= flt.until_seq)
            and (flt.since_ts is None or envelope.ts >= flt.since_ts)
            and (flt.until_ts is None or envelope.ts <= flt.until_ts)
            and (not self._kinds or envelope.event.KIND in self._kinds)
        )
        event = envelope.event
        if not in_range and not isinstance(event, KubeObjectChanged | KubeObjectBatch):
            return None
        kept = self._select(envelope)
        if kept is None:
            return None
        if not in_range:
            # Out of range, yet remembered: the first change shown in ``--since 1h`` then says what changed
            # since the state before the hour, not that every label was added.
            for _ in self._text(kept):
                pass
            return None
        text = tuple(self._text(kept))
        if kept is envelope and raw is not None:
            return Shown(seq=envelope.seq, text=text, json=raw)
        return Shown(seq=envelope.seq, text=text, json=orjson.dumps(kept.to_record()))

    # -- selection -----------------------------------------------------------------------------------------

    def _wants_objects(self) -> bool:
        return bool(self.flt.resources or self.flt.objects or self._job_objects)

    def _change_matches(self, change: KubeObjectChanged) -> bool:
        flt = self.flt
        if flt.resources and change.resource not in flt.resources:
            return False
        for namespace, name in flt.objects:
            if name == change.name and namespace in (None, change.namespace):
                break
        else:
            if flt.objects:
                return False
        if self.flt.jobs:
            return (change.resource, change.namespace, change.name) in self._job_objects
        return True

    def _scope_matches(self, resource: str) -> bool:
        """Entries about a whole watch scope (planned, synced) answer a resource filter, not a name or a job."""
        if self.flt.objects or self.flt.jobs:
            return False
        return not self.flt.resources or resource in self.flt.resources

    def _unavailable_matches(self, resource: str) -> bool:
        """An unwatchable resource explains why an object never shows: kept whenever its resource is asked for."""
        if self.flt.jobs:
            return any(resource == r for r, _, _ in self._job_objects)
        if self.flt.resources:
            return resource in self.flt.resources
        return not self.flt.objects

    def _select(self, envelope: Envelope) -> Envelope | None:
        event = input_of(envelope)
        match event:
            case KubeObjectChanged():
                return envelope if self._change_matches(event) else None
            case KubeObjectBatch():
                changes = tuple(c for c in event.changes if self._change_matches(c))
                if not changes:
                    return None
                if len(changes) == len(event.changes):
                    return envelope
                narrowed = KubeObjectBatch(resource=event.resource, changes=changes)
                return Envelope(seq=envelope.seq, ts=envelope.ts, event=narrowed)
            case KubeListSynced():
                return envelope if self._scope_matches(event.resource) else None
            case KubeResourceUnavailable():
                return envelope if self._unavailable_matches(event.resource) else None
            case KubeWatchesPlanned():
                if not (self._wants_objects() or self.flt.jobs):
                    return envelope
                return envelope if any(self._scope_matches(r) for r, _ in event.scopes) else None
            case ConfigLoaded():
                if self._config_jobs:
                    return envelope if self._config_has_job else None
                return None if self._wants_objects() or self.flt.jobs else envelope
            case FileRead():
                if self._wants_objects():
                    return None
                if self.flt.jobs:
                    return envelope if any(fnmatch.fnmatchcase(event.path, p) for p in self._job_files) else None
                return envelope
            case HttpSDResponse():
                if self._wants_objects():
                    return None
                if self.flt.jobs:
                    return envelope if event.url in self._job_urls else None
                return envelope
            case Tick():
                return None if self._wants_objects() or self.flt.jobs else envelope
            case _:
                assert_never(event)

    def _note_config_jobs(self, event: ConfigLoaded) -> bool:
        """Whether the config defines one of the jobs asked for; remembers where those jobs read files and
        HTTP SD answers, so the matching ``file.read`` and ``http_sd.response`` entries are shown too."""
        try:
            config = orjson.loads(event.body)
        except orjson.JSONDecodeError:
            return False
        prom = config.get("config") if isinstance(config, dict) else None
        scrape = prom.get("scrape_configs") if isinstance(prom, dict) else None
        files: list[str] = []
        urls: list[str] = []
        found = False
        for job in scrape if isinstance(scrape, list) else []:
            if not isinstance(job, dict) or job.get("job_name") not in self._config_jobs:
                continue
            found = True
            for sd in _dicts(job.get("file_sd_configs")):
                files += [str(f) for f in sd.get("files") or [] if isinstance(f, str)]
            urls += [str(sd["url"]) for sd in _dicts(job.get("http_sd_configs")) if "url" in sd]
        self._job_files, self._job_urls = tuple(files), tuple(urls)
        return found

    # -- text ----------------------------------------------------------------------------------------------

    def _text(self, envelope: Envelope) -> Iterator[str]:
        head = f"{envelope.seq:>7} {_when(envelope.ts)} {envelope.event.KIND:<16}"
        event = input_of(envelope)
        match event:
            case KubeObjectChanged():
                yield f"{head} {self._change_text(event)}"
            case KubeObjectBatch():
                for change in event.changes:
                    yield f"{head} {self._change_text(change)}"
            case KubeListSynced():
                yield f"{head} {event.resource} {_scope(event.namespace)} resourceVersion={event.resource_version}"
            case KubeResourceUnavailable():
                yield f"{head} {event.resource} {_scope(event.namespace)} unavailable: {_one_line(event.reason)}"
            case KubeWatchesPlanned():
                scopes = ", ".join(
                    r.rsplit("/", 1)[-1] + (f" (namespace {ns})" if ns else "") for r, ns in event.scopes
                )
                yield f"{head} {len(event.scopes)} scopes: {scopes}"
            case ConfigLoaded():
                yield f"{head} {self._config_text(event)}"
            case FileRead():
                state = (
                    f"error: {_one_line(event.error)}"
                    if event.error or event.content is None
                    else (f"{len(event.content)} bytes, sha256 {hashlib.sha256(event.content).hexdigest()[:12]}")
                )
                yield f"{head} {event.path} {state}"
            case HttpSDResponse():
                detail = (
                    f"error: {_one_line(event.error)}"
                    if event.error
                    else (f"{event.content_type or '-'} {len(event.body)} bytes")
                )
                yield f"{head} {event.url} status={event.status} {detail}"
            case Tick():
                yield head.rstrip()

    def _change_text(self, change: KubeObjectChanged) -> str:
        name = f"{change.namespace}/{change.name}" if change.namespace else change.name
        text = f"{change.watch_type:<8} {change.resource} {name}"
        try:
            obj = change.obj()
        except ValueError:
            return f"{text} (body not a JSON object)"
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        parts = [f"rv={meta['resourceVersion']}"] if meta.get("resourceVersion") else []
        generation = meta.get("generation")
        if generation is not None:
            parts.append(f"gen={generation}")
        raw_labels = meta.get("labels")
        labels = {str(k): str(v) for k, v in raw_labels.items()} if isinstance(raw_labels, dict) else {}
        spec = hashlib.sha256(orjson.dumps(obj.get("spec"), option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]
        key = (change.resource, change.namespace, change.name)
        before = self._labels.pop(key, None)
        if change.watch_type == "DELETED":
            parts.append(f"labels={len(labels)}")
        elif before is None:
            if change.watch_type == "ADDED":
                parts.append(_label_changes({}, labels) if labels else "labels={}")
            else:  # first seen here, its earlier state unknown: say what it is, not what changed
                parts.append(_label_list(labels))
            self._remember(key, labels, spec)
        else:
            old_labels, old_spec = before
            if old_labels != labels:
                parts.append(_label_changes(old_labels, labels))
            if old_spec != spec:
                parts.append("spec changed")
            if old_labels == labels and old_spec == spec:
                parts.append("labels and spec unchanged")
            self._remember(key, labels, spec)
        return f"{text} {' '.join(parts)}"

    def _remember(self, key: tuple[str, str, str], labels: dict[str, str], spec: str) -> None:
        self._labels[key] = (labels, spec)
        if len(self._labels) > _MAX_TRACKED:
            self._labels.popitem(last=False)

    def _config_text(self, event: ConfigLoaded) -> str:
        try:
            config = orjson.loads(event.body)
        except orjson.JSONDecodeError:
            return f"source={event.source} (body not JSON)"
        config = config if isinstance(config, dict) else {}
        prom = config.get("config")
        scrape = prom.get("scrape_configs") if isinstance(prom, dict) else None
        jobs = [str(j.get("job_name")) for j in _dicts(scrape)]
        if self._config_jobs:
            jobs = [j for j in jobs if j in self._config_jobs]
        strategy = config.get("allocation_strategy", "")
        return f"source={event.source} strategy={strategy} jobs={len(jobs)}: {', '.join(jobs)}".rstrip(": ")


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _label_changes(old: Mapping[str, str], new: Mapping[str, str]) -> str:
    changes: list[str] = []
    for key in sorted(set(old) | set(new)):
        if key not in new:
            changes.append(f"-{key}")
        elif key not in old:
            changes.append(f"+{key}={new[key]}")
        elif old[key] != new[key]:
            changes.append(f"~{key}={old[key]}->{new[key]}")
    shown = changes[:_MAX_LABEL_CHANGES]
    more = f" (+{len(changes) - len(shown)} more)" if len(changes) > len(shown) else ""
    return "labels " + " ".join(shown) + more


def _label_list(labels: Mapping[str, str]) -> str:
    items = [f"{k}={labels[k]}" for k in sorted(labels)]
    shown = items[:_MAX_LABEL_CHANGES]
    more = f" (+{len(items) - len(shown)} more)" if len(items) > len(shown) else ""
    return "labels {" + ", ".join(shown) + more + "}"


def _scope(namespace: str) -> str:
    return f"(namespace {namespace})" if namespace else "(all namespaces)"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _when(ts: float) -> str:
    try:
        moment = datetime.datetime.fromtimestamp(ts, datetime.UTC)
    except (OverflowError, OSError, ValueError):
        return f"ts={ts}"
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

"""Discovery state: scrape jobs, the target groups their SD mechanisms yield, and the resulting targets.

In: a parsed Prometheus config (``ParsedConfig``) with the filter strategy, and file contents as they are
read. Out: ``Delta`` values for the allocator, and problem notes ``(source, reason)`` for every job or file
that had to be skipped. Static groups are built when a job appears or changes; file groups when a file
changes; a job that did not change is not rebuilt. Everything a step changes can be taken back whole
(``begin``/``commit``/``rollback``; see ``ta.core.base.undo``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ta.core.base.model import TargetGroup
from ta.core.base.undo import UndoLog
from ta.core.discovery.filesd import file_groups, path_matches
from ta.core.discovery.httpsd import http_sd_groups
from ta.core.discovery.index import DROPPED_KEPT_PER_GROUP, Delta, TargetIndex
from ta.core.discovery.kube import KubeDiscovery
from ta.core.discovery.targets import JobSettings, build_targets
from ta.core.promcfg.scrape import ParsedConfig, ScrapeJob

Problem = tuple[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    delta: Delta
    problems: tuple[Problem, ...] = ()


def job_settings(job: ScrapeJob, filter_relabel: bool) -> JobSettings:
    return JobSettings(
        job=job.job_name,
        scrape_interval=job.scrape_interval,
        scrape_timeout=job.scrape_timeout,
        metrics_path=job.metrics_path,
        scheme=job.scheme,
        params=job.params,
        relabel_configs=job.relabel_configs,
        filter_relabel=filter_relabel,
        name_validation_scheme=job.metric_name_validation_scheme,
    )


def _same_discovery(a: ScrapeJob, b: ScrapeJob) -> bool:
    return (
        a.static_configs == b.static_configs
        and a.file_sd_configs == b.file_sd_configs
        and a.http_sd_configs == b.http_sd_configs
        and a.kubernetes_sd_configs == b.kubernetes_sd_configs
    )


class Discovery:
    def __init__(self) -> None:
        self.index = TargetIndex()
        self._jobs: dict[str, ScrapeJob] = {}
        self._settings: dict[str, JobSettings] = {}
        self._files: dict[str, tuple[TargetGroup, ...]] = {}
        self._http: dict[str, tuple[TargetGroup, ...]] = {}
        self._problems: list[Problem] = []
        self._filter_relabel = True
        self._reported_errors: set[Problem] = set()
        self._undo = UndoLog()
        self._saved: tuple[Any, ...] = ()
        self.kube = KubeDiscovery(undo=self._undo)
        # While the initial lists are coming in, kubernetes_sd objects are only stored: evaluating each one as
        # it arrives would rebuild a 50-endpoint slice for every one of its 50 pods, and again for every job
        # sharing the SD config. ``kube_flush`` then builds every group once.
        self.kube_deferred = False

    # --- all-or-nothing steps: in-place changes are recorded, fields replaced wholesale are saved ----------

    def begin(self) -> None:
        self._undo.begin()
        self.index.begin()
        kube = self.kube
        problems = self._problems
        self._saved = (
            problems,
            len(problems),
            self._filter_relabel,
            self._reported_errors,
            self.kube_deferred,
            kube.fields(),
        )

    def commit(self) -> None:
        self._undo.commit()
        self.index.commit()
        self._saved = ()

    def rollback(self) -> Delta:
        """Back to ``begin``; returns the touched targets as they are now (see ``TargetIndex.rollback``)."""
        self._undo.rollback()
        kube = self.kube
        (
            problems,
            count,
            self._filter_relabel,
            self._reported_errors,
            self.kube_deferred,
            kube_fields,
        ) = self._saved
        kube.restore_fields(kube_fields)
        del problems[count:]
        self._problems = problems
        self._saved = ()
        return self.index.rollback()

    @property
    def jobs(self) -> tuple[ScrapeJob, ...]:
        return tuple(self._jobs[name] for name in sorted(self._jobs))

    def configure(self, parsed: ParsedConfig, *, filter_relabel: bool, own_namespace: str = "") -> Result:
        problems = self._problems
        # Configure runs again for every change of the CR jobs: report each job error once, not every time.
        errors = {(f"job {e.job or '#' + str(e.index)}", e.message) for e in parsed.errors}
        problems.extend(sorted(errors - self._reported_errors))
        self._reported_errors = errors
        incoming = {job.job_name: job for job in parsed.jobs}
        # The TA's "own namespace" for kubernetes_sd is the collector namespace (OTELCOL_NAMESPACE in-cluster).
        self.kube.own_namespace = own_namespace
        delta = Delta()
        undo = self._undo
        for name in sorted(self._jobs.keys() - incoming.keys()):
            delta.merge(self.index.remove_job(name))
            self.kube.set_job(None, name)
            undo.item(self._jobs, name)
            undo.item(self._settings, name)
            del self._jobs[name], self._settings[name]
        for name in sorted(incoming):
            job = incoming[name]
            old = self._jobs.get(name)
            if old is job and self._filter_relabel == filter_relabel:
                continue  # the same object as last time: the common case when one CR among thousands changed
            settings = job_settings(job, filter_relabel)
            if old is not None and self._settings.get(name) == settings and _same_discovery(old, job):
                # Only what the collectors see changed (e.g. a rotated credential): targets stay as they are.
                undo.item(self._jobs, name)
                self._jobs[name] = job
                continue
            undo.item(self._jobs, name)
            undo.item(self._settings, name)
            self._jobs[name], self._settings[name] = job, settings
            problems.extend(
                (f"job {name}", f"{mechanism} is not supported by this TA: kept in /scrape_configs, yields no targets")
                for mechanism in job.unsupported_sd
            )
            problems.extend((f"job {name}", p) for p in self.kube.set_job(job, name))
            delta.merge(self._rebuild(name))
        self._filter_relabel = filter_relabel
        return self._result(delta)

    def file_read(self, path: str, content: bytes | None) -> Result:
        self._undo.item(self._files, path)
        if content is None:
            self._files.pop(path, None)
        else:
            groups = file_groups(path, content)
            if isinstance(groups, str):
                # Prometheus keeps the previous targets of a file it cannot parse.
                return Result(delta=Delta(), problems=((f"file {path}", groups),))
            self._files[path] = groups
        delta = Delta()
        for name in sorted(self._jobs):
            if any(path_matches(path, p) for sd in self._jobs[name].file_sd_configs for p in sd.files):
                delta.merge(self._set_sources(name, f"file/{path}:", self._file_groups_of(path)))
        return self._result(delta)

    def _result(self, delta: Delta) -> Result:
        problems, self._problems = tuple(self._problems), []
        return Result(delta=delta, problems=problems)

    def http_sd_response(self, url: str, status: int, content_type: str, body: str, error: str = "") -> Result:
        groups = error or http_sd_groups(url, status, content_type, body)
        if isinstance(groups, str):
            # Prometheus keeps the previous targets when a refresh fails.
            self._problems.append((f"http_sd {url}", groups))
            return self._result(Delta())
        self._undo.item(self._http, url)
        self._http[url] = groups
        delta = Delta()
        for name in sorted(self._jobs):
            if any(sd.url == url for sd in self._jobs[name].http_sd_configs):
                delta.merge(self._set_sources(name, f"http/{url}:", self._http_groups_of(url)))
        return self._result(delta)

    def _http_groups_of(self, url: str) -> dict[str, TargetGroup]:
        return {f"http/{g.source}": g for g in self._http.get(url, ())}

    def kube_object(self, resource: str, watch_type: str, obj: Mapping[str, Any], body: bytes | None = None) -> Result:
        """One object change; ``body`` is ``obj``'s compact JSON when known (stored as is)."""
        if self.kube_deferred:
            self.kube.store(resource, watch_type, obj, body)
            return self._result(Delta())
        delta = Delta()
        for job, source, group in self.kube.apply(resource, watch_type, obj, body):
            delta.merge(self._build(job, source, group))
        return self._result(delta)

    def kube_flush(self) -> Result:
        """End of the initial lists: build every kubernetes_sd group from the stored objects, once."""
        delta = Delta()
        problems: list[Problem] = []
        for step in self.kube_flush_steps():
            delta.merge(step.delta)
            problems.extend(step.problems)
        return Result(delta=delta, problems=tuple(problems))

    def kube_flush_steps(self, budget: int = 0) -> Iterator[Result]:
        """``kube_flush`` in steps of about ``budget`` targets built (0: one step), each step's changes its own.

        A large cluster's first build takes many seconds; in steps, the caller can let other work (probes,
        metrics) in between. Nothing else may change discovery until the steps are exhausted. Jobs in name
        order, each job's groups in its configs' order, so the steps are the same in every run.
        """
        self.kube_deferred = False
        delta = Delta()
        work = 0
        for name in sorted(self._jobs):
            if not self.kube.has_job(name):
                continue
            seen: set[str] = set()
            for source, group in self.kube.iter_job_groups(name):
                seen.add(source)
                delta.merge(self._build(name, source, group))
                work += len(group.targets) + 1
                if budget and work >= budget:
                    yield self._result(delta)
                    delta, work = Delta(), 0
            for source in self.index.sources(name):
                if source.startswith("k8s/") and source not in seen:
                    delta.merge(self.index.set_group(name, source, ()))
        yield self._result(delta)

    def _file_groups_of(self, path: str) -> dict[str, TargetGroup]:
        return {f"file/{g.source}": g for g in self._files.get(path, ())}

    def _rebuild(self, name: str) -> Delta:
        job = self._jobs[name]
        groups: dict[str, TargetGroup] = {f"static/{g.source}": g for g in job.static_configs}
        for path in sorted(self._files):
            if any(path_matches(path, p) for sd in job.file_sd_configs for p in sd.files):
                groups.update(self._file_groups_of(path))
        for url in sorted({sd.url for sd in job.http_sd_configs}):
            groups.update(self._http_groups_of(url))
        if not self.kube_deferred:
            groups.update(self.kube.job_groups(name))
        delta = Delta()
        for source in self.index.sources(name):
            if source not in groups:
                delta.merge(self.index.set_group(name, source, ()))
        for source in sorted(groups):
            delta.merge(self._build(name, source, groups[source]))
        return delta

    def _set_sources(self, name: str, prefix: str, groups: dict[str, TargetGroup]) -> Delta:
        delta = Delta()
        for source in self.index.sources(name):
            if source.startswith(prefix) and source not in groups:
                delta.merge(self.index.set_group(name, source, ()))
        for source in sorted(groups):
            delta.merge(self._build(name, source, groups[source]))
        return delta

    def _build(self, name: str, source: str, group: TargetGroup) -> Delta:
        built = build_targets(self._settings[name], group, DROPPED_KEPT_PER_GROUP)
        empty = built.empty_addresses
        if empty:
            self._problems.append((f"job {name}", f"{empty} target(s) without __address__ in {source} skipped"))
        return self.index.set_group(name, source, built.targets, built.dropped, built.dropped_count)

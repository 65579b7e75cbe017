"""Shared pieces of the pipeline and HTTP benchmarks: synthetic state, pipeline start-up, timing helpers.

In: sizes (targets, jobs, collectors), the allocation strategy, a temporary directory for the file-SD file.
Out: the journaled input events a live TA would see for that state (``ConfigLoaded``, collector pod
``KubeObjectChanged`` ADDED events, one ``FileRead``), a running in-process pipeline fed with them, and small
helpers to print a ``metric | value | aim`` table.

The generated config is deterministic: ``jobs`` static jobs share ``targets`` targets, split into groups of
at most 50 with a few labels each, and every job carries a ``keep`` and a ``replace`` relabel rule (the keep
keeps everything, so the target count is exact). Job 0 (``file-sd``) takes its targets from one file-SD file
instead, which is how the benchmarks make a real one-target change: a ``FileRead`` of that file with one
target more or less.
"""

from __future__ import annotations

import asyncio
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ta.app import (  # noqa: E402
    Listener,
    Pipeline,
    build_pipeline,
    run_pipeline,
    tune_gc,
)
from ta.core.config.mapping import config_from_mapping, config_to_mapping  # noqa: E402
from ta.core.config.model import TAConfig  # noqa: E402
from ta.core.objects import secrets  # noqa: E402
from ta.core.serving import render  # noqa: E402
from ta.core.serving.view import View  # noqa: E402
from ta.events.cluster import KubeListSynced, KubeObjectChanged, KubeWatchesPlanned, WatchType  # noqa: E402
from ta.events.config import ConfigLoaded  # noqa: E402
from ta.events.files import FileRead  # noqa: E402
from ta.journal.reader import object_event  # noqa: E402
from ta.process import logs  # noqa: E402
from ta.process.digestkey import process_digester  # noqa: E402

tune_gc()  # as ta run and ta replay do

NAMESPACE = "otel"
COMPONENT = {"app.kubernetes.io/component": "opentelemetry-collector"}
FILE_SD_JOB = "file-sd"
GROUP_SIZE = 50
STRATEGIES = ("consistent-hashing", "least-weighted", "per-node", "rendezvous-bounded")


def quiet_logs() -> None:
    """Warnings and errors only: the serving actor logs every collector change at info."""
    logs.configure("console", "warning")


# --- generated state --------------------------------------------------------------------------------------


def job_name(j: int) -> str:
    if j == 0:
        return FILE_SD_JOB
    # A third of the jobs look like prometheus-operator ServiceMonitor jobs (a '/' to QueryEscape).
    return f"serviceMonitor/ns-{j % 20}/app-{j}/0" if j % 3 == 0 else f"job-{j}"


def job_sizes(targets: int, jobs: int) -> list[int]:
    base, extra = divmod(targets, jobs)
    return [base + (1 if j < extra else 0) for j in range(jobs)]


def address(j: int, t: int) -> str:
    return f"10.{j // 256 % 256}.{j % 256}.{t % 250}:{9000 + t // 250}"


def groups(j: int, size: int) -> list[dict[str, Any]]:
    out = []
    for g, start in enumerate(range(0, size, GROUP_SIZE)):
        out.append(
            {
                "targets": [address(j, t) for t in range(start, min(size, start + GROUP_SIZE))],
                "labels": {
                    "env": ("prod", "staging")[g % 2],
                    "team": f"team-{j % 7}",
                    "zone": f"zone-{g % 3}",
                    "__meta_kubernetes_pod_node_name": f"node-{(j + g) % 50}",
                },
            }
        )
    return out


def file_sd_content(j: int, size: int) -> bytes:
    return orjson.dumps(groups(j, size))


def ta_config_mapping(
    *, targets: int, jobs: int, strategy: str, file_sd_path: str, scrape_interval: str = "30s"
) -> dict[str, Any]:
    """The TA config file's mapping (what ``targetallocator.yaml`` would hold)."""
    scrape_configs = []
    for j, size in enumerate(job_sizes(targets, jobs)):
        job: dict[str, Any] = {
            "job_name": job_name(j),
            "scrape_interval": scrape_interval,
            "relabel_configs": [
                {"source_labels": ["env"], "regex": "prod|staging", "action": "keep"},
                {
                    "source_labels": ["__address__"],
                    "regex": "(.*):\\d+",
                    "target_label": "instance",
                    "replacement": "$1",
                    "action": "replace",
                },
            ],
        }
        if j == 0:
            job["file_sd_configs"] = [{"files": [file_sd_path], "refresh_interval": "5m"}]
        else:
            job["static_configs"] = groups(j, size)
        scrape_configs.append(job)
    return {
        "collector_namespace": NAMESPACE,
        "collector_selector": {"matchlabels": dict(COMPONENT)},
        "allocation_strategy": strategy,
        "allocation_fallback_strategy": "consistent-hashing" if strategy == "per-node" else "",
        "config": {"scrape_configs": scrape_configs},
    }


def config_loaded(mapping: dict[str, Any], source: str = "bench") -> ConfigLoaded:
    """The journaled form of a config mapping, exactly as ``ta run`` builds it (minus env and flags)."""
    config, _ignored = config_from_mapping(mapping, base=TAConfig())
    body = secrets.redact(config_to_mapping(config), process_digester())
    return ConfigLoaded(body=orjson.dumps(body, option=orjson.OPT_SORT_KEYS), source=source)


def collector_pod(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"collector-{i}",
            "namespace": NAMESPACE,
            "labels": dict(COMPONENT),
            "managedFields": [{"manager": "kubelet", "operation": "Update"}],
        },
        "spec": {
            "nodeName": f"node-{i}",
            "containers": [{"name": "otelcol", "env": [{"name": "TOKEN", "value": "s3cr3t"}], "args": ["--config"]}],
        },
        "status": {
            "phase": "Running",
            "startTime": "2026-01-01T00:00:00Z",
            "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:10Z"}],
        },
    }


def pod_event(i: int, watch_type: WatchType = "ADDED") -> KubeObjectChanged:
    event = object_event(collector_pod(i))
    assert isinstance(event, KubeObjectChanged), event
    return replace(event, watch_type=watch_type)


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """Everything a benchmark feeds: the config event, the pods, the file-SD file and its first content."""

    targets: int
    jobs: int
    collectors: int
    strategy: str
    config: ConfigLoaded
    pods: tuple[KubeObjectChanged, ...]
    file_sd_path: str
    file_sd_size: int
    config_build_seconds: float

    def file_read(self, extra: int = 0) -> FileRead:
        """The file-SD file with ``extra`` targets more than at the start (negative: fewer)."""
        return FileRead(path=self.file_sd_path, content=file_sd_content(0, self.file_sd_size + extra))

    def job_names(self) -> list[str]:
        return [job_name(j) for j in range(self.jobs)]


def make_state(*, targets: int, jobs: int, collectors: int, strategy: str, directory: str) -> State:
    file_sd_path = str(Path(directory) / "file-sd.json")
    sizes = job_sizes(targets, jobs)
    Path(file_sd_path).write_bytes(file_sd_content(0, sizes[0]))
    start = time.perf_counter()
    mapping = ta_config_mapping(targets=targets, jobs=jobs, strategy=strategy, file_sd_path=file_sd_path)
    config = config_loaded(mapping)
    elapsed = time.perf_counter() - start
    return State(
        targets=targets,
        jobs=jobs,
        collectors=collectors,
        strategy=strategy,
        config=config,
        pods=tuple(pod_event(i) for i in range(collectors)),
        file_sd_path=file_sd_path,
        file_sd_size=sizes[0],
        config_build_seconds=elapsed,
    )


# --- a running pipeline -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Running:
    pipeline: Pipeline
    stop: asyncio.Event
    task: asyncio.Task[None]
    times: StepTimes | None = None

    async def close(self) -> None:
        self.stop.set()
        await self.task


class StepTimes:
    """Wall time spent inside each actor's ``step`` (wrapped before the pipeline starts)."""

    ACTORS = ("membership", "discovery", "allocation", "serving")

    def __init__(self, pipeline: Pipeline) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(self.ACTORS, 0.0)
        for name in self.ACTORS:
            actor = getattr(pipeline, name)
            actor.step = self._wrap(name, actor.step)

    def _wrap(self, name: str, step: Callable[[Any], Any]) -> Callable[[Any], Any]:
        seconds = self.seconds

        def timed(message: Any) -> Any:
            t = time.perf_counter()
            try:
                return step(message)
            finally:
                seconds[name] += time.perf_counter() - t

        return timed

    def reset(self) -> None:
        for name in self.seconds:
            self.seconds[name] = 0.0

    def snapshot(self) -> dict[str, float]:
        return dict(self.seconds)


async def start(
    listeners: Sequence[Listener] = (), clock: Callable[[], float] = time.time, *, step_times: bool = False
) -> Running:
    pipeline = build_pipeline(clock=clock)
    times = StepTimes(pipeline) if step_times else None
    stop = asyncio.Event()
    started = asyncio.Event()
    task = asyncio.create_task(run_pipeline(pipeline, sources=[], listeners=listeners, stop=stop, started=started))
    await started.wait()
    return Running(pipeline=pipeline, stop=stop, task=task, times=times)


async def load(pipeline: Pipeline, state: State, *, pods_first: bool = False) -> None:
    """Feed the initial state and drain. Default: live order (``ta run`` submits the config first, then the
    pod list arrives one ADDED event at a time, then the file). ``pods_first``: the pods, then the config
    (membership reports all collectors at once when the config arrives), then the file."""
    submit = pipeline.sequencer.submit
    if not pods_first:
        await submit(state.config)
    # As ta run journals it: the watch plan, then the pod list, then its end.
    await submit(KubeWatchesPlanned(scopes=(("v1/pods", NAMESPACE),)))
    for pod in state.pods:
        await submit(pod)
    # The pod list is complete, as the live watcher reports after its initial list.
    await submit(KubeListSynced(resource="v1/pods", namespace=NAMESPACE, resource_version="1"))
    if pods_first:
        await submit(state.config)
    await submit(state.file_read())
    await pipeline.sequencer.wait_drained()


def render_all(view: View, jobs: Sequence[str]) -> int:
    """Render every ``/jobs/{job}/targets?collector_id=`` answer once; the total body size in bytes."""
    size = 0
    for job in jobs:
        for collector in view.collectors:
            size += len(view.targets_for(job, collector).data)
    return size


def target_urls(jobs: Sequence[str], collectors: Sequence[str]) -> list[str]:
    return [f"{render.jobs_link(job)}?collector_id={c}" for job in jobs for c in collectors]


# --- reporting --------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # fields[11], fields[12] are utime and stime (the 14th and 15th fields of the whole line).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status_mib(pid: int, key: str) -> float:
    """A ``/proc/<pid>/status`` size field (``VmRSS``, ``VmHWM``, ...) in MiB; NaN when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mib() -> float:
    """Current resident set size (Linux /proc), MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def table(rows: Sequence[tuple[str, str, str]], title: str = "") -> str:
    header = ("metric", "value", "aim")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(3)]
    line = "-+-".join("-" * w for w in widths)
    out = [title] if title else []
    out.append(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    out.append(line)
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def environment() -> str:
    load1, load5, load15 = os.getloadavg()
    return f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load1:.2f} {load5:.2f} {load15:.2f}"

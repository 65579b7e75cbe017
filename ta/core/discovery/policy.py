"""Discovery's own rules above the per-job state: which jobs are served, and how the first build is cut up.

In: the config file's parsed jobs and the jobs generated from Prometheus CRs; a ``Discovery`` whose deferred
initial kubernetes_sd objects are all stored. Out: the served ``ParsedConfig`` (the file's jobs plus the CR jobs;
on a name clash the config file's job wins and the CR job is reported as a job error), and ``FirstBuild``: the
first kubernetes_sd build as ``Result`` steps of about ``BUILD_STEP_TARGETS`` targets each.
"""

from __future__ import annotations

from collections.abc import Iterator

from ta.core.discovery.jobs import Discovery, Result
from ta.core.promcfg.scrape import JobError, ParsedConfig, ScrapeJob

CLASH = "a config file job has the same name; the CR job is skipped"
# Targets built per step of the first kubernetes_sd build (~50-100 ms of work on a slow core).
BUILD_STEP_TARGETS = 5000


def served_jobs(file: ParsedConfig, cr_jobs: tuple[ScrapeJob, ...]) -> ParsedConfig:
    """The config file's jobs, then the CR jobs whose names the file does not use; each clash a job error."""
    names = {job.job_name for job in file.jobs}
    return ParsedConfig(
        jobs=file.jobs + tuple(job for job in cr_jobs if job.job_name not in names),
        errors=file.errors
        + tuple(JobError(job=job.job_name, index=-1, message=CLASH) for job in cr_jobs if job.job_name in names),
        global_config=file.global_config,
    )


class FirstBuild:
    """The first kubernetes_sd build, one step at a time (``Discovery.kube_flush_steps``): the caller lets other
    work run between steps. Nothing else may change the core until ``step`` has returned ``None``."""

    def __init__(self, core: Discovery, budget: int | None = None) -> None:
        self._steps: Iterator[Result] = core.kube_flush_steps(BUILD_STEP_TARGETS if budget is None else budget)

    def step(self) -> Result | None:
        """The next step's changes, or ``None`` once the build is done."""
        return next(self._steps, None)

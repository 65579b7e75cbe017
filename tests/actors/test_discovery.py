"""The discovery actor at the actor level: the first-list hold-back and build steps, what each input kind
yields, and the file-vs-CR job-name clash (a rule of its core, ``ta.core.discovery.policy``)."""

import orjson
import pytest

from ta.actors.discovery import DiscoveryActor
from ta.core.discovery import policy
from ta.core.promcfg.scrape import parse_prometheus_config
from ta.events.cluster import KubeResourceUnavailable, KubeWatchesPlanned
from ta.events.crs import CRJobsChanged
from ta.events.discovery import BuildContinues, ScrapeConfigsChanged, TargetsChanged
from ta.events.files import FileRead
from ta.events.problems import InputRejected
from tests.actors.messages import SLICES, config, endpoint_slice, env, kobj, synced

K8S = {"config": {"scrape_configs": [{"job_name": "k", "kubernetes_sd_configs": [{"role": "endpointslice"}]}]}}


def static(name: str, target: str) -> dict[str, object]:
    return {"job_name": name, "static_configs": [{"targets": [target]}]}


def addresses(outs: list[object]) -> set[str]:
    return {t.address for o in outs if isinstance(o, TargetsChanged) for t in o.upserts}


def test_a_config_yields_its_targets_and_both_scrape_config_bodies() -> None:
    actor = DiscoveryActor()
    out = actor.step(config(1, config={"scrape_configs": [static("s", "a:1")]}))
    assert [type(o) for o in out] == [TargetsChanged, ScrapeConfigsChanged]
    assert addresses(out) == {"a:1"} and all(o.seq == 1 for o in out)
    assert b'"s"' in out[1].redacted  # type: ignore[union-attr]


def test_cr_jobs_before_the_config_wait_for_it_and_a_clashing_cr_job_is_skipped_and_reported() -> None:
    actor = DiscoveryActor()
    cr_jobs = parse_prometheus_config({"scrape_configs": [static("web", "cr:1"), static("cr-only", "cr:2")]}).jobs
    assert actor.step(CRJobsChanged(seq=1, jobs=cr_jobs)) == []  # no config yet: kept
    out = actor.step(config(2, config={"scrape_configs": [static("web", "file:1")]}))
    assert addresses(out) == {"file:1", "cr:2"}  # the config file's "web" wins
    [clash] = [o for o in out if isinstance(o, InputRejected)]
    assert clash.seq == 2 and "web" in clash.source and policy.CLASH in clash.reason
    served = orjson.loads(next(o for o in out if isinstance(o, ScrapeConfigsChanged)).redacted)
    assert sorted(served) == ["cr-only", "web"] and served["web"]["static_configs"][0]["targets"] == ["file:1"]


def test_served_jobs_puts_file_jobs_first_and_reports_each_clash() -> None:
    file = parse_prometheus_config({"scrape_configs": [static("a", "f:1"), static("b", "f:2")]})
    crs = parse_prometheus_config({"scrape_configs": [static("b", "c:1"), static("c", "c:2")]}).jobs
    merged = policy.served_jobs(file, crs)
    assert [job.job_name for job in merged.jobs] == ["a", "b", "c"]
    assert merged.jobs[1] is file.jobs[1]
    assert [(e.job, e.message) for e in merged.errors] == [("b", policy.CLASH)]


def test_kubernetes_sd_objects_wait_for_the_last_planned_list_then_build_in_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(policy, "BUILD_STEP_TARGETS", 2)
    actor = DiscoveryActor()
    actor.step(config(1, **K8S))
    plan = KubeWatchesPlanned(scopes=((SLICES, ""), ("v1/pods", ""), ("v1/secrets", "")))  # secrets: not ours
    assert actor.step(env(2, plan)) == [] and actor.holding
    for i in range(5):
        assert actor.step(env(3 + i, endpoint_slice(f"s{i}", f"10.0.0.{i}"))) == []
    assert actor.step(synced(8, SLICES)) == [] and actor.holding  # the pod list is not in yet
    out = actor.step(synced(9, "v1/pods"))
    steps = [out]
    while steps[-1] and isinstance(steps[-1][-1], BuildContinues):
        assert actor.holding  # not done until the last step
        steps.append(actor.step(steps[-1][-1]))
    assert len(steps) >= 3 and all(o.seq == 9 for step in steps for o in step)
    assert addresses([o for step in steps for o in step]) == {f"10.0.0.{i}:80" for i in range(5)}
    assert not actor.holding
    later = actor.step(env(10, endpoint_slice("s9", "10.0.0.9")))  # after the build: evaluated at once
    assert addresses(later) == {"10.0.0.9:80"}


def test_each_problem_input_yields_its_note() -> None:
    actor = DiscoveryActor()
    actor.step(config(1, **K8S))
    [unwatchable] = actor.step(env(2, KubeResourceUnavailable(resource="v1/secrets", namespace="", reason="403")))
    assert unwatchable == InputRejected(seq=2, source="v1/secrets *", reason="cannot watch, skipped: 403")
    [unknown] = actor.step(env(3, kobj("example.com/v1/widgets", {"metadata": {"name": "w", "namespace": "n"}})))
    assert unknown.source == "example.com/v1/widgets n/w" and unknown.reason == "unknown resource, skipped"


def test_a_file_read_yields_the_targets_of_its_file_sd_jobs() -> None:
    actor = DiscoveryActor()
    actor.step(config(1, config={"scrape_configs": [{"job_name": "f", "file_sd_configs": [{"files": ["/t.json"]}]}]}))
    out = actor.step(env(2, FileRead(path="/t.json", content=orjson.dumps([{"targets": ["x:9"]}]))))
    assert addresses(out) == {"x:9"} and out[-1].seq == 2

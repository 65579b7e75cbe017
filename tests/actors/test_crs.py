"""The CR actor at the actor level: what it holds back, and what it emits for each input it takes."""

from ta.actors.crs import CRActor
from ta.events.cluster import KubeResourceUnavailable, KubeWatchesPlanned
from ta.events.crs import CRJobsChanged
from ta.events.files import FileRead
from ta.events.problems import InputRejected, StepFailed
from tests.actors.messages import SM, config, env, kobj, service_monitor, synced

CR_ON = {"prometheus_cr": {"enabled": True, "service_monitor_selector": {}}}
NAMESPACE = kobj("v1/namespaces", {"metadata": {"name": "a"}})  # monitors are read in known namespaces


def job_names(out: list[object]) -> list[str]:
    [changed] = [o for o in out if isinstance(o, CRJobsChanged)]
    return [job.job_name for job in changed.jobs]


def test_a_config_is_always_answered_and_without_a_plan_changes_publish_at_once() -> None:
    actor = CRActor()
    assert actor.holding
    assert actor.step(config(1, **CR_ON)) == [CRJobsChanged(seq=1, jobs=())]
    assert not actor.holding
    assert actor.step(env(2, NAMESPACE)) == []  # the job list did not change
    out = actor.step(env(2, kobj(SM, service_monitor("web"))))
    assert job_names(out) == ["serviceMonitor/a/web/0"]
    assert actor.step(env(3, kobj(SM, service_monitor("web")))) == []  # nothing changed: nothing sent
    assert job_names(actor.step(env(4, kobj(SM, service_monitor("web"), watch="DELETED")))) == []


def test_monitors_are_held_until_the_last_planned_list_of_its_own_inputs_is_in() -> None:
    actor = CRActor()
    actor.step(config(1, **CR_ON))
    plan = KubeWatchesPlanned(scopes=((SM, ""), ("v1/secrets", "a"), ("v1/pods", "")))  # pods: not a CR input
    assert actor.step(env(2, plan)) == [] and actor.holding
    assert actor.step(env(2, NAMESPACE)) == []
    assert actor.step(env(3, kobj(SM, service_monitor("web")))) == []
    assert actor.step(env(4, kobj(SM, service_monitor("api")))) == []
    assert actor.step(synced(5, SM)) == [] and actor.holding  # the Secrets list is not in yet
    assert actor.step(synced(6, SM)) == []  # a list twice changes nothing
    out = actor.step(env(7, KubeResourceUnavailable(resource="v1/secrets", namespace="a", reason="forbidden")))
    assert job_names(out) == ["serviceMonitor/a/api/0", "serviceMonitor/a/web/0"] and out[0].seq == 7
    assert not actor.holding


def test_an_invalid_monitor_is_reported_once_the_lists_are_in() -> None:
    actor = CRActor()
    actor.step(config(1, **CR_ON))
    actor.step(env(2, KubeWatchesPlanned(scopes=((SM, ""),))))
    actor.step(env(2, NAMESPACE))
    bad = service_monitor("bad", endpoints=[{"port": "http", "relabelings": [{"action": "nope"}]}])
    assert actor.step(env(3, kobj(SM, bad))) == []
    out = actor.step(synced(4, SM))
    rejected = [o for o in out if isinstance(o, InputRejected)]
    assert [r.source for r in rejected] == ["ServiceMonitor a/bad"] and rejected[0].seq == 4
    assert out == rejected  # the job list (empty) is the one already sent


def test_an_input_it_does_not_take_is_a_wiring_mistake_noted_not_ignored() -> None:
    actor = CRActor()
    actor.step(config(1, **CR_ON))
    [failed] = actor.step(env(2, FileRead(path="x", content=b"")))
    assert isinstance(failed, StepFailed) and failed.actor == "crs" and "does not take FileRead" in failed.error

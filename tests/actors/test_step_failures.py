"""A step that raises is taken back whole: each actor, with a failure injected half-way through an input in the
middle of a stream, answers every later input exactly as a run that never saw that input; the failure is noted
(``StepFailed``), counted per actor, listed in ``/debug/problems`` with its seq, and the pipeline goes on."""

import asyncio
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import orjson
import pytest
import structlog
import xxhash

from ta.actors.allocation import AllocationActor
from ta.actors.crs import CRActor
from ta.actors.discovery import DiscoveryActor
from ta.actors.membership import MembershipActor
from ta.actors.serving import ServingActor
from ta.actors.settings import Configured, decode_config
from ta.app import build_pipeline, run_pipeline
from ta.core.allocation.allocator import Allocator, Move
from ta.core.base.model import Collector, Target
from ta.core.discovery import jobs as discovery_jobs
from ta.core.discovery import policy as discovery_policy
from ta.core.membership import Membership
from ta.core.objects import secrets
from ta.core.serving.view import View
from ta.events.allocation import AllocationChanged
from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.events.cluster import KubeListSynced, KubeObjectBatch, KubeObjectChanged, KubeWatchesPlanned
from ta.events.config import ConfigLoaded
from ta.events.discovery import BuildContinues, TargetsChanged
from ta.events.membership import CollectorsChanged
from ta.events.problems import StepFailed
from ta.process.metrics import Metrics

SLICES = "discovery.k8s.io/v1/endpointslices"
SM = "monitoring.coreos.com/v1/servicemonitors"


def hash_of(job: str, i: int) -> int:
    return xxhash.xxh64_intdigest(f"{job}\x00{i}".encode())


class Injected(RuntimeError):
    pass


@contextmanager
def failing_after(owner: Any, name: str, when: Callable[..., bool]) -> Iterator[None]:
    """``owner.name`` runs as usual, then raises the first time ``when(*args)`` holds: a failure after partial
    changes (a rollback calling it again goes through)."""
    original = getattr(owner, name)
    raised = False

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal raised
        result = original(*args, **kwargs)
        if not raised and when(*args, **kwargs):
            raised = True
            if hasattr(result, "__next__"):
                list(result)  # a generator: run it through first
            raise Injected("injected failure")
        return result

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def env(seq: int, event: Any, ts: float = 0.0) -> Envelope:
    return Envelope(seq=seq, ts=ts, event=event)


def config(seq: int = 1, **extra: Any) -> Configured:
    """A config as the router hands it to the actors: decoded once."""
    body = {"collector_namespace": "otel", "config": {"scrape_configs": []}, **extra}
    decoded = decode_config(env(seq, ConfigLoaded(body=orjson.dumps(body), source="test")))
    assert isinstance(decoded, Configured)
    return decoded


def kobj(resource: str, obj: dict[str, Any], watch: str = "ADDED", values: tuple[tuple[str, str], ...] = ()) -> Any:
    meta = obj["metadata"]
    return KubeObjectChanged(
        watch_type=watch,  # type: ignore[arg-type]
        resource=resource,
        namespace=meta.get("namespace", ""),
        name=meta["name"],
        body=orjson.dumps(obj),
        secret_values=values,
    )


def pod(name: str, node: str = "n1") -> KubeObjectChanged:
    obj = {"metadata": {"name": name, "namespace": "otel"}, "spec": {"nodeName": node}, "status": {"phase": "Running"}}
    return kobj("v1/pods", obj)  # type: ignore[no-any-return]


def endpoint_slice(name: str, *ips: str) -> KubeObjectChanged:
    obj = {
        "metadata": {"name": name, "namespace": "ns", "labels": {"kubernetes.io/service-name": name}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [ip]} for ip in ips],
        "ports": [{"name": "http", "port": 80}],
    }
    return kobj(SLICES, obj)  # type: ignore[no-any-return]


def run(step: Callable[[Any], list[Any]], messages: Sequence[Any]) -> list[list[Any]]:
    return [step(m) for m in messages]


def check_taken_back(
    make: Callable[[], Any], messages: Sequence[Any], bad: int, fault: Callable[[], Any], actor: str
) -> tuple[Any, list[list[Any]]]:
    """Run ``messages`` with ``fault`` active during message ``bad`` and without that message; every later
    message must get the same outputs. Returns the faulty run's actor and outputs."""
    reference = make()
    expected = run(reference.step, [m for i, m in enumerate(messages) if i != bad])
    faulty = make()
    got = run(faulty.step, messages[:bad])
    with fault():
        failed = faulty.step(messages[bad])
    got.append(failed)
    got.extend(run(faulty.step, messages[bad + 1 :]))
    note = failed[-1]
    assert isinstance(note, StepFailed) and note.actor == actor and note.seq == messages[bad].seq
    assert note.error == "Injected: injected failure"
    assert got[bad + 1 :] == expected[bad:], "later inputs must be answered as if the failed one never came"
    assert got[:bad] == expected[:bad]
    return faulty, got


# --- membership --------------------------------------------------------------------------------------------


def test_membership_takes_a_failed_pod_batch_back_whole() -> None:
    messages = [
        config(1),
        env(2, KubeObjectBatch(resource="v1/pods", changes=(pod("c0"),))),
        env(3, KubeObjectBatch(resource="v1/pods", changes=(pod("c1"), pod("c2"), pod("c3")))),
        env(4, pod("c4")),
        env(5, Tick(), ts=10.0),
        env(6, KubeObjectBatch(resource="v1/pods", changes=(pod("c2", node="n2"),))),
    ]
    _, got = check_taken_back(
        MembershipActor,
        messages,
        2,
        lambda: failing_after(Membership, "apply", lambda _self, _wt, facts: facts.name == "c3"),
        "membership",
    )
    assert got[3] == [
        CollectorsChanged(seq=4, collectors=(Collector(name="c0", node="n1"), Collector(name="c4", node="n1")))
    ]


def test_membership_config_failure_keeps_it_holding_until_a_config_applies() -> None:
    actor = MembershipActor()
    with failing_after(Membership, "configure", lambda *_: True):
        [note] = actor.step(config(1))
    assert isinstance(note, StepFailed) and actor.holding
    assert actor.step(config(2)) == [CollectorsChanged(seq=2, collectors=())]
    assert not actor.holding


# --- crs ----------------------------------------------------------------------------------------------------


def cr_config(seq: int = 1) -> Configured:
    return config(seq, prometheus_cr={"enabled": True, "service_monitor_selector": {}})


def service_monitor(name: str, secret: str = "") -> dict[str, Any]:
    endpoint: dict[str, Any] = {"port": "http"}
    if secret:
        endpoint["basicAuth"] = {"username": {"name": secret, "key": "user"}, "password": {"name": secret, "key": "pw"}}
    return {
        "metadata": {"name": name, "namespace": "a", "labels": {"team": "x"}},
        "spec": {"selector": {"matchLabels": {"app": name}}, "endpoints": [endpoint]},
    }


DIGEST = secrets.Digester(b"k" * 32)


def secret_event(name: str, **values: str) -> KubeObjectChanged:
    obj = {"metadata": {"name": name, "namespace": "a"}, "data": {k: DIGEST.text(v) for k, v in values.items()}}
    return kobj("v1/secrets", obj, values=tuple(sorted(values.items())))  # type: ignore[no-any-return]


def test_crs_takes_a_failed_monitor_batch_back_and_masks_secret_values() -> None:
    messages = [
        cr_config(1),
        env(2, kobj("v1/namespaces", {"metadata": {"name": "a"}})),
        env(3, secret_event("creds", user="u", pw="hunter2-pw")),
        env(4, kobj(SM, service_monitor("web", secret="creds"))),
        env(
            5,
            KubeObjectBatch(resource=SM, changes=(kobj(SM, service_monitor("api")), kobj(SM, service_monitor("bad")))),
        ),
        env(6, kobj(SM, service_monitor("db"))),
        env(7, secret_event("creds", user="u", pw="rotated-pw")),
        env(8, kobj(SM, service_monitor("web"), watch="DELETED")),
    ]
    from ta.core import crs as crs_core

    def fault() -> Any:
        original = crs_core.build

        def build(kind: Any, obj: Any, *args: Any) -> Any:
            if obj["metadata"]["name"] == "bad":
                raise Injected("injected failure")
            return original(kind, obj, *args)

        @contextmanager
        def patched() -> Iterator[None]:
            crs_core.build = build  # type: ignore[assignment]
            try:
                yield
            finally:
                crs_core.build = original

        return patched()

    check_taken_back(CRActor, messages, 4, fault, "crs")
    # A failure whose message holds a Secret value the actor holds: masked in the note.
    actor = CRActor()
    run(actor.step, messages[:4])
    original = crs_core.build

    def leaky(kind: Any, obj: Any, *args: Any) -> Any:
        raise ValueError("cannot use password hunter2-pw\nsecond line")

    crs_core.build = leaky  # type: ignore[assignment]
    try:
        with structlog.testing.capture_logs() as logs:
            [note] = actor.step(env(9, kobj(SM, service_monitor("web2"))))
    finally:
        crs_core.build = original
    assert isinstance(note, StepFailed)
    assert note.error == "ValueError: cannot use password <secret>"
    # One error line: actor, seq, input kind, the error and the traceback, all masked.
    [line] = [entry for entry in logs if entry["log_level"] == "error"]
    assert line["event"] == "actor.step_failed" and line["actor"] == "crs" and line["seq"] == 9
    assert line["input"] == "k8s.object" and line["error"] == note.error
    assert "leaky" in line["traceback"] and "<secret>" in line["traceback"]
    assert "hunter2-pw" not in repr(logs)


# --- discovery ----------------------------------------------------------------------------------------------


def k8s_config(seq: int = 1) -> Configured:
    job = {"job_name": "k", "kubernetes_sd_configs": [{"role": "endpointslice"}]}
    return config(seq, config={"scrape_configs": [job]})


def served(outputs: Sequence[Sequence[Any]]) -> dict[int, Target]:
    """The targets a downstream consumer holds after these outputs (upserts and removals in order)."""
    held: dict[int, Target] = {}
    for out in outputs:
        for o in out:
            if isinstance(o, TargetsChanged):
                for h in o.removals:
                    held.pop(h, None)
                held.update((t.hash, t) for t in o.upserts)
    return held


def slice_build_fails(name: str) -> Any:
    return failing_after(
        discovery_jobs, "build_targets", lambda _settings, group, *_: group.source.endswith(f"/{name}")
    )


def test_discovery_takes_a_failed_object_batch_back_whole() -> None:
    messages = [
        k8s_config(1),
        env(2, endpoint_slice("s0", "10.0.0.1")),
        env(
            3,
            KubeObjectBatch(
                resource=SLICES, changes=(endpoint_slice("s1", "10.0.1.1"), endpoint_slice("s2", "10.0.2.1"))
            ),
        ),
        env(4, endpoint_slice("s3", "10.0.3.1")),
        env(5, KubeObjectBatch(resource=SLICES, changes=(endpoint_slice("s1", "10.0.1.2"),))),
    ]
    _, got = check_taken_back(DiscoveryActor, messages, 2, lambda: slice_build_fails("s2"), "discovery")
    assert sorted(t.address for t in served(got).values()) == ["10.0.0.1:80", "10.0.1.2:80", "10.0.3.1:80"]


def test_discovery_takes_a_failed_config_back() -> None:
    messages = [
        k8s_config(1),
        env(2, endpoint_slice("s0", "10.0.0.1")),
        env(3, endpoint_slice("s1", "10.0.1.1")),
        config(4, config={"scrape_configs": [{"job_name": "s", "static_configs": [{"targets": ["a:1"]}]}]}),
        env(5, endpoint_slice("s2", "10.0.2.1")),
    ]
    check_taken_back(
        DiscoveryActor,
        messages,
        3,
        lambda: failing_after(discovery_jobs.Discovery, "_rebuild", lambda _self, name: name == "s"),
        "discovery",
    )


def test_a_failed_first_build_is_taken_back_whole_and_sent_targets_are_set_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discovery_policy, "BUILD_STEP_TARGETS", 2)
    plan = env(2, KubeWatchesPlanned(scopes=((SLICES, ""),)))
    slices = [env(3 + i, endpoint_slice(f"s{i}", f"10.0.{i}.1")) for i in range(6)]
    synced = env(9, KubeListSynced(resource=SLICES, namespace="", resource_version="1"))
    relisted = env(10, KubeListSynced(resource=SLICES, namespace="", resource_version="2"))

    def drive(actor: DiscoveryActor, message: Envelope) -> list[list[Any]]:
        outs = [actor.step(message)]
        while outs[-1] and isinstance(outs[-1][-1], BuildContinues):
            outs.append(actor.step(outs[-1][-1]))
        return outs

    reference = DiscoveryActor()
    for m in [k8s_config(1), plan, *slices]:
        reference.step(m)
    expected = drive(reference, relisted)

    actor = DiscoveryActor()
    for m in [k8s_config(1), plan, *slices]:
        actor.step(m)
    with slice_build_fails("s4"):
        failed = drive(actor, synced)
    assert len(failed) > 2  # earlier steps were sent before the failing one
    *_, last = failed
    assert isinstance(last[-1], StepFailed) and last[-1].seq == 9 and last[-1].input == "k8s.synced"
    assert served(failed) == {}  # what the earlier steps sent is set right: nothing is served
    assert actor.holding and actor.core.kube_deferred
    got = drive(actor, relisted)
    assert got == expected
    assert not actor.holding and len(served(got)) == 6


# --- allocation ---------------------------------------------------------------------------------------------


def target(i: int, job: str = "j") -> Target:
    address = f"10.1.0.{i}:80"
    return Target(job=job, address=address, own=(("__address__", address),), hash=hash_of(job, i), node=f"n{i % 2}")


@pytest.mark.parametrize("strategy", ["consistent-hashing", "least-weighted", "per-node", "rendezvous-bounded"])
@pytest.mark.parametrize("bad", [3, 4])
def test_allocation_takes_a_failed_update_or_collector_change_back(strategy: str, bad: int) -> None:
    def collectors(*names: str) -> tuple[Collector, ...]:
        return tuple(Collector(name=n, node="n1") for n in names)

    def changed(seq: int, upserts: Sequence[Target] = (), removals: Sequence[int] = ()) -> TargetsChanged:
        return TargetsChanged(seq=seq, upserts=tuple(upserts), removals=tuple(removals), discovered=(), remaining=0)

    messages: list[Any] = [
        config(1, allocation_strategy=strategy),
        CollectorsChanged(seq=2, collectors=collectors("c0", "c1")),
        changed(3, [target(i) for i in range(10)]),
        changed(4, [target(i, "k") for i in range(10, 30)], removals=[target(2).hash]),
        CollectorsChanged(seq=5, collectors=collectors("c0", "c1", "c2")),
        changed(6, [target(i) for i in range(30, 35)], removals=[target(3).hash]),
        CollectorsChanged(seq=7, collectors=collectors("c1", "c2")),
        changed(8, [target(i, "k") for i in range(12, 20)] + [target(40)]),
    ]
    method = "update" if bad == 3 else "set_collectors"
    check_taken_back(
        AllocationActor,
        messages,
        bad,
        lambda: failing_after(Allocator, method, lambda *_a, **_k: True),
        "allocation",
    )


@contextmanager
def failing_in_any(owner: Any, *names: str) -> Iterator[None]:
    """The first of ``owner``'s methods ``names`` to run raises after running: a failure half-way through."""
    with ExitStack() as stack:
        raised: list[bool] = []

        def first(*_a: Any, **_k: Any) -> bool:
            if raised:
                return False
            raised.append(True)
            return True

        for name in names:
            stack.enter_context(failing_after(owner, name, first))
        yield


@pytest.mark.parametrize(
    ("strategy", "bad"),
    [
        *(
            (s, bad)
            for s in ("consistent-hashing", "least-weighted", "per-node", "rendezvous-bounded")
            for bad in (3, 6)
        ),
        ("consistent-hashing", 5),  # least-weighted and per-node keep every target where it is when a collector joins
        ("rendezvous-bounded", 5),
    ],
)
def test_allocation_takes_back_a_call_that_failed_half_way(strategy: str, bad: int) -> None:
    # 3: new targets held but not yet placed; 5: one collector more; 6: a collector gone, its targets orphaned.
    def collectors(*names: str) -> tuple[Collector, ...]:
        return tuple(Collector(name=n, node=f"n{i % 2}") for i, n in enumerate(names))

    def changed(seq: int, upserts: Sequence[Target] = (), removals: Sequence[int] = ()) -> TargetsChanged:
        return TargetsChanged(seq=seq, upserts=tuple(upserts), removals=tuple(removals), discovered=(), remaining=0)

    messages: list[Any] = [
        config(1, allocation_strategy=strategy, allocation_fallback_strategy="least-weighted"),
        CollectorsChanged(seq=2, collectors=collectors("c0", "c1")),
        changed(3, [target(i) for i in range(40)]),
        changed(4, [target(i, "k") for i in range(40, 60)], removals=[target(2).hash]),
        CollectorsChanged(seq=5, collectors=collectors("c0", "c1", "c2")),
        CollectorsChanged(seq=6, collectors=collectors("c1", "c2")),
        changed(7, [target(i) for i in range(30, 35)], removals=[target(3).hash]),
        CollectorsChanged(seq=8, collectors=collectors("c0", "c2", "c3")),
        changed(9, [target(i, "k") for i in range(45, 50)] + [target(70)]),
    ]
    check_taken_back(
        AllocationActor,
        messages,
        bad - 1,
        lambda: failing_in_any(Allocator, "_add", "_move_group", "_place", "_place_unordered", "_displaced"),
        "allocation",
    )


# --- serving ------------------------------------------------------------------------------------------------


def answers(view: View) -> dict[str, Any]:
    return {
        "jobs": view.jobs().data,
        "collectors": view.collectors,
        "sizes": {j: view.job_size(j) for j in view.job_names()},
        "targets": {(j, c): view.targets_for(j, c).data for j in view.job_names() for c in view.collectors},
    }


def test_serving_takes_a_failed_allocation_back_from_the_view() -> None:
    t = [target(i) for i in range(6)]

    def allocated(seq: int, moves: Sequence[Move], names: tuple[str, ...] = ("c0", "c1")) -> AllocationChanged:
        counts = tuple((n, 0) for n in names)
        return AllocationChanged(
            seq=seq, strategy="s", moves=tuple(moves), collectors=names, counts=counts, unassigned=0
        )

    messages = [
        allocated(1, [Move(t[0], "", "c0"), Move(t[1], "", "c1"), Move(t[2], "", "c0")]),
        allocated(2, [Move(t[0], "c0", "c1"), Move(t[2], "c0", "", True), Move(t[3], "", "c1")], ("c0", "c1", "c2")),
        allocated(3, [Move(t[4], "", "c0"), Move(t[1], "c1", "c0")]),
    ]

    def serving() -> ServingActor:
        return ServingActor(View(), Metrics())

    reference = serving()
    run(reference.step, [messages[0], messages[2]])
    actor = serving()
    actor.step(messages[0])
    with failing_after(View, "set_collectors", lambda *_: True):
        assert actor.step(messages[1]) == []
    actor.step(messages[2])
    assert answers(actor.view) == answers(reference.view)
    assert b'ta_actor_step_failures_total{actor="serving"} 1.0' in actor.metrics.render()
    [problem] = orjson.loads(actor.diagnostics.render_problems())
    assert problem["seq"] == 2 and problem["source"] == "actor serving"
    assert "discovery" not in problem["reason"] and "Injected: injected failure" in problem["reason"]


class BreaksAfter(tuple[Move, ...]):
    """Moves whose iteration fails after ``n`` of them: the view is left half-way through a batch."""

    n = 2

    def __iter__(self) -> Iterator[Move]:
        for i, move in enumerate(tuple.__iter__(self)):
            if i == self.n:
                raise Injected("injected failure")
            yield move


def test_serving_takes_back_a_batch_that_failed_half_way_through_the_view() -> None:
    t = [target(i) for i in range(6)]
    names = ("c0", "c1")

    def allocated(seq: int, moves: tuple[Move, ...]) -> AllocationChanged:
        counts = tuple((n, 0) for n in names)
        return AllocationChanged(seq=seq, strategy="s", moves=moves, collectors=names, counts=counts, unassigned=0)

    first = allocated(1, (Move(t[0], "", "c0"), Move(t[1], "", "c1"), Move(t[2], "", "c0")))
    broken = (Move(t[0], "c0", "c1"), Move(t[2], "c0", "", True), Move(t[3], "", "c1"), Move(t[4], "", "c0"))
    later = allocated(3, (Move(t[5], "", "c0"), Move(t[1], "c1", "c0")))
    reference = ServingActor(View(), Metrics())
    run(reference.step, [first, later])
    actor = ServingActor(View(), Metrics())
    actor.step(first)
    assert actor.step(allocated(2, BreaksAfter(broken))) == []
    assert actor.view.job_size("j") == 3  # t0 moved and t2 removed were put back
    actor.step(later)
    assert answers(actor.view) == answers(reference.view)
    [problem] = orjson.loads(actor.diagnostics.render_problems())
    assert problem["seq"] == 2 and problem["source"] == "actor serving"


# --- the whole pipeline --------------------------------------------------------------------------------------


async def run_stream(
    messages: Sequence[Envelope | Configured], fault: Callable[[], Any] | None, at: int
) -> dict[str, Any]:
    """``messages`` through the whole pipeline (a decoded config journaled as it came: the router decodes it)."""
    messages = [Envelope(seq=m.seq, ts=m.ts, event=m.event) if isinstance(m, Configured) else m for m in messages]
    p = build_pipeline(clock=lambda: 0.0)
    stop = asyncio.Event()
    started = asyncio.Event()
    task = asyncio.create_task(run_pipeline(p, sources=[], listeners=[], stop=stop, started=started))
    await started.wait()
    for i, message in enumerate(messages):
        if i == at and fault is not None:
            with fault():
                await p.sequencer.submit(message)
                await p.sequencer.wait_drained()
        else:
            await p.sequencer.submit(message)
            await p.sequencer.wait_drained()
    result = {
        "answers": answers(p.view),
        "ready": p.is_ready(),
        "metrics": p.metrics.render(),
        "problems": orjson.loads(p.serving.diagnostics.render_problems()),
    }
    stop.set()
    await task
    return result


async def test_pipeline_counts_lists_and_goes_on_and_replays_the_same() -> None:
    messages = [
        k8s_config(1),
        env(2, KubeObjectBatch(resource="v1/pods", changes=(pod("c0"), pod("c1")))),
        env(3, endpoint_slice("s0", "10.0.0.1")),
        env(
            4,
            KubeObjectBatch(
                resource=SLICES, changes=(endpoint_slice("s1", "10.0.1.1"), endpoint_slice("s2", "10.0.2.1"))
            ),
        ),
        env(5, endpoint_slice("s3", "10.0.3.1")),
    ]
    faulty = await run_stream(messages, lambda: slice_build_fails("s2"), 3)
    again = await run_stream(messages, lambda: slice_build_fails("s2"), 3)
    reference = await run_stream([m for i, m in enumerate(messages) if i != 3], None, -1)
    assert faulty["answers"] == reference["answers"] == again["answers"]
    assert faulty["problems"] == again["problems"]
    assert faulty["problems"][0] == {
        "seq": 4,
        "source": "actor discovery",
        "reason": "k8s.objects not applied, the step failed: Injected: injected failure",
    }
    assert b'ta_actor_step_failures_total{actor="discovery"} 1.0' in faulty["metrics"]
    assert b'ta_actor_step_failures_total{actor="membership"} 0.0' in faulty["metrics"]
    assert faulty["ready"] and reference["ready"]  # a failure after the first picture leaves readiness alone
    bodies = b"".join(faulty["answers"]["targets"].values())
    assert b"10.0.0.1:80" in bodies and b"10.0.3.1:80" in bodies
    assert b"10.0.1.1:80" not in bodies and b"10.0.2.1:80" not in bodies


async def test_a_failed_first_build_keeps_the_pipeline_not_ready_until_a_relist_builds_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discovery_policy, "BUILD_STEP_TARGETS", 2)
    scopes = ((SLICES, ""),)
    messages = [
        k8s_config(1),
        env(2, KubeWatchesPlanned(scopes=scopes)),
        *(env(3 + i, endpoint_slice(f"s{i}", f"10.0.{i}.1")) for i in range(6)),
        env(9, KubeListSynced(resource=SLICES, namespace="", resource_version="1")),
    ]
    failed = await run_stream(messages, lambda: slice_build_fails("s4"), 8)
    assert not failed["ready"] and failed["answers"]["targets"] == {}
    relisted = [*messages, env(10, KubeListSynced(resource=SLICES, namespace="", resource_version="2"))]
    recovered = await run_stream(relisted, lambda: slice_build_fails("s4"), 8)
    assert recovered["ready"]
    # No collectors here, so nothing is placed: the job's held targets say the relist built all six.
    assert recovered["answers"]["collectors"] == () and recovered["answers"]["sizes"] == {"k": 6}


def test_a_config_s_secret_values_are_masked_and_short_ones_only_as_words() -> None:
    from ta.actors.failures import describe, input_secrets

    plain = {
        "config": {"scrape_configs": [{"job_name": "j", "basic_auth": {"username": "ab", "password": "s3cr3t-pw"}}]}
    }
    body = {
        "config": {
            "scrape_configs": [{"job_name": "j", "basic_auth": {"username": "ab", "password": {"$secret": "x"}}}]
        }
    }
    event = ConfigLoaded(body=orjson.dumps(body), plain=orjson.dumps(plain), source="t")
    found = input_secrets(env(1, event))
    assert found == {"s3cr3t-pw"}
    error = describe(KeyError("s3cr3t-pw"), found | {"ab"})
    assert error == "KeyError: '<secret>'"
    assert describe(ValueError("about ab, tab"), {"ab"}) == "ValueError: about <secret>, tab"
    assert len(describe(ValueError("x" * 1000))) == 300

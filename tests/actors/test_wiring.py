"""The wiring declaration drives routing: it agrees with what each actor takes and emits, a bad config is
rejected once, and every log line an actor writes names the actor and the input's seq."""

import asyncio
import typing
from typing import Any

import orjson
import pytest
import structlog
from structlog.testing import capture_logs

from ta.actors import allocation, crs, discovery, membership, serving
from ta.actors.runtime import Mailbox, run_actor
from ta.actors.settings import Configured
from ta.actors.wiring import BY_NAME, ROUTER, STAGES, Stage, Wiring, WiringError
from ta.app import build_pipeline, run_pipeline
from ta.events.base import Envelope
from ta.events.clock import Tick
from ta.events.cluster import KubeListSynced, KubeObjectChanged, KubeResourceUnavailable, KubeWatchesPlanned
from ta.events.config import ConfigLoaded
from ta.events.files import FileRead
from ta.events.httpsd import HttpSDResponse
from ta.events.inputs import InputEvent
from ta.events.problems import InputRejected

MODULES: dict[str, Any] = {
    "membership": membership,
    "crs": crs,
    "discovery": discovery,
    "allocation": allocation,
    "serving": serving,
}


def obj(resource: str) -> KubeObjectChanged:
    return KubeObjectChanged(watch_type="ADDED", resource=resource, namespace="a", name="x", body=b"{}")


JOURNAL_KINDS = set(typing.get_args(InputEvent))


def members(alias: Any) -> set[type]:
    return set(typing.get_args(alias)) or {alias}


def delivered_as(kind: type) -> type:
    """What a stage's mailbox holds for a kind it takes: journal inputs arrive in their envelope, a config decoded."""
    if kind is ConfigLoaded:
        return Configured
    if kind in JOURNAL_KINDS:
        return Envelope
    return kind


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_each_stage_takes_what_its_actor_s_mailbox_type_names_and_routes_every_output(stage: Stage) -> None:
    module = MODULES[stage.name]
    inbox = members(module.Input)
    for kind in stage.takes:
        assert delivered_as(kind) in inbox, f"{stage.name} takes {kind.__name__} but its Input does not hold it"
    outputs = members(getattr(module, "Output", type(None)))
    assert outputs - {type(None)} == set(stage.sends)


def test_a_stage_sending_what_its_target_does_not_take_is_refused() -> None:
    bad = Stage(name="crs", takes={}, sends={InputRejected: ("allocation",)})
    with pytest.raises(WiringError, match="crs sends InputRejected to allocation"):
        Wiring((*STAGES[:1], bad, *STAGES[2:]))


@pytest.mark.parametrize(
    ("event", "receivers"),
    [
        (ConfigLoaded(body=b"{}"), ("membership", "crs", "discovery", "allocation")),
        (Tick(), ("membership",)),
        (KubeWatchesPlanned(scopes=()), ("membership", "crs", "discovery")),
        (obj("v1/pods"), ("membership", "discovery")),
        (obj("v1/namespaces"), ("crs", "discovery")),
        (obj("v1/secrets"), ("crs",)),
        (
            obj("monitoring.coreos.com/v1/servicemonitors"),
            ("crs",),
        ),
        (KubeListSynced(resource="v1/services", namespace="", resource_version="1"), ("discovery",)),
        (KubeListSynced(resource="v1/configmaps", namespace="", resource_version="1"), ("crs",)),
        # An unwatchable resource is reported by discovery whoever reads it.
        (KubeResourceUnavailable(resource="v1/secrets", namespace="", reason="x"), ("crs", "discovery")),
        (FileRead(path="a", content=b""), ("discovery",)),
        (HttpSDResponse(url="http://x", status=200, content_type="", body=""), ("discovery",)),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else "-".join(v),
)
def test_each_input_goes_to_exactly_the_stages_that_take_it(event: Any, receivers: tuple[str, ...]) -> None:
    assert Wiring().receivers(event) == receivers


def test_the_router_s_rejection_and_discovery_s_build_steps_are_routed() -> None:
    wiring = Wiring()
    assert wiring.destinations(ROUTER.name, InputRejected) == ("serving",)
    assert wiring.destinations("discovery", discovery.BuildContinues) == ("discovery",)
    assert BY_NAME["discovery"].takes_resource(KubeListSynced)("v1/pods")
    assert not BY_NAME["discovery"].takes_resource(KubeListSynced)("v1/secrets")


async def test_one_bad_config_is_one_rejection_one_problem_and_one_metric_increment() -> None:
    p = build_pipeline(clock=lambda: 0.0)
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(run_pipeline(p, sources=[], listeners=[], stop=stop, started=started))
    await started.wait()
    with capture_logs() as logs:
        await p.sequencer.submit(ConfigLoaded(body=orjson.dumps({"allocation_strategy": 7}), source="test"))
        await p.sequencer.wait_drained()
    stop.set()
    await task
    problems = orjson.loads(p.serving.diagnostics.render_problems())
    assert len(problems) == 1 and problems[0]["source"] == "config"
    assert "journaled config cannot be used" in problems[0]["reason"]
    assert [line["event"] for line in logs if line["log_level"] == "warning"] == ["input.rejected"]
    assert p.metrics.rejected.labels("config", "rejected")._value.get() == 1
    assert p.membership.holding and p.crs.holding  # nothing was applied


async def test_every_line_an_actor_logs_carries_the_actor_and_the_input_seq() -> None:
    logger = structlog.get_logger("test")

    def step(message: Envelope) -> list[int]:
        logger.info("inside.step")
        return [message.seq]

    async def emit(_out: int) -> None:
        logger.info("inside.emit")

    box: Mailbox[Envelope] = Mailbox("b", None)
    await box.put(Envelope(seq=7, ts=0.0, event=Tick()))
    await box.put(Envelope(seq=9, ts=0.0, event=Tick()))
    await box.close()
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await run_actor("b", box, step, emit)
        logger.info("after")
    assert [(line["event"], line.get("actor"), line.get("seq")) for line in logs] == [
        ("inside.step", "b", 7),
        ("inside.emit", "b", 7),
        ("inside.step", "b", 9),
        ("inside.emit", "b", 9),
        ("after", None, None),
    ]

"""ta.app.LoadGC: cyclic GC paused during the first lists, resumed over a frozen heap."""

import gc
from collections.abc import Iterator

import pytest

from ta.app import LoadGC


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_paused_while_loading_and_resumed_frozen_once_loaded() -> None:
    phase = LoadGC(True)
    phase.planned(100.0)
    assert not gc.isenabled()
    phase.settled(101.0, loaded=False)
    assert not gc.isenabled()
    phase.settled(102.0, loaded=True)
    assert gc.isenabled() and gc.get_freeze_count() > 0
    phase.planned(200.0)  # a later plan (reconfiguration) does not pause it again
    assert gc.isenabled()


def test_resumed_after_the_limit_or_at_the_end_when_lists_never_complete() -> None:
    phase = LoadGC(True, limit_s=60.0)
    phase.planned(0.0)
    phase.settled(59.0, loaded=False)
    assert not gc.isenabled()
    phase.settled(61.0, loaded=False)
    assert gc.isenabled()
    stopped = LoadGC(True)
    stopped.planned(0.0)
    stopped.end()
    assert gc.isenabled()


def test_inactive_phase_never_touches_the_collector() -> None:
    phase = LoadGC(False)
    phase.planned(0.0)
    assert gc.isenabled()

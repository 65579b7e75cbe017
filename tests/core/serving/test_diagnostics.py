import orjson

from ta.core.base.labels import label_set
from ta.core.discovery.targets import DroppedTarget
from ta.core.serving.diagnostics import RECENT_PROBLEMS, Diagnostics


def dropped(address: str, reason: str = "dropped by relabel_configs[1] (action keep)") -> DroppedTarget:
    return DroppedTarget(job="j", own=label_set({"__address__": address}), reason=reason)


def test_dropped_by_job_and_group_replacement() -> None:
    d = Diagnostics()
    d.set_dropped("j", "k8s/0/endpointslice/ns/b", (dropped("10.0.0.2:80"),))
    d.set_dropped("j", "k8s/0/endpointslice/ns/a", (dropped("10.0.0.1:80"), dropped("10.0.0.3:80")))
    entries = orjson.loads(d.render_dropped("j"))
    assert [e["labels"]["__address__"] for e in entries] == ["10.0.0.1:80", "10.0.0.3:80", "10.0.0.2:80"]
    assert entries[0] == {
        "source": "k8s/0/endpointslice/ns/a",
        "reason": "dropped by relabel_configs[1] (action keep)",
        "labels": {"__address__": "10.0.0.1:80"},
    }
    d.set_dropped("j", "k8s/0/endpointslice/ns/a", ())
    assert d.dropped_count("j") == 1
    d.set_dropped("j", "k8s/0/endpointslice/ns/b", ())
    assert d.render_dropped("j") == b"[]\n"


def test_problems_newest_first_and_bounded() -> None:
    d = Diagnostics()
    for i in range(RECENT_PROBLEMS + 5):
        d.add_problem(i, f"ServiceMonitor ns/m{i}", "missing secret")
    entries = orjson.loads(d.render_problems())
    assert len(entries) == RECENT_PROBLEMS
    assert entries[0] == {
        "seq": RECENT_PROBLEMS + 4,
        "source": f"ServiceMonitor ns/m{RECENT_PROBLEMS + 4}",
        "reason": "missing secret",
    }

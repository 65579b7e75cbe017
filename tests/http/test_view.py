from ta.core.labels import label_set
from ta.core.model import Target
from ta.http.view import View


def _t(address: str, job: str = "j", h: int = 1) -> Target:
    return Target(job=job, address=address, labels=label_set({"__address__": address}), hash=h)


def test_unknown_job_or_collector_is_empty_list() -> None:
    view = View()
    assert view.targets_for("nope", "c").data == b"[]\n"
    view.place(_t("a:1"), "c", removed=False)
    assert view.targets_for("j", "other").data == b"[]\n"
    assert view.targets_for("j", "").data == b"[]\n"


def test_move_invalidates_both_collectors() -> None:
    view = View()
    view.set_collectors(["c0", "c1"])
    t = _t("a:1")
    view.place(t, "c0", removed=False)
    before = view.targets_for("j", "c0")
    assert b"a:1" in before.data
    view.place(t, "c1", removed=False)
    assert view.targets_for("j", "c0").data == b"[]\n"
    assert b"a:1" in view.targets_for("j", "c1").data
    assert view.count_for("c0") == 0 and view.count_for("c1") == 1


def test_jobs_lists_only_jobs_with_targets_including_unassigned() -> None:
    view = View()
    view.place(_t("a:1", job="x", h=1), "", removed=False)
    assert view.jobs().data == b'{"x":{"_link":"/jobs/x/targets"}}\n'
    assert view.unassigned() == 1
    view.place(_t("a:1", job="x", h=1), "", removed=True)
    assert view.jobs().data == b"{}\n"


def test_answers_are_cached_until_changed() -> None:
    view = View()
    view.place(_t("a:1"), "c", removed=False)
    first = view.targets_for("j", "c")
    assert view.targets_for("j", "c") is first
    view.place(_t("b:1", h=2), "c", removed=False)
    second = view.targets_for("j", "c")
    assert second is not first and second.etag != first.etag


def test_by_collector_lists_every_collector() -> None:
    view = View()
    view.set_collectors(["c1", "c0"])
    view.place(_t("a:1"), "c1", removed=False)
    body = view.targets_by_collector("j").data
    assert body.index(b'"c0"') < body.index(b'"c1"')
    assert b'"c0":{"_link":"/jobs/j/targets?collector_id=c0","targets":[]}' in body
    view.set_collectors([])
    assert view.targets_by_collector("j").data == b"{}\n"

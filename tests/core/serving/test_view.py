import gzip
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ta.core.allocation.allocator import Move
from ta.core.base.labels import label_set
from ta.core.base.model import Target
from ta.core.serving import render
from ta.core.serving.view import View


def _t(address: str, job: str = "j", h: int = 1) -> Target:
    return Target(job=job, address=address, own=label_set({"__address__": address}), hash=h)


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


# --- batches (View.apply) ------------------------------------------------------------------------------


def _answers(view: View, jobs: list[str], collectors: list[str]) -> dict[str, bytes]:
    out = {"/jobs": view.jobs().data}
    for job in jobs:
        out[job] = view.targets_by_collector(job).data
        for c in collectors:
            out[f"{job}?{c}"] = view.targets_for(job, c).data
    return out


def test_apply_equals_placing_one_by_one_and_invalidates_each_answer_once() -> None:
    rnd = random.Random(7)
    jobs, collectors = ["a", "b/c", "d"], ["c0", "c1", "c2"]
    batched, single = View(), View()
    for view in (batched, single):
        view.set_collectors(collectors)
    held: dict[int, Target] = {}
    for _ in range(30):
        moves = []
        for _ in range(rnd.randint(0, 12)):
            h = rnd.randint(1, 40)
            job = jobs[h % 3]
            if h in held and rnd.random() < 0.3:
                moves.append(Move(held.pop(h), "", "", True))
                continue
            target = _t(f"10.0.0.{h % 7}:80", job=job, h=h)
            held[h] = target
            moves.append(Move(target, "stale-before", rnd.choice(["", *collectors])))
        # Render everything first so stale cache entries would show.
        before = _answers(batched, jobs, collectors)
        assert before == _answers(single, jobs, collectors)
        batched.apply(moves)
        for move in moves:
            single.place(move.target, move.after, move.removed)
        assert _answers(batched, jobs, collectors) == _answers(single, jobs, collectors)
        assert sum(batched.job_size(j) for j in batched.job_names()) == len(held)
        assert [p.target.hash for j in batched.job_names() for p in batched.placements(j)] == sorted(
            held, key=lambda h: (held[h].job, h)
        )


def test_apply_keeps_answers_that_no_move_touched() -> None:
    view = View()
    view.set_collectors(["c0", "c1"])
    a, b = _t("a:1", job="x", h=1), _t("b:1", job="y", h=2)
    view.apply([Move(a, "", "c0"), Move(b, "", "c1")])
    kept, listing = view.targets_for("y", "c1"), view.jobs()
    view.apply([Move(a, "c0", "c1"), Move(b, "c1", "c1")])  # b unchanged
    assert view.targets_for("y", "c1") is kept
    assert view.jobs() is listing  # the same jobs hold targets
    assert b"a:1" in view.targets_for("x", "c1").data


def test_unassigned_targets_list_their_job_only() -> None:
    view = View()
    view.set_collectors(["c0"])
    view.apply([Move(_t("a:1", job="x", h=1), "", "")])
    assert view.jobs().data == b'{"x":{"_link":"/jobs/x/targets"}}\n'
    assert view.targets_for("x", "").data == b"[]\n"
    assert view.targets_by_collector("x").data == b'{"c0":{"_link":"/jobs/x/targets?collector_id=c0","targets":[]}}\n'
    assert (view.unassigned(), view.count_for(""), view.count_for("c0")) == (1, 0, 0)


# Characters Go escapes (HTML-significant, U+2028/9), characters JSON escapes, and other non-ASCII text.
label_text = st.text(
    alphabet=st.sampled_from(["a", "<", ">", "&", "\u2028", "\u2029", "é", '"', "\\", " "]), max_size=4
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["h:1", "h:2", "<h>:3"]), st.integers(0, 2**64 - 1), label_text), max_size=6))
def test_rendered_answer_is_byte_identical_to_render_targets(specs: list[tuple[str, int, str]]) -> None:
    # Same addresses with different hashes exercise the tie-break; the notes exercise Go's escaping.
    targets = {
        h: Target(job="j", address=address, own=label_set({"__address__": address, "note": note}), hash=h)
        for address, h, note in specs
    }
    view = View()
    view.apply([Move(t, "", "c") for t in targets.values()])
    assert view.targets_for("j", "c").data == render.render_targets(targets.values())


def test_large_bodies_are_kept_gzipped_and_inflate_to_the_same_bytes() -> None:
    view = View()
    targets = [
        Target(job="j", address=f"h{i}:1", own=label_set({"__address__": f"h{i}:1", "note": "x" * 200}), hash=i)
        for i in range(200)
    ]
    view.apply(Move(t, "", "c", False) for t in targets)
    body = view.targets_for("j", "c")
    assert body.gzipped is not None and len(body.gzipped) < len(body.data) // 5
    assert gzip.decompress(body.gzipped) == body.data
    assert body.data.startswith(b'[{"targets":["h0:1"]') and body.data.endswith(b"]\n")
    small = View()
    small.apply([Move(targets[0], "", "c", False)])
    assert small.targets_for("j", "c").gzipped is None


def test_answers_for_jobs_without_targets_are_rendered_not_kept() -> None:
    view = View()
    view.set_collectors(["c0", "c1"])
    view.place(_t("a:1"), "c0", removed=False)
    for i in range(1000):
        body = view.targets_by_collector(f"invented-{i}").data
        assert body == render.render_job_by_collector(f"invented-{i}", [("c0", []), ("c1", [])])
        assert view.targets_for("j", f"nobody-{i}") is view.targets_for(f"invented-{i}", "c0")
    assert view.cached_answers == 0
    view.targets_by_collector("j")
    view.targets_for("j", "c0")
    assert view.cached_answers == 2


def test_answer_caches_have_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    from ta.core.serving import view as view_module

    monkeypatch.setattr(view_module, "MAX_PAIR_BODIES", 3)
    monkeypatch.setattr(view_module, "MAX_JOB_BODIES", 2)
    view = View()
    view.set_collectors(["c"])
    for i in range(10):
        view.place(_t("a:1", job=f"j{i}", h=i + 1), "c", removed=False)
    for i in range(10):
        first = view.targets_for(f"j{i}", "c")
        assert b"a:1" in first.data
        view.targets_by_collector(f"j{i}")
    assert view.cached_answers == 3 + 2
    # The newest stay cached; an evicted one is rendered again, the same bytes.
    assert view.targets_for("j9", "c") is view.targets_for("j9", "c")
    assert view.targets_for("j0", "c").data == render.render_targets([_t("a:1", job="j0", h=1)])

from ta.core.allocation.tally import Tally


def test_counts_and_listener() -> None:
    seen: list[str] = []
    tally = Tally()
    tally.listener = seen.append
    tally.add("a", "j")
    tally.add("a", "k")
    tally.add("b", "j")
    assert (tally.total("a"), tally.of_job("j", "a"), tally.of_job("k", "b")) == (2, 1, 0)
    tally.remove("a", "k")
    tally.remove("b", "j")
    assert tally.totals == {"a": 1}
    assert tally.per_job == {"j": {"a": 1}}
    assert seen == ["a", "a", "b", "a", "b"]

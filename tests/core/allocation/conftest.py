"""Every allocation test checks the allocator's bookkeeping after every operation (``check_invariants``).

The wrapper is installed for the whole package (module scope, so Hypothesis tests get it too without a
function-scoped fixture): each ``set_collectors``, ``update``, ``begin``, ``commit`` and ``rollback`` that returns
is followed by ``check_invariants``, which raises on the first disagreement between the held targets, owners,
served sets, unassigned set, tally and the strategy's choices.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ta.core.allocation.allocator import Allocator

OPERATIONS = ("set_collectors", "update", "begin", "commit", "rollback")


def _checked(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def run(self: Allocator, *args: Any, **kwargs: Any) -> Any:
        result = operation(self, *args, **kwargs)
        self.check_invariants()
        return result

    run.checked = True  # type: ignore[attr-defined]
    return run


@pytest.fixture(autouse=True, scope="module")
def _invariants_after_every_operation() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name in OPERATIONS:
            patch.setattr(Allocator, name, _checked(getattr(Allocator, name)))
        yield

"""Every metric family /metrics exposes is one of upstream's or is written in docs/compatibility.md."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from ta.process.metrics import Metrics

COMPATIBILITY = Path(__file__).resolve().parents[2] / "docs" / "compatibility.md"
# The Go TA's own families, and the process_* ones both expose (compatibility.md: "Same names").
UPSTREAM = re.compile(r"^(opentelemetry_allocator_|process_)")


async def _families() -> set[str]:
    # Inside a loop, so the event-loop task gauge is rendered too.
    text = Metrics().render().decode()
    await asyncio.sleep(0)
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    # prometheus_client's creation-time series, documented once for all of them.
    return {name.removesuffix("_created") for name in names}


async def test_every_exposed_family_is_upstreams_or_documented() -> None:
    doc = COMPATIBILITY.read_text()
    assert "`…_created` series" in doc
    families = await _families()
    assert "ta_event_loop_tasks" in families and "opentelemetry_allocator_targets" in families
    undocumented = sorted(
        name
        for name in families
        if not UPSTREAM.match(name) and not re.search(rf"`{re.escape(name)}(_total)?[`{{]", doc)
    )
    assert undocumented == []

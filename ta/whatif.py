"""``ta whatif``: a capture or journal replayed once, then its targets allocated under other settings.

In: a capture or journal (and optionally a TA config file that replaces the journaled one), the settings to
try (strategies), the collector counts to step through. Out: per setting and step, the targets moved (and the
minimum possible), the balance and the targets unassigned (``ta.core.allocation.whatif``), written as a table
or JSON on stdout, and optionally as a PNG plot (matplotlib, the ``plot`` extra).

The replay runs the same pipeline as ``ta replay``; only its final target set, the nodes the capture names and
the collectors' name prefix are kept. The simulation itself is pure and deterministic.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

import orjson

from ta.core.allocation.whatif import Outcome, Setting, simulate
from ta.core.base.model import Target
from ta.events.base import Envelope
from ta.events.cluster import KubeObjectBatch, KubeObjectChanged
from ta.replay import Capture, replay

_ORDINAL = re.compile(r"^(?P<prefix>.+)-\d+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Replayed:
    """What the what-if needs from a replayed capture."""

    targets: tuple[Target, ...]
    nodes: tuple[str, ...]
    collectors: tuple[str, ...]
    strategy: str
    fallback: str

    @property
    def prefix(self) -> str:
        """The StatefulSet-like name prefix of the capture's collectors (``collector`` when they have none)."""
        prefixes = sorted({m["prefix"] for name in self.collectors if (m := _ORDINAL.match(name))})
        return prefixes[0] if prefixes else "collector"


def capture_nodes(capture: Capture) -> tuple[str, ...]:
    """Names of the Node objects the capture still holds at its end, sorted."""
    present: dict[str, bool] = {}
    for envelope in capture.envelopes:
        event = envelope.event
        changes = (
            event.changes
            if isinstance(event, KubeObjectBatch)
            else (event,)
            if isinstance(event, KubeObjectChanged)
            else ()
        )
        for change in changes:
            if change.resource.endswith("/nodes") and change.name:
                present[change.name] = change.watch_type != "DELETED"
    return tuple(sorted(name for name, here in present.items() if here))


PAGE = 500  # objects per batch: the page size of a live list


def batched(capture: Capture) -> Capture:
    """The capture with runs of single object changes of one resource grouped into batches, renumbered.

    A kubectl capture replays one object per entry; a live TA's lists arrive a page at a time. The batches are
    applied in order as if one by one, so the final state is the same, with one trip through the pipeline per
    page instead of per object (a third of the replay time at 100 000 pods). Only the final target set is used.
    """
    out: list[Envelope] = []
    run: list[KubeObjectChanged] = []
    run_ts = 0.0

    def flush() -> None:
        if run:
            batch = KubeObjectBatch(resource=run[0].resource, changes=tuple(run))
            out.append(Envelope(seq=len(out) + 1, ts=run_ts, event=batch))
            run.clear()

    for envelope in capture.envelopes:
        event = envelope.event
        if isinstance(event, KubeObjectChanged):
            # Only changes recorded at the same instant share a batch: time-dependent rules (grace periods) see
            # every change at the time it was recorded.
            if run and (run[0].resource != event.resource or run_ts != envelope.ts or len(run) >= PAGE):
                flush()
            run.append(event)
            run_ts = envelope.ts
            continue
        flush()
        out.append(Envelope(seq=len(out) + 1, ts=envelope.ts, event=event))
    flush()
    return replace(capture, envelopes=tuple(out))


async def _replayed(capture: Capture) -> Replayed:
    pipeline = await replay(batched(capture), serve=False, listen_addr="127.0.0.1:0", print_summary=False)
    view = pipeline.view
    targets = tuple(placement.target for job in view.job_names() for placement in view.placements(job))
    nodes = capture_nodes(capture) or tuple(sorted({t.node for t in targets if t.node}))
    strategy, fallback = pipeline.allocation.strategy
    return Replayed(targets=targets, nodes=nodes, collectors=view.collectors, strategy=strategy, fallback=fallback)


def replay_targets(capture: Capture) -> Replayed:
    return asyncio.run(_replayed(capture))


def run(replayed: Replayed, settings: Sequence[Setting], counts: Sequence[int]) -> tuple[Outcome, ...]:
    return tuple(
        simulate(replayed.targets, setting, counts, prefix=replayed.prefix, nodes=replayed.nodes)
        for setting in settings
    )


def to_json(replayed: Replayed, counts: Sequence[int], outcomes: Sequence[Outcome]) -> bytes:
    doc = {
        "targets": len(replayed.targets),
        "nodes": len(replayed.nodes),
        "collector_prefix": replayed.prefix,
        "captured": {"strategy": replayed.strategy, "collectors": len(replayed.collectors)},
        "steps": list(counts),
        "settings": [
            {
                "strategy": o.setting.strategy,
                "fallback": o.setting.fallback,
                "total_moved": o.total_moved,
                "total_min_moved": o.total_min_moved,
                "steps": [step.as_dict() for step in o.steps],
            }
            for o in outcomes
        ],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _balance(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def to_table(replayed: Replayed, counts: Sequence[int], outcomes: Sequence[Outcome]) -> str:
    """One block of columns per setting, side by side; one row per step."""
    lines = [
        f"targets: {len(replayed.targets)}  nodes: {len(replayed.nodes)}  collectors: "
        f"{replayed.prefix}-0..N-1  (captured: {replayed.strategy}, {len(replayed.collectors)} collectors)",
        "moved: targets whose collector changed; min: the fewest any balanced allocation moves "
        "(|dN|/max(N) of the assigned, rounded down); balance: max/mean targets per collector",
        "",
    ]
    head = ["step", "collectors"]
    sub = ["", ""]
    for o in outcomes:
        head += [o.setting.label, "", "", "", ""]
        sub += ["moved", "min", "placed", "balance", "unassigned"]
    rows = [head, sub]
    for index in range(len(counts)):
        first = outcomes[0].steps[index]
        row = [str(index), f"{first.collectors_before}->{first.collectors}" if index else str(first.collectors)]
        for o in outcomes:
            step = o.steps[index]
            row += [
                str(step.moved),
                str(step.min_moved),
                str(step.placed),
                _balance(step.balance),
                str(step.unassigned),
            ]
        rows.append(row)
    total = ["total", ""]
    for o in outcomes:
        total += [str(o.total_moved), str(o.total_min_moved), "", "", ""]
    rows.append(total)
    widths = [
        max(len(row[i]) for row in rows if i < len(row) and not (row is head and i >= 2)) for i in range(len(sub))
    ]
    out = []
    for row in rows:
        if row is head:
            # A setting's name spans its five columns.
            cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
            for k, o in enumerate(outcomes):
                span = sum(widths[2 + 5 * k : 7 + 5 * k]) + 2 * 4
                cells.append(o.setting.label[:span].ljust(span))
            out.append("  ".join(cells).rstrip())
            continue
        out.append(
            "  ".join(cell.rjust(widths[i]) if i >= 2 else cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        )
    return "\n".join(lines + out) + "\n"


class PlotUnavailable(RuntimeError):
    pass


def check_plot_available() -> None:
    """Raise ``PlotUnavailable`` before any work when ``--plot`` cannot be honoured."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'ta[plot]'") from None


def write_plot(path: str, replayed: Replayed, counts: Sequence[int], outcomes: Sequence[Outcome]) -> None:
    """Three panels over the steps: moved (with the minimum), balance, unassigned; one line per setting."""
    check_plot_available()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    x = list(range(len(counts)))
    ticks = [str(counts[0])] + [f"{a}->{b}" for a, b in itertools.pairwise(counts)]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8), constrained_layout=True)
    moved_ax, balance_ax, unassigned_ax = axes
    for o in outcomes:
        moved_ax.plot(x, [s.moved for s in o.steps], marker="o", label=o.setting.label)
        balance_ax.plot(
            x,
            [s.balance if s.balance is not None else float("nan") for s in o.steps],
            marker="o",
            label=o.setting.label,
        )
        unassigned_ax.plot(x, [s.unassigned for s in o.steps], marker="o", label=o.setting.label)
    moved_ax.plot(x, [s.min_moved for s in outcomes[0].steps], linestyle="--", color="grey", label="minimum possible")
    balance_ax.axhline(1.0, linestyle="--", color="grey", label="perfect balance")
    panels = (
        (moved_ax, "Targets moved per step", "targets moved"),
        (balance_ax, "Balance (max / mean per collector)", "max / mean"),
        (unassigned_ax, "Targets unassigned", "targets unassigned"),
    )
    for ax, title, ylabel in panels:
        ax.set_title(title)
        ax.set_xlabel("scaling step (collectors)")
        ax.set_ylabel(ylabel)
        ax.set_xticks(x, ticks)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
        if ax is not balance_ax:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(0, max(1.0, ax.get_ylim()[1]))
    fig.suptitle(f"ta whatif: {len(replayed.targets)} targets")
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)

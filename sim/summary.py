"""The human summary of a run report: rich tables on the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_summary(report: dict[str, Any], console: Console | None = None) -> None:
    """Print the headline figures of one run report."""
    console = console or Console()
    o, s = report["orders"], report["sim"]
    console.print(f"[bold]omsim[/bold] scenario [cyan]{report['scenario']}[/cyan]  "
                  f"seed {report['seed']}  {s['duration_days']:g} simulated days  "
                  f"{s['events']:,} SimPy events  {s['wall_seconds']:.2f} s wall")

    orders = Table(title="Product orders", show_header=True)
    for col in ("submitted", "completed", "partial", "failed", "rejected", "cancelled",
                "in flight"):
        orders.add_column(col, justify="right")
    orders.add_row(*(f"{o[k]:,}" for k in ("submitted", "completed", "partial", "failed",
                                            "rejected", "cancelled", "in_flight")))
    console.print(orders)

    ct, f = report["cycle_time_hours"], report["fallout"]
    kpis = Table(title="Service levels (after warm-up)", show_header=True)
    kpis.add_column("metric")
    kpis.add_column("value", justify="right")
    kpis.add_row("throughput (completed / day)", f"{report['throughput']['completed_per_day']:.1f}")
    kpis.add_row("cycle time p50 / p90 / p99 (h)",
                 f"{ct['p50']:.1f} / {ct['p90']:.1f} / {ct['p99']:.1f}")
    kpis.add_row("flow-through rate", f"{report['flow_through_rate']:.1%}")
    kpis.add_row("fallout rate", f"{f['rate']:.1%}")
    for cause, n in f["by_cause"].items():
        kpis.add_row(f"  fallout: {cause}", f"{n:,}")
    for layer, n in f["by_layer"].items():
        kpis.add_row(f"  fallout in {layer}", f"{n:,}")
    console.print(kpis)

    util = Table(title="Utilisation", show_header=True)
    util.add_column("pool")
    util.add_column("capacity", justify="right")
    util.add_column("in use at end", justify="right")
    util.add_column("mean", justify="right")
    util.add_column("peak", justify="right")
    for kind, u in report["utilisation"].items():
        if kind == "workforce":
            continue
        util.add_row(kind, f"{u['capacity']:,}", f"{u['in_use_end']:,}", f"{u['mean']:.2%}",
                     f"{u['peak']:.2%}")
    w = report["utilisation"]["workforce"]
    util.add_row("technicians", f"{w['technicians']:,}", f"{w['backlog_end']:,} waiting",
                 f"{w['busy_share']:.1%}", f"wait {w['queue_wait_hours_mean']:.1f} h")
    console.print(util)

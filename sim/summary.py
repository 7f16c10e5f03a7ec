"""The human summary of a run report: rich tables on the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from sim.lifecycle import print_lifecycle


def print_summary(report: dict[str, Any], console: Console | None = None) -> None:
    """Print the headline figures of one run report."""
    console = console or Console()
    s = report["sim"]
    console.print(f"[bold]omsim[/bold] scenario [cyan]{report['scenario']}[/cyan]  "
                  f"seed {report['seed']}  {s['duration_days']:g} simulated days  "
                  f"{s['events']:,} SimPy events  {s['wall_seconds']:.2f} s wall")
    console.print(_orders_table(report["orders"]))
    console.print(_service_levels_table(report))
    console.print(_utilisation_table(report["utilisation"]))
    print_lifecycle(report, console)


def _orders_table(o: dict[str, Any]) -> Table:
    orders = Table(title="Product orders", show_header=True)
    for col in ("submitted", "completed", "partial", "failed", "rejected", "cancelled",
                "in flight"):
        orders.add_column(col, justify="right")
    orders.add_row(*(f"{o[k]:,}" for k in ("submitted", "completed", "partial", "failed",
                                            "rejected", "cancelled", "in_flight")))
    return orders


def _service_levels_table(report: dict[str, Any]) -> Table:
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
    if "fallout_queue" in report:
        q = report["fallout_queue"]
        kpis.add_row("manual touches (fixed)", f"{report['manual_touches']:,} ({q['fixed']:,})")
        kpis.add_row("time in fallout queue p50 / p90 (h)",
                     f"{q['hours_p50']:.1f} / {q['hours_p90']:.1f}")
        kpis.add_row("retries made", f"{report['retries']:,}")
        kpis.add_row("resources leaked", f"{report['resources']['leaked']:,}")
    return kpis


def _utilisation_table(utilisation: dict[str, Any]) -> Table:
    util = Table(title="Utilisation", show_header=True)
    util.add_column("pool")
    for col in ("capacity", "in use at end", "mean", "peak"):
        util.add_column(col, justify="right")
    for kind, u in utilisation.items():
        if kind == "workforce":
            continue
        util.add_row(kind, f"{u['capacity']:,}", f"{u['in_use_end']:,}", f"{u['mean']:.2%}",
                     f"{u['peak']:.2%}")
    w = utilisation["workforce"]
    util.add_row("technicians", f"{w['technicians']:,}", f"{w['backlog_end']:,} waiting",
                 f"{w['busy_share']:.1%}", f"wait {w['queue_wait_hours_mean']:.1f} h")
    return util


# The metrics a replicated run shows on the terminal; every one is in summary.json.
HEADLINE_METRICS = (
    "orders.submitted", "orders.completed", "orders.failed", "orders.in_flight",
    "throughput.completed_per_day", "cycle_time_hours.mean", "cycle_time_hours.p50",
    "cycle_time_hours.p90", "cycle_time_hours.p99", "flow_through_rate", "fallout.rate",
    "manual_touches", "in_system.orders_mean", "utilisation.workforce.busy_share",
    "utilisation.workforce.queue_wait_hours_mean", "utilisation.ipv4_address.peak",
)


def print_estimates(title: str, estimates: dict[str, Any], console: Console | None = None
                    ) -> None:
    """Print mean, sd and 95 % CI of the headline metrics and the fallout breakdowns.

    ``estimates`` maps dotted metric paths to :class:`sim.stats.Estimate`.
    """
    console = console or Console()
    shown = [m for m in HEADLINE_METRICS if m in estimates] + sorted(
        m for m in estimates if m.startswith(("fallout.by_cause.", "fallout.by_layer.")))
    table = Table(title=title, show_header=True)
    table.add_column("metric", overflow="fold")
    for col in ("mean", "sd", "95% CI"):
        table.add_column(col, justify="right")
    for m in shown:
        e = estimates[m]
        table.add_row(m, f"{e.mean:,.4g}", f"{e.sd:,.3g}", f"{e.low:,.4g} .. {e.high:,.4g}")
    console.print(table)

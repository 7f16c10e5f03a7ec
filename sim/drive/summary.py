"""The headline figures of one drive report on the terminal: what became of the orders,
how fast the target answered, what went wrong on the wire, and who saw changes first."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_drive_summary(report: dict[str, Any], console: Console) -> None:
    """Orders and cycle time at the end of the window, the drain, the wire."""
    s, d = report["sim"], report["drive"]
    console.print(f"[bold]omsim drive[/bold] scenario [cyan]{report['scenario']}[/cyan]  "
                  f"seed {report['seed']}  replication {report['replication']}  "
                  f"{s['duration_days']:g} days at speed {d['speed']:g}  "
                  f"{s['wall_seconds']:.1f} s wall  target {d['target']}", highlight=False)
    console.print(_orders(report))
    console.print(_wire(report))
    drain = report["drain"]
    open_now = drain["orders"]["open"]
    console.print(f"drain: {open_now:,} orders still open after {drain['wall_seconds']:.1f} s"
                  + (f" (oldest {drain['open_age_hours']['max']:.1f} h)" if open_now else ""),
                  highlight=False)


def _orders(report: dict[str, Any]) -> Table:
    o, ct, km = report["orders"], report["cycle_time_hours"], report["cycle_time_hours_censored"]
    fallout = report["fallout"]
    table = Table(title="Orders at the end of the traffic window", show_header=True)
    for col in ("submitted", "completed", "fell out", "cancelled", "in flight",
                "fallout rate", "cycle mean / p90 (h)", "censored mean / p90 (h)"):
        table.add_column(col, justify="right")
    table.add_row(f"{o['submitted']:,}", f"{o['completed']:,}", f"{fallout['orders']:,}",
                  f"{o['cancelled']:,}", f"{o['in_flight']:,}", f"{fallout['rate']:.2%}",
                  f"{ct['mean']:.1f} / {ct['p90']:.1f}",
                  f"{km['mean']:.1f} / {km['p90']:.1f}"
                  + ("+" if "p90" in km["lower_bounds"] else ""))
    return table


def _wire(report: dict[str, Any]) -> Table:
    ack, http = report["acknowledgement_ms"], report["http"]
    table = Table(title="The wire", show_header=True)
    for col in ("request", "answered", "p50 ms", "p95 ms", "p99 ms"):
        table.add_column(col, justify="left" if col == "request" else "right")
    for op in ("post", "cancel", "patch"):
        a = ack[op]
        if a["n"]:
            table.add_row(op, f"{a['n']:,}", f"{a['p50']:.1f}", f"{a['p95']:.1f}",
                          f"{a['p99']:.1f}")
    errors = ", ".join(f"{k}: {v}" for k, v in http["errors_by_status"].items()) or "none"
    changes = report["state_changes"]
    table.caption = (f"{http['requests']:,} requests, {http['retries']:,} retries, errors "
                     f"{errors}; state changes seen first by notification "
                     f"{changes['first_by_notification']:,}, by polling "
                     f"{changes['first_by_polling']:,}")
    return table

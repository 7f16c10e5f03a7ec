"""What ``omsim calibrate`` and ``omsim compare`` print: the fitted values with their
intervals, and the observed figures beside the simulated ones with a verdict each."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from sim.history.calibrated import fitted_summary
from sim.history.compare import Comparison
from sim.history.fit import Calibration


def print_calibration(cal: Calibration, out: str, console: Console) -> None:
    """The fitted values, each with its 95 % interval and the observations behind it."""
    table = Table(title=f"calibrated from {cal.orders:,} orders over {cal.span_days:.1f} days "
                        f"-> {out}")
    for col in ("parameter", "estimate", f"{cal.level:.1%} CI", "n"):
        table.add_column(col, justify="left" if col == "parameter" else "right")
    for name, fit in fitted_summary(cal):
        high = "∞" if math.isinf(fit.high) else f"{fit.high:,.4g}"
        table.add_row(name, f"{fit.value:,.4g}", f"{fit.low:,.4g} .. {high}", f"{fit.n:,}")
    console.print(table)


def print_comparison(result: Comparison, console: Console) -> None:
    """Observed vs simulated, each figure's prediction interval and verdict."""
    table = Table(title=f"history vs {result.scenario} ({result.replications} replications of "
                        f"{result.span_days:.1f} days; intervals at {result.level:.2%} each)")
    for col in ("figure", "observed", "simulated mean", "interval", "verdict"):
        table.add_column(col, justify="left" if col in ("figure", "verdict") else "right")
    for f in result.figures:
        verdict = "[green]inside[/]" if f.inside else "[bold red]outside[/]"
        table.add_row(f.figure, f"{f.observed:,.4g}", f"{f.mean:,.4g}",
                      f"{f.low:,.4g} .. {f.high:,.4g}", verdict)
    console.print(table)
    if result.outside:
        console.print(f"[bold red]{len(result.outside)} observed figure"
                      f"{'s' * (len(result.outside) > 1)} outside what the scenario produces"
                      f"[/]: " + ", ".join(f.figure for f in result.outside), highlight=False)
    else:
        console.print("[green]every observed figure is inside what the scenario produces[/]")

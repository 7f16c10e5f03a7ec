"""What the command line prints: a run's summary (orders, service levels, utilisation,
lifecycle tables), the estimates of a replicated run, a CI gate's verdicts, and progress
bars. Rich tables on the terminal; nothing here computes a figure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # not imported at run time: `omsim run` needs none of the experiments
    from sim.experiments.executors import Progress
    from sim.experiments.gate import CheckResult


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
    kpis.add_row("cycle time p50 / p90 / p99 (h), completed",
                 f"{ct['p50']:.1f} / {ct['p90']:.1f} / {ct['p99']:.1f}")
    km = report.get("cycle_time_hours_censored")
    if km is not None:
        marks = {k: ">" if k in km["lower_bounds"] else "" for k in ("p50", "p90", "p99")}
        kpis.add_row("cycle time p50 / p90 / p99 (h), open counted",
                     " / ".join(f"{marks[k]}{km[k]:.1f}" for k in ("p50", "p90", "p99")))
    opened = report.get("open_orders")
    if opened is not None and opened["orders"]:
        kpis.add_row("open at end: orders, age p50 / p90 (h)",
                     f"{opened['orders']:,}, {opened['age_hours_p50']:.1f} / "
                     f"{opened['age_hours_p90']:.1f}")
    if "flow_through_rate_of_ended" in report:
        kpis.add_row("flow-through of submitted / of ended",
                     f"{report['flow_through_rate']:.1%} / "
                     f"{report['flow_through_rate_of_ended']:.1%}")
    else:
        kpis.add_row("flow-through rate", f"{report['flow_through_rate']:.1%}")
    kpis.add_row("fallout rate", f"{f['rate']:.1%}")
    by_type = f.get("by_order_type", {})
    if len(by_type) > 1:
        for kind, t in by_type.items():
            kpis.add_row(f"  fallout rate of {kind} orders", f"{t['rate']:.1%}")
    for cause, n in f["by_cause"].items():
        kpis.add_row(f"  fallout: {cause}", f"{n:,}")
    for layer, n in f["by_layer"].items():
        kpis.add_row(f"  fallout in {layer}", f"{n:,}")
    s = report.get("in_system", {})
    if "ended_per_day" in s:
        kpis.add_row("in system L = ended / day X × days W",
                     f"{s['orders_mean']:.1f} = {s['ended_per_day']:.1f} × "
                     f"{s['hours_mean'] / 24:.2f}")
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
    crews = w.get("by_crew", {})
    if len(crews) > 1:
        for crew, c in crews.items():
            util.add_row(f"  {crew}", f"{c['technicians']:,}", f"{c['jobs_done']:,} done",
                         f"waited {c['waited_share']:.0%}",
                         f"wait {c['queue_wait_hours_mean']:.1f} h")
    return util


# The metrics a replicated run shows on the terminal; every one is in summary.json.
HEADLINE_METRICS = (
    "orders.submitted", "orders.completed", "orders.failed", "orders.in_flight",
    "throughput.completed_per_day", "cycle_time_hours.mean", "cycle_time_hours.p50",
    "cycle_time_hours.p90", "cycle_time_hours.p99", "cycle_time_hours_censored.p50",
    "cycle_time_hours_censored.p90", "cycle_time_hours_censored.p99", "open_orders.orders",
    "flow_through_rate", "flow_through_rate_of_ended", "fallout.rate",
    "fallout.by_order_type.provide.rate", "manual_touches", "in_system.orders_mean",
    "in_system.ended_per_day", "in_system.hours_mean", "utilisation.workforce.busy_share",
    "utilisation.workforce.queue_wait_hours_mean", "utilisation.ipv4_address.peak",
)


def print_estimates(title: str, estimates: dict[str, Any], console: Console | None = None
                    ) -> None:
    """Print mean, sd and 95 % CI of the headline metrics and the fallout breakdowns
    (Wilson's interval for proportions, marked ``W``; Student's t for the others).

    ``estimates`` maps dotted metric paths to :class:`sim.stats.estimates.Estimate`.
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
        mark = " W" if e.interval == "wilson" else ""
        table.add_row(m, f"{e.mean:,.4g}", f"{e.sd:,.3g}",
                      f"{e.low:,.4g} .. {e.high:,.4g}{mark}")
    console.print(table)
    console.print("95% CI: Student's t over replications; W: Wilson score interval "
                  "(proportions, kept inside [0, 1])", style="dim", highlight=False)


def print_lifecycle(report: dict[str, Any], console: Any) -> None:
    """Terminal tables: orders by type (when there is more than provide), SLA per
    offering, and the bulk orders' site progress."""
    types = report.get("order_types", {})
    if set(types) - {"provide"}:
        table = Table(title="Orders by type", show_header=True)
        for col in ("type", "submitted", "completed", "failed", "cancelled", "rejected",
                    "in flight", "cycle p50 (h)"):
            table.add_column(col, justify="left" if col == "type" else "right")
        for kind, t in types.items():
            table.add_row(kind, f"{t['submitted']:,}", f"{t['completed']:,}",
                          f"{t['failed'] + t['partial']:,}", f"{t['cancelled']:,}",
                          f"{t['rejected']:,}", f"{t['in_flight']:,}",
                          f"{t['cycle_time_hours']['p50']:.1f}")
        console.print(table)
    sla = report.get("sla", {}).get("by_offering", {})
    if sla:
        table = Table(title=f"SLA per offering (jeopardy at "
                      f"{report['sla']['jeopardy_share']:.0%})", show_header=True)
        for col in ("offering", "SLA (d)", "delivered", "on time", "attainment", "jeopardy",
                    "breached"):
            table.add_column(col, justify="left" if col == "offering" else "right")
        for name, s in sla.items():
            attainment = "-" if s["attainment"] is None else f"{s['attainment']:.1%}"
            table.add_row(name, f"{s['sla_days']:g}", f"{s['delivered']:,}",
                          f"{s['on_time']:,}", attainment, f"{s['jeopardy']:,}",
                          f"{s['breached']:,}")
        console.print(table)
    bulk = report.get("bulk_orders", [])
    if bulk:
        table = Table(title="Bulk orders", show_header=True)
        for col in ("order", "offering", "sites", "completed", "failed", "open", "state",
                    "cycle (h)"):
            table.add_column(col, justify="left" if col in ("order", "offering") else "right")
        for b in bulk:
            cycle = "-" if b["cycle_time_hours"] is None else f"{b['cycle_time_hours']:.1f}"
            table.add_row(b["id"], b["offering"], f"{b['sites']:,}",
                          f"{b['completed_sites']:,}", f"{b['failed_sites']:,}",
                          f"{b['open_sites']:,}", b["state"], cycle)
        console.print(table)


def print_check(result: CheckResult, console: Console) -> None:
    """Each gate with its estimate and verdict; violations say by how much."""
    table = Table(title=f"check {result.scenario} ({result.replications} replications)")
    for col in ("gate", "mean", "95% CI", "verdict", "by"):
        table.add_column(col, justify="left" if col in ("gate", "verdict") else "right")
    style = {"pass": "green", "fail": "bold red", "inconclusive": "yellow"}
    for case in result.cases():
        e = case.estimate
        by = f"{case.margin:+.4g}" if case.verdict != "pass" else ""
        table.add_row(case.threshold.text, f"{e.mean:.4g}", f"{e.low:.4g} .. {e.high:.4g}",
                      f"[{style[case.verdict]}]{case.verdict}[/]", by)
    if not result.cases():
        console.print(f"{result.scenario}: no thresholds and no baseline; nothing to check")
        return
    console.print(table)
    for r in result.regressions:
        console.print(f"  {r.metric}: baseline {r.baseline_mean:.4g} -> {r.current_mean:.4g} "
                      f"({r.change:+.4g}); Welch one-sided p = {r.p_value:.3g}"
                      f"{' (significant)' if r.significant else ''}", highlight=False)
    for case in result.cases():
        if case.verdict == "fail":
            console.print(f"[bold red]FAIL[/] {result.scenario}: {case.threshold.text}: mean "
                          f"{case.estimate.mean:.4g} is past the limit "
                          f"{case.threshold.limit:.4g} by {case.margin:+.4g} "
                          f"(95% CI {case.estimate.low:.4g} .. {case.estimate.high:.4g})",
                          highlight=False)


@contextmanager
def progress_lines(quiet: bool = False) -> Iterator[Callable[[str], Progress | None]]:
    """Rich progress bars on stderr, one line per label: ``line(label)`` adds one and
    returns the callback that advances it (None when ``quiet``). The bars are transient:
    they disappear when the work is done, leaving the results."""
    if quiet:
        yield lambda label: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    with RichProgress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as bars:
        def line(label: str) -> Progress:
            task = bars.add_task(label, total=None)

            def advance(done: int, total: int) -> None:
                bars.update(task, completed=done, total=total)
            return advance

        yield line


@contextmanager
def progress_bar(label: str, quiet: bool = False) -> Iterator[Progress | None]:
    """One progress bar (:func:`progress_lines`): the callback, or None when quiet."""
    with progress_lines(quiet) as line:
        yield line(label)

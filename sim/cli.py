"""The ``omsim`` command line: argument parsing, one ``cmd_*`` per subcommand; the work is
in the library.

The command line checks its own options (numbers, output paths) before anything runs,
and speaks of them by their names: a library error that names a parameter (``seed``,
``port``, an ``override`` path) is said here with the option that set it (``--seed``,
``--port``, ``--set``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rich.console import Console
from rich.markup import escape

from om import OmsimError
from om.errors import UsageError

if TYPE_CHECKING:
    from sim.experiments.sweep import Axis


# -- parsing --------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    """Every subcommand with its options; each names its ``cmd_*`` (``args.func``)."""
    top = argparse.ArgumentParser(
        prog="omsim",
        description="Telco order management (COM/SOM/ROM) over an emulated FTTH network.")
    sub = top.add_subparsers(dest="command", required=True)
    for add in (_run_parser, _sweep_parser, _check_parser, _baseline_parser, _report_parser,
                _trace_parser, _impact_parser, _validate_parser, _serve_parser,
                _emulate_parser, _drive_parser, _export_parser, _calibrate_parser,
                _compare_parser):
        add(sub)
    return top


def _run_parser(sub: Any) -> None:
    run = sub.add_parser("run", help="simulate a scenario and report")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--out", type=Path, help="write the JSON report here "
                     "(default: reports/<scenario>-seed<N>.json)")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary on "
                     "the terminal")
    run.add_argument("--trace", action="store_true", help="record every order's tree and "
                     "state history ('trace') and the product inventory ('inventory') in "
                     "the report, for 'omsim trace' and 'omsim impact'")
    _replication_options(run, default=1)
    run.add_argument("--out-dir", type=Path, help="write a run directory (summary.json and "
                     "one report per replication) for 'omsim report'")
    run.add_argument("--partition", choices=("regions",), help="regions: each region of a "
                     "scenario declaring 'partition: regions' runs in its own process (or "
                     "dask worker: --workers, --executor) and the reports merge exactly")
    run.set_defaults(func=cmd_run)


def _sweep_parser(sub: Any) -> None:
    sweep = sub.add_parser("sweep", help="run a scenario over a grid of parameter values")
    sweep.add_argument("scenario", type=Path)
    sweep.add_argument("--set", dest="axes", action="append", required=True,
                       metavar="PATH=V1,V2,...", help="a scenario field and its values, "
                       "e.g. workforce.technicians=10,20,30 (repeat for a grid)")
    sweep.add_argument("--metric", dest="metrics", action="append", metavar="PATH",
                       help="metric to plot (repeatable; default: fallout rate, cycle time "
                       "p90, flow-through, workforce busy share)")
    sweep.add_argument("--out", type=Path, required=True, help="directory for sweep.csv, "
                       "sweep.json and sweep.png")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar or table")
    _replication_options(sweep, default=5)
    sweep.set_defaults(func=cmd_sweep)


def _check_parser(sub: Any) -> None:
    check = sub.add_parser("check", help="CI gate: thresholds and baseline, with confidence")
    check.add_argument("scenarios", type=Path, nargs="+", metavar="scenario")
    check.add_argument("--baseline", type=Path, help="baseline file from 'omsim baseline'")
    check.add_argument("--junit", type=Path, help="write JUnit XML here")
    check.add_argument("--quiet", action="store_true", help="print failures only")
    _replication_options(check, default=5)
    check.set_defaults(func=cmd_check)


def _baseline_parser(sub: Any) -> None:
    baseline = sub.add_parser("baseline", help="write a baseline for 'omsim check --baseline'")
    baseline.add_argument("scenarios", type=Path, nargs="+", metavar="scenario")
    baseline.add_argument("-o", "--out", type=Path, required=True)
    baseline.add_argument("--quiet", action="store_true", help="no progress bar")
    _replication_options(baseline, default=5)
    baseline.set_defaults(func=cmd_baseline)


def _report_parser(sub: Any) -> None:
    report = sub.add_parser("report", help="HTML report with plots of a run directory")
    report.add_argument("run_dir", type=Path, help="written by 'omsim run --out-dir'")
    report.add_argument("-o", "--out", type=Path, default=Path("report.html"))
    report.set_defaults(func=cmd_report)


def _trace_parser(sub: Any) -> None:
    trace = sub.add_parser("trace", help="an order's tree across COM/SOM/ROM with each "
                           "item's state history (report written with 'run --trace')")
    trace.add_argument("order_id", help="product order id, e.g. PO-000042")
    trace.add_argument("--report", type=Path, required=True, help="JSON report")
    trace.set_defaults(func=cmd_trace)


def _impact_parser(sub: Any) -> None:
    impact = sub.add_parser("impact", help="customers and products that depend on an OLT, "
                            "PON port, exchange, BNG or link A--B (report from 'run --trace')")
    impact.add_argument("element", help="e.g. EX01-OLT01, EX01-OLT01/1/3, BNG01, EX01--BNG01")
    impact.add_argument("--report", type=Path, required=True, help="JSON report")
    impact.set_defaults(func=cmd_impact)


def _validate_parser(sub: Any) -> None:
    validate = sub.add_parser("validate", help="check a scenario file and its catalog")
    validate.add_argument("scenario", type=Path)
    validate.set_defaults(func=cmd_validate)


def _serve_parser(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the order manager as a live TMF622 REST "
                           "service over the emulated network")
    serve.add_argument("scenario", type=Path)
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    serve.add_argument("--port", type=int, default=8622, help="0 to 65535 (0: any free "
                       "port; default 8622)")
    serve.add_argument("--speed", type=float, default=3600.0,
                       help="simulated seconds per wall second, up to 1,000,000 (default 3600)")
    serve.add_argument("--db", type=Path, help="SQLite database, in an existing directory; "
                       "an existing one is resumed (default omsim-data/<scenario>.sqlite); "
                       "one server per database")
    serve.add_argument("--api-key", default=os.environ.get("OMSIM_API_KEY"),
                       help="require this key in X-API-Key (default: $OMSIM_API_KEY)")
    serve.add_argument("--background-arrivals", action="store_true",
                       help="also run the scenario's own order arrivals")
    serve.add_argument("--max-items", type=int, default=5000,
                       help="most items in one product order, 1 to 10,000 (413 beyond)")
    serve.add_argument("--allow-remote-callbacks", action="store_true",
                       help="let hub listeners register non-loopback callbacks")
    serve.add_argument("--southbound", metavar="URL",
                       help="provision a separately started 'omsim emulate' at this URL "
                       "(its HTTP side) instead of the simulated elements")
    serve.add_argument("--southbound-user", default=os.environ.get("OMSIM_SOUTHBOUND_USER",
                                                                   "omsim"),
                       help="the emulator's user (default: $OMSIM_SOUTHBOUND_USER or omsim)")
    serve.add_argument("--southbound-password", default=os.environ.get(
        "OMSIM_SOUTHBOUND_PASSWORD", os.environ.get("OMSIM_PASSWORD")),
                       help="the emulator's password (default: $OMSIM_SOUTHBOUND_PASSWORD, "
                       "else $OMSIM_PASSWORD)")
    serve.add_argument("--southbound-token", default=os.environ.get(
        "OMSIM_SOUTHBOUND_TOKEN", os.environ.get("OMSIM_TOKEN")),
                       help="the emulator's IPAM token (default: $OMSIM_SOUTHBOUND_TOKEN, "
                       "else $OMSIM_TOKEN)")
    serve.add_argument("--partner", metavar="NAME=URL", action="append", default=[],
                       help="place the catalog's partner NAME's orders on a real TMF622 "
                       "order manager at URL (its .../productOrderingManagement/v4 base) "
                       "instead of the emulated partner; repeatable")
    serve.add_argument("--partner-api-key", default=os.environ.get("OMSIM_PARTNER_API_KEY"),
                       help="X-API-Key for the partners (default: $OMSIM_PARTNER_API_KEY)")
    serve.set_defaults(func=cmd_serve)


def _emulate_parser(sub: Any) -> None:
    emulate = sub.add_parser("emulate", help="serve the scenario's network over NETCONF, "
                             "RESTCONF, a NetBox IPAM and TMF646 appointments, as a lab for "
                             "any order manager")
    emulate.add_argument("scenario", type=Path)
    emulate.add_argument("--speed", type=float, default=1.0,
                         help="simulated seconds per wall second, up to 1,000,000 (default 1)")
    emulate.add_argument("--host", default="127.0.0.1", help="bind address of both "
                         "interfaces (default loopback)")
    emulate.add_argument("--netconf-port", type=int, default=8830,
                         help="NETCONF over SSH, 0 to 65535 (0: any free port; default 8830)")
    emulate.add_argument("--http-port", type=int, default=8080,
                         help="HTTP (RESTCONF, NetBox IPAM, TMF646 appointments, discovery), "
                         "0 to 65535 (0: any free port; default 8080)")
    emulate.add_argument("--db", type=Path, help="SQLite database, in an existing directory: "
                         "the configuration survives a restart (default: none, in memory)")
    emulate.add_argument("--user", default="omsim", help="SSH and HTTP basic auth user "
                         "(default omsim)")
    emulate.add_argument("--password", default=os.environ.get("OMSIM_PASSWORD"),
                         help="SSH and HTTP basic auth password, 8 characters or more "
                         "(default: $OMSIM_PASSWORD; required)")
    emulate.add_argument("--token", default=os.environ.get("OMSIM_TOKEN"),
                         help="API token (Authorization: Token ...), 8 characters or more "
                         "(default: $OMSIM_TOKEN; required)")
    emulate.set_defaults(func=cmd_emulate)


def _drive_parser(sub: Any) -> None:
    drive = sub.add_parser("drive", help="send a scenario's order traffic to any TMF622 "
                           "order manager, follow every order to its end, report and gate")
    drive.add_argument("scenario", type=Path)
    drive.add_argument("--target", required=True, metavar="URL", help="the TMF622 v4 base "
                       "path, e.g. http://127.0.0.1:8622/tmf-api/productOrderingManagement/v4")
    drive.add_argument("--speed", type=float, default=1.0, help="scenario seconds per wall "
                       "second, up to 1,000,000 (default 1: real time; against omsim serve, "
                       "its --speed)")
    drive.add_argument("--duration-days", type=float, metavar="D", help="drive D days of "
                       "the scenario instead of its duration_days (longer than its warm-up)")
    drive.add_argument("--listen", default="127.0.0.1:0", metavar="HOST:PORT",
                       help="where the notification listener binds (default "
                       "127.0.0.1:0, any free port)")
    drive.add_argument("--callback", metavar="URL", help="the URL the target posts "
                       "notifications to, when it is not the listener's own address")
    drive.add_argument("--api-key", default=os.environ.get("OMSIM_API_KEY"),
                       help="sent as X-API-Key (default: $OMSIM_API_KEY)")
    drive.add_argument("--addresses", type=Path, metavar="FILE", help="address ids to "
                       "order new lines at, one a line or a JSON list (default: the "
                       "scenario network's)")
    drive.add_argument("--drain-timeout", type=float, default=60.0, metavar="S",
                       help="wall seconds to wait for open orders after the traffic "
                       "window (default 60)")
    drive.add_argument("--seed", type=int, help="override the scenario's seed")
    drive.add_argument("--replications", type=int, default=1,
                       help="replications, one after the other (default 1)")
    drive.add_argument("--out", type=Path, help="the JSON report (one replication; "
                       "default reports/<scenario>-drive-seed<N>.json), or the summary")
    drive.add_argument("--out-dir", type=Path, help="a run directory: summary.json and "
                       "one report per replication")
    drive.add_argument("--check", action="store_true", help="judge the scenario's "
                       "thresholds as 'omsim check' does; exit 1 when one fails")
    drive.add_argument("--baseline", type=Path, help="also compare with this baseline "
                       "(Welch); implies --check")
    drive.add_argument("--save-baseline", type=Path, metavar="FILE", help="write these "
                       "replications as a baseline for a later --baseline")
    drive.add_argument("--junit", type=Path, help="write the gates as JUnit XML; implies "
                       "--check")
    drive.add_argument("--quiet", action="store_true", help="no progress or summary")
    drive.set_defaults(func=cmd_drive)


def _export_parser(sub: Any) -> None:
    export = sub.add_parser("export", help="a traced run's orders as TMF622 ProductOrder "
                            "documents (JSON lines): an order history")
    export.add_argument("report", type=Path, help="JSON report of 'omsim run --trace'")
    export.add_argument("--orders", type=Path, required=True, metavar="FILE",
                        help="write the orders here, one JSON document a line")
    export.add_argument("--all", action="store_true", help="every order, not only those "
                        "submitted after the warm-up")
    export.set_defaults(func=cmd_export)


def _calibrate_parser(sub: Any) -> None:
    calibrate = sub.add_parser("calibrate", help="fit a scenario to an order history "
                               "(intake and its profile, lead and install times, fallout)")
    calibrate.add_argument("history", type=Path, help="orders as JSON lines (omsim export, "
                           "a TMF622 GET) or a CSV of the documented columns")
    calibrate.add_argument("--catalog", type=Path, required=True, help="the catalog the "
                           "orders' offerings come from")
    calibrate.add_argument("-o", "--out", type=Path, required=True, help="the scenario to "
                           "write (YAML, a comment with estimate and interval per value)")
    calibrate.add_argument("--base", type=Path, help="a scenario whose network, roster, "
                           "elements and policies the twin keeps (default: the schema's)")
    calibrate.add_argument("--name", help="the scenario's name (default: the file's stem)")
    calibrate.add_argument("--level", type=float, default=0.95,
                           help="confidence level of the intervals (default 0.95)")
    calibrate.set_defaults(func=cmd_calibrate)


def _compare_parser(sub: Any) -> None:
    compare = sub.add_parser("compare", help="an order history beside a scenario's "
                             "replications; exit 1 when an observed figure lies outside")
    compare.add_argument("history", type=Path, help="as for 'omsim calibrate'")
    compare.add_argument("scenario", type=Path)
    compare.add_argument("--level", type=float, default=0.95, help="the probability that a "
                         "scenario behaving like the history passes every figure (default "
                         "0.95; Bonferroni over the figures)")
    _replication_options(compare, default=10)
    compare.set_defaults(func=cmd_compare)


def _replication_options(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument("--replications", type=int, default=default,
                   help=f"independent replications (default {default})")
    p.add_argument("--workers", type=int, help="local processes (default: one per CPU)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local processes, or a dask.distributed cluster")
    p.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                   "(without it, --executor dask starts a local cluster of --workers "
                   "processes and prints its dashboard link)")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # Piped or captured output (CI logs, `make demo | tee`) gets room for the tables,
    # instead of rich's 80-column fallback.
    console = Console(stderr=False, width=None if sys.stdout.isatty() else 110)
    err = Console(stderr=True)
    try:
        return args.func(args, console)
    except OmsimError as exc:
        # escape: a message quotes user input, which must not be read as rich markup.
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2


# -- the options' own checks, in the command line's words ---------------------------------

def check_jobs(replications: int, workers: int | None = None, least: int = 1,
               why: str = "") -> None:
    """``--replications`` and ``--workers`` in range, before anything runs."""
    from sim.experiments.executors import check_counts

    check_counts(replications, workers, least, why, ("--replications", "--workers"))


def parse_set(spec: str) -> Axis:
    """``--set workforce.technicians=10,20,30`` -> a sweep Axis; values are YAML scalars."""
    from sim.experiments.sweep import Axis

    path, sep, raw = spec.partition("=")
    path = path.strip()
    if not sep or not path or not raw.strip():
        raise UsageError(f"--set {spec!r}: expected PATH=V1,V2,... such as "
                         f"workforce.technicians=10,20,30")
    values = []
    for text in raw.split(","):
        try:
            values.append(yaml.safe_load(text.strip()))
        except yaml.YAMLError:
            raise UsageError(f"--set {spec!r}: value {text!r} is not a scalar") from None
    return Axis(path, tuple(values))


def _parallel(args: argparse.Namespace) -> dict[str, Any]:
    return {"workers": args.workers, "executor": args.executor, "scheduler": args.scheduler}


# -- one command each -----------------------------------------------------------------------

def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    from sim.scenario.load import load_scenario

    scenario = load_scenario(args.scenario)
    catalog = scenario.load_catalog()
    console.print(f"{args.scenario}: ok — scenario '{scenario.name}', catalog "
                  f"'{catalog.name}' with {len(catalog.offerings)} offerings")
    return 0


def cmd_run(args: argparse.Namespace, console: Console) -> int:
    """One replication and its report, or (``--replications N``, ``--out-dir``) several
    and their summary."""
    from sim.files import check_output, default_report_path, write_text
    from sim.report.progress import simulated_days
    from sim.report.terminal import print_summary
    from sim.run.harness import run_scenario
    from sim.scenario.load import check_seed, load_scenario

    if args.partition and args.trace:
        raise UsageError("--partition regions with --trace: a trace is the record of one "
                         "process's run; run without --partition to trace")
    if args.replications != 1 or args.out_dir:
        return _run_replications(args, console)
    check_jobs(args.replications, args.workers)
    check_seed(args.seed, "--seed")
    scenario = load_scenario(args.scenario)
    seed = scenario.seed if args.seed is None else args.seed
    out = check_output(args.out or default_report_path(scenario.name, seed), "--out")
    if args.partition:
        report = _run_partitioned(args, scenario, 1)[0]
    else:
        with simulated_days(f"running {scenario.name}", args.quiet) as progress:
            report = run_scenario(scenario, seed=seed, trace=args.trace, progress=progress)
    write_text(out, json.dumps(report.data, indent=2) + "\n", "--out")
    if not args.quiet:
        print_summary(report.data, console)
        console.print(f"report written to {out}")
    return 0


def _run_partitioned(args: argparse.Namespace, scenario: Any, replications: int
                     ) -> list[Any]:
    """``--partition regions``: each replication's regions on the executor, merged."""
    from sim.experiments.partitioned import run_partitioned
    from sim.report.terminal import progress_bar

    with progress_bar(f"{scenario.name}: regions", args.quiet) as progress:
        return run_partitioned(scenario, seed=args.seed, replications=replications,
                               progress=progress, **_parallel(args))


def _run_replications(args: argparse.Namespace, console: Console) -> int:
    from sim.experiments.replicate import Replications, replicate
    from sim.files import check_output, write_text
    from sim.report.terminal import print_estimates, progress_bar
    from sim.scenario.load import check_seed, load_scenario

    check_jobs(args.replications, args.workers)
    check_seed(args.seed, "--seed")
    scenario = load_scenario(args.scenario)
    if args.out_dir:
        check_output(args.out_dir, "--out-dir", directory=True)
        check_output(args.out_dir / "replications", "--out-dir", directory=True)
    if args.out:
        check_output(args.out, "--out")
    if args.partition:
        started = time.perf_counter()
        reports = [r.data for r in _run_partitioned(args, scenario, args.replications)]
        runs = Replications(scenario.name, reports[0]["seed"], reports,
                            time.perf_counter() - started)
    else:
        with progress_bar(f"{scenario.name}: replications", args.quiet) as progress:
            runs = replicate(scenario, args.replications, seed=args.seed, progress=progress,
                             **_parallel(args))
    if args.out_dir:
        runs.write(args.out_dir)
    if args.out:
        write_text(args.out, json.dumps(runs.summary_json(), indent=1) + "\n", "--out")
    if not args.quiet:
        print_estimates(f"{scenario.name}: {args.replications} replications, seed "
                        f"{runs.seed} ({runs.wall_seconds:.1f} s wall)",
                        runs.summary.flat(), console)
        for where in (args.out_dir, args.out):
            if where:
                console.print(f"written to {where}")
    return 0


def cmd_sweep(args: argparse.Namespace, console: Console) -> int:
    from sim.experiments.sweep import DEFAULT_METRICS, run_sweep, write_sweep
    from sim.files import check_output
    from sim.report.terminal import progress_bar
    from sim.scenario.load import OverrideError

    check_jobs(args.replications, args.workers)
    axes = [parse_set(spec) for spec in args.axes]
    check_output(args.out, "--out", directory=True)
    try:
        with progress_bar("sweep", args.quiet) as progress:
            results = run_sweep(args.scenario, axes, args.replications, progress=progress,
                                **_parallel(args))
    except OverrideError as exc:
        raise UsageError(f"{exc.source}: --set {exc.path}: {exc.reason}") from None
    paths = write_sweep(args.out, axes, results, args.metrics or DEFAULT_METRICS)
    if not args.quiet:
        console.print("sweep written to " + ", ".join(str(p) for p in paths.values()))
    return 0


def cmd_check(args: argparse.Namespace, console: Console) -> int:
    """The CI gate: exit 1 when a gate failed."""
    from sim.experiments.gate import check_gates, load_baseline, load_gates
    from sim.experiments.junit import write_junit
    from sim.files import check_output
    from sim.report.terminal import print_check, progress_lines

    if args.baseline:
        check_jobs(args.replications, args.workers, 2,
                   " (a baseline comparison needs 2 replications or more)")
    else:
        check_jobs(args.replications, args.workers)
    baselines = load_baseline(args.baseline) if args.baseline else None
    if args.junit:
        check_output(args.junit, "--junit")
    gates = load_gates(args.scenarios, baselines, args.baseline)

    def show(result: Any) -> None:
        if not args.quiet or result.failed:
            print_check(result, console)

    with progress_lines(args.quiet) as progress:
        results = check_gates(gates, args.replications, baselines=baselines,
                              progress=progress, on_result=show, **_parallel(args))
    if args.junit:
        write_junit(args.junit, results)
    return 1 if any(r.failed for r in results) else 0


def cmd_baseline(args: argparse.Namespace, console: Console) -> int:
    from sim.experiments.gate import load_gates, make_baseline, write_baseline
    from sim.files import check_output
    from sim.report.terminal import progress_lines

    check_jobs(args.replications, args.workers, 2,
               " (a baseline comparison needs 2 replications or more)")
    check_output(args.out, "--out")
    gates = load_gates(args.scenarios)
    with progress_lines(args.quiet) as progress:
        entries = make_baseline(gates, args.replications, progress=progress,
                                **_parallel(args))
    write_baseline(args.out, entries)
    if not args.quiet:
        console.print(f"baseline of {', '.join(entries)} written to {args.out}")
    return 0


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    from sim.files import check_output
    from sim.report.html import write_report

    check_output(args.out, "--out")
    write_report(args.run_dir, args.out)
    console.print(f"report written to {args.out}")
    return 0


def cmd_trace(args: argparse.Namespace, console: Console) -> int:
    from sim.files import read_json_object
    from sim.report.trace import print_trace

    report = read_json_object(args.report, "report")
    print_trace(report, args.order_id, console, str(args.report))
    return 0


def cmd_impact(args: argparse.Namespace, console: Console) -> int:
    from sim.files import read_json_object
    from sim.report.impact import print_impact

    report = read_json_object(args.report, "report")
    print_impact(report, args.element, console, str(args.report))
    return 0


# The parameters of ``serve`` by the options that set them.
_SERVE_OPTIONS = {"port": "--port", "host": "--host", "speed": "--speed",
                  "max_items": "--max-items", "db": "--db", "southbound": "--southbound",
                  "southbound_user": "--southbound-user",
                  "southbound_password": "--southbound-password",
                  "southbound_token": "--southbound-token", "partner": "--partner",
                  "partner_api_key": "--partner-api-key"}


def cmd_serve(args: argparse.Namespace, console: Console) -> int:
    from sim.live.serve import ServeError, serve
    from sim.southbound import Link, LinkError

    try:
        link = None if args.southbound is None else Link(
            args.southbound, args.southbound_user, args.southbound_password or "",
            args.southbound_token or "", args.speed)
        partners: dict[str, str] = {}
        for spec in args.partner:
            name, eq, url = spec.partition("=")
            if not (eq and name.strip() and url.strip()):
                raise UsageError(f"--partner {spec}: NAME=URL, e.g. wholesale=http://"
                                 "127.0.0.1:8623/tmf-api/productOrderingManagement/v4")
            if name.strip() in partners:
                raise UsageError(f"--partner {spec}: partner '{name.strip()}' given twice")
            partners[name.strip()] = url.strip()
        return serve(args.scenario, args.host, args.port, args.speed, args.db, args.api_key,
                     args.background_arrivals, args.max_items, args.allow_remote_callbacks,
                     link, partners, args.partner_api_key)
    except (ServeError, LinkError) as exc:
        raise UsageError(f"{_SERVE_OPTIONS.get(exc.parameter, exc.parameter)}"
                         f"{exc.rest}") from None



def cmd_emulate(args: argparse.Namespace, console: Console) -> int:
    from sim.emulate.serve import EmulateError, EmulateOptions, emulate

    options = EmulateOptions(args.scenario, args.password, args.token, args.speed, args.host,
                             args.netconf_port, args.http_port, args.db, args.user)
    try:
        return emulate(options)
    except EmulateError as exc:
        raise UsageError(f"--{exc.parameter.replace('_', '-')}{exc.rest}") from None


def cmd_drive(args: argparse.Namespace, console: Console) -> int:
    """Drive a TMF622 order manager; exit 1 when a gate failed."""
    from sim.drive.command import run_command

    return run_command(args, console)

def cmd_export(args: argparse.Namespace, console: Console) -> int:
    from sim.files import check_output, read_json_object
    from sim.history.export import write_orders

    check_output(args.orders, "--orders")
    report = read_json_object(args.report, "report")
    count = write_orders(report, args.orders, str(args.report), everything=args.all)
    console.print(f"{count:,} orders written to {args.orders}")
    return 0


def _check_level(level: float) -> None:
    if not 0.5 <= level < 1.0:
        raise UsageError(f"--level {level:g}: a confidence level from 0.5 to below 1, such "
                         f"as 0.95")


def cmd_calibrate(args: argparse.Namespace, console: Console) -> int:
    from sim.files import check_output
    from sim.history.calibrated import write_calibrated
    from sim.report.history import print_calibration

    _check_level(args.level)
    check_output(args.out, "-o")
    cal = write_calibrated(args.history, args.catalog, args.out, args.base, args.name,
                           args.level)
    print_calibration(cal, str(args.out), console)
    return 0


def cmd_compare(args: argparse.Namespace, console: Console) -> int:
    """Observed vs simulated; exit 1 when an observed figure lies outside."""
    from sim.history.compare import compare
    from sim.history.read import read_history
    from sim.report.history import print_comparison
    from sim.scenario.load import load_scenario

    _check_level(args.level)
    check_jobs(args.replications, args.workers, least=2,
               why="the spread of the replications makes the intervals")
    orders = read_history(args.history)
    result = compare(orders, load_scenario(args.scenario), args.replications,
                     workers=args.workers, family_level=args.level,
                     executor=args.executor, scheduler=args.scheduler)
    print_comparison(result, console)
    return 1 if result.outside else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``omsim`` command line: argument parsing only; the work is in the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from om import OmsimError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omsim",
        description="Telco order management (COM/SOM/ROM) over an emulated FTTH network.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="simulate a scenario and report")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--seed", type=int, help="override the scenario's seed")
    run.add_argument("--out", type=Path, help="write the JSON report here "
                     "(default: reports/<scenario>-seed<N>.json)")
    run.add_argument("--quiet", action="store_true", help="no summary on the terminal")
    run.add_argument("--trace", action="store_true", help="record every order's tree and "
                     "state history ('trace') and the product inventory ('inventory') in "
                     "the report, for 'omsim trace' and 'omsim impact'")
    _replication_options(run, default=1)
    run.add_argument("--out-dir", type=Path, help="write a run directory (summary.json and "
                     "one report per replication) for 'omsim report'")

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

    check = sub.add_parser("check", help="CI gate: thresholds and baseline, with confidence")
    check.add_argument("scenarios", type=Path, nargs="+", metavar="scenario")
    check.add_argument("--baseline", type=Path, help="baseline file from 'omsim baseline'")
    check.add_argument("--junit", type=Path, help="write JUnit XML here")
    check.add_argument("--quiet", action="store_true", help="print failures only")
    _replication_options(check, default=5)

    baseline = sub.add_parser("baseline", help="write a baseline for 'omsim check --baseline'")
    baseline.add_argument("scenarios", type=Path, nargs="+", metavar="scenario")
    baseline.add_argument("-o", "--out", type=Path, required=True)
    baseline.add_argument("--quiet", action="store_true", help="no progress bar")
    _replication_options(baseline, default=5)

    report = sub.add_parser("report", help="HTML report with plots of a run directory")
    report.add_argument("run_dir", type=Path, help="written by 'omsim run --out-dir'")
    report.add_argument("-o", "--out", type=Path, default=Path("report.html"))

    trace = sub.add_parser("trace", help="an order's tree across COM/SOM/ROM with each "
                           "item's state history (report written with 'run --trace')")
    trace.add_argument("order_id", help="product order id, e.g. PO-000042")
    trace.add_argument("--report", type=Path, required=True, help="JSON report")

    impact = sub.add_parser("impact", help="customers and products that depend on an OLT, "
                            "PON port, exchange, BNG or link A--B (report from 'run --trace')")
    impact.add_argument("element", help="e.g. EX01-OLT01, EX01-OLT01/1/3, BNG01, EX01--BNG01")
    impact.add_argument("--report", type=Path, required=True, help="JSON report")

    validate = sub.add_parser("validate", help="check a scenario file and its catalog")
    validate.add_argument("scenario", type=Path)

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
    return parser


def _replication_options(p: argparse.ArgumentParser, default: int) -> None:
    p.add_argument("--replications", type=int, default=default,
                   help=f"independent replications (default {default})")
    p.add_argument("--workers", type=int, help="local processes (default: one per CPU)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local processes, or a dask.distributed cluster")
    p.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://10.0.0.5:8786")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Piped or captured output (CI logs, `make demo | tee`) gets room for the tables,
    # instead of rich's 80-column fallback.
    console = Console(stderr=False, width=None if sys.stdout.isatty() else 110)
    err = Console(stderr=True)
    try:
        return _dispatch(args, console)
    except OmsimError as exc:
        # escape: a message quotes user input, which must not be read as rich markup.
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2


def _dispatch(args: argparse.Namespace, console: Console) -> int:
    from sim.scenario import load_scenario

    if args.command == "validate":
        scenario = load_scenario(args.scenario)
        catalog = scenario.load_catalog()
        console.print(f"{args.scenario}: ok — scenario '{scenario.name}', catalog "
                      f"'{catalog.name}' with {len(catalog.offerings)} offerings")
        return 0

    if args.command in ("trace", "impact"):
        return _lifecycle_tools(args, console)

    if args.command == "serve":
        from sim.serve import serve

        return serve(args.scenario, args.host, args.port, args.speed, args.db, args.api_key,
                     args.background_arrivals, args.max_items, args.allow_remote_callbacks)

    if args.command in ("sweep", "check", "baseline", "report") or (
            args.command == "run" and (args.replications != 1 or args.out_dir)):
        return _with_confidence(args, console)

    if args.command == "run":
        from sim.files import check_output, default_report_path, write_text
        from sim.harness import run_scenario
        from sim.replicate import check_jobs
        from sim.scenario import check_seed
        from sim.summary import print_summary

        check_jobs(args.replications, args.workers)
        check_seed(args.seed)
        scenario = load_scenario(args.scenario)
        seed = scenario.seed if args.seed is None else args.seed
        out = check_output(args.out or default_report_path(scenario.name, seed), "--out")
        with Console(stderr=True, quiet=args.quiet).status(f"running {scenario.name}"):
            report = run_scenario(scenario, seed=seed, trace=args.trace)
        write_text(out, json.dumps(report.data, indent=2) + "\n", "--out")
        if not args.quiet:
            print_summary(report.data, console)
            console.print(f"report written to {out}")
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands


def _lifecycle_tools(args: argparse.Namespace, console: Console) -> int:
    """``omsim trace`` and ``omsim impact``: read a traced report."""
    from sim.files import read_json_object

    report = read_json_object(args.report, "report")
    if args.command == "trace":
        from sim.trace import print_trace

        print_trace(report, args.order_id, console, str(args.report))
        return 0
    from sim.impact import print_impact

    print_impact(report, args.element, console, str(args.report))
    return 0


def _with_confidence(args: argparse.Namespace, console: Console) -> int:
    """Replications, sweeps, the CI gate and the HTML report.

    Every number, input file and output path is checked before the first replication.
    """
    from sim.files import check_output, write_text
    from sim.replicate import check_jobs, progress_bar, replicate
    from sim.scenario import check_seed, load_scenario

    parallel = {"workers": args.workers, "executor": args.executor,
                "scheduler": args.scheduler} if args.command != "report" else {}
    if args.command == "baseline" or (args.command == "check" and args.baseline):
        check_jobs(args.replications, args.workers, 2,
                   " (a baseline comparison needs 2 replications or more)")
    elif args.command != "report":
        check_jobs(args.replications, args.workers)

    if args.command == "run":
        from sim.summary import print_estimates

        check_seed(args.seed)
        scenario = load_scenario(args.scenario)
        if args.out_dir:
            check_output(args.out_dir, "--out-dir", directory=True)
            check_output(args.out_dir / "replications", "--out-dir", directory=True)
        if args.out:
            check_output(args.out, "--out")
        with progress_bar(f"{scenario.name}: replications", args.quiet) as progress:
            runs = replicate(scenario, args.replications, seed=args.seed, progress=progress,
                             **parallel)
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

    if args.command == "sweep":
        from sim.sweep import DEFAULT_METRICS, parse_set, run_sweep, write_sweep

        axes = [parse_set(spec) for spec in args.axes]
        check_output(args.out, "--out", directory=True)
        with progress_bar("sweep", args.quiet) as progress:
            results = run_sweep(args.scenario, axes, args.replications, progress=progress,
                                **parallel)
        paths = write_sweep(args.out, axes, results, args.metrics or DEFAULT_METRICS)
        if not args.quiet:
            console.print("sweep written to " + ", ".join(str(p) for p in paths.values()))
        return 0

    if args.command in ("check", "baseline"):
        from sim import check

        baselines = None
        if args.command == "check" and args.baseline:
            baselines = check.load_baseline(args.baseline)
        if args.command == "check" and args.junit:
            check_output(args.junit, "--junit")
        if args.command == "baseline":
            check_output(args.out, "--out")
        todo = []
        for path in args.scenarios:
            scenario = load_scenario(path)
            thresholds = check.parse_thresholds(scenario.thresholds, str(path))
            if baselines is not None and scenario.name not in baselines:
                raise OmsimError(f"{args.baseline}: no baseline for scenario "
                                 f"'{scenario.name}' (it has: {', '.join(baselines)})")
            todo.append((path, scenario, thresholds))
        results, entries = [], {}
        for path, scenario, thresholds in todo:
            with progress_bar(f"{scenario.name}: replications", args.quiet) as progress:
                runs = replicate(scenario, args.replications, progress=progress, **parallel)
            if args.command == "baseline":
                entries[scenario.name] = check.baseline_entry(runs)
                continue
            stored = baselines.get(scenario.name) if baselines is not None else None
            result = check.check_replications(runs, thresholds, str(path), stored)
            results.append(result)
            if not args.quiet or result.failed:
                check.print_check(result, console)
        if args.command == "baseline":
            check.write_baseline(args.out, entries)
            if not args.quiet:
                console.print(f"baseline of {', '.join(entries)} written to {args.out}")
            return 0
        if args.junit:
            check.write_junit(args.junit, results)
        return 1 if any(r.failed for r in results) else 0

    if args.command == "report":
        from sim.report_html import write_report

        check_output(args.out, "--out")
        write_report(args.run_dir, args.out)
        console.print(f"report written to {args.out}")
        return 0
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

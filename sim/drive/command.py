"""``omsim drive`` on the command line: check everything, drive, write what was asked,
judge the gates. The parser and ``cmd_drive`` are in :mod:`sim.cli`; this is the work.

Exit codes: 0 when every gate passed (or none was asked for), 1 when a threshold or the
baseline comparison failed, 2 for bad input (options, scenario, files, a target that
cannot be driven): one error line, before any order is sent.
"""

from __future__ import annotations

import json
from argparse import Namespace
from pathlib import Path

from rich.console import Console

from sim.drive.options import DriveOptions
from sim.drive.plan import DrivePlan, judge, make_plan, run_plan
from sim.drive.summary import print_drive_summary
from sim.experiments.gate import baseline_entry, write_baseline
from sim.experiments.junit import write_junit
from sim.experiments.replicate import Replications
from sim.files import check_output, write_text
from sim.report.terminal import print_check, print_estimates, progress_bar


def default_report_path(scenario_name: str, seed: int) -> Path:
    """Where a one-replication drive writes its report without ``--out``."""
    return Path("reports") / f"{scenario_name}-drive-seed{seed}.json"


def options_of(args: Namespace) -> DriveOptions:
    return DriveOptions(target=args.target, speed=args.speed, listen=args.listen,
                        callback=args.callback or "", api_key=args.api_key,
                        drain_timeout_s=args.drain_timeout)


def run_command(args: Namespace, console: Console) -> int:
    """``omsim drive`` from its parsed arguments (see :func:`sim.cli._drive_parser`)."""
    plan = make_plan(args.scenario, options_of(args), duration_days=args.duration_days,
                     seed=args.seed, replications=args.replications,
                     addresses=args.addresses, baseline=args.baseline,
                     baseline_out=bool(args.save_baseline))
    single = plan.replications == 1 and not args.out_dir
    out = args.out or (default_report_path(plan.scenario.name, plan.seed) if single else None)
    for path, name in ((out, "--out"), (args.junit, "--junit"),
                       (args.save_baseline, "--save-baseline")):
        if path is not None:
            check_output(path, name)
    if args.out_dir:
        check_output(args.out_dir, "--out-dir", directory=True)
    with progress_bar(f"{plan.scenario.name}: driving {args.target}", args.quiet) as progress:
        runs = run_plan(plan, progress)
    _write(args, plan, runs, out, single, console)
    if not (args.check or args.baseline or args.junit):
        return 0
    result = judge(plan, runs)
    if not args.quiet or result.failed:
        print_check(result, console)
    if args.junit:
        write_junit(args.junit, [result])
    return 1 if result.failed else 0


def _write(args: Namespace, plan: DrivePlan, runs: Replications, out: Path | None,
           single: bool, console: Console) -> None:
    """The report (or summary), the run directory and the baseline asked for, and the
    summary on the terminal."""
    if out is not None:
        body = runs.reports[0] if single else runs.summary_json()
        write_text(out, json.dumps(body, indent=2 if single else 1) + "\n", "--out")
    if args.out_dir:
        runs.write(args.out_dir)
    if args.save_baseline:
        write_baseline(args.save_baseline, {plan.scenario.name: baseline_entry(runs)})
    if args.quiet:
        return
    if single:
        print_drive_summary(runs.reports[0], console)
    else:
        print_estimates(f"{plan.scenario.name}: {plan.replications} drive replications "
                        f"against {args.target} ({runs.wall_seconds:.1f} s wall)",
                        runs.summary.flat(), console)
    for where in (out, args.out_dir, args.save_baseline):
        if where:
            console.print(f"written to {where}")

"""The ``omsim`` command line: argument parsing only; the work is in the library."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

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

    validate = sub.add_parser("validate", help="check a scenario file and its catalog")
    validate.add_argument("scenario", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(stderr=False)
    err = Console(stderr=True)
    try:
        return _dispatch(args, console)
    except OmsimError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        return 2


def _dispatch(args: argparse.Namespace, console: Console) -> int:
    from sim.scenario import load_scenario

    if args.command == "validate":
        scenario = load_scenario(args.scenario)
        catalog = scenario.load_catalog()
        console.print(f"{args.scenario}: ok — scenario '{scenario.name}', catalog "
                      f"'{catalog.name}' with {len(catalog.offerings)} offerings")
        return 0

    if args.command == "run":
        from sim.harness import run_scenario
        from sim.summary import print_summary

        scenario = load_scenario(args.scenario)
        report = run_scenario(scenario, seed=args.seed)
        out = args.out or Path("reports") / f"{scenario.name}-seed{report['seed']}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report.data, indent=2) + "\n")
        if not args.quiet:
            print_summary(report.data, console)
            console.print(f"report written to {out}")
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Everything ``omsim drive`` is told, read and checked before anything is sent: the
options, the scenario (with ``--duration-days``), the addresses, the thresholds and
the baseline a gate judges by. Any of them wrong is one error line naming the option,
file or field (exit 2), and costs no traffic; the target itself is checked next, by
:func:`~sim.drive.preflight.preflight`.

Then the replications run (:func:`run_plan`) and are judged as ``omsim check`` judges a
batch run's (:func:`judge`): the same :class:`~sim.experiments.replicate.Replications`,
the same thresholds, the same Welch comparison with a baseline file.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from om.errors import ReportError, UsageError
from sim.drive.addresses import read_addresses, scenario_addresses
from sim.drive.driver import Align, Progress, drive
from sim.drive.options import DriveOptions
from sim.experiments.executors import check_counts
from sim.experiments.gate import CheckResult, check_replications, load_baseline, parse_thresholds
from sim.experiments.replicate import Replications
from sim.experiments.thresholds import Threshold
from sim.scenario.limits import MAX_DAYS
from sim.scenario.load import check_seed, load_scenario
from sim.scenario.schema import Scenario

_TWO = " (a baseline needs 2 replications or more)"


@dataclass(frozen=True)
class DrivePlan:
    """A checked drive: ``path`` the scenario file (thresholds and errors name it)."""

    path: Path
    scenario: Scenario
    options: DriveOptions
    addresses: list[str]
    seed: int
    replications: int
    thresholds: list[Threshold]
    baseline: Mapping[str, Any] | None = None


def make_plan(path: Path, options: DriveOptions, *, duration_days: float | None = None,
              seed: int | None = None, replications: int = 1,
              addresses: Path | None = None, baseline: Path | None = None,
              baseline_out: bool = False) -> DrivePlan:
    """Check everything but the target; UsageError, ScenarioError or ReportError (one
    line each) for the first thing wrong. ``baseline_out``: a baseline will be written,
    which needs two replications too."""
    options.check()
    check_seed(seed, "--seed")
    check_counts(replications, None, 2 if baseline or baseline_out else 1,
                 _TWO if baseline or baseline_out else "", ("--replications", "--workers"))
    scenario = load_scenario(path)
    if duration_days is not None:
        scenario = _shortened(path, scenario, duration_days)
    seed = scenario.seed if seed is None else seed
    stored = None
    if baseline is not None:
        stored = load_baseline(baseline).get(scenario.name)
        if stored is None:
            raise ReportError(f"{baseline}: no baseline for scenario '{scenario.name}'")
    ids = read_addresses(addresses) if addresses else scenario_addresses(scenario, seed)
    return DrivePlan(path, scenario, options, ids, seed, replications,
                     parse_thresholds(scenario.thresholds, str(path)), stored)


def _shortened(path: Path, scenario: Scenario, days: float) -> Scenario:
    """The scenario with ``--duration-days days``, named as the option when it cannot be."""
    if not (math.isfinite(days) and 0 < days <= MAX_DAYS):
        raise UsageError(f"--duration-days {days:g}: must be above 0 and at most "
                         f"{MAX_DAYS:g}")
    if days <= scenario.warmup_days:
        raise UsageError(f"--duration-days {days:g}: must be longer than the warm-up of "
                         f"{path} ({scenario.warmup_days:g} days)")
    return load_scenario(path, {"duration_days": days})


def run_plan(plan: DrivePlan, progress: Progress | None = None, align: Align | None = None
             ) -> Replications:
    """Drive every replication of the plan, one after the other; their reports."""
    started = time.perf_counter()
    reports = drive(plan.scenario, plan.options, plan.addresses, seed=plan.seed,
                    replications=plan.replications, progress=progress, align=align)
    return Replications(plan.scenario.name, plan.seed, reports,
                        time.perf_counter() - started)


def judge(plan: DrivePlan, runs: Replications) -> CheckResult:
    """The scenario's thresholds and, with a baseline, the Welch comparison, on the
    drive reports: :func:`sim.experiments.gate.check_replications`, as for a batch run."""
    return check_replications(runs, plan.thresholds, str(plan.path), plan.baseline)

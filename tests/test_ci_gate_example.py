"""The CI gate the README shows is the one the repository runs: the README's workflow is
``.github/workflows/omsim.yml`` word for word, every ``omsim`` line in it and in the
README's commands parses with omsim's own parser, and the committed ``baseline.json`` is
what the README's ``omsim baseline`` command writes (same scenarios, seeds and
replications) with a spread that makes the gate worth running.

Nothing here replicates a scenario (that is the workflow's job, 20 s on two cores).
"""

from __future__ import annotations

import math
import re
import shlex
import statistics

import pytest
import yaml
from scipy import stats

from sim.cli import parser
from sim.experiments.gate import (
    ALPHA,
    HIGHER_IS_WORSE,
    CheckResult,
    compare_with_baseline,
    load_baseline,
    load_gates,
)
from sim.scenario.load import load_scenario
from tests.conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "omsim.yml"


def _ci_section() -> str:
    readme = (REPO / "README.md").read_text()
    return readme[readme.index("**CI gate.**"):readme.index("**In pytest.**")]


def _readme_block(lang: str) -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", _ci_section(), re.S)
    assert len(blocks) == 1, f"one {lang} block expected in the README's CI gate section"
    return blocks[0]


def _commands(script: str) -> list[list[str]]:
    """The ``omsim`` command lines of a shell script, as argument lists."""
    out = []
    for line in script.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["omsim"]:
            out.append(words[1:])
    return out


def _workflow_commands() -> list[list[str]]:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["fallout"]["steps"]
    return [c for step in steps if "run" in step for c in _commands(step["run"])]


def _parsed(argv: list[str]):
    try:
        return parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"omsim {shlex.join(argv)}: omsim's parser refuses it")


def _one(commands: list[list[str]], name: str):
    found = [_parsed(c) for c in commands if c[0] == name]
    assert len(found) == 1, f"one 'omsim {name}' expected, found {len(found)}"
    return found[0]


def test_the_readme_shows_the_workflow_that_runs():
    assert _readme_block("yaml") == WORKFLOW.read_text()


def test_every_omsim_line_parses_and_names_files_that_exist():
    commands = _workflow_commands() + _commands(_readme_block("sh"))
    assert {c[0] for c in commands} == {"baseline", "check", "run", "report"}
    for argv in commands:
        args = _parsed(argv)
        for path in getattr(args, "scenarios", None) or [getattr(args, "scenario", None)]:
            assert path is None or (REPO / path).is_file(), path


def test_the_committed_baseline_is_what_the_readme_command_writes():
    """Same scenarios as the gate checks, each under its own name with its seed, and
    the replications both commands and the workflow's report run use."""
    made = _one(_commands(_readme_block("sh")), "baseline")
    for commands in (_workflow_commands(), _commands(_readme_block("sh"))):
        check = _one(commands, "check")
        assert check.scenarios == made.scenarios
        assert check.baseline == made.out
        assert check.replications == made.replications
    assert _one(_workflow_commands(), "run").replications == made.replications
    baselines = load_baseline(REPO / made.out)
    scenarios = [load_scenario(REPO / path) for path in made.scenarios]
    assert set(baselines) == {s.name for s in scenarios}
    for scenario in scenarios:
        entry = baselines[scenario.name]
        assert entry["seed"] == scenario.seed
        assert entry["replications"] == made.replications
        for metric in HIGHER_IS_WORSE:
            assert len(entry["values"][metric]) == made.replications, metric
    load_gates([REPO / p for p in made.scenarios], baselines, made.out)  # no error


def test_the_gate_passes_unchanged_code_and_catches_doubled_fallout():
    """Checked against its own replications (what an unchanged build reproduces, run
    for run) every comparison passes (the p90 used to read "inconclusive", its baseline
    mean summed with a rounding error of 3e-14). The baseline scenario's fallout rate doubled
    (0.37 % -> 0.74 %) with the committed spread is flagged, and the design holds:
    with that spread, the Welch test at the split level catches such a doubling in at
    least 90 % of builds (power of the two-sample t test: noncentral t)."""
    made = _one(_commands(_readme_block("sh")), "baseline")
    entry = load_baseline(REPO / made.out)["baseline"]
    values = entry["values"]
    same = CheckResult("baseline", len(values["fallout.rate"]),
                       regressions=compare_with_baseline(values, entry))
    assert {c.threshold.text: c.verdict for c in same.cases()} == {
        f"{m} no worse than baseline": "pass" for m in HIGHER_IS_WORSE}
    fallout = values["fallout.rate"]
    mean, sd, n = statistics.fmean(fallout), statistics.stdev(fallout), len(fallout)
    doubled = {**values, "fallout.rate": [x + mean for x in fallout]}
    flagged = [r.metric for r in compare_with_baseline(doubled, entry) if r.significant]
    assert flagged == ["fallout.rate"]
    alpha = ALPHA / len(HIGHER_IS_WORSE)
    df = 2 * (n - 1)
    power = stats.nct.sf(stats.t.isf(alpha, df), df, mean / (sd * math.sqrt(2 / n)))
    assert power >= 0.9, f"{n} replications catch doubled fallout {power:.0%} of the time"

"""The pytest plugin (registered through the ``pytest11`` entry point): a fixture
``omsim`` that runs scenarios with replications inside a test suite.

    def test_fallout(omsim):
        r = omsim.run("scenarios/baseline.yaml", replications=5)
        assert r.fallout.rate.upper < 0.1

Every leaf of ``r`` is an :class:`sim.stats.estimates.Estimate` (``mean``, ``sd``, ``lower``,
``upper``). Relative scenario paths resolve against the directory pytest runs in, then
against the project's root directory. Results are cached for the session, so several
tests asserting on the same run pay for it once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from sim.experiments.replicate import Replications

# sim itself is imported when a test first runs a scenario, not when pytest loads the
# plugin: every pytest session in this environment loads it, and should not pay for (or
# break on) the simulator unless a test asks for it.


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("omsim")
    group.addoption("--omsim-workers", type=int, default=None,
                    help="local processes for omsim replications (default: one per CPU)")


class OmsimRunner:
    """What the ``omsim`` fixture gives a test: :meth:`run` and the session cache."""

    def __init__(self, root: Path, workers: int | None) -> None:
        self.root = root
        self.workers = workers
        self._cache: dict[tuple[Any, ...], Replications] = {}

    def run(self, scenario: str | Path, replications: int = 5, *, seed: int | None = None,
            overrides: dict[str, Any] | None = None) -> Replications:
        """Run ``replications`` replications of the scenario file and summarise them.

        ``overrides`` maps dotted scenario paths to values, as ``omsim sweep --set``.
        """
        from sim.experiments.replicate import replicate
        from sim.scenario.load import load_scenario

        path = self._resolve(Path(scenario))
        key = (str(path), replications, seed, json.dumps(overrides or {}, sort_keys=True))
        if key not in self._cache:
            loaded = load_scenario(path, overrides)
            self._cache[key] = replicate(loaded, replications, seed=seed,
                                         workers=self.workers)
        return self._cache[key]

    def _resolve(self, path: Path) -> Path:
        if path.is_absolute() or path.exists():
            return path
        return self.root / path


@pytest.fixture(scope="session")
def _omsim_runner(pytestconfig: pytest.Config) -> OmsimRunner:
    return OmsimRunner(pytestconfig.rootpath, pytestconfig.getoption("omsim_workers"))


@pytest.fixture
def omsim(_omsim_runner: OmsimRunner) -> OmsimRunner:
    """Run omsim scenarios with replications; assert on the estimates."""
    return _omsim_runner

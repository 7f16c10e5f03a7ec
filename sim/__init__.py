"""The emulated FTTH network in SimPy, the workforce, arrivals, metrics, the harness
that wires om to the emulated network, and the ``omsim`` command line."""

from sim.harness import RunReport, build_run, run_scenario
from sim.scenario import Scenario, load_scenario

__all__ = ["RunReport", "Scenario", "build_run", "load_scenario", "run_scenario"]

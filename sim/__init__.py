"""omsim's simulator: the emulated FTTH network in SimPy, the runs that wire it to the
order manager (``om``), what they measure, the experiments and reports built on them,
and the front doors: the live TMF622 service, the network emulated over NETCONF and
RESTCONF, the driver of any TMF622 order manager, and the ``omsim`` command line.

One module or sub-package per concern, each depending only on those listed after it:
``cli``; ``live``, ``emulate`` and ``drive`` (the front doors, none importing another);
``dashboard`` (the web shell the live and emulate dashboards share); ``report``;
``history`` (order histories: export, calibrate, compare); ``experiments``; ``run``;
``measure`` and ``traffic``; ``elements``, ``southbound`` and ``partners`` (om's ports
in process, or over the wire to an emulator and to real partners); ``scenario``; and the
utilities ``stats``, ``files``, ``rng``, ``units`` and ``tmf622`` (the TMF622 client
side) (the layers contract in ``pyproject.toml`` keeps it so). The library
entry point is :func:`run_scenario`: no command line needed.
"""

from sim.run.harness import RunReport, build_run, run_scenario
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario

__all__ = ["RunReport", "Scenario", "build_run", "load_scenario", "run_scenario"]

"""Profile the engine on the scaled reference scenario (not a benchmark: run it by hand).

    .venv/bin/python benchmarks/profile_engine.py              # pyinstrument call tree
    .venv/bin/python benchmarks/profile_engine.py --top 25     # cProfile, by own time
    .venv/bin/python benchmarks/profile_engine.py --orders 100000

Only the simulation is profiled (the network and order manager are built first).
pyinstrument is a dev extra (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from workloads import scaled_scenario  # noqa: E402

from sim.run.collector import collector_for_simulation  # noqa: E402
from sim.run.harness import build_run  # noqa: E402
from sim.units import DAY_S  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20_000,
                        help="product orders in 30 simulated days (default 20,000)")
    parser.add_argument("--top", type=int, default=0,
                        help="print the top N functions by own time (cProfile) instead of "
                             "pyinstrument's call tree")
    args = parser.parse_args()
    scenario = scaled_scenario(args.orders)
    run = build_run(scenario, keep_ended=False)  # as run_scenario builds it
    until = scenario.duration_days * DAY_S
    if args.top:
        profile = cProfile.Profile()
        with collector_for_simulation(bounded=True):  # as run_scenario runs it
            profile.runcall(run.env.run, until=until)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    with collector_for_simulation(bounded=True):
        profiler.start()
        run.env.run(until=until)
        profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()

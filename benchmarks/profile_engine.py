"""Profile the engine on the scaled reference scenario (not a benchmark: run it by hand).

    .venv/bin/python benchmarks/profile_engine.py              # pyinstrument call tree
    .venv/bin/python benchmarks/profile_engine.py --top 25     # cProfile, by own time
    .venv/bin/python benchmarks/profile_engine.py --orders 100000
    .venv/bin/python benchmarks/profile_engine.py --events     # SimPy events per order

Only the simulation is profiled (the network and order manager are built first).
pyinstrument is a dev extra (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections import Counter
from pathlib import Path
from typing import Any

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
    parser.add_argument("--events", action="store_true",
                        help="count the SimPy events of an order by kind and by the function "
                             "of ours that made them, instead of profiling")
    args = parser.parse_args()
    scenario = scaled_scenario(args.orders)
    run = build_run(scenario, keep_ended=False)  # as run_scenario builds it
    until = scenario.duration_days * DAY_S
    if args.events:
        count_events(run, until)
        return
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


def count_events(run: Any, until: float) -> None:
    """SimPy events per product order, by event class and the first function outside
    SimPy on the stack when it was scheduled (a process's end is scheduled by SimPy
    itself: it shows as the run)."""
    counts: Counter[tuple[str, str]] = Counter()
    schedule = run.env.schedule

    def counted(event: Any, priority: int = 1, delay: float = 0) -> None:
        frame = sys._getframe(1)
        while frame is not None and "simpy" in frame.f_code.co_filename:
            frame = frame.f_back
        where = "the run" if frame is None or frame.f_code.co_filename == __file__ else (
            f"{Path(frame.f_code.co_filename).parent.name}/"
            f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}")
        counts[(type(event).__name__, where)] += 1
        schedule(event, priority, delay)

    run.env.schedule = counted
    with collector_for_simulation(bounded=True):
        run.env.run(until=until)
    orders = len(run.metrics.orders)
    print(f"{orders:,} product orders, {sum(counts.values()) / orders:.2f} SimPy events each")
    for (kind, where), n in counts.most_common():
        print(f"{n / orders:7.2f}  {kind:<12} {where}")


if __name__ == "__main__":
    main()

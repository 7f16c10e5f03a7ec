"""The live service's clock: SimPy's real-time environment, except while catching up
after a restart, when it runs as fast as the CPU allows.

Two things differ from :class:`simpy.rt.RealtimeEnvironment`:

- :meth:`LiveClock.go_live` re-anchors *both* origins, wall and simulated, at the
  current instant. (SimPy's ``sync()`` resets only the wall origin: after replaying to
  simulated time T the clock would sleep about T / speed wall seconds before moving.)
- An exception escaping one SimPy process (a bug in one order's fulfilment) is counted
  and printed, and the clock goes on: one order must not stop the simulation of all
  the others. Only the ``vital`` process (the live service's tick) stops it. The same
  process fails the same way when the command log is replayed, so a replay still
  reaches the state that was persisted.
"""

from __future__ import annotations

import sys
import time
import traceback

import simpy
import simpy.rt
from simpy.core import EmptySchedule, StopSimulation


class LiveClock(simpy.rt.RealtimeEnvironment):
    """``speed`` simulated seconds per wall second; ``catching_up`` until :meth:`go_live`."""

    def __init__(self, speed: float, catching_up: bool = False) -> None:
        super().__init__(factor=1.0 / speed, strict=False)
        self.catching_up = catching_up
        self.vital: simpy.Process | None = None
        self.process_errors = 0
        self.last_process_error = ""

    def go_live(self) -> None:
        """From now on, simulated time follows the wall clock from this instant."""
        self.catching_up = False
        self.env_start = self.now
        self.real_start = time.monotonic()

    def step(self) -> None:
        try:
            if self.catching_up:
                simpy.Environment.step(self)
            else:
                super().step()
        except (StopSimulation, EmptySchedule):
            raise
        except Exception as exc:
            if self.vital is None or not self.vital.is_alive:
                raise
            self.process_errors += 1
            self.last_process_error = f"{type(exc).__name__}: {exc}"
            print(f"omsim serve: a simulation process failed at {self.now:.3f} s and was "
                  f"dropped; the others go on:", file=sys.stderr)
            traceback.print_exception(exc.__cause__ or exc)

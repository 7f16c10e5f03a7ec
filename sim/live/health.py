"""Whether the live service can still take writes, and why not.

The service needs its clock thread, its writer thread and the hub's delivery threads.
None of them may end while the service runs: each runs under :meth:`Health.guard`, and
the first one that fails (or returns early) makes the service unhealthy for good, with
the reason. From then on writes are refused with that reason (503), ``/omsim/status``
shows it, and ``omsim serve`` exits non-zero so that a supervisor restarts it; a restart
replays the command log from the database, which holds every acknowledged write.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable


class Health:
    """Healthy until :meth:`fail`; ``failed`` is set then (for whoever waits on it)."""

    def __init__(self) -> None:
        self.problem: str | None = None
        self.failed = threading.Event()
        self._lock = threading.Lock()

    @property
    def healthy(self) -> bool:
        return self.problem is None

    def fail(self, reason: str) -> None:
        """Record why the service cannot go on (the first reason is kept)."""
        with self._lock:
            if self.problem is None:
                self.problem = reason
                print(f"omsim serve: unhealthy: {reason}", file=sys.stderr, flush=True)
        self.failed.set()

    def guard(self, name: str, target: Callable[[], None],
              stopping: Callable[[], bool]) -> Callable[[], None]:
        """``target`` as a thread body that reports its own death as a failure."""
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - reported, never silent
                traceback.print_exc()
                self.fail(f"the {name} thread died: {type(exc).__name__}: {exc}")
            else:
                if not stopping():
                    self.fail(f"the {name} thread ended")
        return run

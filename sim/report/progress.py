"""A progress bar of simulated days, on stderr: ``omsim run`` while it simulates and
``omsim serve`` while it replays its command log. Rich draws it with the orders per wall
second and an estimate of the time left; it is not drawn with ``quiet`` or when stderr is
not a terminal (a CI log, a pipe), where it would only be noise."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from sim.units import DAY_S

# (simulated seconds done, simulated seconds in all, orders so far)
DaysProgress = Callable[[float, float, int], None]


@contextmanager
def simulated_days(label: str, quiet: bool = False, console: Console | None = None
                   ) -> Iterator[DaysProgress | None]:
    """The callback that advances the bar, or None when no bar is drawn."""
    console = console or Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[days]}"), TextColumn("{task.fields[rate]}"),
                  TextColumn("ETA"), TimeRemainingColumn(), console=console,
                  transient=True) as bars:
        task = bars.add_task(label, total=None, days="", rate="")
        began = time.perf_counter()

        def advance(done_s: float, total_s: float, orders: int) -> None:
            wall = time.perf_counter() - began
            bars.update(task, completed=done_s, total=total_s,
                        days=f"day {done_s / DAY_S:,.1f} of {total_s / DAY_S:,.4g}",
                        rate=f"{orders / wall:,.0f} orders/s" if wall > 0 else "")
        yield advance

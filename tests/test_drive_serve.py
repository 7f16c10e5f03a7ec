"""The self-test: omsim drive sends scenarios/baseline.yaml's traffic to ``omsim serve`` (in
another process, on loopback) at high speed, and what it sees from outside agrees with
the batch ``omsim run`` of the same scenario.

Three scenario days with no warm-up (so that some orders complete within the window)
at 20,000 scenario seconds per wall second: 13 wall seconds of traffic, about 550
orders, 42 a second (omsim serve keeps up with that on two busy cores).
Drive's replication 0 uses replication 0's arrival streams, so it sends exactly the
orders the batch replication 0 submits; the target then decides their fate with its own
streams, on a clock that the wire jitters, so the outcome is one more replication. Its
fallout rate and cycle-time mean must lie inside the batch replications' interval for
one new replication (the 99.9 % prediction interval, mean ± t·sd·√(1 + 1/n)): a
mistake in what drive counts, or in how it dates what it sees, moves them out; chance
does so once in a thousand runs.
"""

from __future__ import annotations

import asyncio
import math
import statistics

import httpx
from scipy import stats

from sim.drive import DriveOptions, drive
from sim.drive.addresses import scenario_addresses
from sim.drive.channel import NO_ANSWER
from sim.run.harness import run_scenario
from sim.scenario.load import load_scenario
from sim.units import DAY_S
from tests.conftest import SCENARIOS
from tests.livetools import PO, Server

SPEED = 20_000.0
DAYS = 3
BATCH = 8


def prediction_interval(values: list[float], level: float = 0.999) -> tuple[float, float]:
    n = len(values)
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    half = stats.t.ppf((1 + level) / 2, n - 1) * sd * math.sqrt(1 + 1 / n)
    return mean - half, mean + half


def test_drive_against_omsim_serve_agrees_with_the_batch_run(tmp_path):
    path = SCENARIOS / "baseline.yaml"
    scenario = load_scenario(path, {"duration_days": DAYS, "warmup_days": 0})
    with Server(path, tmp_path / "serve.sqlite", SPEED) as server:

        async def at_midnight() -> None:
            """Start at a midnight of the server's clock, as a batch run starts."""
            async with httpx.AsyncClient() as client:
                now = (await client.get(f"{server.url}/omsim/status")).json()
            seconds = now["simulatedSeconds"]
            await asyncio.sleep((math.ceil(seconds / DAY_S) * DAY_S - seconds) / SPEED)

        # The drain lasts its whole timeout (orders take days); 3 s are for answers
        # still on their way when the window closes, on a busy machine.
        options = DriveOptions(target=server.url + PO, speed=SPEED, drain_timeout_s=3.0)
        [report] = drive(scenario, options, scenario_addresses(scenario, scenario.seed),
                         align=at_midnight)
    batch = [run_scenario(scenario, replication=r).data for r in range(BATCH)]

    # Drive sent exactly the orders the batch submits: each was acknowledged, or was
    # still unanswered when the drain ended (a busy machine: its POSTs wait for CPU).
    unanswered = report["traffic"]["not_accepted"].get(NO_ANSWER, 0)
    assert report["traffic"]["not_accepted"] == ({NO_ANSWER: unanswered} if unanswered
                                                 else {})
    assert report["orders"]["submitted"] + unanswered == batch[0]["orders"]["submitted"]
    assert report["http"]["errors_by_status"] == {}
    for section, key in (("fallout", "rate"), ("cycle_time_hours", "mean")):
        low, high = prediction_interval([b[section][key] for b in batch])
        assert low <= report[section][key] <= high, (section, key, low, high)
    assert report["cycle_time_hours"]["n"] > 30
    assert report["state_changes"]["notification_share"] > 0.9  # the hub works

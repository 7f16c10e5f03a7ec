"""benchmarks/locustfile.py sends the mix ``omsim drive`` sends for the same scenario: one
task per arrival stream weighted by its rate, the same offerings and bulk sizes, bodies
built by drive's own functions. (Locust patches the standard library when imported, so
the locustfile is read in a subprocess; tests/test_live_locust.py runs it for real.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from sim.drive.bodies import order_body
from sim.scenario.load import load_scenario
from sim.traffic.requests import provide_request
from tests.conftest import REPO, SCENARIOS

PROBE = """
import collections, json, runpy
mix = runpy.run_path("benchmarks/locustfile.py", run_name="locustfile")
user = mix["ScenarioUser"]  # Locust lists each task as often as its weight
print(json.dumps({
    "tasks": collections.Counter(t.__name__ for t in user.tasks),
    "b2c": [mix["B2C"].offering, mix["B2C"].sites],
    "bulk": [mix["BULK"].offering, mix["BULK_SITES"]],
    "segments": {a.offering: mix["segment"](a) for a in mix["STREAMS"]},
}))
"""


def locust_mix(scenario: str, **env: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO),
                               "OMSIM_SCENARIO": str(SCENARIOS / scenario), **env})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def lifecycle():
    return locust_mix("order_lifecycle.yaml")


def test_one_task_per_stream_weighted_by_its_rate(lifecycle):
    scenario = load_scenario(SCENARIOS / "order_lifecycle.yaml")
    streams = [a for a in scenario.arrivals if a.rate_per_day is not None]
    expected = {f"{a.order_type}_{a.offering}": round(a.rate_per_day * 10) for a in streams}
    assert lifecycle["tasks"] == expected
    assert {"provide", "modify", "cease", "move", "suspend", "resume", "cancel",
            "amend"} == {name.split("_", 1)[0] for name in lifecycle["tasks"]}


def test_same_offerings_and_bulk_sizes_as_the_scenario(lifecycle):
    assert lifecycle["b2c"] == ["SuperFibre 200 Home", 1]  # the busiest one-site stream
    assert lifecycle["bulk"] == ["Enterprise Connect Site", [60]]
    assert locust_mix("bulk_enterprise.yaml")["bulk"] == ["Enterprise Connect Site", [500]]
    assert locust_mix("order_lifecycle.yaml", OMSIM_BULK_SITES="5,7")["bulk"][1] == [5, 7]


def test_a_provide_body_is_drives(lifecycle):
    """The body a Locust user posts for a stream is drive's body for that request (the
    same function, given the same sites and customer): offering, sites, category."""
    scenario = load_scenario(SCENARIOS / "order_lifecycle.yaml")
    bulk = scenario.arrivals[2]
    request = provide_request(bulk, [f"A{n}" for n in range(60)], "C1",
                              lifecycle["segments"][bulk.offering])
    body = order_body(request)
    assert body["category"] == "enterprise" and len(body["productOrderItem"]) == 60
    assert body["description"] == "Enterprise Connect Site (bulk)"

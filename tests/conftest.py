"""Shared fixtures and builders: small scenarios that run in a fraction of a second, an
order manager on a two-port network for the layer tests, reports without wall time."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import simpy
import yaml

from network_model import Network, NetworkSize, generate_network
from om import (
    BillingStarted,
    EventBus,
    FakeSouthbound,
    FalloutRaised,
    OrderManager,
    StateChanged,
    load_catalog,
)
from om.fallout import FalloutQueue
from sim.scenario.load import scenario_from_dict
from sim.scenario.schema import Scenario

pytest_plugins = ["pytester"]  # a user's own pytest session, for the omsim fixture


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give each test schemathesis generates its own node id.

    Schemathesis 4.32 names an operation's test ``function[POST /path]`` but, under
    pytest 9.2, leaves it the node id of the function it came from. pytest-xdist
    schedules by node id, so ``make test`` ran one operation of the 23, silently
    (tests/test_api_schemathesis.py now checks that every operation ran)."""
    for item in items:
        label = item.name.partition("[")[2]
        if type(item).__name__ == "SchemathesisFunction" and label \
                and not item.nodeid.endswith("]"):
            item._id = type(item._id).parse(f"{item.nodeid}[{label}")


REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
CATALOG = SCENARIOS / "catalog.yaml"

SMALL: dict[str, Any] = {
    "name": "small",
    "seed": 7,
    "duration_days": 6,
    "warmup_days": 1,
    "catalog": str(CATALOG),
    "network": {"exchanges": 2, "olts_per_exchange": 1, "line_cards_per_olt": 2,
                "pon_ports_per_line_card": 4, "split_ratio": 32, "bngs": 2, "regions": 1,
                "unserviceable_addresses": 20, "ipv4_pool_prefix_length": 22},
    "workforce": {"technicians": 12, "appointment_lead_days": {"dist": "uniform", "low": 0,
                                                              "high": 1}},
    "arrivals": [
        {"offering": "SuperFibre 200 Home", "rate_per_day": 30},
        {"offering": "Business Fibre 1G", "rate_per_day": 5},
        {"offering": "Enterprise Connect Site", "rate_per_day": 0.5, "sites": 4},
    ],
}


def small_dict(**changes: Any) -> dict[str, Any]:
    """A copy of the small scenario with top-level fields replaced."""
    raw = copy.deepcopy(SMALL)
    raw.update(changes)
    return raw


@pytest.fixture
def small_scenario() -> Scenario:
    return scenario_from_dict(small_dict(), "small.yaml", REPO)


@pytest.fixture
def write_yaml(tmp_path: Path):
    def write(name: str, data: Any) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path
    return write


def without_wall_time(data: Any) -> str:
    """The JSON text of a report (or a list of them) without ``sim.wall_seconds``, the
    one field that varies from run to run: what determinism compares, byte for byte."""
    copied = json.loads(json.dumps(data))
    for report in copied if isinstance(copied, list) else [copied]:
        report["sim"].pop("wall_seconds")
    return json.dumps(copied)


# One exchange, one OLT with two PON ports, one BNG; the last address is served by no port.
TWO_PORTS = NetworkSize(exchanges=1, olts_per_exchange=1, line_cards_per_olt=1,
                        pon_ports_per_line_card=2, bngs=1, unserviceable_addresses=1)


class OrderManagerUnderTest(NamedTuple):
    env: simpy.Environment
    net: Network
    sb: Any  # the test southbound
    om: OrderManager
    log: list[Any]  # the events of the logged kinds, in order


def order_manager(southbound: Callable[[simpy.Environment], Any] = FakeSouthbound, *,
                  catalog: Any = None,
                  logged: Iterable[type] = (StateChanged, FalloutRaised, BillingStarted),
                  fallout_queue: Callable[[simpy.Environment, EventBus], FalloutQueue]
                  | None = None, **options: Any) -> OrderManagerUnderTest:
    """COM, SOM and ROM over the TWO_PORTS network with ``southbound(env)`` standing in
    for the elements. ``options`` go to :class:`OrderManager` (policies, rng,
    on_item_failure); ``fallout_queue(env, bus)`` builds the operations team."""
    env = simpy.Environment()
    net = generate_network(TWO_PORTS, 1)
    bus = EventBus()
    sb = southbound(env)
    queue = fallout_queue(env, bus) if fallout_queue is not None else None
    om = OrderManager(env, catalog or load_catalog(CATALOG), net, sb, bus,
                      fallout_queue=queue, **options)
    log: list[Any] = []
    for kind in logged:
        bus.subscribe(kind, log.append)
    return OrderManagerUnderTest(env, net, sb, om, log)

"""Shared fixtures: small scenarios that run in a fraction of a second."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.scenario import Scenario, scenario_from_dict

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

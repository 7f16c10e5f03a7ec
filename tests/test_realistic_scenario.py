"""scenarios/realistic_ftth.yaml looks like a real operator's network: a fifth of the
provide orders fall out, from at least five causes at once, none of them half of the
fallout; intake dips at the weekend and doubles in the campaign.

The design. About 1,600 provide orders after the warm-up and 320 of them falling out:
the fallout rate's standard error is 1 % (it is 20 %, the bounds 10 % and 30 %), the
largest cause's share has one of 2.6 % (it is 31 %, the bound 50 %), and the sixth
cause (timeouts, about 17 orders) is a Poisson count whose chance of being 0 is below
one in ten million; so a change of random streams does not fail this test by chance.
"""

from __future__ import annotations

import pytest

from sim.run.harness import run_scenario
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS

CAUSES = {"address_not_found", "inventory_mismatch", "element_error", "timeout",
          "customer_not_home", "resource_exhausted"}


@pytest.fixture(scope="module")
def report() -> dict:
    return run_scenario(load_scenario(SCENARIOS / "realistic_ftth.yaml")).data


def test_a_fifth_of_provide_orders_fall_out_from_many_causes(report):
    provide = report["fallout"]["by_order_type"]["provide"]
    assert 0.10 <= provide["rate"] <= 0.30, provide
    by_cause = report["fallout"]["by_cause"]
    total = sum(by_cause.values())
    assert set(by_cause) == CAUSES, by_cause  # six causes at once
    assert max(by_cause.values()) <= total / 2, by_cause  # none above half


def test_intake_follows_the_week_and_the_campaign(report):
    """Day 0 is a Monday: Saturdays and Sundays get under 60 % of a weekday's orders;
    the campaign's Friday to Monday (days 18-21) gets over 1.4 times the week
    before's (the profile says 0.42 and 2)."""
    submitted = report["timeline"]["submitted"]
    campaign = range(18, 22)
    weekend = [n for d, n in enumerate(submitted) if d % 7 in (5, 6) and d not in campaign]
    weekday = [n for d, n in enumerate(submitted) if d % 7 < 5 and d not in campaign]
    assert sum(weekend) / len(weekend) < 0.6 * sum(weekday) / len(weekday)
    assert sum(submitted[18:22]) > 1.4 * sum(submitted[11:15])

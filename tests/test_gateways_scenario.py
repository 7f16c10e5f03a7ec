"""scenarios/gateways.yaml (issue 17): the baseline city with a wholesale partner for the
off-net tenth of its addresses and a courier for every CPE. Each partner cause appears;
the wholesale partner's outage (days 5-7) is ``partner_timeout`` fallout in the partner
layer and its backlog surge (days 18-24) ``partner_rejected`` (no capacity), each only
then; the partners' own jeopardy (partial acceptance, announced delays) is heard.

The design: about 19 off-net orders a day reach the wholesale partner, so two days of
outage give some 40 timeouts (a Poisson count, never 0 in practice), and the surge puts
its backlog above capacity for days (over 100 refusals); ~5 % of about 5,000 parcels
fail and 5 % / 10 % of ~500 wholesale orders are partial / delayed (expected ~25 / ~50).
"""

from __future__ import annotations

import pytest

from om.events import FalloutRaised, PartnerJeopardy
from sim.run.harness import build_run
from sim.scenario.load import load_scenario
from sim.units import DAY_S
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def gateways():
    scenario = load_scenario(SCENARIOS / "gateways.yaml")
    run = build_run(scenario, keep_ended=False)
    log: list = []
    run.om.bus.subscribe(FalloutRaised, log.append)
    run.om.bus.subscribe(PartnerJeopardy, log.append)
    run.env.run(until=scenario.duration_days * DAY_S)
    return run.metrics.report(), log, run.revenue.report(), run.partners.report()


def test_each_partner_cause_appears_in_the_partner_layer(gateways):
    report, log, _, _ = gateways
    by_cause = report["fallout"]["by_cause"]
    for cause in ("partner_rejected", "partner_timeout", "delivery_failed"):
        assert by_cause.get(cause, 0) > 0, by_cause
    assert {e.layer for e in log if isinstance(e, FalloutRaised)
            and e.cause.startswith(("partner", "delivery"))} == {"partner"}


def test_outage_times_out_and_surge_is_refused_only_in_their_windows(gateways):
    _, log, _, _ = gateways
    unanswered = [e.at_s / DAY_S for e in log if isinstance(e, FalloutRaised)
                  and "no answer" in e.detail]
    refused = [e.at_s / DAY_S for e in log if isinstance(e, FalloutRaised)
               and e.detail.endswith("no_capacity")]
    assert len(unanswered) > 10 and all(5 <= d <= 7.1 for d in unanswered)
    assert len(refused) > 50 and all(18 <= d <= 24.1 for d in refused)


def test_partners_announce_their_own_jeopardy(gateways):
    _, log, _, _ = gateways
    reasons = [e.reason for e in log if isinstance(e, PartnerJeopardy)]
    assert reasons.count("partial") > 5 and reasons.count("delayed") > 10


def test_revenue_figures_add_up(gateways):
    """Per cause and per offering, revenue lost and delayed sum to their totals; every
    partner cause costs something, and lost orders are those that fell out for good."""
    report, _, revenue, _ = gateways
    for kind in ("lost", "delayed"):
        part = revenue[kind]
        assert sum(part["by_cause"].values()) == pytest.approx(part["total"], abs=0.005)
        assert sum(part["by_offering"].values()) == pytest.approx(part["total"], abs=0.005)
    lost = revenue["lost"]
    assert {"partner_rejected", "partner_timeout", "delivery_failed"} <= set(lost["by_cause"])
    assert 0 < lost["orders"] <= report["orders"]["failed"] + report["orders"]["partial"] \
        + report["orders"]["cancelled"] + report["orders"]["rejected"]


def test_partner_figures_match_the_failure_shares(gateways):
    """About 5,000 parcels of which 5 % fail (1.4 % wide at 3 standard errors each
    side); the wholesale partner refuses hundreds in its surge and hears no cancel
    twice."""
    *_, partners = gateways
    courier, wholesale = partners["courier"], partners["wholesale"]
    ended = sum(courier["ended"].values())
    assert ended > 4000
    assert 0.036 < courier["ended"]["failed"] / ended < 0.064, courier
    assert wholesale["ended"]["rejected"] > 100, wholesale
    assert wholesale["orders"] >= sum(wholesale["ended"].values())
    assert wholesale["jeopardy"]["partial"] > 5 and wholesale["jeopardy"]["delayed"] > 10

"""What fallout costs (issue 17): the catalog prices offerings (monthly and one-off
charge, contract term), and the report prices delay and fallout with them: revenue
delayed (billing days lost past the promised date) and revenue lost (orders that fell
out for good, or were cancelled after a jeopardy), per offering and per cause."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from om import Action, ProductOrderItem, ScenarioError, State
from om.commercial import TERM, Charges
from sim.live.views import Views
from sim.run.harness import run_scenario
from sim.scenario.load import scenario_from_dict
from sim.units import DAY_S
from tests.conftest import REPO, SCENARIOS, small_dict
from tests.test_gateways import HOME, _tiny_run


def test_one_late_orders_delayed_revenue_by_hand():
    """The courier takes 20 days, the SLA promises 14: billing starts about six days
    late, and those days at 45 EUR a month are what the report says is delayed."""
    run, _ = _tiny_run(courier={"lead_days": 20})
    place = run.om.network.addresses[0].id  # on-net: GPON, parcel, visit, session, IP
    order = run.om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, place)], "Ada")
    run.channel.on_submit(order, HOME)
    run.om.submit(order)
    run.env.run(until=25 * DAY_S)
    assert order.state is State.COMPLETED
    late_days = (order.billing_start_s - order.order_date_s) / DAY_S - 14
    assert 6 < late_days < 8
    by_hand = round(late_days * 45 * 12 / 365.25, 2)  # 45 EUR a month, 365.25/12 days
    revenue = run.revenue.report()
    assert revenue["delayed"]["total"] == pytest.approx(by_hand, abs=0.005)
    assert revenue["delayed"]["by_cause"] == {"none": revenue["delayed"]["total"]}
    assert revenue["delayed"]["orders"] == 1 and revenue["lost"]["total"] == 0
    # The product inventory (TMF637) carries the price and the term, from billing start.
    product = run.om.products.products[order.items[0].product_id]
    doc = Views(datetime(2026, 1, 1, tzinfo=UTC)).product(product)
    assert [p["price"]["taxIncludedAmount"] for p in doc["productPrice"]] == [
        {"unit": "EUR", "value": 45}, {"unit": "EUR", "value": 60}]
    (term,) = doc["productTerm"]
    assert term["duration"] == {"amount": 24, "units": "month"}
    assert term["validFor"]["startDateTime"] == Views(datetime(2026, 1, 1, tzinfo=UTC)).date(
        order.billing_start_s)
    assert (product.term_end_s - product.term_start_s) / DAY_S == pytest.approx(730.5)


def test_a_failed_order_loses_its_contract_and_a_punctual_one_nothing():
    run, _ = _tiny_run(courier={"failures": {"lost": 1.0}})
    place = run.om.network.addresses[0].id
    order = run.om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, place)], "Ada")
    run.channel.on_submit(order, HOME)
    run.om.submit(order)
    run.env.run(until=25 * DAY_S)
    assert order.state is State.FAILED
    lost = run.revenue.report()["lost"]
    assert lost["by_cause"] == {"delivery_failed": 60 + 45 * 24}  # one-off + 24 months
    assert lost["by_offering"] == {HOME: 60 + 45 * 24}


def test_contract_value_and_tmf637_price():
    charges = Charges(45.0, 60.0, 24)
    assert charges.contract_value == 60 + 45 * 24
    assert [p["priceType"] for p in charges.product_price()] == ["recurring", "oneTime"]
    assert Charges(10.0).contract_value == 10  # no term: one month


def _completed_home(run):
    place = run.om.network.addresses[0].id
    order = run.om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, place)], "Ada")
    run.om.submit(order)
    run.env.run(until=5 * DAY_S)
    assert order.state is State.COMPLETED
    return run.om.products.products[order.items[0].product_id]


def test_a_renewal_restarts_the_term_and_touches_no_network():
    run, _ = _tiny_run()
    product = _completed_home(run)
    renew = run.om.com.new_order([ProductOrderItem(
        "1", Action.MODIFY, HOME, product.place, {TERM: 36}, product_id=product.id)], "Ada")
    assert renew.order_type == "renew"
    run.om.submit(renew)
    run.env.run(until=6 * DAY_S)
    assert renew.state is State.COMPLETED
    assert renew.service_order is None  # no CFS touched: nothing sent to SOM or ROM
    assert renew.items[0].unchanged == ("CFS_InternetAccess",)
    assert product.term_start_s == renew.completion_date_s
    assert product.charges.term_months == 36 and TERM not in product.characteristics
    assert (product.term_end_s - product.term_start_s) / DAY_S == pytest.approx(36 * 30.4375)
    bad = run.om.com.new_order([ProductOrderItem(
        "1", Action.MODIFY, HOME, product.place, {TERM: 0}, product_id=product.id)], "Ada")
    run.om.submit(bad)
    run.env.run(until=7 * DAY_S)
    assert bad.state is State.REJECTED and TERM in bad.state_reason


def test_renewal_orders_arrive_from_a_scenario(write_yaml):
    raw = small_dict(catalog=str(SCENARIOS / "catalog_gateways.yaml"),
                     arrivals=[{"offering": HOME, "rate_per_day": 30},
                               {"offering": HOME, "order_type": "renew", "rate_per_day": 10,
                                "characteristics": {TERM: 12}}])
    report = run_scenario(scenario_from_dict(raw, "renew.yaml", REPO)).data
    renewals = report["order_types"]["renew"]
    assert renewals["submitted"] > 10 and renewals["completed"] == renewals["submitted"]
    with pytest.raises(ScenarioError, match="renew arrival needs"):
        scenario_from_dict(small_dict(arrivals=[{"offering": HOME, "order_type": "renew",
                                                 "rate_per_day": 1}]), "r.yaml", REPO)

"""The emulated partner in a long live run (issue 17): it forgets the orders that ended
once nothing can ask for them, instead of keeping every order it has seen, and still
answers a late retry of a submission with the same order."""

from __future__ import annotations

import simpy

from om.partners import COMPLETED, PartnerRequest
from sim.elements.partner import EmulatedPartner
from sim.rng import stream
from sim.scenario.partners import PartnerSettings
from sim.units import DAY_S

ONE_DAY = {"dist": "uniform", "low": 1, "high": 1}


def _request(n: int) -> PartnerRequest:
    return PartnerRequest(f"RO-{n}/1", f"RO-{n}/1#1", f"PO-{n}/1", "RFS_WholesaleAccess",
                          "ADDR1")


def test_ended_orders_are_forgotten_once_nothing_can_ask_for_them():
    env = simpy.Environment()
    partner = EmulatedPartner(env, "wholesale",
                              PartnerSettings(lead_days=ONE_DAY,
                                              rejections={"address_unknown": 0.2}),
                              stream(1, 0, "partner"))
    assert DAY_S < partner.forget_after_s < 2 * DAY_S  # its retries, twice, and a day

    def four_a_day():
        for n in range(200):
            partner.submit(_request(n))
            yield env.timeout(DAY_S / 4)

    env.process(four_a_day())
    env.run(until=50 * DAY_S)
    # 200 orders seen; kept: those in work (a day's worth) and those ended within the
    # last forget_after_s (about a day's worth), four a day each.
    assert len(partner.orders) <= 12
    assert len(partner._by_request) == len(partner.orders)
    assert all(o.id in partner.orders for o in partner._by_request.values())


def test_a_retry_within_the_gateways_tries_finds_the_ended_order():
    env = simpy.Environment()
    partner = EmulatedPartner(env, "wholesale", PartnerSettings(lead_days=ONE_DAY),
                              stream(1, 0, "partner"))
    first = partner.submit(_request(1))
    env.run(until=1.5 * DAY_S)  # it has ended
    assert first.value.state != COMPLETED  # the answer was a snapshot at submission
    partner.submit(_request(2))  # a new order comes in (forgetting is done then)
    again = partner.submit(_request(1))
    env.run(until=1.6 * DAY_S)
    assert again.value.partner_order_id == first.value.partner_order_id
    assert again.value.state == COMPLETED

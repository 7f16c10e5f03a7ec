"""The partner adapter of ``omsim serve --partner`` (issue 17) against a small fake TMF622
order manager (tests/drivetools.py): om's partner gateway places the wholesale line of
an off-net provide there, follows it by hub notifications or polling, and maps what
the partner says onto our fallout causes; the preflight turns a bad partner into one
error line."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import simpy.rt

from om import Action, ProductOrderItem, State
from om.orders import TERMINAL
from om.partners import (
    ACKNOWLEDGED,
    CANCELLED,
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    PARTNER_CODES,
    REJECTED,
    PartnerPolicy,
    PartnerRequest,
    PartnerUpdate,
)
from sim.cli import main
from sim.live.service import LiveService
from sim.partners import PartnerError, RemotePartner
from sim.partners.orders import later, update_of
from sim.run.harness import build_run
from sim.scenario.load import scenario_from_dict
from sim.units import DAY_S
from tests.conftest import REPO, SCENARIOS, small_dict
from tests.drivetools import FakeTarget, Misbehaviour

HOME = "SuperFibre 200 Home"
SPEED = 86_400.0  # a simulated day per wall second


def _run(url: str, policy: PartnerPolicy | None = None):
    """A small retailer with a tenth of its addresses off-net, its wholesale partner the
    TMF622 endpoint at ``url`` (its courier emulated and quick), on a real-time clock."""
    raw = small_dict(catalog=str(SCENARIOS / "catalog_gateways.yaml"), duration_days=30,
                     warmup_days=0, arrivals=[{"offering": HOME, "at_day": 29.9}],
                     partners={"courier": {"lead_days": {"dist": "uniform", "low": 0.01,
                                                         "high": 0.01}}})
    raw["network"] = {**raw["network"], "off_net_share": 0.1}
    env = simpy.rt.RealtimeEnvironment(factor=1 / SPEED, strict=False)
    run = build_run(scenario_from_dict(raw, "tiny.yaml", REPO), env=env, trace=True)
    remote = RemotePartner("wholesale", url, speed=SPEED)
    remote.open()
    gateway = run.om.rom.southbound
    gateway.partners["wholesale"] = remote.attach(env)
    gateway.policies["wholesale"] = remote.policy(policy or PartnerPolicy(attempts=1))
    place = next(a.id for a in run.om.network.addresses if a.off_net)
    return run, remote, place


def _provide(run, place, within_days: float = 5.0):
    """An off-net provide, run until it ended (or ``within_days`` simulated days)."""
    order = run.om.com.new_order([ProductOrderItem("1", Action.ADD, HOME, place)], "Ada")
    run.trace.track(order)
    run.om.submit(order)
    env = run.env
    while order.state not in TERMINAL and env.now < within_days * DAY_S:
        env.run(until=env.now + 0.05 * SPEED)
    return order


def _line(run, order):
    tree = run.trace.tree(order)
    return tree, tree["items"][0]["services"][0]["resource_order"]["items"][0]


@pytest.mark.parametrize("bad", [Misbehaviour(), Misbehaviour(lost=1)],
                         ids=["hub", "notifications lost: polling"])
def test_a_wholesale_line_completes_at_a_tmf622_partner_correlated_both_ways(bad):
    with FakeTarget(bad) as fake:
        run, remote, place = _run(fake.url)
        try:
            order = _provide(run, place)
        finally:
            remote.close()
    assert order.state is State.COMPLETED
    item = order.items[0].service_items[0].resource_order.items[0]
    (body,) = fake.did.bodies
    assert body["externalId"] == item.key  # the partner knows our item
    assert body["productOrderItem"][0]["productOffering"]["id"] == "RFS_WholesaleAccess"
    assert body["productOrderItem"][0]["product"]["place"][0]["id"] == place
    assert fake.did.posts[0]["Idempotency-Key"] == f"{item.key}#1"
    _, line = _line(run, order)
    (theirs,) = fake.orders
    assert list(line["partner"]["orders"]) == [theirs]  # and we know theirs
    assert line["partner"]["orders"][theirs][-1][0] == "completed"
    if bad.lost:
        assert fake.did.gets.get(theirs)  # only a poll could have seen it end
    assert fake.did.hub_deleted  # closing unregistered from the partner's hub


def test_a_failed_wholesale_order_is_the_mapped_cause_in_the_partner_layer():
    """The fake fails every order with resourceExhausted: the partner had no capacity."""
    with FakeTarget(Misbehaviour(fail=1)) as fake:
        run, remote, place = _run(fake.url)
        try:
            order = _provide(run, place)
        finally:
            remote.close()
    assert order.state is State.FAILED
    tree, _ = _line(run, order)
    assert tree["fallout"]["cause"] == "partner_rejected"
    assert tree["fallout"]["layer"] == "partner"


def test_a_partner_that_never_finishes_is_a_timeout_and_its_order_is_cancelled():
    policy = PartnerPolicy(attempts=1, deadline_s=1 * DAY_S)
    with FakeTarget(Misbehaviour(never_end=1)) as fake:
        run, remote, place = _run(fake.url, policy)
        try:
            order = _provide(run, place)
            run.env.run(until=run.env.now + 0.3 * SPEED)  # the cancellation's answer
        finally:
            remote.close()
    assert order.state is State.FAILED
    tree, line = _line(run, order)
    assert tree["fallout"]["cause"] == "partner_timeout"
    # Each placement (ROM tries the item again) was given up and cancelled there.
    placed = list(line["partner"]["orders"])
    assert placed == sorted(fake.orders)
    assert sorted(c["productOrder"]["id"] for c in fake.did.cancels) == placed
    assert {fake.orders[o]["state"] for o in placed} == {"cancelled"}


@contextlib.contextmanager
def _attached(url: str) -> Iterator[tuple[simpy.rt.RealtimeEnvironment, RemotePartner]]:
    """The partner at ``url`` on its own, opened and attached to a real-time clock;
    closed after."""
    env = simpy.rt.RealtimeEnvironment(factor=1 / SPEED, strict=False)
    remote = RemotePartner("wholesale", url, speed=SPEED)
    remote.open()
    try:
        yield env, remote.attach(env)
    finally:
        remote.close()


# A wholesale line's placement, as the gateway asks for it.
_ADD = PartnerRequest("RO-1/1", "RO-1/1#1", "PO-1/1", "RFS_WholesaleAccess", "ADDR1")


def test_a_resubmission_finds_the_same_partner_order():
    with FakeTarget() as fake, _attached(fake.url) as (env, remote):
        first = remote.submit(_ADD)
        env.run(until=first)
        again = remote.submit(_ADD)  # the gateway's retry after a lost answer
        env.run(until=again)
    assert fake.did.created == 1
    assert first.value.partner_order_id == again.value.partner_order_id == "PO-00001"


def test_a_cease_removes_the_product_the_partners_order_made():
    with FakeTarget() as fake, _attached(fake.url) as (env, remote):
        update = env.run(until=remote.submit(_ADD))
        while update.state != COMPLETED:
            update = env.run(until=remote.follow(update.partner_order_id))
        cease = PartnerRequest("RO-1/1", "RO-1/1#cease", "PO-1/1", "RFS_WholesaleAccess",
                               "ADDR1", "delete")
        env.run(until=remote.submit(cease))
    (item,) = fake.did.bodies[1]["productOrderItem"]
    assert item["action"] == "delete"
    assert item["product"]["id"] == fake.orders["PO-00001"]["productOrderItem"][0]["product"]["id"]
    assert fake.did.bodies[1]["externalId"] == "RO-1/1"


def test_what_a_partner_says_maps_onto_our_causes():
    def cause(doc):
        update = update_of({"id": "W-1", **doc})
        return update.state, update.reason, PARTNER_CODES.get(update.reason)

    address = {"note": [{"text": "address_not_found"}]}
    assert cause({"state": "rejected", **address})[:2] == (REJECTED, "address_unknown")
    assert cause({"state": "failed", **address})[2].value == "partner_rejected"
    capacity = {"errorMessage": [{"code": "resourceExhausted"}]}
    assert cause({"state": "failed", **capacity})[2].value == "partner_rejected"
    assert cause({"state": "failed", "note": [{"text": "element_timeout"}]}) == \
        (FAILED, "not_delivered", PARTNER_CODES["not_delivered"])
    assert PARTNER_CODES["not_delivered"].value == "delivery_failed"
    assert cause({"state": "rejected"})[:2] == (REJECTED, "")  # partner_rejected by default
    assert cause({"state": "partial"})[:2] == (FAILED, "partial")
    assert cause({"state": "acknowledged"})[0] == ACKNOWLEDGED
    for state in ("inProgress", "pending", "held", "assessingCancellation"):
        assert cause({"state": state})[0] == IN_PROGRESS
    assert cause({"state": "completed"})[0] == COMPLETED
    assert cause({"state": "cancelled"})[0] == CANCELLED
    # A late notification never moves an order back, and an ended order stays ended.
    done = PartnerUpdate("W-1", COMPLETED)
    assert later(done, PartnerUpdate("W-1", IN_PROGRESS))
    assert not later(PartnerUpdate("W-1", IN_PROGRESS), done)
    assert not later(PartnerUpdate("W-1", ACKNOWLEDGED), PartnerUpdate("W-1", IN_PROGRESS))


@pytest.mark.parametrize(("fake", "key", "said"), [
    (dict(misbehaviour=Misbehaviour(list_answer="404")), None,
     "--partner wholesale=URL: GET productOrder answered 404: not a TMF622 endpoint"),
    (dict(api_key="sesame"), None, "--partner-api-key wholesale=URL: needs an API key"),
    (dict(api_key="sesame"), "wrong", "refused the API key (HTTP 401); check "
                                      "--partner-api-key"),
    (dict(api_key="sesame"), "s\u00e9same", "--partner-api-key: must be printable ASCII"),
    (dict(api_key="sesame"), "ses\name", "--partner-api-key: must be printable ASCII"),
])
def test_a_bad_partner_is_one_error_line_before_serving(fake, key, said, capsys):
    with FakeTarget(**fake) as target:
        argv = ["serve", str(SCENARIOS / "gateways.yaml"), "--port", "0", "--partner",
                f"wholesale={target.url}"]
        code = main([*argv, *(["--partner-api-key", key] if key else [])])
    err = capsys.readouterr().err.replace(target.url, "URL")
    assert code == 2
    assert said in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_the_adapter_refuses_a_partner_that_is_not_there():
    remote = RemotePartner("wholesale", "http://127.0.0.1:9/tmf-api/"
                                        "productOrderingManagement/v4")
    try:
        with pytest.raises(PartnerError, match="cannot connect"):
            remote.open()
    finally:
        remote.close()


def test_a_wire_port_behind_the_partner_gateway_is_attached_shown_and_closed(tmp_path):
    """--southbound with a catalog that has partners: the partner gateway stands in front
    of the wire port, which must still learn the services, show its figures and close."""
    made = []

    class WirePort:
        def __init__(self, env, network, scenario):
            self.env, self.calls = env, []
            made.append(self)

        def activate(self, item):
            return self.env.event()

        def deactivate(self, item):
            return self.env.event()

        def attach(self, om):
            self.calls.append("attach")

        def stats(self):
            return {"sent": {"activate": 0}}

        def close(self):
            self.calls.append("close")

    scenario = scenario_from_dict(small_dict(catalog=str(SCENARIOS / "catalog_gateways.yaml")),
                                  "tiny.yaml", REPO)
    service = LiveService(scenario, tmp_path / "s.sqlite", speed=3600.0, southbound=WirePort)
    try:
        service.start()
        assert service.status()["southbound"] == {"sent": {"activate": 0}}
    finally:
        service.stop()
    assert made[0].calls == ["attach", "close"]

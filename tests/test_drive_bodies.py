"""What omsim drive sends: TMF622 v4 bodies for every order type (valid against the vendored
spec), changes only to products the target created and reported, cancellations and
amendments of orders still open; and the request bodies Locust sends are the same."""

from __future__ import annotations

import pytest

from om.tmf_specs import validate_body
from sim.drive import DriveOptions, drive
from sim.drive.addresses import scenario_addresses
from sim.drive.poller import PollPolicy
from sim.scenario.load import scenario_from_dict
from tests.conftest import REPO, small_dict
from tests.drivetools import FakeTarget, Misbehaviour

HOME = "SuperFibre 200 Home"
CHANGES = {"downstream_mbps": 500}


def lifecycle_scenario():
    """A day and a half of every order type, the changes about as often as new lines."""
    arrivals = [{"offering": HOME, "rate_per_day": 120},
                {"offering": "Enterprise Connect Site", "at_day": 0.1, "sites": 5},
                *({"offering": HOME, "order_type": kind, "rate_per_day": 40}
                  for kind in ("cease", "move")),
                # Resumes find a suspended product among all of them by random draws:
                # more suspends and more tries keep a handful sent however late the
                # target's answers come on a busy machine.
                {"offering": HOME, "order_type": "suspend", "rate_per_day": 120},
                {"offering": HOME, "order_type": "resume", "rate_per_day": 120},
                {"offering": HOME, "order_type": "modify", "rate_per_day": 40,
                 "characteristics": CHANGES},
                {"offering": HOME, "order_type": "cancel", "rate_per_day": 40},
                {"offering": HOME, "order_type": "amend", "rate_per_day": 40,
                 "characteristics": CHANGES}]
    raw = small_dict(name="drive-lifecycle", duration_days=1.5, warmup_days=0,
                     arrivals=arrivals)
    return scenario_from_dict(raw, "drive-lifecycle.yaml", REPO)


@pytest.fixture(scope="module")
def sent():
    """The orders of a drive whose target ends orders after 0.2 s (half an hour of the
    scenario at this speed), so that cancellations and amendments find some open."""
    s = lifecycle_scenario()
    with FakeTarget(Misbehaviour(in_progress_s=0.02, end_s=0.2)) as fake:
        options = DriveOptions(target=fake.url, speed=86400.0 / 2, drain_timeout_s=8.0,
                               poll=PollPolicy(first_s=0.5))
        [report] = drive(s, options, scenario_addresses(s, s.seed))
    return fake, report, scenario_addresses(s, s.seed)


def of_kind(fake, kind: str):
    return [b for b in fake.did.bodies if b["category"] == kind
            or (kind == "provide" and b["category"] in ("b2c", "b2b", "enterprise"))]


def test_every_body_is_valid_tmf622(sent):
    fake, _, _ = sent
    assert fake.did.bodies and fake.did.cancels and fake.did.patches
    for body in fake.did.bodies:
        assert validate_body("TMF622", "ProductOrder_Create", body) == [], body
    for body in fake.did.cancels:
        assert validate_body("TMF622", "CancelProductOrder_Create", body) == [], body
    for body in fake.did.patches:
        assert validate_body("TMF622", "ProductOrder_Update", body) == [], body


def test_provides_order_new_lines_at_the_scenario_addresses(sent):
    fake, _, addresses = sent
    provides = of_kind(fake, "provide")
    assert max(len(b["productOrderItem"]) for b in provides) == 5  # the bulk order
    for body in provides:
        assert body["externalId"].startswith("omsim-drive:")
        assert body["relatedParty"][0]["role"] == "Customer"
        for item in body["productOrderItem"]:
            assert item["action"] == "add" and item["productOffering"]["id"]
            place = item["product"]["place"][0]
            assert place["role"] == "installationAddress" and place["id"] in addresses


def test_changes_act_on_products_the_target_created(sent):
    """modify, suspend, resume, cease and move name a product id the target gave a
    completed order (``PR-...``), with the action and status each needs."""
    fake, report, _ = sent
    created = {i["product"]["id"] for o in fake.orders.values() if o["state"] == "completed"
               for i in o["productOrderItem"] if i["action"] == "add"}
    for kind in ("modify", "suspend", "resume", "cease", "move"):
        bodies = of_kind(fake, kind)
        assert bodies, f"no {kind} order was sent ({report['traffic']['skipped']})"
        for body in bodies:
            items = body["productOrderItem"]
            changed = items[-1]
            assert changed["product"]["id"] in created
            if kind == "modify":
                assert changed["action"] == "modify"
                assert changed["product"]["productCharacteristic"] == [
                    {"name": "downstream_mbps", "value": 500}]
            elif kind in ("suspend", "resume"):
                assert changed["action"] == "modify"
                assert changed["product"]["status"] == ("suspended" if kind == "suspend"
                                                        else "active")
            elif kind == "cease":
                assert [i["action"] for i in items] == ["delete"]
            else:  # move: the new line, then the old one after it
                assert [i["action"] for i in items] == ["add", "delete"]
                assert changed["orderItemRelationship"] == [
                    {"id": "1", "relationshipType": "dependsOn"}]


def test_cancellations_and_amendments_target_orders_drive_knows_open(sent):
    fake, report, _ = sent
    ours = {o["id"] for o in fake.orders.values()}
    assert {c["productOrder"]["id"] for c in fake.did.cancels} <= ours
    changes = report["cancellations"]
    assert changes["requested"] == len(fake.did.cancels)
    assert changes["accepted"] == fake.did.ended["cancelled"] > 0
    amendments = report["amendments"]
    assert amendments["requested"] == len(fake.did.patches) > 0
    assert amendments["applied"] + amendments["refused"] == len(fake.did.patches)
    for patch in fake.did.patches:
        assert patch["productOrderItem"][0]["product"]["productCharacteristic"] == [
            {"name": "downstream_mbps", "value": 500}]

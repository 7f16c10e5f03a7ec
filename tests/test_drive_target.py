"""omsim drive against a TMF622 target that misbehaves (tests/drivetools.py): every kind of
trouble is counted, a POST is retried only with its Idempotency-Key, no order is counted
twice, and the drive never outlasts its window plus its drain timeout."""

from __future__ import annotations

import time

import pytest

from sim.drive import DriveOptions, drive
from sim.drive.addresses import scenario_addresses
from sim.drive.poller import PollPolicy
from sim.scenario.load import scenario_from_dict
from sim.tmf622.target import RetryPolicy
from tests.conftest import REPO, small_dict
from tests.drivetools import FakeTarget, Misbehaviour

SPEED = 86400.0  # a scenario day in a wall second
POLL = PollPolicy(first_s=0.05, max_s=0.4, rate=500.0)
RETRY = RetryPolicy(attempts=4, backoff_s=0.01, timeout_s=2.0)


def scenario(days: float = 1.0, **changes):
    raw = small_dict(name="drive", duration_days=days, warmup_days=0,
                     arrivals=[{"offering": "SuperFibre 200 Home", "rate_per_day": 100}],
                     **changes)
    return scenario_from_dict(raw, "drive.yaml", REPO)


def run(fake: FakeTarget, drain_s: float = 3.0, **kw):
    s = scenario(**kw)
    options = DriveOptions(target=fake.url, speed=SPEED, drain_timeout_s=drain_s,
                           poll=POLL, retry=RETRY)
    started = time.monotonic()
    [report] = drive(s, options, scenario_addresses(s, s.seed))
    return report, time.monotonic() - started


@pytest.fixture(scope="module")
def troubled():
    """One drive of ~100 orders against a target that gets everything wrong somewhere."""
    bad = Misbehaviour(status_503=7, status_500=11, drop=5, slow=6, slow_s=2.5,
                       duplicate=4, out_of_order=9, lost=8, never_end=13, fail=10,
                       malformed_notification=12, end_s=0.15)
    with FakeTarget(bad) as fake:
        report, wall_s = run(fake)
    return fake, report, wall_s


def test_no_order_is_counted_twice(troubled):
    """Dropped, timed-out and 5xx POSTs were retried with their key: the target created
    one order per key and drive counts exactly those, each under its own id."""
    fake, report, _ = troubled
    keys = [h.get("Idempotency-Key") for h in fake.did.posts]
    assert all(keys), "every POST carries an Idempotency-Key"
    assert len(set(keys)) == fake.did.created == report["orders"]["submitted"]
    assert len(keys) > fake.did.created  # some were sent again
    assert report["traffic"]["not_accepted"] == {}
    assert fake.did.answered["replayed"] == (fake.did.answered["dropped"]
                                             + fake.did.answered["slow"])


def test_each_kind_of_trouble_is_counted(troubled):
    fake, report, _ = troubled
    answered, notified = fake.did.answered, fake.did.notified
    errors = report["http"]["errors_by_status"]
    assert answered["503"] and errors["503"] == answered["503"]
    assert answered["500"] and errors["500"] == answered["500"]
    assert answered["dropped"] and errors["dropped"] == answered["dropped"]
    assert answered["slow"] and errors["timeout"] == answered["slow"]
    assert report["http"]["retries"] == sum(answered[k] for k in ("503", "500", "dropped",
                                                                  "slow"))
    assert report["http"]["gave_up"] == 0
    notes = report["notifications"]
    assert notified["duplicate_same_id"] and notes["duplicates"] == (
        notified["duplicate_same_id"] + notified["duplicate_new_id"])
    assert notified["out_of_order"] and notes["out_of_order"] == notified["out_of_order"]
    assert notified["malformed"] and notes["malformed"] == notified["malformed"]
    assert notified["undeliverable"] == 0
    assert notes["received"] == sum(v for k, v in notified.items() if k != "lost")


def test_final_states_match_the_targets(troubled):
    """What drive reports at the end of the drain is what the target did, including the
    orders whose notifications were lost: polling found them (unless the answer to a
    retried POST already showed them ended)."""
    fake, report, _ = troubled
    drained = report["drain"]["orders"]
    assert drained["completed"] == fake.did.ended["completed"]
    assert drained["failed"] == fake.did.ended["failed"] > 0
    assert report["fallout"]["by_cause"] == {"resource_exhausted": report["fallout"]["orders"]}
    lost_and_ended = fake.did.lost_orders - set(fake.did.never_ended) - fake.did.answered_late
    assert report["state_changes"]["first_by_polling"] >= len(lost_and_ended) > 0


def test_never_ending_orders_are_open_with_their_ages_and_the_drain_is_bounded(troubled):
    fake, report, wall_s = troubled
    drain = report["drain"]
    assert drain["orders"]["open"] == len(fake.did.never_ended) > 0
    assert {o["id"] for o in drain["open_orders"]} == set(fake.did.never_ended)
    assert all(o["age_hours"] > 0 and o["state"] == "inProgress" for o in drain["open_orders"])
    assert drain["cycle_time_hours_censored"]["open"] == len(fake.did.never_ended)
    # The window (1 s) and the drain timeout (3 s), plus start and stop.
    assert drain["wall_seconds"] <= 3.0 + 0.5
    assert wall_s < 1.0 + 3.0 + 5.0


def test_polling_backs_off(troubled):
    """A never-ending order is read at intervals that double up to the cap (each gap at
    least the interval due: without backoff they would all be about first_s)."""
    fake, _, _ = troubled
    longest = 0
    for order_id in fake.did.never_ended:
        times = fake.did.gets[order_id]
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        due = [min(POLL.max_s, POLL.first_s * 2 ** (k + 1)) for k in range(len(gaps))]
        assert all(gap >= interval * 0.95 for gap, interval in zip(gaps, due, strict=True))
        longest = max(longest, len(gaps))
    assert longest >= 4  # 0.1, 0.2, 0.4, 0.4: the cap reached


def test_acknowledgement_latency_includes_the_slow_answers(troubled):
    _, report, _ = troubled
    post = report["acknowledgement_ms"]["post"]
    assert post["n"] == report["orders"]["submitted"]
    assert post["p50"] < 2000 <= post["max"]  # a timed-out first attempt, then the retry


def test_wrong_shapes_are_not_accepted_and_say_why():
    """201 without an id and 200 with HTML: the order is not counted as accepted, the
    report says why, and nothing is retried (the key was not used by the target). The
    drain timeout is generous because the drain ends as soon as every order ended and every
    POST was answered; a POST still unanswered when it gives up is not submitted."""
    with FakeTarget(Misbehaviour(no_id=6, html=7)) as fake:
        report, _ = run(fake, drain_s=30.0, days=0.5)
    refused = report["traffic"]["not_accepted"]
    assert refused["the answer has no id"] == fake.did.answered["no_id"] > 0
    assert refused["not_json"] == fake.did.answered["html"] > 0
    assert report["orders"]["submitted"] == fake.did.created
    assert report["http"]["retries"] == 0

"""Fault injection and how the order manager reacts: retries, the fallout queue,
compensation, order policy, and the scenario library's dominant causes."""

from __future__ import annotations

import math
import random

import pytest

from om import (
    Action,
    FalloutCause,
    ProductOrderItem,
    SouthboundError,
    State,
)
from om.events import ManualTouch, RetryMade
from om.fallout import FalloutQueue, RetryPolicy
from sim.run.harness import build_run, run_scenario
from sim.scenario.load import load_scenario
from tests.conftest import SCENARIOS, order_manager, small_dict, without_wall_time


class ScriptedSouthbound:
    """A southbound whose element answers as ``script(item, attempt)`` says:
    "ok", "lost" (applies, never answers in time), or a FalloutCause."""

    def __init__(self, env, script):
        self.env, self.script = env, script
        self.applied: dict[str, int] = {}  # item key -> times configured
        self.calls: dict[str, int] = {}

    def activate(self, item):
        n = self.calls[item.key] = self.calls.get(item.key, 0) + 1
        verdict = self.script(item, n)
        if verdict in ("ok", "lost"):
            self.applied[item.key] = 1  # idempotent: configuring again changes nothing
            return self.env.timeout(1 if verdict == "ok" else 10_000)
        event = self.env.event()
        conflict = None
        if verdict is FalloutCause.INVENTORY_MISMATCH:
            r = item.reservations[0]
            conflict = (r.pool.name, r.slot)
        event.fail(SouthboundError(item.key, verdict, item.target, "scripted", conflict))
        return event

    def deactivate(self, item):
        self.applied.pop(item.key, None)
        return self.env.timeout(1)


def _manager(script, policies=None, queue=False, on_item_failure="partial", fix=1.0):
    """Elements scripted by ``script``; ``queue``: one engineer who takes 10 minutes and
    fixes with probability ``fix``. Logs retries and manual touches."""
    def operations(env, bus):
        return FalloutQueue(env, bus, 1, lambda: 600.0, fix, random.Random(1))
    return order_manager(lambda env: ScriptedSouthbound(env, script),
                         logged=(RetryMade, ManualTouch), policies=policies,
                         fallout_queue=operations if queue else None, rng=random.Random(2),
                         on_item_failure=on_item_failure)


def _submit(om, net, offering="SuperFibre 200 Home"):
    order = om.com.new_order([ProductOrderItem("1", Action.ADD, offering, net.addresses[0].id)])
    om.submit(order)
    return order


OLT_POLICY = {"olt": RetryPolicy(attempts=3, timeout_s=60, backoff_s=30, backoff_factor=2)}


def test_retry_after_lost_answer_does_not_double_allocate():
    """A lost answer times out, ROM retries after a backoff, and nothing is held twice."""
    def script(item, attempt):
        return "lost" if item.rfs == "RFS_GponAccess" and attempt == 1 else "ok"
    env, net, sb, om, log = _manager(script, OLT_POLICY)
    order = _submit(om, net)
    env.run(until=5000)
    assert order.state is State.COMPLETED
    gpon = order.service_order.items[0].resource_order.items[0]
    assert gpon.attempts == 2 and sb.calls[gpon.key] == 2
    assert [type(e).__name__ for e in log] == ["RetryMade"]
    assert net.ports[net.addresses[0].port].ont_ids.in_use == 1
    assert len(om.resources) == 4 and order.fallout_cause is None


def test_backoff_grows_exponentially_with_bounded_jitter():
    """Backoff doubles per try and jitter stays within its share."""
    policy = RetryPolicy(attempts=4, timeout_s=30, backoff_s=10, backoff_factor=2, jitter=0.2)
    assert [policy.backoff(n, 0.5) for n in (1, 2, 3)] == [10, 20, 40]
    assert 8 <= policy.backoff(1, 0.0) <= policy.backoff(1, 0.999) <= 12
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


def test_exhausted_retries_fall_out_as_timeout_and_compensate():
    """Three lost answers: timeout fallout, and the ONT registration is undone."""
    def script(item, attempt):
        return "lost" if item.rfs == "RFS_SubscriberSession" else "ok"
    env, net, sb, om, log = _manager(script, {"bng": RetryPolicy(3, 60, 30)})
    order = _submit(om, net)
    env.run(until=50_000)
    assert order.state is State.FAILED and order.fallout_cause == "timeout"
    assert len([e for e in log if isinstance(e, RetryMade)]) == 2
    assert len(om.resources) == 0 and all(p.in_use == 0 for p in net.all_pools())
    assert sb.applied == {}  # everything configured (even the late one) was removed


def test_non_retryable_cause_is_not_retried():
    """Inventory mismatch is not cured by asking again: no retry is made."""
    def script(item, attempt):
        return FalloutCause.INVENTORY_MISMATCH if item.rfs == "RFS_GponAccess" else "ok"
    env, net, sb, om, log = _manager(script, OLT_POLICY)
    order = _submit(om, net)
    env.run()
    assert order.fallout_cause == "inventory_mismatch" and not log


def test_manual_fix_reconciles_drift_and_resumes():
    """Operations reconcile a slot the network already used; the item resumes with a
    fresh ONT id and the order completes after one manual touch."""
    def script(item, attempt):
        bad = item.rfs == "RFS_GponAccess" and attempt == 1
        return FalloutCause.INVENTORY_MISMATCH if bad else "ok"
    env, net, sb, om, log = _manager(script, queue=True)
    order = _submit(om, net)
    env.run()
    assert order.state is State.COMPLETED and order.manual_touches == 1
    touches = [e for e in log if isinstance(e, ManualTouch)]
    assert len(touches) == 1 and touches[0].fixed and touches[0].in_queue_s == 600
    reconciled = om.resources.reconciled()
    assert len(reconciled) == 1 and reconciled[0].kind.value == "ont_id"
    assert net.ports[net.addresses[0].port].ont_ids.in_use == 2  # reconciled + the new one


def test_failed_manual_fix_fails_the_item():
    """When the engineer cannot fix it, the item fails and its resources are released."""
    def script(item, attempt):
        return FalloutCause.ELEMENT_ERROR if item.rfs == "RFS_Ipv4Lease" else "ok"
    env, net, sb, om, log = _manager(script, queue=True, fix=0.0)
    order = _submit(om, net)
    env.run()
    assert order.state is State.FAILED and order.manual_touches == 1
    assert len(om.resources) == 0


def test_fail_order_policy_undoes_completed_siblings():
    """Order policy fail_order: Wi-Fi fails, so internet and voice are rolled back too."""
    def script(item, attempt):
        return FalloutCause.ELEMENT_ERROR if item.rfs == "RFS_WifiProfile" else "ok"
    env, net, sb, om, log = _manager(script, on_item_failure="fail_order")
    order = _submit(om, net, "Enterprise Connect Site")
    env.run()
    assert order.state is State.FAILED
    assert len(om.resources) == 0 and sb.applied == {}
    partial_env, partial_net, _, partial_om, _ = _manager(script)
    partial = _submit(partial_om, partial_net, "Enterprise Connect Site")
    partial_env.run()
    assert partial.service_order.state is State.PARTIAL  # the default keeps what completed


EXPECTED_CAUSE = {
    "ip_pool_exhaustion": "resource_exhausted",
    "netconf_timeouts": "timeout",
    "bng_outage": "element_unreachable",
    "technician_shortage": "customer_not_home",
    "inventory_drift": "inventory_mismatch",
}


@pytest.mark.parametrize("name", sorted(EXPECTED_CAUSE))
def test_fault_scenario_produces_its_dominant_cause(name):
    """Each scenario of the library makes its own cause the most frequent fallout."""
    report = run_scenario(load_scenario(SCENARIOS / f"{name}.yaml")).data
    by_cause = report["fallout"]["by_cause"]
    assert by_cause, name
    top = max(by_cause, key=by_cause.get)
    assert top == EXPECTED_CAUSE[name], by_cause
    assert report["resources"]["leaked"] == 0
    # Everybody ceased after the run: every pool is back to its starting free count
    # (less slots reconciled as used by the network), nothing held, nothing configured.
    drain = report["drain"]
    assert drain["ceased"] > 0 and drain["orders_in_flight"] == 0
    assert drain["pools_not_back"] == 0, drain["pools_not_back_examples"]
    assert drain["resources_held"] == 0 and drain["element_config_left"] == 0
    o = report["orders"]
    assert o["submitted"] == (o["completed"] + o["failed"] + o["partial"] + o["cancelled"]
                              + o["rejected"] + o["in_flight"])


def test_same_seed_same_report_with_faults():
    """Determinism holds with faults, retries, the fallout queue and the drain on
    (five days of netconf_timeouts: hundreds of retries, dozens of manual touches)."""
    scenario = load_scenario(SCENARIOS / "netconf_timeouts.yaml",
                             {"duration_days": 5, "warmup_days": 1})
    first, again = run_scenario(scenario).data, run_scenario(scenario).data
    assert first["retries"] > 100 and first["manual_touches"] > 10 and first["drain"]
    assert without_wall_time(first) == without_wall_time(again)


def test_link_cut_makes_olts_behind_it_unreachable(write_yaml):
    """Cutting an exchange's aggregation link makes its OLTs refuse as unreachable."""
    raw = small_dict(faults=[{"kind": "link_cut", "link": ["EX01", "BNG01"]}],
                     order_management={"retries": False, "operations": {"enabled": False}})
    run = build_run(load_scenario(write_yaml("cut.yaml", raw)))
    run.env.run(until=3 * 86400)
    assert not run.om.network.olt_reachable("EX01-OLT01")
    assert run.metrics.report()["fallout"]["by_cause"].get("element_unreachable", 0) > 0


@pytest.mark.parametrize("fault, field", [
    ({"kind": "element_outage", "element": "bng:BNG99"}, "faults.0.element: no element"),
    ({"kind": "link_cut", "link": ["EX01", "EX02"]}, "faults.0.link: no link EX01 - EX02"),
    ({"kind": "pool_limit", "pool": "ipv4_address", "at": "BNG42"}, "faults.0.at: no ipv4"),
    ({"kind": "lost_answers", "element_kind": "olt", "rate": 2}, "faults.0.lost_answers.rate"),
])
def test_bad_fault_names_the_field(write_yaml, fault, field):
    """A fault that names something the network lacks is a clear scenario error."""
    from om import ScenarioError
    raw = small_dict(faults=[fault])
    with pytest.raises(ScenarioError, match=field.replace(".", r"\.")):
        run = build_run(load_scenario(write_yaml("f.yaml", raw)))
        run.env.run(until=1)


@pytest.mark.parametrize("timeout_s", [math.inf, 60.0])
def test_policy_without_timeout_waits_forever(timeout_s):
    """A policy with an infinite timeout (install visits) waits for an answer however
    late it comes: no timeout, no retry. The same late answer under a 60 s timeout is
    given up on."""
    def script(item, attempt):  # the visit answers after 10,000 s, on every try
        return "lost" if item.rfs == "RFS_FibreInstall" else "ok"
    policy = RetryPolicy(attempts=2, timeout_s=timeout_s, backoff_s=0)
    env, net, sb, om, log = _manager(script, {"workforce": policy})
    order = _submit(om, net)
    env.run()
    visit = order.service_order.items[0].resource_order.items[1]
    if timeout_s == math.inf:
        assert not policy.has_timeout
        assert order.state is State.COMPLETED and order.fallout_cause is None
        assert visit.attempts == 1 and not log and env.now > 10_000
    else:
        assert order.state is State.FAILED and order.fallout_cause == "timeout"
        assert visit.attempts == 2


def test_cancel_is_accepted_after_a_no_show(write_yaml):
    """A no-show is not a technician on site: the rescheduled order can still be cancelled,
    and cancelling it releases everything it held."""
    from sim.units import DAY_S
    raw = small_dict(arrivals=[{"offering": "SuperFibre 200 Home", "rate_per_day": 10}],
                     workforce={"technicians": 4, "no_show_rate": 1.0, "reschedules": 3,
                                "appointment_lead_days": 1})
    run = build_run(load_scenario(write_yaml("noshow.yaml", raw)))
    no_shows: list[str] = []  # orders whose visit was rescheduled after a no-show
    run.om.bus.subscribe(RetryMade, lambda e: no_shows.append(e.order_id))
    run.env.run(until=4 * DAY_S)
    open_orders = run.om.com.open_orders
    order = next(open_orders[i] for i in no_shows if i in open_orders)
    request = run.om.com.cancel(order)
    run.env.run(until=6 * DAY_S)
    assert request.accepted, request.refusal
    assert order.state is State.CANCELLED
    assert not [r for r in run.om.resources.by_id.values()
                if r.correlation_id.startswith(order.id + "/")]

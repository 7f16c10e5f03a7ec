"""ROM's wait for an answer within its adapter's timeout: the answer ends it, or the
timer does (a timeout), and a cancellation that interrupts the wait leaves the timer
with nothing to do."""

from __future__ import annotations

from om import State
from om.fallout import RetryPolicy
from tests.test_faults import _manager, _submit


def test_an_answer_in_time_completes_and_a_late_one_times_out():
    def script(item, attempt):  # the visit's first answer comes after 10,000 s
        return "lost" if item.spec.element == "workforce" and attempt == 1 else "ok"
    env, net, sb, om, log = _manager(script, {"workforce": RetryPolicy(2, 3600, 60)})
    order = _submit(om, net)
    env.run(until=20_000)
    assert order.state is State.COMPLETED
    visit = next(r for s in order.service_order.items for r in s.resource_order.items
                 if r.spec.element == "workforce")
    assert visit.attempts == 2 and len(log) == 1  # timed out once at 3,600 s, then retried
    assert env.now == 20_000  # the late answer and the spent timers harmed nothing


def test_a_cancellation_while_waiting_leaves_the_timer_nothing_to_do():
    def script(item, attempt):
        return "lost" if item.spec.element == "workforce" else "ok"
    env, net, sb, om, log = _manager(script, {"workforce": RetryPolicy(3, 3600, 60)})
    order = _submit(om, net)
    env.run(until=100)  # waiting for the visit's answer, its timer set for 3,600 s
    om.com.cancel(order)
    env.run(until=20_000)  # the timer goes off after the order ended: no interrupt
    assert order.state is State.CANCELLED and not log  # never timed out, never retried
    assert len(om.resources) == 0 and all(p.in_use == 0 for p in net.all_pools())

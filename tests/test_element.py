"""An emulated element on its own: the NETCONF session queue, reachability, refusals and
what it remembers having configured."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
import simpy

from om import Action, FalloutCause, SouthboundError
from sim.elements.element import CONNECT_TIMEOUT_S, Element
from sim.scenario.schema import ElementSettings

LATENCY_S = 10.0


def _element(env, sessions=2, **settings):
    return Element(env, "bng:BNG01", ElementSettings(latency_s=LATENCY_S,
                                                     max_parallel_edits=sessions, **settings),
                   random.Random(1))


def _item(n, slot=None, action=Action.ADD):
    pool = SimpleNamespace(name="BNG01:sessions")
    reservations = [] if slot is None else [SimpleNamespace(pool=pool, slot=slot,
                                                            key=(pool.name, slot))]
    return SimpleNamespace(key=f"RO-{n}/1", action=action, reservations=reservations)


def _finish_times(env, events):
    """When each event ended, and whether it failed."""
    ended = {}
    for n, event in enumerate(events):
        event.callbacks.append(lambda e, n=n: ended.__setitem__(n, (env.now, e.ok)))
        event.defused = True  # failures are looked at here, not raised into the run
    env.run()
    return [ended[n] for n in range(len(events))]


def test_edits_queue_for_the_sessions_first_come_first_served():
    """Two sessions, five edits of 10 s sent at once: two at a time, in the order sent."""
    env = simpy.Environment()
    element = _element(env, sessions=2)
    done = _finish_times(env, [element.activate(_item(n)) for n in range(5)])
    assert done == [(10.0, True), (10.0, True), (20.0, True), (20.0, True), (30.0, True)]
    assert element.requests == 5


def test_a_refused_edit_gives_its_session_to_the_next():
    """A refusal still ends the edit: the waiting request gets the session at once."""
    env = simpy.Environment()
    element = _element(env, sessions=1, error_rate=1.0)
    done = _finish_times(env, [element.activate(_item(n)) for n in range(3)])
    assert done == [(10.0, False), (20.0, False), (30.0, False)]
    assert element.errors == 3


def test_sessions_free_again_after_a_burst():
    """Once the queue drains, a new edit takes a free session without waiting."""
    env = simpy.Environment()
    element = _element(env, sessions=1)
    _finish_times(env, [element.activate(_item(n)) for n in range(3)])
    late = element.activate(_item(9))
    start = env.now
    env.run()
    assert late.ok and env.now == start + LATENCY_S


def test_an_unreachable_element_fails_after_the_connect_timeout_without_a_session():
    """Down: every request fails as unreachable after the connect timeout, and none
    holds a session (the queue is not blocked by them)."""
    env = simpy.Environment()
    element = _element(env, sessions=1)
    element.set_down(True)
    done = _finish_times(env, [element.activate(_item(n)) for n in range(3)])
    assert done == [(CONNECT_TIMEOUT_S, False)] * 3
    element.set_down(False)
    again = element.activate(_item(4))
    env.run()
    assert again.ok


def test_activation_is_idempotent_and_a_foreign_slot_is_a_mismatch():
    """The element remembers who configured a slot: the same item again is fine,
    another item on the same slot is refused as an inventory mismatch."""
    env = simpy.Environment()
    element = _element(env)
    first, again = element.activate(_item(1, slot=7)), element.activate(_item(1, slot=7))
    env.run()
    assert first.ok and again.ok and element.configured == {("BNG01:sessions", 7): "RO-1/1"}
    other = element.activate(_item(2, slot=7))
    other.defused = True
    env.run()
    assert not other.ok
    with pytest.raises(SouthboundError) as info:
        raise other.value
    assert info.value.cause is FalloutCause.INVENTORY_MISMATCH
    assert info.value.conflict == ("BNG01:sessions", 7)
    element.deactivate(_item(1, slot=7))
    env.run()
    assert element.configured == {}

"""The event bus's state subscriptions: a subscriber that names the entities and new
states it wants gets exactly those moves, plain subscribers get every move, each in the
order they subscribed, and a move nobody wants is made but never built as an event."""

from __future__ import annotations

import pytest

from om import IllegalTransition, State, StateChanged
from om.events import EventBus
from om.transitions import advance


class Thing:
    """Stands in for an order or item (what advance() reads)."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.state = State.ACKNOWLEDGED
        self.key = f"{entity}-1"
        self.correlation_id = "PO-1/1"


def test_subscribers_get_the_moves_they_asked_for_in_subscription_order():
    bus, seen = EventBus(), []
    bus.subscribe(StateChanged, lambda e: seen.append(("all", e.entity, e.new)))
    bus.subscribe_states(lambda e: seen.append(("ended orders", e.entity, e.new)),
                         entities=["productOrder"], states=["completed", "failed"])
    bus.subscribe_states(lambda e: seen.append(("items", e.entity, e.new)),
                         entities=["productOrderItem"])
    order, item = Thing("productOrder"), Thing("productOrderItem")
    for thing in (order, item):
        advance(bus, thing, State.IN_PROGRESS, 1.0)
        advance(bus, thing, State.COMPLETED, 2.0)
    assert seen == [("all", "productOrder", "inProgress"),
                    ("all", "productOrder", "completed"),
                    ("ended orders", "productOrder", "completed"),
                    ("all", "productOrderItem", "inProgress"),
                    ("items", "productOrderItem", "inProgress"),
                    ("all", "productOrderItem", "completed"),
                    ("items", "productOrderItem", "completed")]
    # emit() of a ready-made event goes by the same subscriptions
    seen.clear()
    bus.emit(StateChanged("productOrder", "PO-2", "inProgress", "failed", 3.0, "PO-2"))
    assert [s[0] for s in seen] == ["all", "ended orders"]


def test_a_move_nobody_wants_is_made_without_an_event(monkeypatch):
    bus, seen = EventBus(), []
    bus.subscribe_states(seen.append, entities=["productOrder"], states=["completed"])
    built = []
    monkeypatch.setattr("om.transitions.StateChanged",
                        lambda *a: built.append(a) or StateChanged(*a))
    order = Thing("productOrder")
    advance(bus, order, State.IN_PROGRESS, 1.0)
    assert order.state is State.IN_PROGRESS and built == [] and seen == []
    advance(bus, order, State.COMPLETED, 2.0)
    assert [(e.old, e.new, e.at_s) for e in seen] == [("inProgress", "completed", 2.0)]
    with pytest.raises(IllegalTransition):  # the state machine still holds
        advance(bus, order, State.IN_PROGRESS, 3.0)


def test_a_subscriber_added_or_removed_later_is_heard_from_then_on():
    bus, seen = EventBus(), []
    order = Thing("productOrder")
    advance(bus, order, State.IN_PROGRESS, 1.0)  # nobody yet
    bus.subscribe(StateChanged, seen.append)
    advance(bus, order, State.COMPLETED, 2.0)
    bus.unsubscribe(StateChanged, seen.append)
    bus.emit(StateChanged("productOrder", "PO-2", "inProgress", "failed", 3.0, "PO-2"))
    assert [e.new for e in seen] == ["completed"]

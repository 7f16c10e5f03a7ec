"""sim.drive.book: one place where every sighting of an order is judged, whichever source
brought it (the answer to the POST, a notification, a poll)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from om import Action
from sim.drive.book import OrderBook
from sim.drive.clock import ScenarioClock
from sim.traffic.requests import ItemRequest, OrderRequest

REQUEST = OrderRequest("provide", (ItemRequest("1", Action.ADD, "Home", "A1"),), "C", "b2c",
                       "Home")


def envelope(order_id: str, state: str, at: float, event_id: str = "") -> dict:
    when = datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")
    return {"eventId": event_id or f"{order_id}-{state}-{at}", "eventTime": when,
            "event": {"productOrder": {"id": order_id, "state": state}}}


def book_with_order(answer_state: str = "acknowledged"):
    clock = ScenarioClock(1.0)
    book = OrderBook(clock)
    order = book.new(REQUEST, "k1", 0.0, 0.0)
    book.acked(order, {"id": "PO-1", "state": answer_state})
    return clock, book, order


def test_a_notification_older_than_a_read_is_late_not_out_of_order():
    """The POST was answered inProgress; the create event (acknowledged) comes after."""
    clock, book, order = book_with_order("inProgress")
    book.notified(envelope("PO-1", "acknowledged", clock._epoch), clock._epoch + 0.01)
    assert (book.sightings.late, book.sightings.out_of_order) == (1, 0)
    assert order.state == "inProgress"


def test_a_notification_older_than_a_notification_is_out_of_order():
    clock, book, order = book_with_order()
    t = clock._epoch
    book.notified(envelope("PO-1", "completed", t + 0.02), t + 0.03)
    book.notified(envelope("PO-1", "inProgress", t + 0.01), t + 0.04)
    assert (book.sightings.out_of_order, book.sightings.late) == (1, 0)
    assert order.state == "completed" and book.open == {}


def test_duplicates_by_event_id_and_by_state():
    clock, book, _ = book_with_order()
    t = clock._epoch
    first = envelope("PO-1", "inProgress", t + 0.01, "e1")
    book.notified(first, t + 0.02)
    book.notified(first, t + 0.03)  # the same event again
    book.notified(envelope("PO-1", "inProgress", t + 0.01, "e2"), t + 0.03)  # a new id
    assert book.sightings.duplicates == 2 and book.sightings.notifications == 3


def test_a_notification_before_the_answer_is_kept_until_the_answer_names_the_order():
    clock = ScenarioClock(1.0)
    book = OrderBook(clock)
    order = book.new(REQUEST, "k1", 0.0, 0.0)
    book.notified(envelope("PO-1", "inProgress", clock._epoch), clock._epoch)
    assert book.unclaimed() == 1 and order.state == ""
    book.acked(order, {"id": "PO-1", "state": "acknowledged"})
    assert order.state == "inProgress" and book.unclaimed() == 0
    assert order.seen["inProgress"].first == "notification"


def test_an_answer_naming_another_orders_id_is_not_a_second_order():
    """A target that ignored the Idempotency-Key answers a new order with an old id."""
    clock, book, first = book_with_order()
    second = book.new(REQUEST, "k2", 0.0, 0.0)
    book.acked(second, {"id": "PO-1", "state": "acknowledged"})
    assert book.duplicate_ids == 1 and second.id == "" and "PO-1" in second.answer
    assert list(book.by_id) == ["PO-1"] and book.by_id["PO-1"] is first


def test_an_implausible_event_time_is_replaced_by_the_arrival():
    """An eventTime before the order was sent (another clock, a bad zone) dates nothing."""
    clock, book, order = book_with_order()
    book.notified(envelope("PO-1", "completed", clock._epoch - 3600), clock._epoch + 1)
    assert book.sightings.event_time_off == 1
    assert order.seen["completed"].happened_s >= 0.0


def test_an_answer_read_after_the_orders_notifications_does_not_start_it_after_its_end():
    """A busy drive may read the answer to a POST after the notifications of the order's
    later states: the order existed by the first of them, so its cycle time runs from
    there (before, it ran from reading the answer: after the end, so 0)."""
    clock = ScenarioClock(1.0)
    clock._origin, clock._epoch = time.monotonic() - 10.0, time.time() - 10.0  # now: 10 s
    book = OrderBook(clock)
    order = book.new(REQUEST, "k1", 0.0, 0.0)
    book.notified(envelope("PO-1", "inProgress", clock._epoch + 2.0), clock._epoch + 2.5)
    book.notified(envelope("PO-1", "completed", clock._epoch + 5.0), clock._epoch + 5.5)
    book.acked(order, {"id": "PO-1", "state": "acknowledged"})
    assert order.state == "completed"
    assert order.acked_s == pytest.approx(2.0)
    assert order.cycle_s("completed") == pytest.approx(3.0)


def test_a_notification_after_the_answer_dated_before_it_moves_the_acknowledgement():
    """The same when the notification comes after the answer was read but tells of a
    change before it: the order's end is in the window, and so is its acknowledgement
    (before, an order that ended in the window left the system after it, in_system)."""
    clock = ScenarioClock(1.0)
    clock._origin, clock._epoch = time.monotonic() - 10.0, time.time() - 10.0  # now: 10 s
    book = OrderBook(clock)
    order = book.new(REQUEST, "k1", 0.0, 0.0)
    book.acked(order, {"id": "PO-1", "state": "acknowledged"})
    book.notified(envelope("PO-1", "completed", clock._epoch + 5.0), clock._epoch + 10.0)
    assert order.acked_s == pytest.approx(5.0) and order.cycle_s("completed") == 0.0

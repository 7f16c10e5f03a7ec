"""The report sections only drive has: how fast the target acknowledged writes, what
went wrong on the wire, what the hub delivered, what polling found, which of the two
saw each state change first, and how late the traffic itself went out.

Milliseconds are wall time. A notification's ``lead_ms`` is how much earlier it showed
a state change than polling did, for the changes both saw (negative: polling was
first); ``delivery_ms`` is from the event's ``eventTime`` to its arrival (across two
clocks when the target runs on another machine). A notification ``out_of_order`` came
after a newer one the hub had delivered; a ``late`` one after drive had read a newer
state (the answer to the POST, a poll): the first is the hub's doing, the second only
a slow delivery.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sim.drive.book import ACK, NOTIFICATION, POLLING, OrderBook
from sim.drive.report import ms_percentiles, r6
from sim.tmf622.target import WireStats


def wire_sections(book: OrderBook, stats: WireStats, speed: float,
                  skipped: dict[str, int]) -> dict[str, Any]:
    """acknowledgement_ms, http, notifications, polling, state_changes, traffic."""
    sightings = book.sightings
    to_ms = 1000.0 / speed  # scenario seconds -> wall milliseconds
    return {
        "acknowledgement_ms": {op: ms_percentiles(stats.latency_ms.get(op, []))
                               for op in ("post", "cancel", "patch")},
        "http": {"requests": sum(stats.attempts.values()),
                 "retries": sum(stats.retries.values()),
                 "gave_up": sum(stats.gave_up.values()),
                 "errors_by_status": dict(sorted(stats.errors.items()))},
        "notifications": {"received": sightings.notifications,
                          "duplicates": sightings.duplicates,
                          "out_of_order": sightings.out_of_order,
                          "late": sightings.late,
                          "unknown_order": book.unclaimed(),
                          "malformed": sightings.malformed,
                          "event_time_off": sightings.event_time_off,
                          "delivery_ms": ms_percentiles(sightings.delivery_ms)},
        "polling": {"requests": sightings.polls,
                    "failures": dict(sorted(sightings.poll_failures.items()))},
        "state_changes": state_changes(book, to_ms),
        "traffic": {"skipped": dict(sorted(skipped.items())),
                    "not_accepted": _not_accepted(book),
                    "late_ms": ms_percentiles([o.late_s * to_ms for o in book.orders])},
    }


def state_changes(book: OrderBook, to_ms: float) -> dict[str, Any]:
    """Each order's first sighting of each state after ``acknowledged``, by the source
    that saw it first."""
    first = Counter(s.first for o in book.orders for state, s in o.seen.items()
                    if state != "acknowledged" and s.first != ACK)
    seen = first[NOTIFICATION] + first[POLLING]
    return {"seen": seen,
            "first_by_notification": first[NOTIFICATION],
            "first_by_polling": first[POLLING],
            "notification_share": r6(first[NOTIFICATION] / seen) if seen else 0.0,
            "lead_ms": ms_percentiles([s * to_ms for s in book.sightings.lead_s])}


def _not_accepted(book: OrderBook) -> dict[str, int]:
    """Orders the target never accepted, by why (its status, or what went wrong)."""
    return dict(sorted(Counter(o.answer for o in book.orders if o.answer).items()))

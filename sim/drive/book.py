"""Drive's book of the orders it sent, and of every state it saw them in.

An order is entered when the traffic asks for it (:meth:`OrderBook.new`), gets its id
from the target's answer to the POST (:meth:`OrderBook.acked`), and from then on every
sighting of it goes through one place, :meth:`OrderBook.observe`, whether it came from
a hub notification or from polling: the first sighting of each state is kept with its
source and time (scenario seconds), a state after a final one or older than one already
applied is counted as out of order and ignored. An order is one entry whatever happens
on the wire (a retried POST answered with the same id, a repeated notification), so it
is never counted twice.

Times are the scenario clock's: an order's ``sent_s`` is when the traffic asked for it
(its arrival time), ``acked_s`` when the target's answer to the POST came back, or
when the first change a notification tells of happened if that was earlier (a busy
drive reads answers late; the order exists from then on: its cycle time counts from
there; the time the POST took, on the wire, is the acknowledgement latency). A state
change happened when the notification that told of it says it did (its ``eventTime``,
on the target's clock: drive and target share a host or an NTP-synchronised clock), as
long as that lies between the order's send and the notification's arrival; otherwise,
and for what polling found, when drive first saw it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from om.orders import TERMINAL as _TERMINAL
from sim.drive.clock import ScenarioClock
from sim.drive.products import Products
from sim.tmf622.causes import cause
from sim.traffic.requests import OrderRequest

TERMINAL = frozenset(s.value for s in _TERMINAL)
OPEN = frozenset({"acknowledged", "pending", "inProgress"})
# How far along its life a state is: a read (an answer, a poll) that shows an order
# further back than drive knows it is stale and is ignored. Cancellation states rank
# with inProgress, to which a refused cancellation returns.
RANK = {"acknowledged": 0, "pending": 1, "held": 1, "inProgress": 2,
        "assessingCancellation": 2, "pendingCancellation": 2, **dict.fromkeys(TERMINAL, 3)}
ACK, NOTIFICATION, POLLING = "ack", "notification", "polling"


@dataclass(slots=True)
class Sighting:
    """When (scenario seconds) each source first saw an order in one state, and when
    the change happened as best known (``happened_s``)."""

    first: str  # the source that saw it first
    happened_s: float
    at_s: dict[str, float] = field(default_factory=dict)


class SentOrder:
    """One order drive sent: the request, what the target said, the states seen."""

    __slots__ = ("n", "request", "key", "sent_s", "late_s", "acked_s", "id", "state", "seen",
                 "ended_s",
                 "event_time", "doc", "answer", "cancel", "cancel_refusal", "amendments",
                 "fetching")

    def __init__(self, n: int, request: OrderRequest, key: str, sent_s: float,
                 late_s: float) -> None:
        self.n = n
        self.request = request
        self.key = key  # its Idempotency-Key
        self.sent_s = sent_s
        self.late_s = late_s  # scenario seconds it went out after its arrival time
        self.acked_s = sent_s  # when the target's answer came back
        self.id = ""  # the target's, from the answer to the POST
        self.state = ""  # the latest state applied
        self.seen: dict[str, Sighting] = {}
        self.ended_s: float | None = None
        self.event_time = 0.0  # eventTime (epoch s) of the latest notification applied
        self.doc: dict[str, Any] = {}  # the fullest document seen
        self.answer = ""  # why it was not accepted ("" when it was, or not yet answered)
        self.cancel = ""  # "" | requested | refused
        self.cancel_refusal = ""  # why the target refused it (a cause key)
        self.amendments: list[str] = []  # per PATCH: sent, then applied or refused
        self.fetching = False  # a GET to learn its products is under way

    @property
    def ended(self) -> bool:
        return self.state in TERMINAL

    def cycle_s(self, state: str) -> float:
        """Scenario seconds from the acknowledgement to reaching ``state`` (seen)."""
        return max(0.0, self.seen[state].happened_s - self.acked_s)

    def state_at(self, t_s: float) -> str:
        """The state the order was in at scenario time ``t_s`` as drive learnt it ("" if
        none yet): the first final state by then, else the last change by then."""
        seen = sorted((s.happened_s, state) for state, s in self.seen.items())
        known = [state for first, state in seen if first <= t_s]
        final = [state for state in known if state in TERMINAL]
        return final[0] if final else (known[-1] if known else "")

    def __repr__(self) -> str:
        return f"<SentOrder {self.n} {self.id or '(unacknowledged)'} {self.state}>"


@dataclass
class Sightings:
    """Counts of what the notifications and the polls brought."""

    notifications: int = 0
    duplicates: int = 0  # the same eventId again, or a state already notified
    out_of_order: int = 0  # older than a notification already applied: the hub's order
    late: int = 0  # older than what drive had read meanwhile (the POST's answer, a poll)
    unknown_order: int = 0  # about no order of this run
    malformed: int = 0
    event_time_off: int = 0  # eventTime outside [send, arrival]: the arrival dates it
    polls: int = 0
    poll_failures: Counter[str] = field(default_factory=Counter)
    delivery_ms: list[float] = field(default_factory=list)  # eventTime -> received
    lead_s: list[float] = field(default_factory=list)  # polled minus notified (scenario)


class OrderBook:
    """The orders of one replication, by sequence and by the target's id."""

    def __init__(self, clock: ScenarioClock) -> None:
        self.clock = clock
        self.orders: list[SentOrder] = []
        self.by_id: dict[str, SentOrder] = {}
        self.open: dict[str, SentOrder] = {}  # acknowledged, not ended, oldest first
        self.products = Products()
        self.busy: Counter[str] = Counter()  # product id -> open orders acting on it
        self.sightings = Sightings()
        self.pending_sends = 0
        self.duplicate_ids = 0  # acknowledgements naming an order already acknowledged
        self.on_ended: Callable[[SentOrder], None] = lambda order: None
        self._early: dict[str, list[tuple[dict[str, Any], str, float, float]]] = {}
        self._event_ids: set[str] = set()

    # -- the life of an order ------------------------------------------------------------
    def new(self, request: OrderRequest, key: str, sent_s: float, late_s: float
            ) -> SentOrder:
        order = SentOrder(len(self.orders), request, key, sent_s, late_s)
        self.orders.append(order)
        for item in request.items:
            if item.product_id:
                self.busy[item.product_id] += 1
        self.pending_sends += 1
        return order

    def acked(self, order: SentOrder, doc: Mapping[str, Any]) -> None:
        """The target accepted ``order``: its answer names the id."""
        self.pending_sends -= 1
        order_id = str(doc.get("id") or "")
        if not order_id:
            self.refused(order, "the answer has no id", pending=False)
            return
        if order_id in self.by_id:  # a target that ignored the Idempotency-Key of a retry
            self.duplicate_ids += 1
            self.refused(order, f"the answer names {order_id}, another order's id",
                         pending=False)
            return
        order.id = order_id
        order.acked_s = self.clock.now_s()
        self.by_id[order_id] = order
        self.open[order_id] = order
        # Notifications that came before the answer first: the answer may be older.
        for doc_seen, source, event_time, at_s in self._early.pop(order_id, ()):
            self.observe(order, doc_seen, source, event_time, at_s)
        self.observe(order, doc, ACK)

    def refused(self, order: SentOrder, why: str, pending: bool = True) -> None:
        """The target did not accept ``order`` (or never answered)."""
        if pending:
            self.pending_sends -= 1
        order.answer = why
        self._release(order)

    def observe(self, order: SentOrder, doc: Mapping[str, Any], source: str,
                event_time: float = 0.0, at_s: float | None = None) -> None:
        """One sighting of ``order`` in the state ``doc`` says, from ``source`` (at
        scenario time ``at_s``, default now; ``event_time``: the notification's)."""
        state = doc.get("state")
        if not isinstance(state, str) or not state:
            if source == NOTIFICATION:
                self.sightings.malformed += 1
            return
        at_s = self.clock.now_s() if at_s is None else at_s
        if self._stale(order, state, source, event_time):
            if source == NOTIFICATION:
                if order.event_time:
                    self.sightings.out_of_order += 1
                else:
                    self.sightings.late += 1
            return
        happened_s = self._happened(order, event_time, at_s)
        # A busy drive may read the answer to the POST after the order's changes happened
        # (their notifications came before it, or after it dated earlier): the order
        # existed by then, and its cycle time cannot start after its end.
        order.acked_s = min(order.acked_s, happened_s)
        self._record(order, state, source, at_s, happened_s)
        if event_time:
            order.event_time = event_time
        if "productOrderItem" in doc or not order.doc:
            order.doc = dict(doc)
        if state != order.state:
            order.state = state
            if state in TERMINAL:
                order.ended_s = order.seen[state].happened_s
                self.open.pop(order.id, None)
                self._release(order)
                self.on_ended(order)

    @staticmethod
    def _stale(order: SentOrder, state: str, source: str, event_time: float) -> bool:
        """Whether a sighting shows the order behind what drive knows: after its end,
        dated before the last notification applied, or (a read, or a notification
        without a date) earlier in its life than its known state."""
        if order.ended and state != order.state:
            return True
        if event_time and order.event_time:
            return event_time < order.event_time
        return RANK.get(state, 2) < RANK.get(order.state, -1)

    def _happened(self, order: SentOrder, event_time: float, at_s: float) -> float:
        """When a change seen at ``at_s`` happened: its eventTime if plausible."""
        if not event_time:
            return at_s
        happened = self.clock.at_epoch(event_time)
        if order.sent_s + order.late_s <= happened <= at_s:
            return happened
        self.sightings.event_time_off += 1
        return at_s

    def _record(self, order: SentOrder, state: str, source: str, at_s: float,
                happened_s: float) -> None:
        sighting = order.seen.get(state)
        if sighting is None:
            order.seen[state] = Sighting(source, happened_s, {source: at_s})
            return
        sighting.happened_s = min(sighting.happened_s, happened_s)
        if source == NOTIFICATION and NOTIFICATION in sighting.at_s:
            self.sightings.duplicates += 1
        if source not in sighting.at_s:
            sighting.at_s[source] = at_s
            if sighting.at_s.keys() >= {NOTIFICATION, POLLING}:
                self.sightings.lead_s.append(sighting.at_s[POLLING]
                                             - sighting.at_s[NOTIFICATION])

    def _release(self, order: SentOrder) -> None:
        for item in order.request.items:
            if item.product_id:
                self.busy[item.product_id] -= 1
                if not self.busy[item.product_id]:
                    del self.busy[item.product_id]

    # -- notifications -------------------------------------------------------------------
    def notified(self, envelope: Any, received: float) -> None:
        """One hub notification (a TMF event envelope), received at epoch ``received``."""
        sightings = self.sightings
        sightings.notifications += 1
        event = envelope.get("event") if isinstance(envelope, dict) else None
        if not isinstance(event, dict):
            sightings.malformed += 1
            return
        event_id = str(envelope.get("eventId") or "")
        if event_id in self._event_ids:
            sightings.duplicates += 1
            return
        if event_id:
            self._event_ids.add(event_id)
        event_time = _epoch(envelope.get("eventTime"))
        if event_time:
            sightings.delivery_ms.append(max(0.0, received - event_time) * 1000.0)
        if isinstance(event.get("cancelProductOrder"), dict):
            self._cancel_notified(event["cancelProductOrder"])
            return
        doc = event.get("productOrder")
        if not isinstance(doc, dict) or not doc.get("id"):
            sightings.malformed += 1
            return
        order = self.by_id.get(str(doc["id"]))
        if order is None:
            # Perhaps before the answer to its POST: kept until that answer names it.
            self._early.setdefault(str(doc["id"]), []).append(
                (doc, NOTIFICATION, event_time, self.clock.now_s()))
            return
        self.observe(order, doc, NOTIFICATION, event_time)

    def cancel_answered(self, order: SentOrder, doc: Any) -> None:
        """What a cancelProductOrder task says (its answer, a notification or a read):
        ``terminatedWithError`` means the target refused to cancel."""
        if isinstance(doc, dict) and doc.get("state") == "terminatedWithError":
            order.cancel = "refused"
            order.cancel_refusal = cause(doc)

    def _cancel_notified(self, task: dict[str, Any]) -> None:
        ref = task.get("productOrder")
        order = self.by_id.get(str(ref.get("id"))) if isinstance(ref, dict) else None
        if order is not None:
            self.cancel_answered(order, task)

    def unclaimed(self) -> int:
        """Notifications about orders that no answer ever named."""
        return sum(len(v) for v in self._early.values())


def _epoch(value: Any) -> float:
    """An ISO 8601 date-time as epoch seconds; 0.0 when it is not one."""
    if not isinstance(value, str):
        return 0.0
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()

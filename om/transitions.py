"""The TMF state machines as data, and :func:`move` (:func:`move_task` for a cancel
task): the only places ``.state`` is set.

Orders follow the TMF622 / TMF641 / TMF652 order state machine; items follow the item
state machine (TMF641 and TMF652 items may also end ``partial``). ``held`` is where an
item waits in the fallout work queue; ``pending`` is waiting on something outside the
order manager (an approval, an appointment). A move the tables do not allow is a bug in
omsim and raises :class:`IllegalTransition`.

Cancellation (TMF622 cancelProductOrder) runs ``assessingCancellation`` ->
``pendingCancellation`` -> ``cancelled`` for an order or a started item; a refused
cancellation returns to the state it came from. An item that never started is simply
``cancelled``. The cancelProductOrder request itself is a task with its own machine
(:data:`CANCEL_TASK`, :func:`move_task`): refused at once, or in progress until its order
ends, done if it ended cancelled.
"""

from __future__ import annotations

from typing import Any

from om.errors import IllegalTransition
from om.events import EventBus, StateChanged
from om.orders import State as S
from om.orders import TaskState as T

_ORDER: dict[S, frozenset[S]] = {
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.REJECTED, S.PENDING,
                               S.ASSESSING_CANCELLATION}),
    S.PENDING: frozenset({S.IN_PROGRESS, S.REJECTED, S.ASSESSING_CANCELLATION}),
    S.HELD: frozenset({S.IN_PROGRESS, S.ASSESSING_CANCELLATION, S.FAILED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.FAILED, S.PARTIAL, S.HELD, S.PENDING,
                              S.ASSESSING_CANCELLATION}),
    # A refused cancellation returns the order to where it was.
    S.ASSESSING_CANCELLATION: frozenset({S.PENDING_CANCELLATION, S.IN_PROGRESS, S.HELD,
                                         S.PENDING, S.ACKNOWLEDGED}),
    S.PENDING_CANCELLATION: frozenset({S.CANCELLED}),
}

_ITEM: dict[S, frozenset[S]] = {
    S.ACKNOWLEDGED: frozenset({S.IN_PROGRESS, S.REJECTED, S.PENDING,
                               S.ASSESSING_CANCELLATION, S.CANCELLED}),
    S.PENDING: frozenset({S.IN_PROGRESS, S.REJECTED, S.ASSESSING_CANCELLATION, S.CANCELLED}),
    S.HELD: frozenset({S.IN_PROGRESS, S.FAILED, S.ASSESSING_CANCELLATION}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.FAILED, S.HELD, S.PENDING,
                              S.ASSESSING_CANCELLATION}),
    S.ASSESSING_CANCELLATION: frozenset({S.PENDING_CANCELLATION, S.IN_PROGRESS, S.HELD,
                                         S.PENDING, S.ACKNOWLEDGED}),
    S.PENDING_CANCELLATION: frozenset({S.CANCELLED}),
}

# Service and resource order items may also complete in part (TMF641/652 item partial).
_ITEM_WITH_PARTIAL = {k: (v | {S.PARTIAL} if k is S.IN_PROGRESS else v) for k, v in _ITEM.items()}

ALLOWED: dict[str, dict[S, frozenset[S]]] = {
    "productOrder": _ORDER,
    "serviceOrder": _ORDER,
    "resourceOrder": _ORDER,
    "productOrderItem": _ITEM,
    "serviceOrderItem": _ITEM_WITH_PARTIAL,
    "resourceOrderItem": _ITEM_WITH_PARTIAL,
}


# Item-level entities, whose states follow the item state machine.
ITEM_ENTITIES = frozenset({"productOrderItem", "serviceOrderItem", "resourceOrderItem"})


def states_of(entity_name: str) -> frozenset[S]:
    """Every state ``entity_name`` can be in (sources and targets of its table)."""
    table = ALLOWED[entity_name]
    return frozenset(table) | frozenset(s for targets in table.values() for s in targets)


def cancel_steps(entity: Any) -> tuple[S, ...]:
    """The moves that cancel ``entity`` from its current state (empty if terminal).

    An item that has not started goes straight to ``cancelled``; anything else is
    assessed first, then pending cancellation, then cancelled.
    """
    state = entity.state
    if state not in ALLOWED[entity.entity]:  # terminal
        return ()
    if entity.entity in ITEM_ENTITIES and S.CANCELLED in ALLOWED[entity.entity][state]:
        return (S.CANCELLED,)
    if state is S.ASSESSING_CANCELLATION:
        return (S.PENDING_CANCELLATION, S.CANCELLED)
    if state is S.PENDING_CANCELLATION:
        return (S.CANCELLED,)
    return (S.ASSESSING_CANCELLATION, S.PENDING_CANCELLATION, S.CANCELLED)


def cancel(entity: Any, at_s: float) -> list[StateChanged]:
    """Cancel ``entity`` along :func:`cancel_steps`; returns the events to emit."""
    return [move(entity, to, at_s) for to in cancel_steps(entity)]


# -- cancelProductOrder tasks -------------------------------------------------------------

CANCEL_TASK: dict[T, frozenset[T]] = {
    # COM accepts (the order stops at its next boundary) or refuses (past the point of
    # no return, or already ended).
    T.ACKNOWLEDGED: frozenset({T.IN_PROGRESS, T.TERMINATED_WITH_ERROR}),
    # The order ended: cancelled, or completed before it could stop.
    T.IN_PROGRESS: frozenset({T.DONE, T.TERMINATED_WITH_ERROR}),
}


def task_decided(accepted: bool) -> T:
    """Where a cancelProductOrder task goes once COM decided on it."""
    return T.IN_PROGRESS if accepted else T.TERMINATED_WITH_ERROR


def task_ended(order_state: S) -> T:
    """Where an accepted task goes when its order ends in ``order_state``."""
    return T.DONE if order_state is S.CANCELLED else T.TERMINATED_WITH_ERROR


def move_task(task: Any, to: T, at_s: float) -> StateChanged:
    """:func:`move` for a cancelProductOrder task (``entity`` ``cancelProductOrder``)."""
    old = task.state
    if to not in CANCEL_TASK.get(old, ()):
        raise IllegalTransition(f"{task.entity} {task.key}: {old} -> {to}")
    task.state = to
    return StateChanged(task.entity, task.key, old.value, to.value, at_s,
                        task.correlation_id)


# Each state's TMF name. ``S.X.value`` goes through the enum's descriptor, several times
# slower than a dict lookup, and move() runs about 17 times per product order.
_NAME: dict[S, str] = {s: s.value for s in S}


def move(entity: Any, to: S, at_s: float) -> StateChanged:
    """Move an order or item to state ``to`` at simulated time ``at_s``.

    Returns the :class:`StateChanged` event the caller emits on its bus (:func:`advance`
    moves and emits at once).
    """
    old = entity.state
    if to not in ALLOWED[entity.entity].get(old, ()):
        raise IllegalTransition(f"{entity.entity} {entity.key}: {old} -> {to}")
    entity.state = to
    return StateChanged(entity.entity, entity.key, _NAME[old], _NAME[to], at_s,
                        entity.correlation_id)


def advance(bus: EventBus, entity: Any, to: S, at_s: float) -> None:
    """:func:`move`, and emit its :class:`StateChanged` on ``bus``: built only when a
    subscriber wants this move (most moves of a batch run are wanted by nobody)."""
    # move()'s check, inline rather than shared: about 17 moves an order, and a call
    # each costs 30-50 ns (measured), all on the hot path.
    old = entity.state
    if to not in ALLOWED[entity.entity].get(old, ()):
        raise IllegalTransition(f"{entity.entity} {entity.key}: {old} -> {to}")
    entity.state = to
    new = _NAME[to]
    listeners = bus.state_listeners(entity.entity, new)
    if listeners:
        event = StateChanged(entity.entity, entity.key, _NAME[old], new, at_s,
                             entity.correlation_id)
        for fn in listeners:
            fn(event)

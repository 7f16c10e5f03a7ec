"""The TMF state machines: every legal move works and emits its TMF event, every other
move raises, and the state names are the specifications' own."""

from __future__ import annotations

import pytest

from om import IllegalTransition, State
from om.orders import TaskState
from om.transitions import (
    ALLOWED,
    CANCEL_TASK,
    cancel,
    cancel_steps,
    move,
    move_task,
    states_of,
    task_decided,
    task_ended,
)

EVENT_TYPE = {
    "productOrder": "ProductOrderStateChangeEvent",
    "productOrderItem": "ProductOrderStateChangeEvent",
    "serviceOrder": "ServiceOrderStateChangeEvent",
    "serviceOrderItem": "ServiceOrderStateChangeEvent",
    "resourceOrder": "ResourceOrderStateChangeEvent",
    "resourceOrderItem": "ResourceOrderStateChangeEvent",
}


class Thing:
    """Stands in for an order or item: move() needs only these four attributes."""

    def __init__(self, entity: str, state: State) -> None:
        self.entity = entity
        self.state = state
        self.key = f"{entity}-1"
        self.correlation_id = "PO-1/1"


LEGAL = [(e, a, b) for e, table in ALLOWED.items() for a, targets in table.items()
         for b in sorted(targets)]
ILLEGAL = [(e, a, b) for e in ALLOWED for a in State for b in State
           if b not in ALLOWED[e].get(a, ())]


@pytest.mark.parametrize(("entity", "old", "new"), LEGAL)
def test_every_legal_move_emits_its_tmf_event(entity, old, new):
    """A legal move changes the state and returns the TMF state change event."""
    thing = Thing(entity, old)
    event = move(thing, new, 12.5)
    assert thing.state is new
    assert (event.entity, event.id, event.old, event.new, event.at_s) == (
        entity, thing.key, old.value, new.value, 12.5)
    assert event.event_type == EVENT_TYPE[entity]


def test_every_illegal_move_raises():
    """Any move the tables do not list raises IllegalTransition and changes nothing."""
    assert len(ILLEGAL) > 300
    for entity, old, new in ILLEGAL:
        thing = Thing(entity, old)
        with pytest.raises(IllegalTransition, match=f"{old} -> {new}"):
            move(thing, new, 0.0)
        assert thing.state is old


def test_terminal_states_have_no_way_out():
    """completed, failed, partial, rejected and cancelled are final for every entity."""
    for table in ALLOWED.values():
        for state in (State.COMPLETED, State.FAILED, State.PARTIAL, State.REJECTED,
                      State.CANCELLED):
            assert state not in table


@pytest.mark.parametrize("entity", sorted(ALLOWED))
def test_cancellation_reaches_cancelled_from_every_open_state(entity):
    """cancel() takes any open order or item to cancelled through legal moves only."""
    for start in ALLOWED[entity]:
        thing = Thing(entity, start)
        events = cancel(thing, 1.0)
        assert thing.state is State.CANCELLED
        assert [e.new for e in events] == [s.value for s in cancel_steps(Thing(entity, start))]
        if entity.endswith("Order") and start is not State.PENDING_CANCELLATION:
            assert "pendingCancellation" in [e.new for e in events]


SPEC_ENUMS = {
    "productOrder": ("TMF622", "ProductOrderStateType"),
    "productOrderItem": ("TMF622", "ProductOrderItemStateType"),
    "serviceOrder": ("TMF641", "ServiceOrderStateType"),
    "serviceOrderItem": ("TMF641", "ServiceOrderItemStateType"),
}


@pytest.mark.parametrize("entity", sorted(SPEC_ENUMS))
def test_state_names_match_the_tmf_specs(entity):
    """Every state an entity can take is in its spec's state enum, spelled the same."""
    tmf_specs = pytest.importorskip("om.tmf_specs")
    api, definition = SPEC_ENUMS[entity]
    spec = set(tmf_specs.state_enum(api, definition))
    assert {s.value for s in states_of(entity)} <= spec
    # The state enum of omsim covers the whole order state machine.
    if entity == "productOrder":
        assert spec == {s.value for s in State}


class Task:
    """Stands in for a cancelProductOrder task."""

    entity = "cancelProductOrder"

    def __init__(self, state: TaskState) -> None:
        self.state = state
        self.key = "CPO-000001"
        self.correlation_id = "PO-000001"


@pytest.mark.parametrize(("old", "new"), [(a, b) for a, targets in CANCEL_TASK.items()
                                          for b in sorted(targets)])
def test_a_cancel_task_moves_along_its_own_machine(old, new):
    """A cancelProductOrder task's legal moves emit its TMF622 state change event."""
    task = Task(old)
    event = move_task(task, new, 3.0)
    assert task.state is new and (event.old, event.new) == (old.value, new.value)
    assert event.event_type == "CancelProductOrderStateChangeEvent"


def test_a_cancel_task_cannot_skip_or_leave_its_end():
    """Decided before done, and done or terminated for good."""
    illegal = [(a, b) for a in TaskState for b in TaskState
               if b not in CANCEL_TASK.get(a, ())]
    assert (TaskState.ACKNOWLEDGED, TaskState.DONE) in illegal
    for old, new in illegal:
        task = Task(old)
        with pytest.raises(IllegalTransition, match=f"{old} -> {new}"):
            move_task(task, new, 0.0)
        assert task.state is old


def test_a_cancel_task_is_done_only_when_its_order_ended_cancelled():
    """Refused: terminated with an error at once; accepted: in progress, then done if
    the order ended cancelled, terminated with an error if it ended any other way."""
    assert task_decided(accepted=False) is TaskState.TERMINATED_WITH_ERROR
    assert task_decided(accepted=True) is TaskState.IN_PROGRESS
    assert task_ended(State.CANCELLED) is TaskState.DONE
    for state in (State.COMPLETED, State.PARTIAL, State.FAILED):
        assert task_ended(state) is TaskState.TERMINATED_WITH_ERROR


def test_task_states_are_tmf622s():
    tmf_specs = pytest.importorskip("om.tmf_specs")
    assert {s.value for s in TaskState} == set(tmf_specs.state_enum("TMF622",
                                                                     "TaskStateType"))

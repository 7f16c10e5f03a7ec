"""cancelProductOrder requests of the live service (TMF622 CancelProductOrder tasks).

A task moves along om's task state machine (:data:`om.transitions.CANCEL_TASK`):
``terminatedWithError`` at once when the order manager refuses it (past the point of no
return, or the order already ended), else ``inProgress`` until the order ends: ``done``
if it ended cancelled, ``terminatedWithError`` with the reason if not. Only tasks in
progress stay in memory; each change is written with the next tick and published to
the hub.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from om import ProductOrder
from om.ids import IdSource
from om.orders import TaskState
from om.transitions import move_task, task_decided, task_ended
from sim.live.store import Document, Tick
from sim.live.views import Cancellation, Views


@dataclass
class CancelTask:
    """One cancelProductOrder request and where it stands."""

    entity = "cancelProductOrder"  # what om.transitions.move_task moves
    cancellation: Cancellation
    state: TaskState = TaskState.ACKNOWLEDGED
    effective_s: float | None = None
    reason: str = ""  # why it ended with an error

    @property
    def key(self) -> str:
        return self.cancellation.id

    @property
    def correlation_id(self) -> str:
        return self.cancellation.order_id


class Cancellations:
    """Tasks by id; ``publish(view)`` is told of every change while ``listening()``."""

    def __init__(self, views: Views, publish: Callable[[dict[str, Any]], None],
                 listening: Callable[[], bool]) -> None:
        self.views = views
        self._publish = publish
        self._listening = listening
        self._ids = IdSource("CPO")  # a replay makes the same ones again
        self._in_progress: dict[str, list[CancelTask]] = {}  # order id -> accepted tasks
        self._changed: dict[str, CancelTask] = {}  # to write with the next tick

    def pending(self, order_id: str) -> bool:
        """Whether an accepted cancellation waits for ``order_id`` to end."""
        return order_id in self._in_progress

    def add(self, order_id: str, reason: str, now_s: float, body: dict[str, Any],
            refusal: str) -> str:
        """A new task for ``order_id``, refused (``refusal``) or accepted (""); its id."""
        task = CancelTask(Cancellation(self._ids(), order_id, reason, now_s, body))
        move_task(task, task_decided(accepted=not refusal), now_s)
        if refusal:
            task.reason = refusal
        else:  # accepted: done once the order has stopped and compensated
            self._in_progress.setdefault(order_id, []).append(task)
        self._changed_now(task)
        return task.cancellation.id

    def order_ended(self, order: ProductOrder, now_s: float) -> None:
        for task in self._in_progress.pop(order.id, ()):
            move_task(task, task_ended(order.state), now_s)
            if task.state is TaskState.DONE:
                task.effective_s = now_s
            else:
                task.reason = f"the order ended {order.state} before it could stop"
            self._changed_now(task)

    def collect(self, out: Tick) -> None:
        """The documents of the tasks that changed since the last tick."""
        for cancel_id, task in sorted(self._changed.items()):
            out.documents.append(Document("cancelProductOrder", cancel_id, task.state.value,
                                          task.cancellation.order_id, self.view(task)))
        self._changed.clear()

    def view(self, task: CancelTask) -> dict[str, Any]:
        return self.views.cancellation(task.cancellation, task.state, task.effective_s,
                                       task.reason)

    def _changed_now(self, task: CancelTask) -> None:
        self._changed[task.cancellation.id] = task
        if self._listening():
            self._publish(self.view(task))

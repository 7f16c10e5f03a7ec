"""The life of one configuration request on the simulated clock, whichever protocol
carried it, so that a fault looks the same over NETCONF and RESTCONF:

1. every element it reaches must be reachable: if one is down (an ``element_outage``)
   or cut off (a ``link_cut`` in front of an OLT), the request fails after the connect
   timeout, ``operation-failed`` with app-tag ``element-unreachable``;
2. it waits for a management session on each element (name order, so two requests never
   wait for each other): an element takes ``max_parallel_edits`` at a time and the rest
   queue, first come first served - the emulator never refuses for being busy;
3. the change is made (:mod:`sim.emulate.change`), all at once;
4. the sessions are held for the configuration latency, then the answer is given - or,
   when it is lost, the front end holds it the element's ``late_answer_s`` longer (the
   change stays applied; the sessions are free again).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from sim.emulate.change import Answer, Apply, Changes
from sim.emulate.errors import RpcError

CONNECT_TIMEOUT_S = 10.0  # simulated seconds before an unreachable element is given up on


class Sessions:
    """An element's management sessions: ``capacity`` at a time, the rest wait in turn."""

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        self.env = env
        self.free = capacity
        self._waiting: deque[simpy.Event] = deque()

    def acquire(self) -> simpy.Event:
        turn = self.env.event()
        if self.free:
            self.free -= 1
            turn.succeed()
        else:
            self._waiting.append(turn)
        return turn

    def release(self) -> None:
        if self._waiting:
            self._waiting.popleft().succeed()  # handed straight to the next in line
        else:
            self.free += 1

    @property
    def waiting(self) -> int:
        return len(self._waiting)


def configure(env: simpy.Environment, changes: Changes, sessions: dict[str, Sessions],
              names: list[str], apply: Apply, test_only: bool = False
              ) -> Generator[simpy.Event, Any, Answer]:
    """The SimPy process of one request (see the module docstring); its value is the
    :class:`Answer`, or it fails with an :class:`RpcError`."""
    reached = sorted({n for n in names if n in changes.elements})
    for name in reached:
        if not changes.elements[name].behaviour.reachable():
            yield env.timeout(CONNECT_TIMEOUT_S)
            raise RpcError("operation-failed", f"{name} does not answer on its management "
                           "connection (element unreachable)",
                           changes.datastore.path_of((("element", (name,)),)),
                           app_tag="element-unreachable")
    held: list[Sessions] = []
    try:
        for name in reached:
            yield sessions[name].acquire()
            held.append(sessions[name])
        answer = changes.make(apply, names, test_only)
        if answer.latency_s:
            yield env.timeout(answer.latency_s)
    finally:
        for s in reversed(held):
            s.release()
    return answer

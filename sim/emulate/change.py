"""One change of the network's configuration, all or nothing, whichever protocol asked.

In order, with nothing awaited in between (so no other request sees half of it):

1. the edit is applied to the datastore under a journal (its own errors: ``data-exists``
   for a create of what is there, ``data-missing``, the network's structure);
2. the units it reached are validated against the YANG modules;
3. each element it reaches, in name order, answers as the simulation's element would,
   drawing from its own random stream in the simulation's order - the configuration
   latency, then whether it refuses the operation (``operation-failed``, app-tag
   ``element-error``), then its own checks (slots in use, full pools, unique serials),
   then whether the answer is lost (it then comes the element's ``late_answer_s``
   late: past any client's timeout, unless the scenario makes it short);
4. the change is committed (or, for ``test-only`` or any refusal, taken back whole), and
   the units it touched are handed to the store.

The operation an element is asked for is ``activate`` when a unit appears, ``deactivate``
when one goes, ``modify`` otherwise: the scenario's error rates are per operation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.emulate.datastore import Datastore
from sim.emulate.errors import RpcError
from sim.emulate.managed import ManagedElement, Undo
from sim.emulate.tree import Journal, Trail

Apply = Callable[[Journal], None]  # applies an edit to the datastore under the journal


@dataclass(frozen=True, slots=True)
class Answer:
    """How the elements answer a change they accepted."""

    latency_s: float = 0.0  # simulated seconds before the answer
    late_s: float | None = None  # a lost answer: this much later still (None: on time)

    @property
    def lost(self) -> bool:
        """Applied, but the answer is lost: it comes ``late_s`` late, or never."""
        return self.late_s is not None


class Changes:
    """Changes of the network: the datastore and the elements behind it."""

    def __init__(self, datastore: Datastore, elements: dict[str, ManagedElement],
                 committed: Callable[[list[Trail]], None] | None = None) -> None:
        self.datastore = datastore
        self.elements = elements
        self.committed = committed or (lambda units: None)

    def make(self, apply: Apply, names: list[str], test_only: bool = False) -> Answer:
        """Carry out one change (see the module docstring); RpcError when refused."""
        journal, undo = Journal(), Undo()
        try:
            apply(journal)
            units = list(journal.units)
            self.datastore.validate_units(units)
            answer = self._answer(units, names, undo)
        except BaseException:
            undo.rollback()
            journal.rollback()
            raise
        if test_only:
            undo.rollback()
            journal.rollback()
        else:
            undo.commit()
            journal.commit()
            self.committed(units)
        return answer

    def _answer(self, units: list[Trail], names: list[str], undo: Undo) -> Answer:
        by_element: dict[str, list[Trail]] = {name: [] for name in names}
        for trail in units:
            by_element.setdefault(trail[0][1][0], []).append(trail)
        latency_s, late_s = 0.0, None
        for name in sorted(by_element):
            element = self.elements[name]
            behaviour = element.behaviour
            latency_s = max(latency_s, behaviour.latency_s())
            operation = self._operation(element, by_element[name])
            if behaviour.refuses(operation):
                raise RpcError("operation-failed", f"{name} refused to {operation} "
                               "(element error)", self.datastore.path_of(
                                   (("element", (name,)),)), app_tag="element-error")
            for trail in by_element[name]:
                element.settle(trail, self.datastore.unit(trail),
                               self.datastore.path_of(trail), undo)
            if behaviour.loses_answer():
                late_s = max(late_s or 0.0, behaviour.late_answer_s)
        return Answer(latency_s, late_s)

    def _operation(self, element: ManagedElement, units: list[Trail]) -> str:
        now = [self.datastore.unit(t) is not None for t in units]
        before = [t in element.units for t in units]
        if any(n and not b for n, b in zip(now, before, strict=True)):
            return "activate"
        if any(b and not n for n, b in zip(now, before, strict=True)):
            return "deactivate"
        return "modify"

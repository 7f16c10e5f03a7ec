"""The order ledger: what the report keeps of each product order, one row per order in
typed arrays (about 40 bytes an order) instead of an object per order, so that a run of
millions of orders keeps its figures exact while the orders themselves leave memory.

Rows are in submission order. A row is written when its order is submitted and changed
in place as the order's events arrive; an order is found by its id only while it can
still change: until it ends, or, after that, until the last of its items in the
operations queue was worked (a manual touch may come after a cancellation). The report
reads the columns as numpy arrays (:meth:`OrderLedger.columns`).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from om.orders import TERMINAL

# Row states: not ended yet, then each terminal state (an order changes state in the
# ledger only when it ends).
OPEN = "acknowledged"
STATES = (OPEN, *sorted(s.value for s in TERMINAL))
_STATE = {name: code for code, name in enumerate(STATES)}
COMPLETED = _STATE["completed"]

JEOPARDY, BREACHED = 1, 2  # flag bits
# The ledger's columns, in the order of Columns; those holding codes, with their names.
_COLUMNS = ("submitted_s", "ended_s", "state", "label", "order_type", "offering",
            "fallout_cause", "fallout_layer", "fallout_s", "touches", "flags")
_CODED = {"label": "labels", "order_type": "order_types", "offering": "offerings",
          "fallout_cause": "causes", "fallout_layer": "layers"}


class Codes:
    """Small integers for the few distinct strings of a column (offerings, order types,
    fallout causes): code 0 is ``first``."""

    def __init__(self, first: str | None = None) -> None:
        self.names: list[str | None] = [first]
        self._codes: dict[str | None, int] = {first: 0}

    def __call__(self, name: str | None) -> int:
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = len(self.names)
            self.names.append(name)
        return code

    def present(self, codes: np.ndarray) -> list[tuple[str, int]]:
        """The (name, code) of each code in ``codes``, by name (a million rows cost a
        count per code, not a million names)."""
        counts = np.bincount(codes, minlength=len(self.names))
        return sorted((self.names[code], code)  # type: ignore[misc]
                      for code in np.flatnonzero(counts).tolist())

    def counts(self, codes: np.ndarray) -> dict[str, int]:
        """How often each name occurs in ``codes``, by name."""
        counts = np.bincount(codes, minlength=len(self.names)).tolist()
        return {name: counts[code] for name, code in self.present(codes)}


@dataclass(frozen=True)
class Columns:
    """The ledger as numpy arrays, one element per order in submission order."""

    submitted_s: np.ndarray
    ended_s: np.ndarray  # NaN while open
    state: np.ndarray  # codes of STATES
    label: np.ndarray  # codes of OrderLedger.labels
    order_type: np.ndarray  # codes of OrderLedger.order_types
    offering: np.ndarray  # codes of OrderLedger.offerings (the first item's)
    fallout_cause: np.ndarray  # codes of OrderLedger.causes (0: none)
    fallout_layer: np.ndarray  # codes of OrderLedger.layers (0: none)
    fallout_s: np.ndarray  # NaN: no fallout
    touches: np.ndarray  # manual touches
    flags: np.ndarray  # JEOPARDY | BREACHED

    @property
    def ended(self) -> np.ndarray:
        return ~np.isnan(self.ended_s)

    @property
    def completed(self) -> np.ndarray:
        return (self.state == COMPLETED) & self.ended


class OrderLedger:
    """One row per product order submitted (``len`` counts them)."""

    def __init__(self) -> None:
        self.submitted_s = array("d")
        self.ended_s = array("d")
        self.state = array("B")
        self.label = array("H")
        self.order_type = array("B")
        self.offering = array("H")
        self.fallout_cause = array("B")
        self.fallout_layer = array("B")
        self.fallout_s = array("d")
        self.touches = array("I")
        self.flags = array("B")
        self.labels = Codes()
        self.order_types = Codes()
        self.offerings = Codes()
        self.causes = Codes()
        self.layers = Codes()
        self._rows: dict[str, int] = {}  # orders that can still change
        self._queued: Counter[str] = Counter()  # their items in the operations queue

    def __len__(self) -> int:
        return len(self.submitted_s)

    def add(self, order_id: str, label: str, order_type: str, offering: str,
            submitted_s: float) -> None:
        """A row for an order just submitted (``offering``: its first item's)."""
        self._rows[order_id] = len(self.submitted_s)
        self.submitted_s.append(submitted_s)
        self.ended_s.append(np.nan)
        self.state.append(0)
        self.label.append(self.labels(label))
        self.order_type.append(self.order_types(order_type))
        self.offering.append(self.offerings(offering))
        self.fallout_cause.append(0)
        self.fallout_layer.append(0)
        self.fallout_s.append(np.nan)
        self.touches.append(0)
        self.flags.append(0)

    @property
    def changing(self) -> int:
        """Orders that can still change (found by id): what the ledger keeps beyond its
        rows."""
        return len(self._rows)

    def row(self, order_id: str) -> int | None:
        """The row of an order that can still change (None: unknown, or ended)."""
        return self._rows.get(order_id)

    def is_open(self, row: int) -> bool:
        return self.state[row] == 0

    def end(self, order_id: str, state: str, at_s: float) -> bool:
        """The order ended in ``state``: whether it was open until now."""
        row = self._rows.get(order_id)
        if row is None:
            return False
        was_open = self.state[row] == 0
        self.state[row] = _STATE[state]
        self.ended_s[row] = at_s
        self._forget_if_done(order_id, row)
        return was_open

    def fell_out(self, order_id: str, cause: str, layer: str, at_s: float) -> None:
        """A fallout of the order: the first one is the order's."""
        row = self._rows.get(order_id)
        if row is not None and self.fallout_cause[row] == 0:
            self.fallout_cause[row] = self.causes(cause)
            self.fallout_layer[row] = self.layers(layer)
            self.fallout_s[row] = at_s

    def queued(self, order_id: str) -> None:
        """An item of the order joined the operations queue."""
        if order_id in self._rows:
            self._queued[order_id] += 1

    def touched(self, order_id: str) -> None:
        """Operations worked an item of the order (one manual touch)."""
        row = self._rows.get(order_id)
        if row is None:
            return
        self.touches[row] += 1
        if self._queued[order_id] > 1:
            self._queued[order_id] -= 1
        else:
            self._queued.pop(order_id, None)
            self._forget_if_done(order_id, row)

    def flag(self, order_id: str, bit: int) -> None:
        row = self._rows.get(order_id)
        if row is not None:
            self.flags[row] |= bit

    def _forget_if_done(self, order_id: str, row: int) -> None:
        if self.state[row] != 0 and order_id not in self._queued:
            del self._rows[order_id]

    # -- regions run apart (sim.run.partition) -------------------------------------------
    @classmethod
    def merged(cls, parts: Sequence[OrderLedger]) -> OrderLedger:
        """The rows of every ledger of ``parts`` (the runs of a partitioned scenario's
        regions), in the order one run of them all adds them: by submission time, ties
        (independent regions' continuous clocks hardly ever meet) in the order of
        ``parts``. Names are coded afresh; the merged ledger finds no order by id (ids
        are each run's own), so it is read, not fed."""
        out = cls()
        columns: dict[str, list[np.ndarray]] = {name: [] for name in _COLUMNS}
        for part in parts:
            for name in _COLUMNS:
                values = np.array(getattr(part, name))
                names = _CODED.get(name)
                if names is not None:  # recode: the part's code -> the merged ledger's
                    recode = getattr(out, names)
                    values = np.array([recode(n) for n in getattr(part, names).names],
                                      dtype=np.int64)[values]
                columns[name].append(values)
        submitted = np.concatenate(columns["submitted_s"])
        order = np.argsort(submitted, kind="stable")
        for name in _COLUMNS:
            column = getattr(out, name)
            column.extend(np.concatenate(columns[name])[order].tolist())
        return out

    # -- reading ------------------------------------------------------------------------
    def columns(self) -> Columns:
        """The columns as numpy arrays (copies: the ledger may grow on)."""
        return Columns(*(np.array(a) for a in (
            self.submitted_s, self.ended_s, self.state, self.label, self.order_type,
            self.offering, self.fallout_cause, self.fallout_layer, self.fallout_s,
            self.touches, self.flags)))

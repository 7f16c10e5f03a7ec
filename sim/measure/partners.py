"""Partner figures for the run report (``partners``, when the catalog hands RFS to
partners): per partner, the partner orders placed and how they ended, the partner's own
jeopardy (accepted in part, announced delays), and cancellations it refused."""

from __future__ import annotations

from collections import Counter
from typing import Any

from om.events import EventBus, PartnerJeopardy, PartnerOrderChanged
from om.partners import TERMINAL


class PartnerFigures:
    """Subscribes to the partner gateway's events; ``report`` gives ``partners``."""

    def __init__(self, bus: EventBus, partners: list[str]) -> None:
        self.partners = partners
        self.ended: dict[str, Counter[str]] = {p: Counter() for p in partners}
        self.placed: Counter[str] = Counter()
        self.jeopardy: dict[str, Counter[str]] = {p: Counter() for p in partners}
        self.cancel_refused: Counter[str] = Counter()
        self._seen: set[str] = set()  # partner order ids placed
        self._ended: set[str] = set()  # and those that ended (each counted once)
        bus.subscribe(PartnerOrderChanged, self._on_change)
        bus.subscribe(PartnerJeopardy, self._on_jeopardy)

    def _on_change(self, event: PartnerOrderChanged) -> None:
        if event.state in ("ceaseRequested", "cancelRefused"):
            if event.state == "cancelRefused":
                self.cancel_refused[event.partner] += 1
            return
        order_id = event.partner_order_id
        if order_id not in self._seen:
            self._seen.add(order_id)
            self.placed[event.partner] += 1
        if event.state in TERMINAL and order_id not in self._ended:
            self._ended.add(order_id)  # our cancel and the partner's news of it: once
            self.ended[event.partner][event.state] += 1

    def _on_jeopardy(self, event: PartnerJeopardy) -> None:
        self.jeopardy[event.partner][event.reason] += 1

    def report(self) -> dict[str, Any]:
        return {p: {"orders": self.placed[p],
                    "ended": {s: self.ended[p][s] for s in sorted(TERMINAL)},
                    "jeopardy": {r: self.jeopardy[p][r] for r in ("partial", "delayed")},
                    "cancel_refused": self.cancel_refused[p]}
                for p in self.partners}

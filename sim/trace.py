"""Order traces: each product order's tree across COM, SOM and ROM with every item's
state history, recorded from the event bus, and its rendering for ``omsim trace``.

The recorder is off unless a run asks for it (``omsim run --trace``): it keeps every
order object and every state change, which a plain run does not need. The trace goes
into the JSON report under ``trace`` (order id -> tree); times are simulated seconds.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from om import EventBus, ProductOrder, StateChanged
from om.errors import ReportError, UsageError

History = list[tuple[str, float]]


class TraceRecorder:
    """Subscribes to state changes; builds order trees at the end of the run."""

    def __init__(self, bus: EventBus) -> None:
        self.history: dict[tuple[str, str], History] = {}
        self.orders: list[ProductOrder] = []
        bus.subscribe(StateChanged, self._on_state)

    def _on_state(self, event: StateChanged) -> None:
        self.history.setdefault((event.entity, event.id), []).append((event.new, event.at_s))

    def track(self, order: ProductOrder) -> None:
        """Remember an order so that its tree can be built (call at submit)."""
        self.orders.append(order)

    def _h(self, entity: Any) -> list[list[Any]]:
        return [[state, round(t, 3)] for state, t in self.history.get(
            (entity.entity, entity.key), ())]

    def tree(self, order: ProductOrder) -> dict[str, Any]:
        """The order's tree: product items -> service items -> resource order items."""
        cancellation = order.cancellation
        return {
            "id": order.id,
            "type": order.order_type,
            "customer": order.customer,
            "state": order.state.value,
            "state_reason": order.state_reason,
            "order_date_s": order.order_date_s,
            "history": self._h(order),
            "cancellation": None if cancellation is None else {
                "reason": cancellation.reason, "accepted": cancellation.accepted,
                "refusal": cancellation.refusal, "at_s": cancellation.requested_s},
            "amendments": [{"item": a.item_id, "characteristics": a.characteristics,
                            "applied": a.applied, "refusal": a.refusal, "at_s": a.at_s}
                           for a in order.amendments],
            "service_order": order.service_order.id if order.service_order else None,
            "items": [self._product_item(i) for i in order.items],
        }

    def _product_item(self, item: Any) -> dict[str, Any]:
        return {
            "id": item.id, "action": item.action.value, "offering": item.offering,
            "place": item.place, "product": item.product_id, "state": item.state.value,
            "history": self._h(item), "no_change": list(item.unchanged),
            "services": [self._service_item(s) for s in item.service_items],
        }

    def _service_item(self, item: Any) -> dict[str, Any]:
        ro = item.resource_order
        return {
            "id": item.key, "cfs": item.cfs, "action": item.action.value,
            "service": item.service_id, "state": item.state.value, "history": self._h(item),
            "no_change": list(item.unchanged),
            "resource_order": None if ro is None else {
                "id": ro.id, "state": ro.state.value, "history": self._h(ro),
                "items": [{"id": r.key, "rfs": r.rfs, "action": r.action.value,
                           "target": r.target, "resources": r.identifiers(),
                           "state": r.state.value, "history": self._h(r)}
                          for r in ro.items]},
        }

    def report(self) -> dict[str, Any]:
        """Every tracked order's tree, by order id."""
        return {o.id: self.tree(o) for o in self.orders}


def _when(t_s: float) -> str:
    days, rest = divmod(t_s, 86400.0)
    hours, rest = divmod(rest, 3600.0)
    return f"d{int(days)} {int(hours):02d}:{int(rest // 60):02d}:{rest % 60:04.1f}"


def _states(history: list[list[Any]]) -> str:
    return "  ".join(f"{state} @{_when(t)}" for state, t in history) or "(no changes)"


def render(tree: dict[str, Any]) -> Tree:
    """The rich tree ``omsim trace`` prints for one order."""
    root = Tree(f"[bold]{tree['id']}[/bold] {tree['type']} for "
                f"{escape(tree['customer'] or '-')}: "
                f"[cyan]{tree['state']}[/cyan]  {_states(tree['history'])}")
    if tree.get("state_reason"):
        root.add(f"reason: {tree['state_reason']}")
    c = tree.get("cancellation")
    if c:
        verdict = "accepted" if c["accepted"] else f"refused: {c['refusal']}"
        root.add(f"cancellation at {_when(c['at_s'])} ({c['reason']}): {verdict}")
    for a in tree.get("amendments", ()):
        verdict = "applied" if a["applied"] else f"refused: {a['refusal']}"
        root.add(f"amendment of item {a['item']} at {_when(a['at_s'])} "
                 f"{a['characteristics']}: {verdict}")
    for item in tree["items"]:
        node = root.add(f"item {item['id']} {item['action']} {item['offering']} at "
                        f"{item['place']} -> product {item['product'] or '-'}: "
                        f"[cyan]{item['state']}[/cyan]  {_states(item['history'])}")
        for name in item.get("no_change", ()):
            node.add(f"noChange {name}")
        for s in item["services"]:
            snode = node.add(f"{s['id']} {s['action']} {s['cfs']}: [cyan]{s['state']}[/cyan]"
                             f"  {_states(s['history'])}")
            for name in s.get("no_change", ()):
                snode.add(f"noChange {name}")
            ro = s["resource_order"]
            if ro is None:
                continue
            rnode = snode.add(f"{ro['id']}: [cyan]{ro['state']}[/cyan]  "
                              f"{_states(ro['history'])}")
            for r in ro["items"]:
                held = ", ".join(f"{k} {v}" for k, v in r["resources"].items())
                rnode.add(f"{r['id']} {r['action']} {r['rfs']} on {r['target']}"
                          f"{escape(' [' + held + ']') if held else ''}: "
                          f"[cyan]{r['state']}[/cyan]"
                          f"  {_states(r['history'])}")
    return root


def print_trace(report: dict[str, Any], order_id: str, console: Console | None = None,
                source: str = "report") -> None:
    """Print one order's tree from a run report written with ``--trace``."""
    trace = report.get("trace")
    if trace is None:
        raise ReportError(f"{source}: has no 'trace'; run the scenario with "
                          f"'omsim run --trace' to record one")
    if not isinstance(trace, dict):
        raise ReportError(f"{source}: its 'trace' is not a mapping of order ids to trees, "
                          f"so it was not written by 'omsim run --trace'")
    if order_id not in trace:
        raise UsageError(f"{source}: no order '{order_id}' in the trace "
                         f"({len(trace)} orders, e.g. {', '.join(list(trace)[:3])})")
    try:
        tree = render(trace[order_id])
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ReportError(f"{source}: the trace of {order_id} is not of the shape "
                          f"'omsim run --trace' writes ({type(exc).__name__}: {exc})") from None
    (console or Console()).print(tree)

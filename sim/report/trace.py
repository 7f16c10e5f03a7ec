"""``omsim trace``: one order's tree across COM, SOM and ROM with every item's state
history, printed from a report written with ``omsim run --trace``
(:mod:`sim.measure.trace` records it)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from om.errors import ReportError, UsageError
from sim.units import DAY_S, HOUR_S


def _when(t_s: float) -> str:
    days, rest = divmod(t_s, DAY_S)
    hours, rest = divmod(rest, HOUR_S)
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
                leaf = rnode.add(f"{r['id']} {r['action']} {r['rfs']} on {r['target']}"
                                 f"{escape(' [' + held + ']') if held else ''}: "
                                 f"[cyan]{r['state']}[/cyan]"
                                 f"  {_states(r['history'])}")
                _partner(leaf, r.get("partner"), r["id"])
    return root


def _partner(node: Tree, partner: dict[str, Any] | None, item_id: str) -> None:
    """The partner's order(s) of an item: its id there, our item as its external id,
    and each state the partner reported (with its reason or error code)."""
    for order_id, history in (partner or {}).get("orders", {}).items():
        states = "  ".join(f"{state}{'(' + detail + ')' if detail else ''} @{_when(t)}"
                           for state, t, detail in history)
        node.add(f"partner order {order_id} at {partner['partner']} "  # type: ignore[index]
                 f"(externalId {item_id}): {states}")


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

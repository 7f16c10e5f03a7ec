"""``omsim impact``: the products and customers that depend on a network element,
printed from a report written with ``omsim run --trace`` (the analysis is
:mod:`sim.measure.impact`)."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from om.errors import ReportError
from sim.measure.impact import check_element, impacted


def print_impact(report: dict[str, Any], element: str, console: Console,
                 source: str = "report") -> None:
    """Print the products and customers that depend on ``element``, from a report
    written with ``omsim run --trace``."""
    inventory = report.get("inventory")
    if inventory is None:
        raise ReportError(f"{source}: has no 'inventory'; run the scenario with "
                          f"'omsim run --trace' to record one")
    products = inventory.get("products") if isinstance(inventory, dict) else None
    if not isinstance(products, list) or not all(isinstance(p, dict) for p in products):
        raise ReportError(f"{source}: its 'inventory' is not of the shape 'omsim run "
                          f"--trace' writes (a mapping with a list of 'products')")
    try:
        check_element(inventory.get("network"), products, element, source)
        hit = impacted(products, element)
        lines = [f"  {p['id']}  {p['offering']:<26} {p['status']:<9} {p['customer']}  "
                 f"({p['port']})" for p in hit]
        customers = sorted({p["customer"] for p in hit})
    except (KeyError, TypeError, AttributeError) as exc:
        raise ReportError(f"{source}: its 'inventory' is not of the shape 'omsim run "
                          f"--trace' writes ({type(exc).__name__}: {exc})") from None
    console.print(f"{element}: {len(hit):,} products of {len(customers):,} customers "
                  f"depend on it")
    for line in lines:
        console.print(line, highlight=False, markup=False)

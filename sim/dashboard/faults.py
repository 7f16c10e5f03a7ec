"""A fault of the scenario vocabulary (:mod:`sim.scenario.faults`) as one short line,
for the dashboards' fault timelines."""

from __future__ import annotations

from typing import Any


def label(spec: dict[str, Any]) -> str:
    """A short line for a fault: its kind and what it acts on."""
    target = (spec.get("element") or spec.get("element_kind") or spec.get("region")
              or "-".join(spec.get("link") or ()) or spec.get("pool") or "")
    extra = {"pool_limit": f"at {spec.get('at') or 'all'}, limit {spec.get('limit')}",
             "workforce_absence": f"{spec.get('technicians')} technicians off",
             "lost_answers": f"rate {spec.get('rate')}",
             "element_errors": f"rate {spec.get('rate')}",
             "inventory_drift": f"share {spec.get('share')}"}.get(spec["kind"], "")
    return " ".join(p for p in (spec["kind"], str(target), extra) if p)

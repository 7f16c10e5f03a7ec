"""What a network holds now, as both dashboards show it: its fullest PON ports (ONT
ids) and BNGs (subscriber sessions), the fullest first."""

from __future__ import annotations

from typing import Any

from network_model import Network

WORST = 5  # PON ports and BNGs listed


def fullest(network: Network, worst: int = WORST) -> dict[str, list[dict[str, Any]]]:
    """``worstPonPorts`` and ``worstBngs``: name, in use and capacity of each."""
    ports = sorted(((p.ont_ids.in_use / p.ont_ids.capacity if p.ont_ids.capacity else 0.0,
                     p.name, p.ont_ids.in_use, p.ont_ids.capacity)
                    for p in network.ports.values()), key=lambda r: (-r[0], r[1]))[:worst]
    bngs = sorted(((p.in_use / p.capacity if p.capacity else 0.0, name, p.in_use, p.capacity)
                   for name, p in network.session_pools.items()),
                  key=lambda r: (-r[0], r[1]))[:worst]
    return {"worstPonPorts": [{"name": n, "inUse": u, "capacity": c} for _, n, u, c in ports],
            "worstBngs": [{"name": n, "inUse": u, "capacity": c} for _, n, u, c in bngs]}

"""Impact analysis: which customers and products depend on a network element.

Every product's access path is read from the inventories: the PON port that passes its
address (its ONT id), the OLT, the exchange, and the BNG its subscriber session is on.
The paths form a networkx graph, BNG -> exchange -> OLT -> PON port -> product; the
products hit by an element are its descendants, and those hit by a link are the
descendants of the link's lower end. A snapshot of the paths goes into the report
(``inventory``) when a run is traced, so ``omsim impact`` works from the report alone.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from network_model import Network
from om import OrderManager


def snapshot(om: OrderManager, network: Network) -> list[dict[str, Any]]:
    """Each product that is not terminated, with its access path."""
    out = []
    for product in om.products.products.values():
        if product.status == "terminated":
            continue
        port = network.serving_port(product.place)
        path: dict[str, str | None] = {"port": None, "olt": None, "exchange": None,
                                       "bng": None}
        if port is not None:
            path = {"port": port.name, "olt": port.olt,
                    "exchange": network.olts[port.olt].exchange,
                    "bng": network.homing_bng(port.olt)}
        out.append({"id": product.id, "offering": product.offering,
                    "customer": product.customer, "place": product.place,
                    "status": product.status, **path})
    return out


def dependency_graph(products: list[dict[str, Any]]) -> nx.DiGraph:
    """BNG -> exchange -> OLT -> PON port -> product, from a snapshot."""
    graph = nx.DiGraph()
    for p in products:
        chain = [p[k] for k in ("bng", "exchange", "olt", "port") if p[k]]
        nx.add_path(graph, [*chain, p["id"]])
        graph.nodes[p["id"]]["product"] = p
    return graph


def impacted(products: list[dict[str, Any]], element: str) -> list[dict[str, Any]]:
    """Products depending on ``element``: an OLT, PON port, exchange or BNG name
    (``olt:``/``bng:`` prefixes allowed), or a link written ``A--B``."""
    graph = dependency_graph(products)
    name = element.split(":", 1)[1] if element.startswith(("olt:", "bng:")) else element
    if "--" in name:
        a, b = name.split("--", 1)
        if graph.has_edge(a, b):
            name = b
        elif graph.has_edge(b, a):
            name = a
        else:
            return []  # no product's traffic crosses it
    if name not in graph:
        return []
    return sorted((graph.nodes[n]["product"] for n in nx.descendants(graph, name)
                   if "product" in graph.nodes[n]), key=lambda p: p["id"])

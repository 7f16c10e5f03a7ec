"""Impact analysis: which customers and products depend on a network element.

Every product's access path is read from the inventories: the PON port that passes its
address (its ONT id), the OLT, the exchange, and the BNG its subscriber session is on.
The paths form a networkx graph, BNG -> exchange -> OLT -> PON port -> product; the
products hit by an element are its descendants, and those hit by a link are the
descendants of the link's lower end. A snapshot of the paths goes into the report
(``inventory``) when a run is traced, with the network's elements and links, so that
``omsim impact`` works from the report alone and can tell an element that serves
nobody (0 products) from a name that is not in the network at all (an error).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from network_model import Network
from om import OrderManager
from om.errors import UsageError


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


def inventory_snapshot(om: OrderManager, network: Network) -> dict[str, Any]:
    """The report's ``inventory``: the products with their paths, and the network."""
    return {"products": snapshot(om, network), "network": network_elements(network)}


def network_elements(network: Network) -> dict[str, Any]:
    """What ``omsim impact`` may be asked about: BNGs, exchanges, OLTs with their PON port
    layout (ports are not listed one by one) and links, ``A--B`` as in the topology."""
    return {
        "bngs": sorted(network.bngs),
        "exchanges": sorted(network.exchanges),
        "olts": {name: {"line_cards": o.line_cards, "ports_per_line_card":
                        o.ports_per_line_card} for name, o in sorted(network.olts.items())},
        "links": sorted("--".join(sorted((a, b), key=lambda n: _RANK.get(
            network.graph.nodes[n].get("kind"), 3))) for a, b in network.graph.edges),
    }


# A link is written from the access side up: OLT--exchange, exchange--BNG.
_RANK = {"olt": 0, "exchange": 1, "bng": 2}


def check_element(network: dict[str, Any] | None, products: list[dict[str, Any]],
                  element: str, source: str) -> None:
    """Raise :class:`UsageError` unless ``element`` is in the report's network (or, in a
    report without one, on some product's path); the error shows names that exist."""
    known = network if isinstance(network, dict) else _elements_of(products)
    bngs, exchanges = set(known.get("bngs", ())), set(known.get("exchanges", ()))
    olts: dict[str, Any] = known.get("olts", {})
    links = list(known.get("links", ()))
    kind, _, name = element.rpartition(":") if element.startswith(("olt:", "bng:")) \
        else ("", "", element)
    if "--" in name:
        a, _, b = name.partition("--")
        if f"{a}--{b}" not in links and f"{b}--{a}" not in links:
            raise UsageError(f"{source}: no link '{element}' in the network of this report "
                             f"(a link joins an exchange to its BNG or an OLT to its "
                             f"exchange: {_some(links)})")
        return
    olt, slash, port = name.partition("/")
    if slash:
        layout = olts.get(olt) if kind != "bng" else None
        if layout is not None:
            cards, ports = layout.get("line_cards"), layout.get("ports_per_line_card")
            card, _, index = port.partition("/")
            if cards is None or (card.isdigit() and index.isdigit() and 1 <= int(card) <= cards
                                 and 1 <= int(index) <= ports):
                return  # (a report without the network does not know the port layout)
            raise UsageError(f"{source}: no element '{element}' in the network of this "
                             f"report ({olt} has PON ports 1/1 .. {cards}/{ports})")
    elif name in {"olt": olts.keys(), "bng": bngs}.get(kind, olts.keys() | bngs | exchanges):
        return
    raise UsageError(f"{source}: no element '{element}' in the network of this report "
                     f"(exchanges: {_some(sorted(exchanges))}; BNGs: {_some(sorted(bngs))}; "
                     f"OLTs: {_some(sorted(olts))}; PON ports as OLT/card/port, e.g. "
                     f"{next(iter(sorted(olts)), 'OLT')}/1/1; links as A--B, e.g. "
                     f"{_some(links, 1)})")


def _elements_of(products: list[dict[str, Any]]) -> dict[str, Any]:
    """The elements on the products' paths (reports written before the network was)."""
    olts: dict[str, Any] = {}
    for p in products:
        if p.get("olt"):
            olts[p["olt"]] = {}
    links = {f"{p['exchange']}--{p['bng']}" for p in products if p.get("bng")} | {
        f"{p['olt']}--{p['exchange']}" for p in products if p.get("olt")}
    return {"bngs": {p["bng"] for p in products if p.get("bng")},
            "exchanges": {p["exchange"] for p in products if p.get("exchange")},
            "olts": olts, "links": sorted(links)}


def _some(names: list[str], most: int = 4) -> str:
    shown = ", ".join(names[:most])
    return f"{shown}, ... ({len(names):,} in all)" if len(names) > most else shown or "none"

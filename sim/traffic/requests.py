"""Order requests: what a scenario's customers ask for, whoever receives it.

An arrival stream or churn decides *what* a customer asks for and *when*; an
:class:`OrderChannel` decides where it goes. In a batch run (and for a live server's
background arrivals) the channel is omsim's own order manager
(:class:`sim.traffic.om_channel.OmChannel`); ``omsim drive`` turns the same requests into
TMF622 bodies for another order manager (:mod:`sim.drive`). So one traffic model, with
its named random streams, feeds both.

A request is plain data: the order type, the items (offering, action, site, the
characteristics it sets, the product it acts on) and who asks. Changes to existing
products (modify, cease, move, suspend, resume) act on a :class:`KnownProduct`, a
product the channel says exists; cancel and amend act on an order the channel says is
still open (an opaque handle only the channel reads).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from om import Action
from sim.scenario.schema import Arrival

# Order types that act on an existing product, and the status of the product each wants.
ON_PRODUCT = ("modify", "cease", "move", "suspend", "resume", "renew")
CEASE = "cease"


@dataclass(frozen=True, slots=True)
class ItemRequest:
    """One item of a requested order (TMF622 productOrderItem).

    ``product_id`` names the product a modify or delete acts on; ``product_status`` is
    the status a modify asks for (``suspended`` / ``active``); ``after`` lists the items
    of the same order this one waits for (a move ceases the old line after the new one
    works)."""

    id: str
    action: Action
    offering: str
    place: str
    characteristics: Mapping[str, Any] = field(default_factory=dict)
    product_id: str | None = None
    product_status: str | None = None
    after: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A product order a customer asks for.

    ``category`` is what the order manager files it under (the offering's segment for a
    provide, else the order type); ``label`` is how reports group it (the offering,
    ``"<offering> (bulk)"`` for a provide of several sites, ``"<offering> [<type>]"``
    for a change)."""

    order_type: str  # provide | modify | cease | move | suspend | resume | renew
    items: tuple[ItemRequest, ...]
    customer: str
    category: str
    label: str


class KnownProduct(Protocol):
    """A product a later order can act on, as its channel knows it."""

    id: str
    offering: str
    place: str
    customer: str
    status: str  # active | suspended | terminated
    characteristics: dict[str, Any]


class OrderChannel(Protocol):
    """Where a scenario's customers send their requests, and what they can see of their
    products and orders: omsim's own order manager, or a TMF622 endpoint."""

    def place(self, request: OrderRequest) -> None:
        """Send a new product order."""

    def cancel(self, order: Any, reason: str) -> None:
        """Ask to cancel an open order (one of :meth:`open_orders`)."""

    def amend(self, order: Any, characteristics: Mapping[str, Any]) -> None:
        """Ask to change the first item of an open order in flight."""

    def product(self, product_id: str) -> KnownProduct | None:
        """The product, or None when it is gone."""

    def busy(self, product_id: str) -> bool:
        """Whether an order is acting on the product now."""

    def open_orders(self, offering: str) -> Sequence[Any]:
        """Orders of ``offering`` still open and not being cancelled, oldest first."""

    def on_products_started(self, callback: Callable[[Sequence[str]], None]) -> None:
        """Call ``callback(product_ids)`` whenever an order completed and created
        products (billing started), in the order callbacks were registered."""


def provide_request(arrival: Arrival, places: Sequence[str], customer: str,
                    segment: str) -> OrderRequest:
    """A new customer's order of ``arrival.offering``: one item per site in ``places``."""
    items = tuple(ItemRequest(str(n + 1), Action.ADD, arrival.offering, place)
                  for n, place in enumerate(places))
    label = f"{arrival.offering} (bulk)" if len(items) > 1 else arrival.offering
    return OrderRequest("provide", items, customer, segment, label)


def change_request(arrival: Arrival, product: KnownProduct, kind: str,
                   new_place: Callable[[], str]) -> OrderRequest:
    """An order of type ``kind`` (one of :data:`ON_PRODUCT`) on ``product``; a move
    asks ``new_place()`` for its new site."""
    offering, place, pid = product.offering, product.place, product.id
    if kind in ("modify", "renew"):  # a renewal: a modify of the contract term alone
        items: tuple[ItemRequest, ...] = (
            ItemRequest("1", Action.MODIFY, offering, place, dict(arrival.characteristics),
                        product_id=pid),)
    elif kind in ("suspend", "resume"):
        status = "suspended" if kind == "suspend" else "active"
        items = (ItemRequest("1", Action.MODIFY, offering, place, product_id=pid,
                             product_status=status),)
    elif kind == CEASE:
        items = (cease_item(product),)
    else:  # move: the new line first, then the old one goes
        items = (ItemRequest("1", Action.ADD, offering, new_place(),
                             dict(product.characteristics)),
                 cease_item(product, "2", after=("1",)))
    return OrderRequest(kind, items, product.customer, kind, f"{offering} [{kind}]")


def cease_request(product: KnownProduct) -> OrderRequest:
    """The order that ceases ``product`` (churn)."""
    return OrderRequest(CEASE, (cease_item(product),), product.customer, CEASE,
                        f"{product.offering} [{CEASE}]")


def cease_item(product: KnownProduct, item_id: str = "1", after: tuple[str, ...] = ()
               ) -> ItemRequest:
    """The order item that ceases ``product`` (``after``: the items it waits for)."""
    return ItemRequest(item_id, Action.DELETE, product.offering, product.place,
                       product_id=product.id, after=after)

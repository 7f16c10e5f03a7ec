"""OrderManager: COM, SOM and ROM with their inventories and event bus, wired once."""

from __future__ import annotations

import random

import simpy

from network_model import Network
from om.catalog import Catalog
from om.com import Com
from om.events import EventBus
from om.fallout import FalloutQueue, RetryPolicy
from om.inventory import ProductInventory, ResourceInventory, ServiceInventory
from om.orders import ProductOrder
from om.rom import Rom
from om.som import Som
from om.southbound import Southbound


class OrderManager:
    """The order manager of one run: the entry point is :meth:`submit`.

    ``policies`` maps an element kind to ROM's retry policy towards it (none: one try,
    no timeout); ``fallout_queue`` is the operations team (none: items fail for good at
    once); ``on_item_failure`` is the order policy: ``partial`` completes what can
    complete, ``fail_order`` undoes the whole order when one item fails. ``keep_ended``:
    whether ended orders stay whole for whoever holds them (tests, a trace, the live
    service until it saved them); with False each leaves memory as soon as it ended
    (:func:`om.orders.prune`), and what a later cease or modify needs stays in the
    service inventory as compact records (:class:`om.orders.Activation`).
    """

    def __init__(self, env: simpy.Environment, catalog: Catalog, network: Network,
                 southbound: Southbound, bus: EventBus | None = None,
                 policies: dict[str, RetryPolicy] | None = None,
                 fallout_queue: FalloutQueue | None = None,
                 rng: random.Random | None = None,
                 on_item_failure: str = "partial", keep_ended: bool = True) -> None:
        self.env = env
        self.catalog = catalog
        self.network = network
        self.bus = bus or EventBus()
        # What a cease closed goes too, unless ended orders are kept.
        self.products = ProductInventory(keep_terminated=keep_ended)
        self.services = ServiceInventory(keep_terminated=keep_ended)
        self.resources = ResourceInventory()
        self.fallout_queue = fallout_queue
        self.rom = Rom(env, network, southbound, self.resources, self.bus, policies,
                       fallout_queue, rng)
        self.som = Som(env, self.rom, self.services, self.bus)
        self.com = Com(env, catalog, network, self.som, self.products, self.bus)
        self.com.on_item_failure = on_item_failure
        self.com.prune_ended = not keep_ended

    def submit(self, order: ProductOrder) -> simpy.Process:
        return self.com.submit(order)

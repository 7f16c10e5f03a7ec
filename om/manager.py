"""OrderManager: COM, SOM and ROM with their inventories and event bus, wired once."""

from __future__ import annotations

import simpy

from network_model import Network
from om.catalog import Catalog
from om.com import Com
from om.events import EventBus
from om.inventory import ProductInventory, ResourceInventory, ServiceInventory
from om.orders import ProductOrder
from om.rom import Rom
from om.som import Som
from om.southbound import Southbound


class OrderManager:
    """The order manager of one run: the entry point is :meth:`submit`."""

    def __init__(self, env: simpy.Environment, catalog: Catalog, network: Network,
                 southbound: Southbound, bus: EventBus | None = None) -> None:
        self.env = env
        self.catalog = catalog
        self.network = network
        self.bus = bus or EventBus()
        self.products = ProductInventory()
        self.services = ServiceInventory()
        self.resources = ResourceInventory()
        self.rom = Rom(env, network, southbound, self.resources, self.bus)
        self.som = Som(env, self.rom, self.services, self.bus)
        self.com = Com(env, catalog, network, self.som, self.products, self.bus)

    def submit(self, order: ProductOrder) -> simpy.Process:
        return self.com.submit(order)

"""The three-layer order manager: COM (TMF622), SOM (TMF641) and ROM (TMF652).

om imports network_model and simpy, never sim. ROM reaches the network only through the
:class:`Southbound` port. :class:`OrderManager` wires the three layers and their
inventories for one SimPy environment.
"""

from om.catalog import Catalog, load_catalog
from om.errors import (
    CatalogError,
    IllegalTransition,
    OmsimError,
    ScenarioError,
    SouthboundError,
)
from om.events import BillingStarted, EventBus, FalloutRaised, StateChanged
from om.fallout import FalloutCause, Layer
from om.manager import OrderManager
from om.orders import (
    Action,
    ProductOrder,
    ProductOrderItem,
    ResourceOrder,
    ResourceOrderItem,
    ServiceOrder,
    ServiceOrderItem,
    State,
)
from om.southbound import FakeSouthbound, Southbound

__all__ = [
    "Action",
    "BillingStarted",
    "Catalog",
    "CatalogError",
    "EventBus",
    "FakeSouthbound",
    "FalloutCause",
    "FalloutRaised",
    "IllegalTransition",
    "Layer",
    "OmsimError",
    "OrderManager",
    "ProductOrder",
    "ProductOrderItem",
    "ResourceOrder",
    "ResourceOrderItem",
    "ScenarioError",
    "ServiceOrder",
    "ServiceOrderItem",
    "Southbound",
    "SouthboundError",
    "State",
    "StateChanged",
    "load_catalog",
]

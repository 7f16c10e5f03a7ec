"""The three-layer order manager: COM (TMF622), SOM (TMF641) and ROM (TMF652).

om imports network_model and simpy, never sim. ROM reaches the network only through the
:class:`Southbound` port. :class:`OrderManager` wires the three layers and their
inventories for one SimPy environment.
"""

from om.approvals import ApproverPool
from om.catalog import Catalog, load_catalog
from om.errors import (
    CatalogError,
    IllegalTransition,
    OmsimError,
    ScenarioError,
    SouthboundError,
)
from om.events import (
    AmendmentDecided,
    ApprovalDecided,
    BillingStarted,
    CancellationDecided,
    EventBus,
    FalloutRaised,
    JeopardyRaised,
    SlaBreached,
    StateChanged,
)
from om.fallout import FalloutCause, Layer
from om.jeopardy import JeopardyMonitor
from om.manager import OrderManager
from om.orders import (
    Action,
    Amendment,
    Cancellation,
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
    "Amendment",
    "AmendmentDecided",
    "ApprovalDecided",
    "ApproverPool",
    "BillingStarted",
    "Cancellation",
    "CancellationDecided",
    "Catalog",
    "CatalogError",
    "EventBus",
    "FakeSouthbound",
    "FalloutCause",
    "FalloutRaised",
    "IllegalTransition",
    "JeopardyMonitor",
    "JeopardyRaised",
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
    "SlaBreached",
    "Southbound",
    "SouthboundError",
    "State",
    "StateChanged",
    "load_catalog",
]

"""The emulated network: every element instance and partner, and the router that
satisfies om's southbound port by handing each resource order item to the element named
by its target (om's partner gateway orders from the partners).
"""

from __future__ import annotations

import simpy

from network_model import Network
from om import Catalog, EventBus, FalloutCause, ResourceOrderItem, SouthboundError
from om.southbound import Activated
from sim.elements.bng import Bng
from sim.elements.dhcp import Dhcp
from sim.elements.element import Element
from sim.elements.olt import Olt
from sim.elements.partner import EmulatedPartner
from sim.elements.workforce import Workforce, crews
from sim.rng import stream
from sim.scenario.schema import Scenario


class EmulatedNetwork:
    """All emulated elements of one run, addressed by name (``olt:EX01-OLT01``, ...)."""

    def __init__(self, env: simpy.Environment, network: Network, catalog: Catalog,
                 scenario: Scenario, seed: int, replication: int,
                 bus: EventBus | None = None) -> None:
        """``bus``: where the workforce announces its visits (the run's event bus)."""
        self.env = env
        self.elements: dict[str, Element] = {}
        self.crews: dict[str, Workforce] = {}
        # The partners the catalog's RFS name (om's partner gateway orders from them).
        self.partners = {name: EmulatedPartner(env, name, scenario.partner_settings(name),
                                               stream(seed, replication, f"partner:{name}"))
                         for name in catalog.partners()}

        def add(element_cls: type[Element], kind: str, name: str) -> None:
            full = f"{kind}:{name}" if name else kind
            self.elements[full] = element_cls(env, full, scenario.element_settings(kind),
                                              stream(seed, replication, full))

        for olt in network.olts:
            full = f"olt:{olt}"
            self.elements[full] = Olt(env, full, scenario.element_settings("olt"),
                                      stream(seed, replication, full), network, olt)
        for bng in network.bngs:
            add(Bng, "bng", bng)
            add(Dhcp, "dhcp", bng)
        for kind in catalog.element_kinds():
            if kind not in ("olt", "bng", "dhcp", "workforce"):
                add(Element, kind, "")
        for name, crew in crews(network).items():
            self.crews[name] = Workforce(env, name, crew, scenario.workforce,
                                         stream(seed, replication, name), bus)

    def _target(self, item: ResourceOrderItem | Activated) -> Element | Workforce:
        target = self.elements.get(item.target) or self.crews.get(item.target)
        if target is None:
            raise SouthboundError(item.key, FalloutCause.ELEMENT_UNREACHABLE, item.target,
                                  "no such element")
        return target

    def activate(self, item: ResourceOrderItem) -> simpy.Event:
        try:
            return self._target(item).activate(item)
        except SouthboundError as exc:
            event = self.env.event()
            event.fail(exc)
            return event

    def deactivate(self, item: Activated) -> simpy.Event:
        return self._target(item).deactivate(item)

"""The emulated OLT: registers ONTs (serial, ONT id) on its GPON ports."""

from __future__ import annotations

import random

import simpy

from network_model import Network
from sim.elements.element import Element
from sim.scenario.schema import ElementSettings


class Olt(Element):
    """An optical line terminal. Activation registers the ONT id reserved on the PON
    port that passes the customer's home; deactivation removes it. The OLT is managed
    over its uplink: when the aggregation link behind it is cut, it is unreachable."""

    def __init__(self, env: simpy.Environment, name: str, settings: ElementSettings,
                 rng: random.Random, network: Network, olt: str) -> None:
        super().__init__(env, name, settings, rng)
        self._network = network
        self._olt = olt

    def reachable(self) -> bool:
        return not self._down and self._network.olt_reachable(self._olt)

"""The emulator's network, built from a scenario as ``omsim run`` builds it - the same
generator, elements, pools, workforce and fault timeline (:mod:`sim.run.harness`) - but
with neither omsim's own order management nor the scenario's arrivals: orders come
from the client on the wire.

A restart with ``--db`` resumes at the simulated time the database reached; a drift
fault that struck before it is not drawn again (what it left is in the database).
"""

from __future__ import annotations

from pathlib import Path

import asyncssh
import simpy

from network_model import generate_network
from network_model.topology import ACCESS_ELEMENTS
from sim.elements.router import EmulatedNetwork
from sim.emulate.emulator import Lab
from sim.emulate.store import Store
from sim.rng import stream
from sim.run.inject import inject_faults
from sim.scenario.faults import InventoryDrift
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.units import DAY_S

REPLICATION = 0  # the emulator is replication 0 of the scenario's seed


def load_for_emulate(path: Path) -> tuple[Scenario, int]:
    """The scenario at ``path`` and the seed the emulator runs it with (its own)."""
    scenario = load_scenario(path)
    return scenario, scenario.seed


def build_lab(scenario: Scenario, seed: int, store: Store | None = None) -> Lab:
    """The network of ``scenario`` with its elements, crews and fault timeline."""
    if store is not None:
        store.claim_for(f"scenario '{scenario.name}' seed {seed}")
    resumed_s = float(store.meta("sim_time") or 0) if store is not None else 0.0
    env = simpy.Environment()
    catalog = scenario.load_catalog()
    network = generate_network(scenario.network, seed, scenario.workforce)
    emulated = EmulatedNetwork(env, network, catalog, scenario, seed, REPLICATION)
    faults = [f for f in scenario.faults
              if not (isinstance(f, InventoryDrift) and f.from_days * DAY_S < resumed_s)]
    inject_faults(env, faults, network, emulated, stream(seed, REPLICATION, "faults"),
                  scenario._source)
    return Lab(env, network, emulated.elements,
               {name: e.settings.max_parallel_edits for name, e in emulated.elements.items()},
               workforce=emulated.crews,
               platforms=[k for k in catalog.element_kinds() if k not in ACCESS_ELEMENTS],
               drift_at_s=[f.from_days * DAY_S for f in faults
                           if isinstance(f, InventoryDrift)],
               faults=list(scenario.faults),
               resume_at_s=resumed_s)


def host_key_of(store: Store | None) -> asyncssh.SSHKey:
    """The SSH host key: kept in the database, so clients' known_hosts stay valid across
    restarts; a new one without a database."""
    if store is not None and (pem := store.meta("ssh_host_key")) is not None:
        return asyncssh.import_private_key(pem)
    key = asyncssh.generate_private_key("ssh-ed25519")
    if store is not None:
        store.set_meta("ssh_host_key", key.export_private_key().decode())
    return key

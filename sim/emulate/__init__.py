"""``omsim emulate``: the scenario's network as a lab that any order manager can
provision, over the protocols a real activation layer speaks.

The network of a scenario (the same generator, elements, pools, workforce and fault
timeline as ``omsim run``, without omsim's own order management) runs on a real-time
clock; its configuration is one YANG-modelled datastore, ``omsim-network:network``, with
an entry per element. NETCONF 1.0/1.1 over SSH and RESTCONF over HTTP edit and read it,
and the elements answer as the scenario says: configuration latency, errors, lost
answers, outages, full pools, inventory drift.

The rooms, from the wire inwards::

    serve        the command: options, ports, signals; EmulatorThread for tests
    netconf      SSH server and sessions (framing: RFC 6242)   netconf_rpc  the rpcs
    http         the one FastAPI app                             restconf     RFC 8040
    dashboard    the lab's page (/omsim/ui; dashboard_page/)     activity     wire counts
    auth         basic and token logins
    edit_xml     <config> -> edit          edit_json  RESTCONF request -> edit
    edit         an edit applied to the tree (RFC 6241 operations)
    subtree      subtree filters           render     XML and JSON out
    emulator     the network on the wire: datastore, elements, clock, lock
    pipeline     one request on the clock: reachability, sessions, latency
    change       one change, all or nothing: validate, elements answer, commit
    managed      one element on the wire: units, slots, checks
    kinds        what each element kind holds      build   the network from a scenario
    datastore    the running tree      tree  KeyedList, Journal      model  YANG (yangson)
    clock        SimPy in real time, stepped from asyncio            store  SQLite (--db)
    errors       rpc-error and paths   values  leaf values by type   xmlsafe  parsing
    rawclient    a bare asyncssh NETCONF client (benchmarks, protocol tests)
"""

from sim.emulate.auth import Credentials
from sim.emulate.build import build_lab
from sim.emulate.emulator import Emulator, Lab
from sim.emulate.serve import EmulateOptions, EmulatorThread, emulate

__all__ = ["Credentials", "EmulateOptions", "Emulator", "EmulatorThread", "Lab", "build_lab",
           "emulate"]

"""One replication: the harness that wires network model, elements, order manager,
traffic and measurement and runs them (:mod:`~sim.run.harness`), fault injection on the
timeline (:mod:`~sim.run.inject`), the end-of-run drain and leak check
(:mod:`~sim.run.drain`), and the garbage collector's tuning (:mod:`~sim.run.collector`)."""

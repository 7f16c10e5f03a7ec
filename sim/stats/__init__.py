"""Pure maths: queueing formulas (:mod:`~sim.stats.queueing`) and estimates over
replications with their intervals and the Welch test (:mod:`~sim.stats.estimates`)."""

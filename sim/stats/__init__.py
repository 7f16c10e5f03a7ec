"""Pure maths: queueing formulas (:mod:`~sim.stats.queueing`), estimates over
replications with their intervals and the Welch test (:mod:`~sim.stats.estimates`), and
times to an event under right censoring (Kaplan-Meier, :mod:`~sim.stats.survival`)."""

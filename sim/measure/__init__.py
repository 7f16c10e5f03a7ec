"""What a run measures, collected from events and turned into the report's records:
order and workforce figures (:mod:`~sim.measure.metrics`), lifecycle figures
(:mod:`~sim.measure.lifecycle`), order traces (:mod:`~sim.measure.trace`) and the
products behind each element (:mod:`~sim.measure.impact`). Nothing here prints."""

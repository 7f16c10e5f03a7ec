"""What a run measures, collected from events and turned into the report's records:
order and workforce figures (:mod:`~sim.measure.metrics`), lifecycle figures
(:mod:`~sim.measure.lifecycle`), order traces (:mod:`~sim.measure.trace`) and the
products behind each element (:mod:`~sim.measure.impact`). Times are summarised by
:mod:`~sim.measure.distribution` (percentiles, histogram) and
:mod:`~sim.measure.sojourn` (Little's law, censored cycle times), which ``omsim drive``
calls too on the times it saw from outside. Nothing here prints."""

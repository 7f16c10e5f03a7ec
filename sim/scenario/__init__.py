"""Scenario input: the schema (:mod:`~sim.scenario.schema`), loading and cross-checks
(:mod:`~sim.scenario.load`), the distributions a scenario may name
(:mod:`~sim.scenario.distributions`), fault specifications (:mod:`~sim.scenario.faults`),
rate profiles (:mod:`~sim.scenario.profiles`) and shared bounds
(:mod:`~sim.scenario.limits`). Data only: no SimPy here."""

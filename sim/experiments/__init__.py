"""Answers with confidence: replications on an executor (:mod:`~sim.experiments.executors`,
:mod:`~sim.experiments.replicate`), parameter sweeps (:mod:`~sim.experiments.sweep`), the CI
gate on thresholds and baselines (:mod:`~sim.experiments.gate`,
:mod:`~sim.experiments.thresholds`, :mod:`~sim.experiments.junit`) and the pytest plugin
(:mod:`~sim.experiments.pytest_plugin`)."""

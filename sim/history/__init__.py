"""Order history: a twin calibrated from what an operator's orders did.

``omsim export`` turns a traced run into TMF622 ProductOrder documents
(:mod:`~sim.history.export`); :mod:`~sim.history.read` reads such documents, or a CSV of
documented columns, into :class:`~sim.history.records.HistoryOrder` records;
:mod:`~sim.history.fit` estimates what a scenario controls (intake rates and their
hour and day profile, appointment lead time, install duration, fallout per cause) with
confidence intervals, and :mod:`~sim.history.calibrated` writes the scenario with a
comment per fitted value; :mod:`~sim.history.figures` and :mod:`~sim.history.compare`
put the observed figures beside a scenario's replications (``omsim compare``).
"""

"""Live mode: the order manager and the emulated network on a real-time clock, as a
TMF622 service. The service (:mod:`~sim.live.service`) on its clock
(:mod:`~sim.live.clock`); what survives a crash (:mod:`~sim.live.store`, one writer per
database: :mod:`~sim.live.db_lock`, :mod:`~sim.live.writer`); the TMF documents it serves
(:mod:`~sim.live.read_model`, :mod:`~sim.live.views`); requests turned into orders
(:mod:`~sim.live.orders`, :mod:`~sim.live.limits`, :mod:`~sim.live.idempotency`),
cancellations (:mod:`~sim.live.cancels`), notifications (:mod:`~sim.live.hub`), its
health (:mod:`~sim.live.health`), the HTTP API (:mod:`sim.live.api`) and ``omsim serve``
(:mod:`~sim.live.serve`)."""

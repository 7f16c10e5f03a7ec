"""What the customers do, whoever receives it: order arrivals (Poisson streams, one-shot
and bulk orders, changes to existing products and orders in flight) and churn (cease
orders after a holding time), as :class:`~sim.traffic.requests.OrderRequest` values sent
through an :class:`~sim.traffic.requests.OrderChannel`: omsim's own order manager
(:class:`~sim.traffic.om_channel.OmChannel`, for ``omsim run`` and ``omsim serve``) or a
TMF622 endpoint (``omsim drive``). One model, the same named random streams, so both
see the same traffic."""

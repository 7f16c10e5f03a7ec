"""What the customers do: order arrivals (Poisson streams, one-shot and bulk orders,
changes to existing products and orders in flight) and churn (cease orders after a
holding time)."""

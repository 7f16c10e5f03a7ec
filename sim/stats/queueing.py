"""Queueing formulas the simulator is checked against: Erlang B (a PON port of c ONT ids
as an M/M/c/c loss system), Erlang C and the M/M/c mean wait (a crew of c technicians).

Pure functions of their arguments. Times and rates come in whatever unit the caller
uses, as long as it is the same one throughout (``mmc_mean_wait`` with rates per hour
gives a wait in hours).
"""

from __future__ import annotations


def erlang_b(offered_erlangs: float, servers: int) -> float:
    """Probability that an arrival is blocked in an M/M/c/c loss system (Erlang B).

    *offered_erlangs* is the offered traffic A = arrival rate / service rate.
    """
    if offered_erlangs < 0:
        raise ValueError(f"offered traffic must be >= 0 erlangs, got {offered_erlangs}")
    if servers < 0:
        raise ValueError(f"servers must be >= 0, got {servers}")
    # The recursion stays within [0, 1] at every step; A**c / c! overflows long before
    # the numbers get interesting (c ~ 170).
    b = 1.0
    for k in range(1, servers + 1):
        ab = offered_erlangs * b
        b = ab / (k + ab)
    return b


def erlang_c(offered_erlangs: float, servers: int) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C)."""
    if servers < 1:
        raise ValueError(f"an M/M/c queue needs servers >= 1, got {servers}")
    if offered_erlangs >= servers:
        raise ValueError(f"unstable queue: offered traffic A={offered_erlangs} erlangs "
                         f">= c={servers} servers, so the queue grows without bound")
    b = erlang_b(offered_erlangs, servers)
    # Standard identity between the two; avoids a second sum.
    return servers * b / (servers - offered_erlangs * (1.0 - b))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time an arrival spends queueing (not in service) in M/M/c, Wq.

    Rates are per unit time (e.g. per hour); the result is in that time unit.
    """
    if arrival_rate < 0 or service_rate <= 0:
        raise ValueError(f"need arrival_rate >= 0 and service_rate > 0, "
                         f"got {arrival_rate} and {service_rate}")
    c = erlang_c(arrival_rate / service_rate, servers)
    return c / (servers * service_rate - arrival_rate)

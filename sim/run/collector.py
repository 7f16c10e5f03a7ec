"""Python's garbage collector, tuned for a long simulation: the batch run and the live
service both run under :func:`collector_for_simulation`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_for_simulation(bounded: bool = False) -> Iterator[None]:
    """Python's cyclic garbage collector tuned for a long simulation, restored after.

    A run keeps hundreds of thousands of objects alive (open orders, inventories).
    With the default thresholds the collector walked all of them over and over and took
    about half the time of a large run (``benchmarks/``). What was built before the run
    (network, catalog, elements) is frozen out of collection, and collections are
    rarer: garbage is freed by reference counting, an ended order included once its
    parent-child links are cut (:func:`om.orders.prune`: a batch run without a trace,
    the live service once the order is saved).

    ``bounded``: the run ends (a batch run, not the live service), so automatic
    collection is off until it does. Even rare young collections cost a fifth of a
    100 k-order run, each chasing pointers through hundreds of MB of live objects, while
    a run that prunes its ended orders leaves no cyclic garbage for them to find
    (measured on the shipped scenarios); a traced run's orders stay whole anyway.
    """
    gc.freeze()
    thresholds = gc.get_threshold()
    was_enabled = gc.isenabled()
    gc.set_threshold(100_000, 50, 100)
    if bounded:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.set_threshold(*thresholds)
        gc.unfreeze()

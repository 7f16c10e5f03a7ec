"""Named random streams: every component draws from its own generator.

A stream is derived from (seed, replication, component name), so adding an element
leaves every other stream unchanged and replications stay independent. Streams are
``random.Random`` instances: per scalar draw they cost a fraction of a NumPy
generator's, and the engine draws one number at a time.
"""

from __future__ import annotations

import random
import zlib

import numpy as np


def stream(seed: int, replication: int, component: str) -> random.Random:
    """Independent generator for one component in one replication."""
    key = (replication, zlib.crc32(component.encode()))  # stable across processes
    state = np.random.SeedSequence(seed, spawn_key=key).generate_state(4, dtype=np.uint32)
    return random.Random(int.from_bytes(state.tobytes(), "little"))

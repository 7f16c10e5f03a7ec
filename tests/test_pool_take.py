"""ResourcePool.take: a slot chosen outside the pool is held, never handed out twice, and
the slots skipped to reach it stay free."""

from __future__ import annotations

import pytest

from network_model import PoolExhausted, PoolKind, ResourcePool


def test_taken_slot_is_never_allocated_and_skipped_slots_stay_free():
    pool = ResourcePool("p", PoolKind.ONT_ID, 8)
    pool.take(5)
    handed = {pool.allocate() for _ in range(7)}
    assert handed == {0, 1, 2, 3, 4, 6, 7}
    assert pool.allocated() == list(range(8))
    with pytest.raises(PoolExhausted):
        pool.allocate()
    pool.release(5)
    assert pool.allocate() == 5


def test_take_refuses_a_held_slot_and_one_out_of_range():
    pool = ResourcePool("p", PoolKind.C_VLAN, 4)
    assert pool.allocate() == 0
    with pytest.raises(ValueError, match="slot 0 is already allocated"):
        pool.take(0)
    for slot in (-1, 4):
        with pytest.raises(ValueError, match=r"outside 0\.\.3"):
            pool.take(slot)
    assert pool.allocated() == [0]


def test_take_does_not_look_at_the_limit():
    """A shrunk pool refuses allocate() but not take(): callers that must respect the
    limit check ``free`` first."""
    pool = ResourcePool("p", PoolKind.IPV4_ADDRESS, 4)
    pool.limit = 1
    pool.allocate()
    assert pool.free == 0
    pool.take(3)
    assert pool.in_use == 2
    with pytest.raises(PoolExhausted):
        pool.allocate()

"""Before any order is sent: is the target there, is it a TMF622 productOrder endpoint,
does it take our API key? One read (``GET productOrder?limit=1``) answers all three
(:func:`sim.tmf622.check.judge`); a ``no`` is one :class:`DriveError` line (the command
exits 2), so a typo in ``--target`` or a stale key never costs a half-sent scenario.
"""

from __future__ import annotations

from om import OmsimError
from sim.tmf622.check import judge
from sim.tmf622.target import Target


class DriveError(OmsimError):
    """The target cannot be driven (unreachable, not TMF622, refuses the key)."""


async def preflight(target: Target, api_key: str | None) -> None:
    """Raise DriveError unless ``target`` answers a productOrder list as TMF622 does."""
    answer = await target.list_orders(limit=1)
    problem = judge(answer, api_key, target.retry.timeout_s, target.base_url)
    if problem:
        raise DriveError(f"--target {target.base_url}: {problem}")

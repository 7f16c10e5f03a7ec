"""Before any order is sent: is the target there, is it a TMF622 productOrder endpoint,
does it take our API key? One read (``GET productOrder?limit=1``) answers all three; a
``no`` is one :class:`DriveError` line (the command exits 2), so a typo in ``--target``
or a stale key never costs a half-sent scenario.
"""

from __future__ import annotations

from om import OmsimError
from sim.drive.target import Answer, Target

BASE_PATH = "/productOrderingManagement/v4"


class DriveError(OmsimError):
    """The target cannot be driven (unreachable, not TMF622, refuses the key)."""


async def preflight(target: Target, api_key: str | None) -> None:
    """Raise DriveError unless ``target`` answers a productOrder list as TMF622 does."""
    answer = await target.list_orders(limit=1)
    problem = judge(answer, api_key, target.retry.timeout_s, target.base_url)
    if problem:
        raise DriveError(f"--target {target.base_url}: {problem}")


def judge(answer: Answer, api_key: str | None, timeout_s: float, base_url: str) -> str:
    """What is wrong with the target, judged by its answer to the list ("" if nothing)."""
    status = answer.status
    if answer.problem == "connect":
        return "cannot connect (nothing listens there, or the host cannot be reached)"
    if answer.problem == "timeout":
        return f"no answer to GET productOrder within {timeout_s:g} s"
    if answer.problem == "dropped":
        return "closed the connection without answering GET productOrder"
    if status in (401, 403):
        return (f"refused the API key (HTTP {status}); check --api-key" if api_key else
                f"needs an API key (HTTP {status}); give --api-key")
    if status in (404, 405):
        return f"GET productOrder answered {status}: not a TMF622 endpoint{_hint(base_url)}"
    if status >= 500:
        return f"answered GET productOrder with {status}: the target is not healthy"
    if not 200 <= status < 300:
        return f"answered GET productOrder with {status}, not a list of product orders"
    if not isinstance(answer.doc, list):
        what = answer.content_type.split(";")[0] or "no content type"
        return (f"GET productOrder answered {what}, not a JSON list of product orders: "
                f"not a TMF622 endpoint{_hint(base_url)}")
    return ""


def _hint(base_url: str) -> str:
    if base_url.endswith(BASE_PATH):
        return ""
    return (f" (give the TMF622 base path, the one that ends in {BASE_PATH}, e.g. "
            f"http://127.0.0.1:8622/tmf-api{BASE_PATH})")

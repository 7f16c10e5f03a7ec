"""What a batch run's traffic did, as digests that a change of code must keep: the
``omsim run`` report (as the command writes it, less the wall time) and the order log
(every order submitted, with its customer and items, and every state change of every
order and item, at its simulated time), which stays meaningful when the report's own
semantics change.

This file imports only what sim has had since before the traffic refactor, so that the
reference can be made from an older checkout:

    git clone -q /work/main /tmp/ref && git -C /tmp/ref checkout <commit>
    PYTHONPATH=/tmp/ref .venv/bin/python tests/traffictools.py <commit> > \\
        tests/data/run_reports_before_traffic_refactor.json
"""

from __future__ import annotations

import hashlib
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from om import StateChanged
from sim.run import harness
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("baseline", "bng_outage", "bulk_enterprise", "erlang_b_pon_port",
           "inventory_drift", "ip_pool_exhaustion", "netconf_timeouts", "order_lifecycle",
           "technician_shortage")


def report_digest(report: dict[str, Any]) -> str:
    """sha256 of the report as ``omsim run`` writes it, less ``sim.wall_seconds``."""
    data = json.loads(json.dumps(report))
    data["sim"].pop("wall_seconds")
    return hashlib.sha256((json.dumps(data, indent=2) + "\n").encode()).hexdigest()


@contextmanager
def order_log(digest: Any):  # noqa: ANN201 - a context manager around harness.build_run
    """While open, every run built feeds ``digest`` (a hashlib object) its order log."""
    real = harness.build_run

    def build(*args: Any, **kwargs: Any) -> Any:
        run = real(*args, **kwargs)
        submit = run.om.submit

        def logged_submit(order: Any) -> Any:
            items = [(i.id, i.action.value, i.offering, i.place,
                      sorted(i.characteristics.items()), i.product_id, i.product_status,
                      list(i.after)) for i in order.items]
            digest.update(repr(("order", run.env.now, order.id, order.customer,
                                order.category, items)).encode())
            return submit(order)

        run.om.submit = logged_submit
        run.om.bus.subscribe(StateChanged, lambda e: digest.update(repr(
            (e.at_s, e.entity, e.id, e.old, e.new, e.correlation_id)).encode()))
        return run

    harness.build_run = build
    try:
        yield
    finally:
        harness.build_run = real


def reference(name: str) -> dict[str, Any]:
    """The digests and key fields of the shipped scenario ``name``'s report."""
    log = hashlib.sha256()
    with order_log(log):
        report = harness.run_scenario(load_scenario(ROOT / f"scenarios/{name}.yaml")).data
    return {"report_sha256": report_digest(report), "orders_sha256": log.hexdigest(),
            "orders": report["orders"], "events": report["sim"]["events"],
            "fallout_rate": report["fallout"]["rate"],
            "cycle_time_mean_hours": report["cycle_time_hours"]["mean"]}


if __name__ == "__main__":
    commit = sys.argv[1] if len(sys.argv) > 1 else "unknown"
    print(json.dumps({"commit": commit, "reports": {n: reference(n) for n in SHIPPED}},
                     indent=1))

"""Resident memory of a live server after N orders have gone through it (not a pytest
benchmark: a script). Orders go straight to the service (no HTTP), in bursts, at a high
speed so that each burst finishes quickly, with at most MAX_IN_FLIGHT open at once (a
server's memory holds the orders in flight: sending 20,000 at once would measure those,
not what stays); RSS and the database size are printed after each checkpoint once every
order so far is terminal. Each order creates a product, which stays.

    .venv/bin/python benchmarks/live_memory.py 2000 20000
    OMSIM_TEXT_CHARS=3900 .venv/bin/python benchmarks/live_memory.py 2000 6000  # free text
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from sim.live.requests import Request
from sim.live.service import LiveService
from sim.scenario.load import scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
BURST = 200
MAX_IN_FLIGHT = int(os.environ.get("OMSIM_MAX_IN_FLIGHT", "1000"))
TEXT = "x" * int(os.environ.get("OMSIM_TEXT_CHARS", "0"))  # a long description, if any


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def order(address: str, n: int) -> dict:
    return {"category": "b2c", "externalId": f"crm-{n}",
            "description": TEXT or "home broadband, ring the bell twice",
            "productOrderItem": [{"id": "1", "action": "add",
                                  "productOffering": {"id": "SuperFibre 200 Home"},
                                  "product": {"place": [{"id": address,
                                                         "role": "installationAddress"}]}}]}


def main(checkpoints: list[int]) -> None:
    raw = yaml.safe_load((REPO / "benchmarks" / "live_load.yaml").read_text())
    raw["catalog"] = str(REPO / "scenarios" / "catalog.yaml")
    scenario = scenario_from_dict(raw, "live_load.yaml", REPO)
    db = Path(tempfile.mkdtemp(prefix="omsim-mem-")) / "live.sqlite"
    service = LiveService(scenario, db, speed=50_000)
    service.start()
    addresses = [a.id for a in service.run.om.network.serviceable_addresses()]
    sent = 0
    try:
        for target in checkpoints:
            while sent < target:
                while len(service.run.om.com.open_orders) > MAX_IN_FLIGHT - BURST:
                    time.sleep(0.05)
                futures = [service.submit(Request("create", "", order(addresses[sent + k],
                                                                      sent + k)))
                           for k in range(min(BURST, target - sent))]
                for f in futures:
                    assert f.result(60)[0] == 201
                sent += len(futures)
            while service.run.om.com.open_orders:
                time.sleep(0.1)
            time.sleep(0.5)  # the last commits
            gc.collect()
            size = sum(p.stat().st_size for p in db.parent.iterdir()) / 2**20
            print(f"{sent:>7,} orders: RSS {rss_mib():7.1f} MiB, database {size:6.1f} MiB",
                  flush=True)
    finally:
        service.stop()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2000, 20000])

"""Helpers for the live-mode tests: a fast scenario, a free port, a server subprocess,
an in-process service."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from om.orders import TERMINAL
from sim.live.service import LiveService
from sim.scenario.load import scenario_from_dict
from sim.scenario.schema import Scenario
from tests.conftest import REPO, small_dict

PO = "/tmf-api/productOrderingManagement/v4"


def live_scenario(lead_days: float = 0.0, min_lead_days: float = 0.0, **changes: Any
                  ) -> dict[str, Any]:
    """The small scenario with a round-the-clock crew, so orders finish in minutes to
    hours of simulated time (appointments ``min_lead_days`` to ``lead_days`` ahead)."""
    lead = {"dist": "uniform", "low": min_lead_days, "high": max(lead_days, min_lead_days)}
    workforce = {"technicians": 60, "shift_start_hour": 0, "shift_end_hour": 24,
                 "travel_min": 0, "install_min": {"dist": "uniform", "low": 5, "high": 20},
                 "appointment_lead_days": lead}
    return small_dict(name="live", workforce=workforce, **changes)


def write_scenario(directory: Path, raw: dict[str, Any]) -> Path:
    path = directory / "live.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """``condition()`` once it is truthy; AssertionError naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        time.sleep(0.02)
    return result


def scenario_object(**changes: Any) -> Scenario:
    return scenario_from_dict(live_scenario(**changes), "live.yaml", REPO)


@contextmanager
def started(db: Path, speed: float = 3600.0, scenario: Scenario | None = None
            ) -> Iterator[LiveService]:
    """A live service on ``db`` (resumed when it exists), started, and stopped after."""
    service = LiveService(scenario or scenario_object(), db, speed=speed)
    try:
        service.start()
        yield service
    finally:
        service.stop()


class Server:
    """``omsim serve`` in a subprocess on a free loopback port. ``prelude`` is Python run
    in the server process before the command line (to provoke a failure)."""

    def __init__(self, scenario: Path, db: Path, speed: float, *extra: str,
                 prelude: str = "") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = db.with_suffix(f".{self.port}.log")
        argv = ["serve", str(scenario), "--port", str(self.port), "--db", str(db),
                "--speed", str(speed), *extra]
        cmd = [sys.executable, "-m", "sim.cli", *argv]
        if prelude:
            cmd = [sys.executable, "-c", f"{prelude}\nimport sys\nfrom sim.cli import main\n"
                                         f"sys.exit(main({argv!r}))"]
        self.started_at = time.monotonic()
        with self.log.open("w") as log:
            self.process = subprocess.Popen(cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, "PYTHONPATH": str(REPO)})

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/omsim/status", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not ready in {timeout_s} s: {self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Server:
        self.wait_ready()
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()


def b2c_order(address: str, offering: str = "SuperFibre 200 Home") -> dict[str, Any]:
    return {"category": "b2c", "productOrderItem": [{
        "id": "1", "action": "add", "productOffering": {"id": offering},
        "product": {"place": [{"id": address, "role": "installationAddress"}]}}]}


def bulk_order(addresses: list[str], offering: str = "Enterprise Connect Site"
               ) -> dict[str, Any]:
    return {"category": "enterprise", "productOrderItem": [
        {"id": str(n + 1), "action": "add", "productOffering": {"id": offering},
         "product": {"place": [{"id": a, "role": "installationAddress"}]}}
        for n, a in enumerate(addresses)]}


def all_orders(client: httpx.Client, fields: str = "state") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        page = client.get(f"{PO}/productOrder", params={"offset": len(out), "limit": 1000,
                                                         "fields": fields})
        page.raise_for_status()
        out += page.json()
        if len(out) >= int(page.headers["X-Total-Count"]):
            return out


def wait_terminal(client: httpx.Client, timeout_s: float) -> list[dict[str, Any]]:
    """Every product order once all are terminal (or whatever they are at the timeout)."""
    deadline = time.monotonic() + timeout_s
    while True:
        orders = all_orders(client)
        if all(o["state"] in TERMINAL for o in orders) or time.monotonic() > deadline:
            return orders
        time.sleep(0.2)

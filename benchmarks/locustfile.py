"""Load test of ``omsim serve`` (TMF622) with Locust, with ``omsim drive``'s traffic model.

What the users send is what ``omsim drive`` sends for the same scenario: the requests come
from :mod:`sim.traffic.requests` (offerings, sites, bulk sizes, changes to existing
products) and their TMF622 bodies from :mod:`sim.drive.bodies`. The scenario is
``OMSIM_SCENARIO`` (default ``scenarios/baseline.yaml``); run the server on the same one.
Locust decides how fast (as fast as the server answers, or ``OMSIM_WAIT_S`` between
tasks); drive decides when, by the scenario's clock.

User classes (pick some on the command line, e.g. ``ScenarioUser EchoUser``):

- ``ScenarioUser``: the scenario's mix. One task per Poisson arrival stream, weighted by
  its rate (one-shot ``at_day`` orders are left out): a provide of the stream's offering
  and sites; a modify, cease, move, suspend or resume of a product read from the server's
  product inventory (TMF637); a cancel or an amendment of an order it has just placed.
- ``B2cUser``: one-line orders of the scenario's busiest single-site provide stream.
- ``BulkEnterpriseUser``: orders of the scenario's bulk stream (its offering; its number of
  sites, or ``OMSIM_BULK_SITES``, a comma-separated list of sizes), then polls each until
  it is finished and records the wall time from POST to a terminal state as the custom
  request ``BULK completion <n> sites``.
- ``AmendCancelUser``: orders, amends (PATCH: the scenario's amend stream's
  characteristics, else the description), then cancels (cancelProductOrder).
- ``PollingUser``: lists orders by state and reads single orders, as an OSS dashboard does.
- ``EchoUser``: POSTs to ``/omsim/echo``, a trivial FastAPI endpoint: the baseline the
  order POST rate is compared with in the same run.

Addresses come from the server (``/omsim/addresses``, every address it knows, as drive
orders at: some are not serviceable). ``OMSIM_API_KEY`` is sent as ``X-API-Key`` when
set; ``OMSIM_WAIT_S`` is each user's pause between tasks (default 0); ``OMSIM_POLL_S``
the bulk users' polling interval; ``OMSIM_USERS`` fixes the number of users per class
(see the end of this file).

    locust -f benchmarks/locustfile.py --headless -u 20 -r 10 -t 60s \\
        --host http://127.0.0.1:8622
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from locust import HttpUser, constant, task

from om.orders import TERMINAL  # product order states after which nothing changes
from sim.drive.bodies import amend_body, cancel_body, order_body
from sim.drive.products import product_from_inventory
from sim.scenario.load import load_scenario
from sim.scenario.schema import Arrival
from sim.traffic.arrivals import CANCEL_REASON
from sim.traffic.requests import ON_PRODUCT, OrderRequest, change_request, provide_request

PO = "/tmf-api/productOrderingManagement/v4"
PRODUCTS = "/tmf-api/productInventory/v4/product"
SCENARIO = load_scenario(os.environ.get("OMSIM_SCENARIO") or
                         Path(__file__).resolve().parent.parent / "scenarios/baseline.yaml")
CATALOG = SCENARIO.load_catalog()
STREAMS = [a for a in SCENARIO.arrivals if a.rate_per_day is not None]
PROVIDES = [a for a in STREAMS if a.order_type == "provide"]
B2C = max((a for a in PROVIDES if a.sites == 1), key=lambda a: a.rate_per_day or 0.0)
BULK = max(SCENARIO.arrivals, key=lambda a: a.sites if a.order_type == "provide" else 0)
AMEND = next((a for a in STREAMS if a.order_type == "amend"), None)
BULK_SITES = [int(n) for n in os.environ.get("OMSIM_BULK_SITES", str(BULK.sites)).split(",")]
WAIT_S = float(os.environ.get("OMSIM_WAIT_S", "0"))
POLL_S = float(os.environ.get("OMSIM_POLL_S", "0.5"))

_addresses: list[str] = []
_addresses_lock = threading.Lock()


def _headers() -> dict[str, str]:
    key = os.environ.get("OMSIM_API_KEY")
    return {"X-API-Key": key} if key else {}


def segment(arrival: Arrival) -> str:
    return CATALOG.offerings[arrival.offering].segment


def stream_weight(arrival: Arrival) -> int:
    """A stream's task weight: its rate in tenths of an order a day (at least 1)."""
    return max(1, round((arrival.rate_per_day or 0.0) * 10))


class OmsimUser(HttpUser):
    """Shared set-up: the server's addresses, fetched once per process; what drive
    sends, built from the traffic model."""

    abstract = True
    wait_time = constant(WAIT_S)

    def on_start(self) -> None:
        self.client.headers.update(_headers())
        with _addresses_lock:
            if not _addresses:
                response = self.client.get("/omsim/addresses", name="GET addresses",
                                           params={"limit": 100_000, "serviceable": False})
                _addresses.extend(a["id"] for a in response.json())
        self.rng = random.Random()

    def sites(self, n: int) -> list[str]:
        return self.rng.sample(_addresses, min(n, len(_addresses)))

    def customer(self) -> str:
        return f"C{self.rng.getrandbits(32):08x}"

    def provide(self, arrival: Arrival, sites: int | None = None) -> OrderRequest:
        return provide_request(arrival, self.sites(sites or arrival.sites), self.customer(),
                               segment(arrival))

    def post_order(self, request: OrderRequest, name: str) -> str | None:
        body = order_body(request, f"locust:{self.rng.getrandbits(40):x}")
        with self.client.post(f"{PO}/productOrder", json=body, name=name,
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()["id"]

    def cancel(self, order_id: str) -> None:
        self.client.post(f"{PO}/cancelProductOrder", name="POST cancelProductOrder",
                         json=cancel_body(order_id, f"{PO}/productOrder/{order_id}",
                                          CANCEL_REASON))

    def amend(self, order_id: str, request: OrderRequest, changes: dict[str, Any]) -> None:
        body = amend_body(request.items[0], changes) if changes else {
            "description": "customer asked for a morning visit"}
        with self.client.patch(f"{PO}/productOrder/{order_id}", json=body,
                               catch_response=True, name="PATCH productOrder") as response:
            # 409: the order finished (or may no longer change) before the amendment
            # arrived; a fair answer.
            if response.status_code in (200, 409):
                response.success()


def _stream_task(arrival: Arrival) -> Callable[[ScenarioUser], None]:
    def send(user: ScenarioUser) -> None:
        user.send(arrival)
    send.__name__ = f"{arrival.order_type}_{arrival.offering}"
    return send


class ScenarioUser(OmsimUser):
    weight = 10
    tasks = {_stream_task(a): stream_weight(a) for a in STREAMS}

    def send(self, arrival: Arrival) -> None:
        kind, name = arrival.order_type, f"POST productOrder ({arrival.order_type})"
        if kind == "provide":
            self.post_order(self.provide(arrival), name)
        elif kind in ON_PRODUCT:
            product = self.product(arrival.offering, "suspended" if kind == "resume"
                                   else "active")
            if product is not None:
                self.post_order(change_request(arrival, product, kind,
                                               lambda: self.sites(1)[0]), name)
        else:  # cancel or amend an order of the stream's offering in flight
            request = self.provide(arrival, 1)
            order_id = self.post_order(request, f"POST productOrder (to {kind})")
            if order_id is None:
                return
            if kind == "cancel":
                self.cancel(order_id)
            else:
                self.amend(order_id, request, dict(arrival.characteristics))

    def product(self, offering: str, status: str) -> Any:
        """A random product of ``offering`` in ``status`` from the server's inventory."""
        response = self.client.get(PRODUCTS, name="GET product",
                                   params={"name": offering, "status": status, "limit": 50})
        docs = response.json() if response.status_code == 200 else []
        products = [p for p in map(product_from_inventory, docs) if p is not None]
        return self.rng.choice(products) if products else None


class B2cUser(OmsimUser):
    weight = 10

    @task
    def order_broadband(self) -> None:
        self.post_order(self.provide(B2C), "POST productOrder (B2C)")


class BulkEnterpriseUser(OmsimUser):
    weight = 1

    @task
    def order_sites(self) -> None:
        n = self.rng.choice(BULK_SITES)
        started = time.perf_counter()
        order_id = self.post_order(self.provide(BULK, n), f"POST productOrder (bulk {n} sites)")
        if order_id is None:
            return
        while True:
            time.sleep(POLL_S)
            response = self.client.get(f"{PO}/productOrder/{order_id}",
                                       params={"fields": "state"}, name="GET productOrder (poll)")
            if response.status_code != 200:
                return
            if response.json()["state"] in TERMINAL:
                break
        self.environment.events.request.fire(
            request_type="BULK", name=f"completion {n} sites",
            response_time=(time.perf_counter() - started) * 1000, response_length=0,
            exception=None, context={})


class AmendCancelUser(OmsimUser):
    weight = 2

    @task
    def order_amend_cancel(self) -> None:
        request = self.provide(AMEND or B2C, 1)
        order_id = self.post_order(request, "POST productOrder (to amend)")
        if order_id is None:
            return
        self.amend(order_id, request, dict(AMEND.characteristics) if AMEND else {})
        self.cancel(order_id)


class PollingUser(OmsimUser):
    weight = 3

    @task(3)
    def list_in_progress(self) -> None:
        self.client.get(f"{PO}/productOrder", params={"state": "inProgress", "limit": 20,
                                                      "fields": "state,externalId"},
                        name="GET productOrder?state=inProgress")

    @task(1)
    def read_one(self) -> None:
        response = self.client.get(f"{PO}/productOrder", params={"limit": 1, "fields": "id"},
                                   name="GET productOrder?limit=1")
        total = int(response.headers.get("X-Total-Count", "0"))
        if total:
            offset = self.rng.randrange(total)
            page = self.client.get(f"{PO}/productOrder",
                                   params={"offset": offset, "limit": 1, "fields": "state"},
                                   name="GET productOrder?offset")
            for order in page.json():
                self.client.get(f"{PO}/productOrder/{order['id']}",
                                name="GET productOrder/{id}")


class EchoUser(OmsimUser):
    weight = 3

    @task
    def echo(self) -> None:
        self.client.post("/omsim/echo", json={"ping": 1}, name="POST /omsim/echo (trivial)")


# OMSIM_USERS="B2cUser=8,EchoUser=8,BulkEnterpriseUser=3" fixes how many users of each
# class run (then -u must be their sum); otherwise the weights above share -u.
_CLASSES = {c.__name__: c for c in (ScenarioUser, B2cUser, BulkEnterpriseUser,
                                    AmendCancelUser, PollingUser, EchoUser)}
for _spec in filter(None, os.environ.get("OMSIM_USERS", "").split(",")):
    _name, _, _count = _spec.partition("=")
    _CLASSES[_name.strip()].fixed_count = int(_count)

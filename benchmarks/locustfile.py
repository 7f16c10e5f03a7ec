"""Load test of ``omsim serve`` (TMF622) with Locust.

User classes (pick some on the command line, e.g. ``B2cUser BulkEnterpriseUser``):

- ``B2cUser``: one-line home broadband orders.
- ``BulkEnterpriseUser``: one enterprise order of many sites (``OMSIM_BULK_SITES``, a
  comma-separated list of sizes, default ``100,500``), then polls it until it is finished
  and records the wall time from POST to a terminal state as the custom request
  ``BULK completion <n> sites``.
- ``AmendCancelUser``: orders, amends a passive attribute (PATCH), then cancels
  (cancelProductOrder) and reads the cancellation back.
- ``PollingUser``: lists orders by state and reads single orders, as an OSS dashboard does.
- ``EchoUser``: POSTs to ``/omsim/echo``, a trivial FastAPI endpoint: the baseline the
  order POST rate is compared with in the same run.

Addresses come from the server (``/omsim/addresses``). ``OMSIM_API_KEY`` is sent as
``X-API-Key`` when set; ``OMSIM_WAIT_S`` is each user's pause between tasks (default 0:
as fast as the server answers); ``OMSIM_POLL_S`` the bulk users' polling interval;
``OMSIM_USERS`` fixes the number of users per class (see the end of this file).

    locust -f benchmarks/locustfile.py --headless -u 20 -r 10 -t 60s \\
        --host http://127.0.0.1:8622
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any

from locust import HttpUser, constant, task

from om.orders import TERMINAL  # product order states after which nothing changes

PO = "/tmf-api/productOrderingManagement/v4"
BULK_SITES = [int(n) for n in os.environ.get("OMSIM_BULK_SITES", "100,500").split(",")]
WAIT_S = float(os.environ.get("OMSIM_WAIT_S", "0"))
POLL_S = float(os.environ.get("OMSIM_POLL_S", "0.5"))

_addresses: list[str] = []
_addresses_lock = threading.Lock()


def _headers() -> dict[str, str]:
    key = os.environ.get("OMSIM_API_KEY")
    return {"X-API-Key": key} if key else {}


class OmsimUser(HttpUser):
    """Shared set-up: the server's serviceable addresses, fetched once per process."""

    abstract = True
    wait_time = constant(WAIT_S)

    def on_start(self) -> None:
        self.client.headers.update(_headers())
        with _addresses_lock:
            if not _addresses:
                response = self.client.get("/omsim/addresses", params={"limit": 100_000},
                                           name="GET addresses")
                _addresses.extend(a["id"] for a in response.json())
        self.rng = random.Random()

    def sites(self, n: int) -> list[str]:
        return self.rng.sample(_addresses, min(n, len(_addresses)))

    def post_order(self, body: dict[str, Any], name: str) -> str | None:
        with self.client.post(f"{PO}/productOrder", json=body, name=name,
                              catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return None
            return response.json()["id"]


def _item(n: int, offering: str, address: str) -> dict[str, Any]:
    return {"id": str(n), "action": "add", "productOffering": {"id": offering},
            "product": {"place": [{"id": address, "role": "installationAddress",
                                   "@referredType": "GeographicAddress"}]}}


class B2cUser(OmsimUser):
    weight = 10

    @task
    def order_broadband(self) -> None:
        body = {"category": "b2c", "externalId": f"web-{self.rng.getrandbits(40):x}",
                "relatedParty": [{"id": f"C{self.rng.getrandbits(32)}", "role": "Customer",
                                  "@referredType": "Individual"}],
                "productOrderItem": [_item(1, "SuperFibre 200 Home", self.sites(1)[0])]}
        self.post_order(body, "POST productOrder (B2C)")


class BulkEnterpriseUser(OmsimUser):
    weight = 1

    @task
    def order_sites(self) -> None:
        n = self.rng.choice(BULK_SITES)
        body = {"category": "enterprise", "externalId": f"tender-{self.rng.getrandbits(32):x}",
                "relatedParty": [{"id": f"ENT{self.rng.getrandbits(20)}", "role": "Customer",
                                  "@referredType": "Organization"}],
                "productOrderItem": [_item(i + 1, "Enterprise Connect Site", a)
                                     for i, a in enumerate(self.sites(n))]}
        started = time.perf_counter()
        order_id = self.post_order(body, f"POST productOrder (bulk {n} sites)")
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
        body = {"category": "b2c",
                "productOrderItem": [_item(1, "SuperFibre 200 Home", self.sites(1)[0])]}
        order_id = self.post_order(body, "POST productOrder (to amend)")
        if order_id is None:
            return
        with self.client.patch(f"{PO}/productOrder/{order_id}", catch_response=True,
                               json={"description": "customer asked for a morning visit"},
                               name="PATCH productOrder") as response:
            # 409: the order finished before the amendment arrived; a fair answer.
            if response.status_code in (200, 409):
                response.success()
        self.client.post(f"{PO}/cancelProductOrder", name="POST cancelProductOrder",
                         json={"productOrder": {"id": order_id,
                                                "@referredType": "ProductOrder"},
                               "cancellationReason": "customer changed their mind"})


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
_CLASSES = {c.__name__: c for c in (B2cUser, BulkEnterpriseUser, AmendCancelUser,
                                    PollingUser, EchoUser)}
for _spec in filter(None, os.environ.get("OMSIM_USERS", "").split(",")):
    _name, _, _count = _spec.partition("=")
    _CLASSES[_name.strip()].fixed_count = int(_count)

"""Property-based hardening of the live API with schemathesis, over every phase: the
schema's examples, the coverage phase (every boundary and wrong type of every field),
fuzzing and stateful sequences (create, then read, amend, cancel what was created),
with any Unicode in strings. No request gets a 5xx, every response matches the status
codes and schemas the document declares, and afterwards the service is still healthy:
it takes writes and notifies listeners.

The service and its database are built by a fixture when the tests run (not at import)
and removed after them.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from sim.live.api.app import ApiSettings, create_app, openapi_document
from sim.live.service import LiveService
from tests.livetools import PO, b2c_order, scenario_object, wait_for

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]
# The coverage phase enumerates every boundary and wrong type of every field: for the two
# largest bodies (ProductOrder_Create and _Update, with dozens of optional TMF
# sub-objects) that is about 10,000 requests each, two minutes on its own. The suite runs
# every phase on every operation but those two, which get examples, fuzzing and
# stateful; OMSIM_SCHEMATHESIS_FULL=1 adds their coverage phase too.
FULL = os.environ.get("OMSIM_SCHEMATHESIS_FULL") == "1"
CONFIG = schemathesis.Config.from_dict({
    "generation": {"codec": "utf-8"},  # any Unicode, not only ASCII (said explicitly)
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True},
               "fuzzing": {"enabled": True}, "stateful": {"enabled": True}},
    "operations": [] if FULL else [{
        "include-path-regex": "/productOrder(/\\{id\\})?$",
        "include-method-regex": "POST|PATCH", "phases": {"coverage": {"enabled": False}}}],
})
SETTINGS = settings(max_examples=6, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
STATUSES: Counter[int] = Counter()  # every status the service answered, over all phases
OPERATIONS: set[str] = set()  # every operation the generated requests went to


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    live = LiveService(scenario_object(), tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite",
                       speed=3600)
    live.start()
    yield live
    live.stop()


class _Later:
    """An ASGI app forwarding to the one the fixture builds: schemathesis needs the
    OpenAPI document when the tests are collected, the service only when they run."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


LATER = _Later()
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
schema.app = LATER
schema.config.update(base_url="http://testserver")


@pytest.fixture(scope="module")
def api_schema(service: LiveService) -> Iterator[Any]:
    LATER.app = create_app(service, ApiSettings(max_items=200))
    yield schema
    LATER.app = None


@schema.parametrize()
@SETTINGS
@pytest.mark.usefixtures("api_schema")
def test_generated_requests_get_declared_answers(case: schemathesis.Case) -> None:
    """Examples, coverage and fuzzing: no 5xx; status, content type and body as the
    OpenAPI document declares."""
    response = case.call_and_validate(checks=CHECKS)
    STATUSES[response.status_code] += 1
    OPERATIONS.add(case.operation.label)


def test_stateful_sequences_get_declared_answers(api_schema: Any) -> None:
    """Stateful phase: sequences that follow the links between operations (an order's
    id from its POST into GET, PATCH, DELETE and cancelProductOrder)."""
    class Machine(api_schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            STATUSES[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

    Machine.run(settings=settings(SETTINGS, max_examples=15, stateful_step_count=6))


class _Listener(BaseHTTPRequestHandler):
    order_ids: set[str] = set()

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        envelope = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Listener.order_ids.add(envelope["event"]["productOrder"]["id"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


def test_the_service_is_still_whole_afterwards(service: LiveService, tmp_path: Path) -> None:
    """After all of the above: no server error was ever answered, no thread died, no
    command or process failed, and the service still takes writes and notifies."""
    print(f"schemathesis: {sum(STATUSES.values())} requests, statuses "
          f"{dict(sorted(STATUSES.items()))}")
    assert sum(STATUSES.values()) > 100
    # Every operation was tried (a test runner that drops generated tests fails here).
    assert {op.ok().label for op in schema.get_all_operations()} == OPERATIONS, OPERATIONS
    assert not [s for s in STATUSES if s >= 500], STATUSES
    status = service.status()
    assert status["healthy"] is True, status
    assert status["failedCommands"] == status["processErrors"] == status["documentErrors"] \
        == 0, status
    listener = ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    try:
        with TestClient(create_app(service)) as client:
            hub = client.post(f"{PO}/hub", json={
                "callback": f"http://127.0.0.1:{listener.server_address[1]}/events"})
            assert hub.status_code == 201, hub.text
            address = client.get("/omsim/addresses", params={"limit": 1}).json()[0]["id"]
            created = client.post(f"{PO}/productOrder", json=b2c_order(address))
            assert created.status_code == 201, created.text
            wait_for(lambda: created.json()["id"] in _Listener.order_ids, 10,
                     "a notification for an order created after the fuzzing")
    finally:
        listener.shutdown()

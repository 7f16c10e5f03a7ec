"""Property-based hardening of the live API with schemathesis: generated requests (valid
and invalid, from the TMF schemas in the app's OpenAPI document) never get a 5xx, and
every response matches the status codes and schemas the document declares."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from sim.live import LiveService
from sim.scenario import scenario_from_dict
from sim.tmf_api import ApiSettings, create_app
from tests.conftest import REPO
from tests.livetools import live_scenario

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.negative_data_rejection,
]


# The coverage phase enumerates every boundary of the large TMF schemas (minutes); the
# generated examples below are the bounded part.
_CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})


# Built at import (schemathesis needs the OpenAPI document to generate the tests); the
# clock only starts for this module's tests.
_SERVICE = LiveService(scenario_from_dict(live_scenario(), "live.yaml", REPO),
                       Path(tempfile.mkdtemp(prefix="omsim-fuzz-")) / "fuzz.sqlite",
                       speed=3600)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_SERVICE, ApiSettings(max_items=200)), config=_CONFIG)


@pytest.fixture(scope="module", autouse=True)
def _running_service() -> Iterator[None]:
    _SERVICE.start()
    yield
    _SERVICE.stop()


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_generated_requests_get_declared_answers(case: schemathesis.Case) -> None:
    """No 5xx; status, content type and body as the OpenAPI document declares."""
    case.call_and_validate(checks=CHECKS)

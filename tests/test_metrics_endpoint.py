"""``GET /metrics``: the Prometheus text format, parsed by prometheus_client's own parser,
whose counters agree with what the API lists after a bounded load (every order ended),
and which needs the API key like every other path."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from sim.live.api.app import ApiSettings, create_app
from tests.conftest import REPO
from tests.livetools import PO, all_orders, b2c_order, started, wait_for

ORDERS = 24  # a bounded load: some at unserviceable addresses, so that some fail


def _samples(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample by name, then by its sorted labels."""
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_metrics_counters_match_the_api_after_a_bounded_load(tmp_path: Path) -> None:
    """Submitted, ended by state and type, fallout by cause: the same numbers as the
    TMF622 list and /omsim/status; the cycle-time histogram counts every completion."""
    with started(tmp_path / "m.sqlite", speed=20_000) as service, \
            TestClient(create_app(service, ApiSettings(api_key="s3cret-key"))) as client:
        client.headers["X-API-Key"] = "s3cret-key"
        network = service.run.om.network
        served = [a.id for a in network.serviceable_addresses()][:ORDERS - 4]
        unserved = [a.id for a in network.addresses if a.port is None][:4]
        for address in served + unserved:
            assert client.post(f"{PO}/productOrder", json=b2c_order(address)).status_code == 201
        orders = wait_for(lambda: (o := all_orders(client)) and all(
            x["state"] in ("completed", "failed", "partial", "cancelled") for x in o) and o,
            60, "every order to end")
        status = client.get("/omsim/status").json()
        answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    metrics = _samples(answer.text)
    by_state = Counter(o["state"] for o in orders)
    assert len(orders) == ORDERS
    assert metrics["omsim_orders_submitted_total"][()] == ORDERS
    assert {dict(k)["state"]: v for k, v in metrics["omsim_orders_ended_total"].items()} \
        == dict(by_state)
    assert {dict(k)["order_type"] for k in metrics["omsim_orders_ended_total"]} == {"provide"}
    assert by_state["failed"] >= 4 and by_state["completed"] >= 1
    assert metrics["omsim_orders_in_flight"][()] == 0
    fallout: Counter[str] = Counter()
    for labels, n in metrics["omsim_fallout_total"].items():
        fallout[dict(labels)["cause"]] += n
    assert fallout["address_not_found"] == status["falloutByCause"]["address_not_found"] == 4
    assert metrics["omsim_order_cycle_time_seconds_count"][()] == by_state["completed"]
    assert metrics["omsim_order_cycle_time_seconds_bucket"][(("le", "+Inf"),)] \
        == by_state["completed"]
    assert metrics["omsim_pool_in_use"][(("kind", "ont_id"),)] == by_state["completed"]
    assert metrics["omsim_speed"][()] == 20_000
    assert metrics["omsim_simulated_seconds"][()] > 0
    posts = metrics["omsim_http_request_duration_seconds_count"]
    assert posts[(("method", "POST"), ("route", f"{PO}/productOrder"))] == ORDERS


def test_metrics_need_the_api_key_and_serve_what_grafana_asks_for(tmp_path: Path) -> None:
    """401 without the key; with it as Prometheus sends it (Bearer), every series the
    shipped Grafana dashboard queries is there (the dashboard cannot rot unnoticed)."""
    with started(tmp_path / "k.sqlite") as service, \
            TestClient(create_app(service, ApiSettings(api_key="s3cret-key"))) as client:
        refused = client.get("/metrics")
        client.get("/omsim/status", headers={"X-API-Key": "s3cret-key"})  # one timed request
        bearer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-key"})
    assert refused.status_code == 401 and refused.json()["@type"] == "Error"
    assert bearer.status_code == 200
    _samples(bearer.text)  # parses
    typed = {re.sub(r"_total$", "", name)  # every family, with or without samples
             for name in re.findall(r"^# TYPE (\S+)", bearer.text, re.M)}
    queried = {re.sub(r"_(total|bucket)$", "", name) for name in re.findall(
        r"omsim_[a-z_]+", (REPO / "grafana" / "omsim-dashboard.json").read_text())}
    queried -= {"omsim_live"}  # its uid
    assert len(queried) >= 15 and queried <= typed, queried - typed

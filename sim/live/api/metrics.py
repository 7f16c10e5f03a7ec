"""``GET /metrics``: the live run in the Prometheus text format (``prometheus-client``),
and the latency of every request per route.

Counters (``_total``): product orders submitted, ended by terminal state and order type,
items fallen out by cause and layer, hub deliveries, failures and drops. Gauges: orders
in flight and by state now, slots per pool kind (capacity and in use), installs waiting
for a technician, technicians on a visit, the fallout work queue, hub listeners and their
queue, faults active, the simulated clock and its speed. Histograms: the cycle time of
completed orders (simulated seconds) and the wall time of each request until its answer
starts (``omsim_http_request_duration_seconds``, by method and route template).

Each app has its own registry, so that several servers in one process (the tests) never
share a metric. The API key, when set, is needed here as everywhere (Prometheus sends it
as ``authorization: Bearer``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from sim.live.api.gateway import Gateway
from sim.live.figures import CYCLE_BUCKETS_S, gauges

if TYPE_CHECKING:
    from sim.live.service import LiveService

PATH = "/metrics"


class LiveCollector(Collector):
    """The figures of one live service, read at every scrape."""

    def __init__(self, service: LiveService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        yield from _orders(self.service)
        yield from _network(self.service)
        yield from _hub(self.service)
        clock = GaugeMetricFamily("omsim_simulated_seconds", "The live run's simulated "
                                  "clock, seconds since its start")
        clock.add_metric([], self.service.now_s)
        yield clock
        speed = GaugeMetricFamily("omsim_speed", "Simulated seconds per wall second")
        speed.add_metric([], self.service.speed)
        yield speed


def _orders(service: LiveService) -> Iterator[Metric]:
    f = service.figures
    submitted = CounterMetricFamily("omsim_orders_submitted", "Product orders submitted")
    submitted.add_metric([], f.submitted)
    ended = CounterMetricFamily("omsim_orders_ended", "Product orders that reached a "
                                "terminal state, by state and order type",
                                labels=["state", "order_type"])
    for (state, order_type), n in sorted(dict(f.ended).items()):
        ended.add_metric([state, order_type], n)
    fallout = CounterMetricFamily("omsim_fallout", "Items that fell out, by root cause and "
                                  "the layer that raised it", labels=["cause", "layer"])
    for (cause, layer), n in sorted(dict(f.fallout).items()):
        fallout.add_metric([cause, layer], n)
    in_flight = GaugeMetricFamily("omsim_orders_in_flight", "Product orders submitted and "
                                  "not yet ended")
    in_flight.add_metric([], f.in_flight)
    by_state = GaugeMetricFamily("omsim_orders", "Product orders by their state now",
                                 labels=["state"])
    for state, n in sorted(dict(f.by_state).items()):
        by_state.add_metric([state], n)
    yield from (submitted, ended, fallout, in_flight, by_state, _cycle_times(service))


def _cycle_times(service: LiveService) -> Metric:
    cycle = service.figures.cycle
    counts, total, count = list(cycle.buckets), cycle.sum_s, cycle.count
    cumulative, buckets = 0, []
    for bound, n in zip((*CYCLE_BUCKETS_S, float("inf")), counts, strict=True):
        cumulative += n
        buckets.append((floatToGoString(bound), cumulative))
    buckets[-1] = ("+Inf", max(cumulative, count))
    histogram = HistogramMetricFamily("omsim_order_cycle_time_seconds", "Cycle time of "
                                      "completed product orders, simulated seconds")
    histogram.add_metric([], buckets, sum_value=total)
    return histogram


def _network(service: LiveService) -> Iterator[Metric]:
    g = gauges(service.run)
    capacity = GaugeMetricFamily("omsim_pool_capacity", "Slots per pool kind",
                                 labels=["kind"])
    in_use = GaugeMetricFamily("omsim_pool_in_use", "Slots in use per pool kind",
                               labels=["kind"])
    for kind, pool in g["pools"].items():
        capacity.add_metric([kind], pool["capacity"])
        in_use.add_metric([kind], pool["inUse"])
    yield from (capacity, in_use)
    workforce = g["workforce"]
    for name, text, value in (
            ("omsim_install_backlog", "Install visits waiting for a technician",
             workforce["installBacklog"]),
            ("omsim_technicians_busy", "Technicians on a visit", workforce["busy"]),
            ("omsim_technicians", "Technicians on the roster", workforce["technicians"]),
            ("omsim_fallout_queue", "Fallen-out items queued for operations or being "
             "worked", g["falloutQueue"]),
            ("omsim_faults_active", "Faults acting on the network now",
             sum(1 for v in service.faults.views() if v["state"] == "active"))):
        gauge = GaugeMetricFamily(name, text)
        gauge.add_metric([], value)
        yield gauge


def _hub(service: LiveService) -> Iterator[Metric]:
    hub = service.hub.stats()
    for name, text, value in (
            ("omsim_hub_listeners", "Hub listeners registered", hub["listeners"]),
            ("omsim_hub_queue_depth", "Notifications queued for delivery", hub["queued"])):
        gauge = GaugeMetricFamily(name, text)
        gauge.add_metric([], value)
        yield gauge
    for key, text in (("delivered", "Notifications delivered"),
                      ("failed", "Notifications whose delivery failed"),
                      ("dropped", "Notifications dropped from a full queue")):
        counter = CounterMetricFamily(f"omsim_hub_{key}", text)
        counter.add_metric([], hub[key])
        yield counter


class RequestTimer:
    """ASGI middleware: the wall time of each request until its answer starts, by method
    and route template (``unmatched`` for a path no route serves)."""

    def __init__(self, app: Any, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def timed(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                route = getattr(scope.get("route"), "path", "unmatched")
                self.histogram.labels(scope["method"], route).observe(
                    time.perf_counter() - began)
            await send(message)

        await self.app(scope, receive, timed)


def install(app: FastAPI, gateway: Gateway) -> None:
    """``GET /metrics`` on ``app``, and the request timer around it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LiveCollector(gateway.service))
    latency = Histogram("omsim_http_request_duration_seconds", "Wall time of a request "
                        "until its answer starts", ["method", "route"], registry=registry)
    app.add_middleware(RequestTimer, histogram=latency)
    routes = APIRouter()

    @routes.get(PATH, tags=["omsim"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(routes)

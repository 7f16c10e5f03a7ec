"""The live REST API (FastAPI): TMF622 product ordering, read-only TMF641 / TMF652 /
TMF637 / TMF638 / TMF639 views, and a few ``/omsim`` helpers.

Requests that change something go to the clock thread (:class:`sim.live.service.LiveService`)
and are answered once they are on disk; reads come from the database. Bad input is
answered with a TMF ``Error`` body naming the field (:mod:`sim.live.api.errors`): 400
(invalid), 401 (API key), 404 (unknown id), 409 (not in a state that allows it, or an
``Idempotency-Key`` reused for another body), 413 (too big, :mod:`sim.live.limits`), 415
(not JSON in UTF-8); 503 when the service cannot take writes (it says why). A 500 means
a bug in the order manager: that request failed, the service goes on.

One router per TMF resource: :mod:`~sim.live.api.product_order`,
:mod:`~sim.live.api.cancel_product_order`, :mod:`~sim.live.api.hub`,
:mod:`~sim.live.api.documents` (the read-only views) and :mod:`~sim.live.api.omsim`;
omsim's own: faults on cue (:mod:`~sim.live.api.faults`), the dashboard
(:mod:`~sim.live.api.dashboard`) and ``/metrics`` (:mod:`~sim.live.api.metrics`), which
the OpenAPI document (of the TMF API) leaves out; authentication is middleware
(:mod:`~sim.live.api.auth`). The OpenAPI document carries
the TMF definitions (:mod:`~sim.live.api.openapi`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from fastapi import FastAPI

from sim.live.api import (
    auth,
    cancel_product_order,
    dashboard,
    documents,
    errors,
    faults,
    hub,
    metrics,
    omsim,
    openapi,
    product_order,
)
from sim.live.api.gateway import ApiSettings, Gateway

if TYPE_CHECKING:
    from sim.live.service import LiveService


def create_app(service: LiveService, settings: ApiSettings | None = None) -> FastAPI:
    """The FastAPI application serving ``service``."""
    gateway = Gateway(service, settings or ApiSettings())
    app = FastAPI(title="omsim live order management", version="4.0.0",
                  description="TMF622 product ordering over an emulated FTTH network")
    errors.install(app)
    metrics.install(app, gateway)  # the request timer, inside the key check
    auth.install(app, gateway.settings.api_key, dashboard.login_page)
    for resource in (product_order, cancel_product_order, hub, documents, omsim, faults,
                     dashboard):
        app.include_router(resource.router(gateway))
    app.openapi = lambda: openapi.openapi(app)  # type: ignore[method-assign]
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document the API serves, built without a service behind it (for
    clients and property-based tests)."""
    return create_app(cast("LiveService", None)).openapi()

"""The live REST API (FastAPI): the application (:mod:`~sim.live.api.app`), one router per
TMF resource, the TMF error bodies (:mod:`~sim.live.api.errors`), API-key
authentication as middleware (:mod:`~sim.live.api.auth`), request bodies and their
schemas, and the OpenAPI document."""

"""The OpenAPI document the API serves: FastAPI's, with the TMF definitions as its
components (TMF622's under their own names, the others prefixed ``TMF641_`` ...), so
that schemathesis and clients see the real schemas; every error is a TMF ``Error``."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from om.tmf_specs import load_spec
from sim.live.api.gateway import JSON
from sim.live.views import COLLECTIONS, DEFINITIONS

APIS = ("TMF622", "TMF641", "TMF652", "TMF637", "TMF638", "TMF639")


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def request_body(definition: str) -> dict[str, Any]:
    """A route's required JSON body of TMF622 ``definition`` (``openapi_extra``)."""
    return {"requestBody": {"required": True,
                            "content": {JSON: {"schema": ref(definition)}}}}


def responses(ok: int, schema: str | list[str] | None, *errors: int) -> dict[int, Any]:
    """A route's success (``schema``: a component, or ``[component]`` for a list) and
    its possible errors, each a TMF Error."""
    out: dict[int, Any] = {}
    if schema is not None:
        content = ({"type": "array", "items": ref(schema[0])} if isinstance(schema, list)
                   else ref(schema))
        out[ok] = {"description": HTTPStatus(ok).phrase, "content": {JSON: {"schema": content}}}
    for status in errors:
        out[status] = {"description": HTTPStatus(status).phrase,
                       "content": {JSON: {"schema": ref("Error")}}}
    return out


def component(collection: str) -> str:
    """The component name of a collection's definition (``TMF641_ServiceOrder``)."""
    api, definition = COLLECTIONS[collection], DEFINITIONS[collection]
    return definition if api == "TMF622" else f"{api}_{definition}"


def openapi(app: FastAPI) -> dict[str, Any]:
    """``app``'s document, built once."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(tmf_schemas())
    for path in doc["paths"].values():
        for operation in path.values():
            answers = operation.get("responses", {})
            # FastAPI's own 422 never happens: request errors are TMF 400s.
            if answers.pop("422", None) is not None and "400" not in answers:
                answers["400"] = {"description": "Bad Request",
                                  "content": {JSON: {"schema": ref("Error")}}}
            if "201" in answers and "200" in answers:
                del answers["200"]
    app.openapi_schema = doc
    return doc


def tmf_schemas() -> dict[str, Any]:
    """Every definition of the served specs as OpenAPI components: TMF622's under their
    own names, the others prefixed (``TMF641_ServiceOrder``); each served resource also
    as ``<name>_Selection`` (no required attributes: what ``fields=`` returns)."""
    out: dict[str, Any] = {}
    for api in APIS:
        prefix = "" if api == "TMF622" else f"{api}_"
        for name, schema in load_spec(api)["definitions"].items():
            out[prefix + name] = _rewrite(schema, prefix)
    for collection in DEFINITIONS:
        name = component(collection)
        out[f"{name}_Selection"] = {k: v for k, v in out[name].items() if k != "required"}
    return out


def _rewrite(schema: Any, prefix: str) -> Any:
    """A Swagger 2.0 schema as an OpenAPI 3 component: refs point at components, and the
    Swagger-only ``discriminator`` (a bare string there) is dropped."""
    if isinstance(schema, list):
        return [_rewrite(s, prefix) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "discriminator":
            continue
        if key == "$ref" and isinstance(value, str) and value.startswith("#/definitions/"):
            out[key] = f"#/components/schemas/{prefix}{value.rpartition('/')[2]}"
        elif key in ("properties", "definitions") and isinstance(value, dict):
            out[key] = {k: _rewrite(v, prefix) for k, v in value.items()}
        else:
            out[key] = _rewrite(value, prefix)
    return out

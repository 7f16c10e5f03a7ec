"""Access to the vendored TM Forum Open API (Swagger 2.0) specifications.

The specification files live in ``om/tmf/specs/`` as unmodified copies (see
``om/tmf/SOURCES.md``). This module reads them, exposes enums and base paths, and
validates JSON bodies against their ``definitions``.

Swagger 2.0 schema objects are a draft-4 dialect with extra keywords
(``discriminator``, ``readOnly``, ``example``, ``x-*`` vendor extensions, ``type: file``).
Before validation each definition is reduced to draft-4 keywords, so those extras
cannot change the outcome. Formats such as ``date-time`` and ``uri`` are not checked.

``jsonschema`` is a development dependency, so it is imported only by
:func:`schema_validator`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

__all__ = [
    "SPEC_DIR",
    "base_path",
    "load_spec",
    "schema_validator",
    "state_enum",
    "validate_body",
]

SPEC_DIR = Path(__file__).parent / "tmf" / "specs"

# Keywords of a draft-4 schema object that take part in validation (plus harmless
# annotations). Anything else in a Swagger schema object is dropped before validation.
_DRAFT4_KEYWORDS = frozenset({
    "$ref", "type", "enum", "format", "title", "description", "default",
    "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern",
    "items", "additionalItems", "maxItems", "minItems", "uniqueItems",
    "maxProperties", "minProperties", "required", "properties", "patternProperties",
    "additionalProperties", "dependencies",
    "allOf", "anyOf", "oneOf", "not", "definitions",
})
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "items", "additionalItems")
_DRAFT4_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})


@functools.cache
def load_spec(name: str) -> dict[str, Any]:
    """Parse the vendored spec whose file name starts with ``name`` (e.g. ``"TMF622"``).

    The returned dict is cached and shared between callers: do not modify it.
    """
    prefix = f"{name.upper()}-"
    matches = sorted(SPEC_DIR.glob(f"{prefix}*.json"))
    if len(matches) != 1:
        found = ", ".join(p.name for p in matches) or "none"
        raise LookupError(f"expected one spec file for {name!r} in {SPEC_DIR}, found: {found}")
    with matches[0].open(encoding="utf-8") as fh:
        return json.load(fh)


def _definition(api: str, definition: str) -> dict[str, Any]:
    definitions = load_spec(api).get("definitions", {})
    try:
        return definitions[definition]
    except KeyError:
        raise KeyError(f"{api} has no definition {definition!r}") from None


def state_enum(api: str, definition: str) -> tuple[str, ...]:
    """Enum values of ``definition`` exactly as written in the spec, in spec order.

    Example: ``state_enum("TMF622", "ProductOrderStateType")``.
    """
    values = _definition(api, definition).get("enum")
    if values is None:
        raise ValueError(f"{api} definition {definition!r} is not an enum")
    return tuple(values)


def base_path(api: str) -> str:
    """The spec's ``basePath`` exactly as written (trailing slash varies between APIs)."""
    return load_spec(api)["basePath"]


def _draft4(schema: Any) -> Any:
    """Copy of a Swagger schema object reduced to draft-4 keywords."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _DRAFT4_KEYWORDS:
            continue  # discriminator, readOnly, example, xml, x-*, swagger "id"...
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _draft4(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_draft4(sub) for sub in value]
        elif key in ("items", "additionalItems", "additionalProperties", "not"):
            out[key] = _draft4(value)
        elif key == "dependencies" and isinstance(value, dict):
            out[key] = {k: _draft4(v) if isinstance(v, dict) else v for k, v in value.items()}
        elif key == "type" and isinstance(value, str) and value not in _DRAFT4_TYPES:
            continue  # swagger "file" and other non-JSON types: no constraint
        else:
            out[key] = value
    return out


@functools.cache
def schema_validator(api: str, definition: str) -> Any:
    """A ``jsonschema.Draft4Validator`` for ``#/definitions/<definition>`` of ``api``.

    References resolve against all of the spec's (draft-4-reduced) definitions.
    """
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    _definition(api, definition)  # fail early with a clear KeyError
    uri = f"urn:omsim:tmf:{api.upper()}"
    document = _draft4({"definitions": load_spec(api)["definitions"]})
    registry = Registry().with_resource(uri, Resource(contents=document, specification=DRAFT4))
    return Draft4Validator({"$ref": f"{uri}#/definitions/{definition}"}, registry=registry)


def validate_body(api: str, definition: str, body: Any) -> list[str]:
    """Validation errors of ``body`` against a definition, as ``"path: message"``.

    ``path`` is a JSONPath such as ``$.productOrderItem[0].action`` (``$`` is the body).
    Empty when the body is valid.
    """
    validator = schema_validator(api, definition)
    errors = sorted(validator.iter_errors(body), key=lambda e: (e.json_path, e.message))
    return [f"{error.json_path}: {error.message}" for error in errors]

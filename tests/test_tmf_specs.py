"""The vendored TMF specs are present, and om.tmf_specs reads and validates against them."""

from __future__ import annotations

import json

import pytest

from om import tmf_specs
from om.tmf_specs import SPEC_DIR, base_path, load_spec, state_enum, validate_body

VENDORED = {
    "TMF622": "TMF622-ProductOrdering-v4.0.0.swagger.json",
    "TMF641": "TMF641-ServiceOrdering-v4.0.0.swagger.json",
    "TMF652": "TMF652-ResourceOrdering-v4.0.0.swagger.json",
    "TMF637": "TMF637-ProductInventory-v4.0.0.swagger.json",
    "TMF638": "TMF638-ServiceInventory-v4.0.0.swagger.json",
    "TMF639": "TMF639-ResourceInventory-v4.0.0.swagger.json",
}
ORDER_STATES = {"acknowledged", "rejected", "pending", "held", "inProgress", "cancelled",
                "completed", "failed", "assessingCancellation", "pendingCancellation"}


def product_order(**item):
    """A minimal TMF622 ProductOrder with one item made of ``item``."""
    return {"id": "1", "href": "/x", "productOrderItem": [item], "state": "acknowledged"}


@pytest.mark.parametrize("api", sorted(VENDORED))
def test_vendored_spec_files_are_present_and_parse(api):
    """Each vendored spec file exists, is Swagger 2.0 and is the one load_spec finds."""
    path = SPEC_DIR / VENDORED[api]
    assert path.is_file()
    spec = json.loads(path.read_text(encoding="utf-8"))
    assert spec["swagger"] == "2.0"
    assert spec["definitions"]
    assert load_spec(api) == spec
    assert base_path(api).startswith("/tmf-api/")


def test_licence_and_sources_sit_next_to_the_specs():
    """SOURCES.md lists every vendored file, and the Apache-2.0 notice is present."""
    sources = (SPEC_DIR.parent / "SOURCES.md").read_text(encoding="utf-8")
    notice = (SPEC_DIR.parent / "LICENSE-NOTICE.md").read_text(encoding="utf-8")
    for name in VENDORED.values():
        assert name in sources
    assert "Apache-2.0" in sources
    assert "https://www.apache.org/licenses/LICENSE-2.0" in notice


def test_unknown_api_is_a_lookup_error():
    """load_spec refuses a name that matches no vendored file."""
    with pytest.raises(LookupError):
        load_spec("TMF999")


def test_product_order_states_are_the_tmf622_names():
    """ProductOrderStateType holds the TMF622 order states, including partial."""
    states = state_enum("TMF622", "ProductOrderStateType")
    assert isinstance(states, tuple)
    assert set(states) == ORDER_STATES | {"partial"}


def test_service_order_states_are_the_tmf641_names():
    """ServiceOrderStateType holds the same order states in TMF641, including partial."""
    assert set(state_enum("TMF641", "ServiceOrderStateType")) == ORDER_STATES | {"partial"}


def test_product_order_item_states_have_no_partial():
    """ProductOrderItemStateType holds the item states; partial is an order-level state only."""
    states = state_enum("TMF622", "ProductOrderItemStateType")
    assert set(states) == ORDER_STATES
    assert "partial" not in states


def test_state_enum_of_a_missing_definition_is_a_key_error():
    """TMF652 defines no ResourceOrderStateType (its state is a free string)."""
    with pytest.raises(KeyError, match="ResourceOrderStateType"):
        state_enum("TMF652", "ResourceOrderStateType")


def test_minimal_product_order_is_valid():
    """A minimal ProductOrder with one add item validates against TMF622 ProductOrder."""
    assert validate_body("TMF622", "ProductOrder", product_order(id="1", action="add")) == []


def test_unknown_item_action_is_reported_at_the_action_field():
    """An item action outside OrderItemActionType is an error naming the action field."""
    errors = validate_body("TMF622", "ProductOrder", product_order(id="1", action="explode"))
    assert len(errors) == 1
    assert errors[0].startswith("$.productOrderItem[0].action: ")
    assert "'explode'" in errors[0]


def test_item_without_id_is_reported_naming_id():
    """A productOrderItem missing its required id is an error naming the id field."""
    errors = validate_body("TMF622", "ProductOrder", product_order(action="add"))
    assert errors == ["$.productOrderItem[0]: 'id' is a required property"]


def test_unknown_order_state_is_reported():
    """A ProductOrder state outside ProductOrderStateType is an error at $.state."""
    body = product_order(id="1", action="add") | {"state": "exploded"}
    errors = validate_body("TMF622", "ProductOrder", body)
    assert len(errors) == 1
    assert errors[0].startswith("$.state: ")


def test_swagger_only_keywords_do_not_affect_validation(tmp_path, monkeypatch):
    """discriminator, readOnly, example, x-* and type: file are ignored; properties keep names."""
    spec = {
        "swagger": "2.0",
        "basePath": "/tmf-api/test/v4",
        "definitions": {
            "Thing": {
                "type": "object",
                "discriminator": "@type",
                "x-vendor": {"type": "integer"},
                "id": "not-a-base-uri",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "readOnly": True, "example": 7},
                    "x-flag": {"type": "boolean"},
                    "blob": {"type": "file"},
                    "part": {"$ref": "#/definitions/Part", "x-nullable": True},
                },
            },
            "Part": {"type": "object", "required": ["id"], "x-internal": True,
                     "properties": {"id": {"type": "string"}}},
        },
    }
    (tmp_path / "TMF998-Test-v4.0.0.swagger.json").write_text(json.dumps(spec))
    monkeypatch.setattr(tmf_specs, "SPEC_DIR", tmp_path)
    try:
        assert base_path("TMF998") == "/tmf-api/test/v4"
        good = {"name": "n", "x-flag": True, "blob": b"x".hex(), "part": {"id": "p"}}
        assert validate_body("TMF998", "Thing", good) == []
        bad = {"x-flag": "yes", "part": {}}
        assert validate_body("TMF998", "Thing", bad) == [
            "$: 'name' is a required property",
            "$.part: 'id' is a required property",
            "$['x-flag']: 'yes' is not of type 'boolean'",
        ]
    finally:
        load_spec.cache_clear()
        tmf_specs.schema_validator.cache_clear()

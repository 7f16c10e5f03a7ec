"""NetBox's JSON: the prefix and ip-address objects (NetBox 4.2 field for field) and its
offset pagination.

pynetbox reads these as NetBox's own: it derives a record's endpoint from the path of
its absolute ``url``, and for any attribute a record lacks it GETs the ``url`` again -
so every object is served whole. Choice fields (``status``, ``family``) are objects with
``value`` and ``label``; pynetbox sends back the plain value.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from sim.emulate.netbox.ipam import STATUSES, IpamError, IpRecord, Prefix

API_VERSION = "4.2"  # the API-Version header pynetbox reads for ``nb.version``
NETBOX_VERSION = "4.2.9"
PAGE_SIZE = 50  # NetBox's PAGINATE_COUNT
MAX_PAGE_SIZE = 1000  # NetBox's MAX_PAGE_SIZE; limit=0 asks for it
FAMILY = {"value": 4, "label": "IPv4"}


def prefix_json(base: str, p: Prefix) -> dict[str, Any]:
    return {
        "id": p.id, "url": f"{base}/api/ipam/prefixes/{p.id}/",
        "display_url": f"{base}/ipam/prefixes/{p.id}/", "display": str(p.network),
        "family": FAMILY, "prefix": str(p.network), "vrf": None, "scope_type": None,
        "scope_id": None, "scope": None, "tenant": None, "vlan": None,
        "status": {"value": "active", "label": "Active"}, "role": None, "is_pool": True,
        "mark_utilized": False, "description": p.description, "comments": "", "tags": [],
        "custom_fields": {}, "created": p.created, "last_updated": p.created,
        "children": 0, "_depth": 0,
    }


def ip_json(base: str, r: IpRecord) -> dict[str, Any]:
    f = r.fields
    return {
        "id": r.id, "url": f"{base}/api/ipam/ip-addresses/{r.id}/",
        "display_url": f"{base}/ipam/ip-addresses/{r.id}/", "display": r.address,
        "family": FAMILY, "address": r.address, "vrf": None, "tenant": None,
        "status": {"value": f["status"], "label": STATUSES[f["status"]]}, "role": None,
        "assigned_object_type": None, "assigned_object_id": None, "assigned_object": None,
        "nat_inside": None, "nat_outside": [], "dns_name": f["dns_name"],
        "description": f["description"], "comments": f["comments"], "tags": [],
        "custom_fields": {}, "created": f["created"], "last_updated": f["last_updated"],
    }


def available_json(p: Prefix, slot: int) -> dict[str, Any]:
    """One entry of ``available-ips`` (NetBox answers a plain list of these)."""
    return {"family": 4, "address": p.address(slot), "vrf": None}


def page_bounds(query: QueryParams) -> tuple[int, int]:
    """``limit`` and ``offset`` of a list request (``limit=0``: the largest page)."""
    try:
        limit = int(query.get("limit", PAGE_SIZE))
        offset = int(query.get("offset", 0))
    except ValueError:
        raise IpamError(400, {"detail": "Invalid limit or offset: whole numbers"}) from None
    if offset < 0:
        raise IpamError(400, {"detail": "Invalid offset: 0 or more"})
    if limit <= 0 or limit > MAX_PAGE_SIZE:
        limit = MAX_PAGE_SIZE
    return limit, offset


def page(url: str, query: QueryParams, items: list[dict[str, Any]]) -> dict[str, Any]:
    """One page of ``items`` (``count``, ``next``, ``previous``, ``results``). ``next``
    and ``previous`` carry the request's filters: pynetbox follows them as they are."""
    limit, offset = page_bounds(query)
    keep = [(k, v) for k, v in query.multi_items() if k not in ("limit", "offset")]
    after = previous = None
    if offset + limit < len(items):
        after = f"{url}?{urlencode([*keep, ('limit', limit), ('offset', offset + limit)])}"
    if offset > 0:
        back = [*keep, ("limit", limit)]
        if offset - limit > 0:
            back.append(("offset", offset - limit))
        previous = f"{url}?{urlencode(back)}"
    return {"count": len(items), "next": after, "previous": previous,
            "results": items[offset:offset + limit]}

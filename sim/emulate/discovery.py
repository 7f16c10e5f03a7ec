"""Discovery: what a client needs to plan orders against the emulated network.

Two read-only collections (HTTP basic or the token):

- ``/tmf-api/resourceInventoryManagement/v4/resource[/{id}]`` (TMF639 Resource): the
  topology - aggregation links (``category`` ``link``, ``EX01-BNG01``), BNGs, their DHCP
  servers, OLTs, PON ports (``EX01-OLT01/1/2``: line card and port from 1, as on the
  wire) and the central platforms - with their relationships (an OLT ``isHomedOn`` its
  BNG, a PON port ``isContainedIn`` its OLT, ...), what they hold now (``usageState``,
  characteristics such as the port's S-VLAN and ONT ids in use) and whether they answer
  (``operationalState``: ``disable`` during an outage or behind a cut link). Filters:
  ``category``, ``name``, ``id`` (comma-separated: any of them).
- ``/tmf-api/geographicAddressManagement/v4/geographicAddress[/{id}]`` (TMF673
  GeographicAddress, extended as ``OmsimServiceAddress``): the service addresses with
  ``serviceable`` and their ``servingPonPort`` (a reference into the resources), the
  ``exchange`` and workforce ``region``. Filters: ``serviceable``, ``exchange``,
  ``postcode``, ``city``.

Lists page with ``offset``/``limit`` (``X-Total-Count``, ``X-Result-Count``, 206 for a
page short of the whole) and select attributes with ``fields``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response

from sim.emulate.appointments.views import error_json, select
from sim.emulate.auth import BASIC_CHALLENGE, Credentials, basic_ok, token_ok

if TYPE_CHECKING:
    from network_model import Address, PonPort
    from sim.emulate.emulator import Emulator

RESOURCES = "/tmf-api/resourceInventoryManagement/v4/resource"
ADDRESSES = "/tmf-api/geographicAddressManagement/v4/geographicAddress"
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000

Document = Callable[[], dict[str, Any]]  # builds a resource's document as it is now


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status, self.message = status, message


def _ref(resource_id: str, name: str = "") -> dict[str, Any]:
    return {"id": resource_id, "href": f"{RESOURCES}/{resource_id}", "name": name or
            resource_id, "@referredType": "Resource"}


def _related(kind: str, resource_id: str) -> dict[str, Any]:
    return {"relationshipType": kind, "resource": _ref(resource_id)}


def _chars(**values: Any) -> list[dict[str, Any]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def _usage(in_use: int, capacity: int) -> str:
    return "idle" if in_use == 0 else "busy" if in_use >= capacity else "active"


class Topology:
    """The network's resources as TMF639 documents, in a stable order by id."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        network = emulator.network
        self.network = network
        self.wire = {sim: wire for sim, wire in emulator.wire_names.items()}
        self.entries: dict[str, tuple[str, str, Document]] = {}  # id -> (category, name, doc)
        for a, b in network.graph.edges():
            if network.graph.edges[a, b]["kind"] == "aggregation":
                link = "-".join(sorted((a, b)))
                self._add(link, "link", lambda a=a, b=b, link=link: self._link(link, a, b))
        for bng in network.bngs:
            self._add(bng, "bng", lambda bng=bng: self._bng(bng))
            dhcp = self.wire.get(f"dhcp:{bng}", f"{bng}-DHCP")
            self._add(dhcp, "dhcp", lambda bng=bng, dhcp=dhcp: self._dhcp(bng, dhcp))
        for olt in network.olts.values():
            self._add(olt.name, "olt", lambda olt=olt: self._olt(olt))
        for port in network.ports.values():
            self._add(port.name, "ponPort", lambda port=port: self._port(port))
        for sim, wire in self.wire.items():
            if ":" not in sim:  # a central platform (voice, ACS)
                category = sim.replace("_", "-")
                self._add(wire, category,
                          lambda wire=wire, category=category: self._platform(wire, category))

    def _add(self, resource_id: str, category: str, doc: Document) -> None:
        self.entries[resource_id] = (category, resource_id, doc)

    def _base(self, resource_id: str, category: str, kind: str, reachable: bool
              ) -> dict[str, Any]:
        return {"id": resource_id, "href": f"{RESOURCES}/{resource_id}", "name": resource_id,
                "category": category, "@type": kind, "administrativeState": "unlocked",
                "operationalState": "enable" if reachable else "disable",
                "resourceStatus": "available" if reachable else "alarm"}

    def _reachable(self, wire_name: str) -> bool:
        managed = self.emulator.managed.get(wire_name)
        return managed is None or managed.behaviour.reachable()

    def _link(self, link: str, a: str, b: str) -> dict[str, Any]:
        up = bool(self.network.graph.edges[a, b]["up"])
        doc = self._base(link, "link", "LogicalResource", up)
        doc["resourceRelationship"] = [_related("connects", a), _related("connects", b)]
        doc["resourceCharacteristic"] = _chars(up=up)
        return doc

    def _bng(self, bng: str) -> dict[str, Any]:
        sessions = self.network.session_pools[bng]
        doc = self._base(bng, "bng", "PhysicalResource", self._reachable(bng))
        doc["usageState"] = _usage(sessions.in_use, sessions.capacity)
        doc["resourceCharacteristic"] = _chars(sessionsInUse=sessions.in_use,
                                               sessionCapacity=min(sessions.limit,
                                                                   sessions.capacity))
        return doc

    def _dhcp(self, bng: str, name: str) -> dict[str, Any]:
        pools = self.network.ipv4_pools[bng]
        doc = self._base(name, "dhcp", "LogicalResource", self._reachable(name))
        doc["resourceRelationship"] = [_related("isPartOf", bng)]
        doc["resourceCharacteristic"] = _chars(
            ipv4Pools=[p.name.partition(":ipv4:")[2] or p.name for p in pools],
            addressesInUse=sum(p.in_use for p in pools),
            addressesFree=sum(p.free for p in pools))
        return doc

    def _olt(self, olt: Any) -> dict[str, Any]:
        network = self.network
        exchange = network.exchanges[olt.exchange]
        doc = self._base(olt.name, "olt", "PhysicalResource", self._reachable(olt.name))
        doc["place"] = {"id": exchange.name, "name": f"exchange {exchange.name}, "
                        f"{exchange.town}", "role": "exchange", "@referredType": "Site"}
        doc["resourceRelationship"] = [_related("isHomedOn", network.homing_bng(olt.name))]
        doc["resourceCharacteristic"] = _chars(
            lineCards=olt.line_cards, ponPortsPerLineCard=olt.ports_per_line_card,
            region=exchange.region, bngReachable=network.olt_reachable(olt.name))
        return doc

    def _port(self, port: PonPort) -> dict[str, Any]:
        onts = port.ont_ids
        doc = self._base(port.name, "ponPort", "LogicalResource", self._reachable(port.olt))
        doc["usageState"] = _usage(onts.in_use, onts.capacity)
        doc["resourceRelationship"] = [_related("isContainedIn", port.olt)]
        doc["resourceCharacteristic"] = _chars(
            lineCard=port.line_card + 1, port=port.index + 1, sVlan=port.s_vlan,
            splitRatio=onts.capacity, ontIdsInUse=onts.in_use, ontIdsFree=onts.free)
        return doc

    def _platform(self, name: str, category: str) -> dict[str, Any]:
        return self._base(name, category, "LogicalResource", self._reachable(name))


def address_json(network: Any, address: Address) -> dict[str, Any]:
    """A service address (TMF673 GeographicAddress, extended with where it is served)."""
    number, _, street = address.line.partition(" ")
    if not number.isdigit():
        number, street = "", address.line
    port = network.serving_port(address.id)
    exchange = network.exchanges.get(address.exchange)
    return {
        "id": address.id, "href": f"{ADDRESSES}/{address.id}",
        "@type": "OmsimServiceAddress", "@baseType": "GeographicAddress",
        "streetNr": number, "streetName": street, "city": address.town,
        "postcode": address.postcode, "name": str(address),
        "serviceable": port is not None,
        "servingPonPort": _ref(port.name) if port is not None else None,
        "exchange": address.exchange,
        "region": exchange.region if exchange is not None else None,
    }


def discovery_router(emulator: Emulator, credentials: Credentials) -> APIRouter:
    """The discovery API of ``emulator`` (see the module docstring)."""
    api = _Discovery(emulator, credentials)
    router = APIRouter()
    router.add_api_route(RESOURCES, api.resources, methods=["GET"])
    router.add_api_route(RESOURCES + "/{resource_id:path}", api.resource, methods=["GET"])
    router.add_api_route(ADDRESSES, api.addresses, methods=["GET"])
    router.add_api_route(ADDRESSES + "/{address_id}", api.address, methods=["GET"])
    return router


class _Discovery:
    """The endpoints, over one emulator's topology and addresses."""

    def __init__(self, emulator: Emulator, credentials: Credentials) -> None:
        self.emulator = emulator
        self.credentials = credentials
        self.topology = Topology(emulator)
        self.network = emulator.network

    def answer(self, request: Request, work: Callable[[], tuple[int, Any, dict[str, str]]]
               ) -> Response:
        if not (basic_ok(request, self.credentials) or token_ok(request, self.credentials)):
            return _json(error_json(401, "HTTP basic auth with the emulator's user and "
                                         "password, or Authorization: Token <token>"),
                         401, BASIC_CHALLENGE)
        try:
            status, body, headers = self.emulator.change(work)
        except _Refused as exc:
            return _json(error_json(exc.status, exc.message), exc.status)
        return _json(body, status, headers)

    async def resources(self, request: Request) -> Response:
        query = request.query_params

        def work() -> tuple[int, Any, dict[str, str]]:
            wanted = {name: set(query[name].split(",")) for name in ("category", "name", "id")
                      if name in query}
            found = [doc for rid, (category, name, doc) in self.topology.entries.items()
                     if _wanted(wanted, category=category, name=name, id=rid)]
            return _page(query, found)
        return self.answer(request, work)

    async def resource(self, request: Request, resource_id: str) -> Response:
        def work() -> tuple[int, Any, dict[str, str]]:
            entry = self.topology.entries.get(resource_id)
            if entry is None:
                raise _Refused(404, f"no resource '{resource_id}'")
            return 200, select(entry[2](), request.query_params.get("fields")), {}
        return self.answer(request, work)

    async def addresses(self, request: Request) -> Response:
        query = request.query_params

        def work() -> tuple[int, Any, dict[str, str]]:
            found = [a for a in self.network.addresses if _address_wanted(a, query)]
            return _page(query, [lambda a=a: address_json(self.network, a) for a in found])
        return self.answer(request, work)

    async def address(self, request: Request, address_id: str) -> Response:
        def work() -> tuple[int, Any, dict[str, str]]:
            found = self.network.address_by_id.get(address_id)
            if found is None:
                raise _Refused(404, f"no geographicAddress '{address_id}'")
            return 200, select(address_json(self.network, found),
                               request.query_params.get("fields")), {}
        return self.answer(request, work)


def _wanted(filters: dict[str, set[str]], **values: str) -> bool:
    return all(values[name] in allowed for name, allowed in filters.items())


def _address_wanted(address: Address, query: Any) -> bool:
    if "serviceable" in query:
        flag = query["serviceable"].lower()
        if flag not in ("true", "false"):
            raise _Refused(400, "serviceable: true or false")
        if address.serviceable != (flag == "true"):
            return False
    for name, value in (("exchange", address.exchange), ("postcode", address.postcode),
                        ("city", address.town)):
        if name in query and value not in query[name].split(","):
            return False
    return True


def _page(query: Any, documents: list[Document]) -> tuple[int, Any, dict[str, str]]:
    """One page of lazily built documents (only the page's are built)."""
    try:
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", DEFAULT_LIMIT))
    except ValueError:
        raise _Refused(400, "offset, limit: whole numbers") from None
    if offset < 0 or not 1 <= limit <= MAX_LIMIT:
        raise _Refused(400, f"offset: 0 or more; limit: 1 to {MAX_LIMIT}")
    page = [select(doc(), query.get("fields")) for doc in documents[offset:offset + limit]]
    status = 206 if offset + len(page) < len(documents) else 200
    return status, page, {"X-Total-Count": str(len(documents)),
                          "X-Result-Count": str(len(page))}


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status, media_type="application/json", headers=headers)

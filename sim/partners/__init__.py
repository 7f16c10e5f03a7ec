"""Real partners behind om's partner gateway: ``omsim serve --partner NAME=URL`` places
the partner ``NAME``'s orders (a wholesaler's access lines) on another operator's
TMF622 v4 order manager instead of the emulated partner
(:mod:`sim.elements.partner`).

    orders   a partner request as a TMF622 ProductOrder, and the partner's order as
             the update the gateway reads (states and causes mapped)
    adapter  the port itself: requests on a loop of its own, hub notifications and
             polling, answers back onto the clock
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from sim.partners.adapter import PartnerError, RemotePartner


def check_partner(name: str, url: str, known: Collection[str]) -> str:
    """What is wrong with ``--partner NAME=URL`` before anything is sent ("" if
    nothing): ``NAME`` must be a partner of the catalog, ``URL`` an http(s) base URL."""
    if name not in known:
        return (f"the scenario's catalog names no partner '{name}' (it names: "
                f"{', '.join(sorted(known)) or 'none'})")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ("an http(s) URL of the partner's TMF622 base path, e.g. "
                "http://127.0.0.1:8623/tmf-api/productOrderingManagement/v4")
    if parts.query or parts.fragment:
        return "a base URL, without query or fragment"
    return ""


__all__ = ["PartnerError", "RemotePartner", "check_partner"]

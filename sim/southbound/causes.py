"""Wire answers as om's fallout causes.

The emulator's ``error-app-tag`` values are omsim's fallout causes, hyphenated, so an
error maps to a cause without reading messages:

===============================================  ===========================
RESTCONF error (app-tag, else error-tag)         cause
===============================================  ===========================
``element-error``                                ``element_error``
``element-unreachable``, ``shutting-down``, 503  ``element_unreachable``
``resource-exhausted`` / ``resource-denied``     ``resource_exhausted``
``inventory-mismatch`` / ``data-exists``,        ``inventory_mismatch`` (the
``data-not-unique``                              slot goes with it)
anything else (a value the element refuses)      ``element_error``
===============================================  ===========================

IPAM: 409 is an exhausted prefix (``resource_exhausted``), a duplicate address someone
else recorded is ``inventory_mismatch``. No answer in time is ``timeout``; no connection
at all is ``element_unreachable``.
"""

from __future__ import annotations

from typing import Any

import httpx

from om import FalloutCause, SouthboundError

APP_TAGS = {
    "element-error": FalloutCause.ELEMENT_ERROR,
    "element-unreachable": FalloutCause.ELEMENT_UNREACHABLE,
    "shutting-down": FalloutCause.ELEMENT_UNREACHABLE,
    "resource-exhausted": FalloutCause.RESOURCE_EXHAUSTED,
    "inventory-mismatch": FalloutCause.INVENTORY_MISMATCH,
    "data-not-unique": FalloutCause.INVENTORY_MISMATCH,
}
ERROR_TAGS = {
    "resource-denied": FalloutCause.RESOURCE_EXHAUSTED,
    "data-exists": FalloutCause.INVENTORY_MISMATCH,
}


def first_error(answer: httpx.Response) -> dict[str, Any]:
    """The first ``ietf-restconf:errors`` entry of an answer ({} if there is none)."""
    try:
        errors = answer.json()["ietf-restconf:errors"]["error"]
        return errors[0] if errors and isinstance(errors[0], dict) else {}
    except (ValueError, KeyError, TypeError, IndexError):
        return {}


def restconf_error(key: str, element: str, answer: httpx.Response,
                   conflict: tuple[str, int] | None) -> SouthboundError:
    """The fallout of a refused RESTCONF request."""
    error = first_error(answer)
    tag, app_tag = error.get("error-tag", ""), error.get("error-app-tag", "")
    message = str(error.get("error-message") or answer.text[:200])
    cause = APP_TAGS.get(app_tag) or ERROR_TAGS.get(tag)
    if cause is None:
        cause = (FalloutCause.ELEMENT_UNREACHABLE if answer.status_code == 503
                 else FalloutCause.ELEMENT_ERROR)
    detail = f"{answer.status_code} {app_tag or tag or 'error'}: {message}"
    slot = conflict if cause is FalloutCause.INVENTORY_MISMATCH and app_tag != \
        "data-not-unique" else None
    return SouthboundError(key, cause, element, detail, slot)


def transport_error(key: str, element: str, exc: Exception) -> SouthboundError:
    """The fallout of a request that got no answer."""
    if isinstance(exc, httpx.TimeoutException):
        return SouthboundError(key, FalloutCause.TIMEOUT, element,
                               f"no answer in time ({type(exc).__name__})")
    return SouthboundError(key, FalloutCause.ELEMENT_UNREACHABLE, element,
                           f"the emulator could not be reached ({type(exc).__name__}: "
                           f"{str(exc)[:120]})")


def refused(key: str, element: str, what: str, answer: httpx.Response,
            cause: FalloutCause = FalloutCause.ELEMENT_ERROR,
            conflict: tuple[str, int] | None = None) -> SouthboundError:
    """The fallout of a refused IPAM or appointment request."""
    return SouthboundError(key, cause, element,
                           f"{what}: {answer.status_code} {answer.text[:200]}", conflict)

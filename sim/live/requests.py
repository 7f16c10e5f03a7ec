"""What the API hands the live service's clock thread, and what it gets back.

A :class:`Request` is one change (its :class:`Kind` is also what the command log stores);
its ``reply`` future gets ``(status, body)``, the body being a document, a
:class:`Stored` one that the API reads from the database, a list of problems, or None.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from om import OmsimError
from sim.live.orders import PreparedOrder


class LiveError(OmsimError):
    """The live service cannot start (wrong database, a replay that diverged) or can no
    longer take writes."""


class Kind(StrEnum):
    """What a request asks for; the value is what the command log stores."""

    CREATE = "create"  # POST productOrder
    PATCH = "patch"  # PATCH productOrder/{id}
    DELETE = "delete"  # DELETE productOrder/{id}
    CANCEL = "cancel"  # POST cancelProductOrder
    HUB_ADD = "hub_add"  # POST hub
    HUB_REMOVE = "hub_remove"  # DELETE hub/{id}
    FAULT_ADD = "fault_add"  # POST /omsim/faults
    FAULT_END = "fault_end"  # DELETE /omsim/faults/{id}


# What a POST that created something created: the collection an idempotent repeat of it
# reads the result from.
CREATES = {Kind.CREATE: "productOrder", Kind.CANCEL: "cancelProductOrder"}


@dataclass
class Request:
    """One change asked for by the API. ``key`` is the request's Idempotency-Key ("" when
    none) and ``fingerprint`` its body's; ``prepared`` is a create's order, built off the
    clock thread."""

    kind: Kind
    target: str
    body: dict[str, Any]
    key: str = ""
    fingerprint: str = ""
    prepared: PreparedOrder | None = None
    reply: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)


@dataclass(frozen=True, slots=True)
class Stored:
    """A reply that is a document as committed: the API reads it from the database
    (the reply is only sent once the tick that wrote it is on disk)."""

    collection: str
    id: str
    replayed: bool = False  # an idempotent repeat of an earlier POST

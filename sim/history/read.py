"""Reading an order history: TMF622 ProductOrder documents one a line (what ``omsim
export`` writes, or what an order manager's GET returns, ``.jsonl``), or a CSV with one
order a row (``.csv``), into :class:`~sim.history.records.HistoryOrder` records.

The CSV's columns (a header row names them; the first five are required, any order):

=====================  ================================================================
``id``                 the order's id
``order_date``         ISO 8601 date-time (``2024-01-01T09:30:00Z``; no offset = UTC)
``state``              completed, failed, partial, cancelled, rejected, or an open state
``offering``           the product offering (as the catalog names it)
``order_type``         provide, modify, cease, move, suspend, resume
``completion_date``    when the order ended (empty while open)
``fallout_cause``      the first fallout's cause (resource_exhausted, timeout,
                       element_error, element_unreachable, inventory_mismatch,
                       address_not_found, customer_not_home, ...), empty if none
``fallout_layer``      COM, SOM or ROM
``fallout_element``    the element of a ROM fallout (``olt:EX01-OLT01`` or ``olt``)
``appointment_booked`` when the (last) install visit was booked
``appointment_date``   when it was due (joined the dispatch queue)
``visit_started``      when the technician set off
``visit_ended``        when the visit ended
``visit_installed``    true / false: installed, or nobody home
``visits_not_home``    earlier visits of the order that found nobody home (a number)
``items``              order items (sites of a bulk order; default 1)
=====================  ================================================================

Every problem is one error naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.history.records import INSTALLED, NOT_HOME, Fallout, HistoryError, HistoryOrder, Visit

ORDER_TYPES = ("provide", "modify", "cease", "move", "suspend", "resume")
ENDED = ("completed", "failed", "partial", "cancelled", "rejected")
REQUIRED_COLUMNS = ("id", "order_date", "state", "offering", "order_type")


def read_history(path: Path) -> list[HistoryOrder]:
    """The orders of the history file ``path`` (``.csv``: the CSV above; anything else:
    JSON lines), sorted by order date."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HistoryError(f"{path}: order history not found") from None
    except IsADirectoryError:
        raise HistoryError(f"{path}: is a directory, not an order history") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: cannot read the order history ({exc})") from None
    orders = _csv(path, text) if path.suffix.lower() == ".csv" else _jsonl(path, text)
    if not orders:
        raise HistoryError(f"{path}: no orders in the history")
    return sorted(orders, key=lambda o: (o.ordered, o.id))


# -- dates ---------------------------------------------------------------------------------

def parse_date(value: Any, where: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or an offset; none means UTC) as an aware datetime."""
    if not isinstance(value, str) or not value.strip():
        raise HistoryError(f"{where}: expected an ISO 8601 date-time, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise HistoryError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _optional_date(value: Any, where: str) -> datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, where)


# -- TMF622 documents ----------------------------------------------------------------------

def _jsonl(path: Path, text: str) -> list[HistoryOrder]:
    orders = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HistoryError(f"{where}: not a JSON object ({exc.msg})") from None
        if not isinstance(doc, dict):
            raise HistoryError(f"{where}: not a JSON object (a ProductOrder document)")
        orders.append(order_from_document(doc, where))
    return orders


def order_from_document(doc: dict[str, Any], where: str) -> HistoryOrder:
    """A ProductOrder document (TMF622, or omsim's extension of it) as a record."""
    items = doc.get("productOrderItem")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise HistoryError(f"{where}: productOrderItem: expected a list of order items")
    offering = (items[0].get("productOffering") or {})
    name = offering.get("name") or offering.get("id") if isinstance(offering, dict) else None
    if not isinstance(name, str) or not name:
        raise HistoryError(f"{where}: productOrderItem.0.productOffering: no name or id")
    state = doc.get("state")
    if not isinstance(state, str) or not state:
        raise HistoryError(f"{where}: state: expected a TMF622 state, got {state!r}")
    ended = _optional_date(doc.get("completionDate"), f"{where}: completionDate")
    if state not in ENDED:
        ended = None  # still open, whatever date it carries
    return HistoryOrder(
        id=str(doc.get("id") or where),
        ordered=parse_date(doc.get("orderDate"), f"{where}: orderDate"),
        state=state, offering=name, order_type=_order_type(doc, items),
        ended=ended, items=len(items),
        fallout=_document_fallout(doc.get("fallout"), f"{where}: fallout"),
        visits=tuple(_document_visit(v, f"{where}: productOrderItem.{i}.installVisit.{k}")
                     for i, item in enumerate(items)
                     for k, v in enumerate(item.get("installVisit") or ())))


def _order_type(doc: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """The order type: its category when that names one (omsim files changes so), else
    from the items' actions (add only: provide; add and delete: move; delete: cease)."""
    category = doc.get("category")
    if category in ORDER_TYPES:
        return str(category)
    actions = {i.get("action") for i in items}
    if actions == {"add"}:
        return "provide"
    if actions == {"add", "delete"}:
        return "move"
    if actions == {"delete"}:
        return "cease"
    return "modify"


def _document_fallout(raw: Any, where: str) -> Fallout | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("cause"), str):
        raise HistoryError(f"{where}: expected {{cause, layer, date, element}}")
    return Fallout(raw["cause"], str(raw.get("layer") or ""),
                   _optional_date(raw.get("date"), f"{where}.date"),
                   _kind(raw.get("element")))


def _document_visit(raw: Any, where: str) -> Visit:
    if not isinstance(raw, dict):
        raise HistoryError(f"{where}: expected a visit object")
    outcome = raw.get("outcome")
    if outcome not in (None, "installed", "customerNotHome"):
        raise HistoryError(f"{where}.outcome: expected installed or customerNotHome, got "
                           f"{outcome!r}")
    return Visit(None if outcome is None else INSTALLED if outcome == "installed" else NOT_HOME,
                 booked=_optional_date(raw.get("bookedDate"), f"{where}.bookedDate"),
                 due=_optional_date(raw.get("appointmentDate"), f"{where}.appointmentDate"),
                 started=_optional_date(raw.get("startDate"), f"{where}.startDate"),
                 ended=_optional_date(raw.get("endDate"), f"{where}.endDate"))


def _kind(element: Any) -> str | None:
    """``olt:EX01-OLT01`` -> ``olt``; ``olt`` -> ``olt``."""
    if not isinstance(element, str) or not element:
        return None
    return element.split(":", 1)[0]


# -- CSV -------------------------------------------------------------------------------------

def _csv(path: Path, text: str) -> list[HistoryOrder]:
    rows = csv.DictReader(text.splitlines())
    missing = [c for c in REQUIRED_COLUMNS if c not in (rows.fieldnames or ())]
    if missing:
        raise HistoryError(f"{path}: the header lacks the column{'s' * (len(missing) > 1)} "
                           f"{', '.join(missing)} (required: {', '.join(REQUIRED_COLUMNS)})")
    return [order_from_row(row, f"{path}:{n}") for n, row in enumerate(rows, 2)]


def order_from_row(row: dict[str, str], where: str) -> HistoryOrder:
    """One CSV row (columns above) as a record."""
    order_type = (row.get("order_type") or "").strip()
    if order_type not in ORDER_TYPES:
        raise HistoryError(f"{where}: order_type: expected one of {', '.join(ORDER_TYPES)}, "
                           f"got {order_type!r}")
    offering = (row.get("offering") or "").strip()
    if not offering:
        raise HistoryError(f"{where}: offering: empty")
    state = (row.get("state") or "").strip()
    if not state:
        raise HistoryError(f"{where}: state: empty")
    cause = (row.get("fallout_cause") or "").strip()
    fallout = Fallout(cause, (row.get("fallout_layer") or "").strip(), None,
                      _kind((row.get("fallout_element") or "").strip())) if cause else None
    ended = _optional_date(row.get("completion_date"), f"{where}: completion_date")
    return HistoryOrder(
        id=(row.get("id") or "").strip() or where,
        ordered=parse_date(row.get("order_date"), f"{where}: order_date"),
        state=state, offering=offering, order_type=order_type,
        ended=ended if state in ENDED else None, items=_count(row, "items", where, 1),
        fallout=fallout, visits=_row_visits(row, where))


def _count(row: dict[str, str], column: str, where: str, default: int) -> int:
    text = (row.get(column) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise HistoryError(f"{where}: {column}: expected a whole number, got {text!r}")
    return int(text)


def _row_visits(row: dict[str, str], where: str) -> tuple[Visit, ...]:
    visits = [Visit(NOT_HOME)] * _count(row, "visits_not_home", where, 0)
    installed = (row.get("visit_installed") or "").strip().lower()
    if installed not in ("", "true", "false"):
        raise HistoryError(f"{where}: visit_installed: expected true or false, got "
                           f"{installed!r}")
    started = _optional_date(row.get("visit_started"), f"{where}: visit_started")
    if installed or started is not None:
        outcome = {"true": INSTALLED, "false": NOT_HOME}.get(installed)
        visits.append(Visit(
            outcome,
            booked=_optional_date(row.get("appointment_booked"), f"{where}: appointment_booked"),
            due=_optional_date(row.get("appointment_date"), f"{where}: appointment_date"),
            started=started,
            ended=_optional_date(row.get("visit_ended"), f"{where}: visit_ended")))
    return tuple(visits)

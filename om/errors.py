"""The exception tree of omsim, drawn once:

OmsimError
  ScenarioError       bad scenario file: names file, field path and reason (raised by sim)
  CatalogError        bad catalog file, or a missing or cyclic product -> CFS -> RFS mapping
  UsageError          a command-line value out of range: names the option, value and range
  OutputError         an output path that cannot be written: names the option and the path
  ReportError         a report or run directory that is unreadable or not what omsim writes
  IllegalTransition   a forbidden state move; always a bug in omsim
  SouthboundError     an element refused or timed out; carries the item id and FalloutCause

Fallout causes are data (:class:`om.fallout.FalloutCause`), not subclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

if TYPE_CHECKING:
    from om.fallout import FalloutCause


def describe_validation(source: str, exc: ValidationError) -> str:
    """One line per pydantic error: ``source: field.path: reason``."""
    return "\n".join(f"{source}: {'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}"
                     for e in exc.errors())


class OmsimError(Exception):
    """Base of every error omsim raises on purpose."""


class ScenarioError(OmsimError):
    """A scenario file is missing, not YAML, or fails validation."""


class CatalogError(OmsimError):
    """A catalog file is invalid or its mappings are inconsistent."""


class UsageError(OmsimError):
    """A command-line value is out of its range (``--replications 0``, ``--seed -1``) or
    names nothing that exists (``omsim impact NOPE``)."""


class OutputError(OmsimError):
    """An output path cannot be written: checked before any work starts."""


class ReportError(OmsimError):
    """A report, baseline or run directory is missing, unreadable or not of omsim's shape."""


class IllegalTransition(OmsimError):
    """An order or item was asked to make a state move its state machine forbids."""


class SouthboundError(OmsimError):
    """An element refused a request, timed out, or could not be reached."""

    def __init__(self, item_id: str, cause: FalloutCause, element: str = "",
                 detail: str = "", conflict: tuple[str, int] | None = None) -> None:
        # All arguments go to Exception so the error survives copying and pickling.
        super().__init__(item_id, cause, element, detail, conflict)
        self.item_id = item_id
        self.cause = cause
        self.element = element
        self.detail = detail
        self.conflict = conflict  # (pool name, slot) the element already uses, if any

    def __str__(self) -> str:
        where = f" at {self.element}" if self.element else ""
        return f"{self.item_id}: {self.cause.value}{where}" + (
            f" ({self.detail})" if self.detail else "")

"""Commercial terms of an offering: what a product is worth, from the catalog.

An offering may carry a monthly recurring charge, a one-off charge and a contract term
(months). The product inventory (TMF637) shows them as ``productPrice`` and
``productTerm``; the run report prices delay and fallout with them (revenue delayed and
lost). Amounts are in the catalog's ``currency``. A renewal order is a modify of the
product's ``contract_term_months`` alone (:data:`TERM`): the term restarts, nothing is
sent to the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DAYS_PER_MONTH = 365.25 / 12  # a month's billing days, on average
# The product characteristic a renewal (recontract) order changes: a new contract term
# from the day it completes, and no change in the network.
TERM = "contract_term_months"
MAX_TERM_MONTHS = 120


@dataclass(frozen=True, slots=True)
class Charges:
    """An offering's charges: ``monthly`` (recurring), ``one_off``, ``term_months``."""

    monthly: float = 0.0
    one_off: float = 0.0
    term_months: int = 0
    currency: str = "EUR"

    @property
    def daily(self) -> float:
        """The recurring charge per billing day."""
        return self.monthly / DAYS_PER_MONTH

    @property
    def contract_value(self) -> float:
        """What the whole contract brings: the one-off charge plus every month of the
        term (one month when there is no term)."""
        return self.one_off + self.monthly * max(1, self.term_months)

    def product_price(self) -> list[dict[str, Any]]:
        """TMF637 ``productPrice``: the recurring and the one-off charge."""
        out = []
        if self.monthly:
            out.append({"name": "monthly charge", "priceType": "recurring",
                        "recurringChargePeriod": "month",
                        "price": {"taxIncludedAmount": {"unit": self.currency,
                                                        "value": self.monthly}}})
        if self.one_off:
            out.append({"name": "one-off charge", "priceType": "oneTime",
                        "price": {"taxIncludedAmount": {"unit": self.currency,
                                                        "value": self.one_off}}})
        return out


NO_CHARGES = Charges()

"""Why an order (or a cancellation) ended as it did, as the target says: a short key
from its ``errorMessage``, its notes or its items, so that causes group across orders
(``"approval rejected (rule 'x')"`` and ``"approval rejected (rule 'y')"`` are both
``approval_rejected``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def cause(doc: Mapping[str, Any]) -> str:
    """A short key for why an order ended as it did, from what the target says: its
    ``errorMessage``, else its notes, else its items' states (``item_failed``), else
    ``unspecified``."""
    for text in _messages(doc.get("errorMessage")):
        return _key(text)
    notes = [n.get("text") for n in doc.get("note") or () if isinstance(n, dict)]
    for text in reversed([t for t in notes if isinstance(t, str) and t.strip()]):
        return _key(text)
    items = [i for i in doc.get("productOrderItem") or () if isinstance(i, dict)]
    for item in items:
        for text in _messages(item.get("errorMessage")):
            return _key(text)
    if any(i.get("state") == "failed" for i in items):
        return "item_failed"
    return "unspecified"


def _messages(value: Any) -> list[str]:
    """The texts of a TMF errorMessage (an object or a list of them)."""
    values = value if isinstance(value, list) else [value]
    out = []
    for v in values:
        if isinstance(v, dict):
            text = v.get("code") or v.get("reason") or v.get("message")
            if isinstance(text, str | int) and str(text).strip():
                out.append(str(text))
        elif isinstance(v, str) and v.strip():
            out.append(v)
    return out


def _key(text: str) -> str:
    """``"approval rejected (rule 'x')"`` -> ``approval_rejected``, ``resourceExhausted``
    -> ``resource_exhausted``: the words before any detail, without names (words with
    digits), so that causes group."""
    head = re.split(r"[(:;,'\"\[]", text, maxsplit=1)[0]
    head = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", head)  # resourceExhausted: two words
    # Words with digits are names (an address, an order), not the cause.
    words = [w for w in re.split(r"[^a-z0-9]+", head.lower())
             if w and not any(c.isdigit() for c in w)]
    return "_".join(words)[:48] or "unspecified"

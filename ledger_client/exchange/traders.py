"""Trader identifiers as they arrive in declarations: tax ids, EORI numbers and WCO TINs, normalised.

A declaration may write ``3-101-123456``, ``3101123456`` or ``CR 3101123456``: normalising keeps
the letters and digits only, upper-cased (after Unicode NFKC, so full-width digits count).
From a certificate document three identifiers are indexed:

- the national tax id as written (normalised): ``3101123456``;
- its WCO TIN form, the issuing country's ISO code followed by the national number
  (``CR3101123456``; WCO Recommendation on the TIN), unless the tax id already starts with it;
- the EORI-style customs id when the document carries one (``eori``).
"""

from __future__ import annotations

import unicodedata

from ledger_client.errors import LedgerValueError

#: The longest normalised identifier accepted (EORI: 2 + 15; tax ids are shorter).
MAX_LENGTH = 64


def normalise(raw: str) -> str:
    """The comparable form of a trader identifier; :class:`LedgerValueError` when nothing is left."""
    folded = unicodedata.normalize("NFKC", raw).upper()
    kept = "".join(ch for ch in folded if ch.isascii() and ch.isalnum())
    if not kept:
        raise LedgerValueError(f"trader identifier {raw!r} has no letters or digits")
    if len(kept) > MAX_LENGTH:
        raise LedgerValueError(f"trader identifier {raw!r} is longer than {MAX_LENGTH} letters and digits")
    return kept


def identifiers_of(issuer: str, tax_id: str, eori_id: str | None) -> list[tuple[str, str]]:
    """The ``(kind, normalised identifier)`` pairs of an operator of ``issuer``'s: ``tax_id``, ``tin``, ``eori``."""
    found: list[tuple[str, str]] = []
    tax = _normalised_or_none(tax_id)
    if tax is not None:
        found.append(("tax_id", tax))
        if not tax.startswith(issuer):
            found.append(("tin", (issuer + tax)[:MAX_LENGTH]))
    eori = _normalised_or_none(eori_id)
    if eori is not None and eori not in (value for _, value in found):
        found.append(("eori", eori))
    return found


def _normalised_or_none(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return normalise(raw)
    except LedgerValueError:
        return None  # a document's identifier without letters or digits cannot be looked up

"""Console forms → the API's request models and the library's certificate document.

Date fields are HTML ``date`` inputs: ``valid_from`` starts at 00:00 UTC of its day and
``valid_until`` ends at 23:59:59 UTC of its day (as in the bulk import).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from starlette.datastructures import FormData

from ledger_client.documents import CertificateDocument
from ledger_client.errors import LedgerValueError
from ledger_client.models import Programme, ReasonCode, Role

PROGRAMMES = [p.name for p in Programme if p.name]
ROLES = [r.name for r in Role if r.name]
REASONS = [r.name for r in ReasonCode if r.name and r is not ReasonCode.NONE]


def text(form: FormData, name: str, *, required: bool = True) -> str | None:
    """A stripped text field (``LedgerValueError`` when a required one is empty)."""
    value = form.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        if required:
            raise LedgerValueError(f"the field {name!r} is required")
        return None
    return value


def choices(form: FormData, name: str, allowed: list[str]) -> list[str]:
    """The checked values of a checkbox group (each one of ``allowed``)."""
    values = [v for v in form.getlist(name) if isinstance(v, str)]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise LedgerValueError(f"unknown {name}: {', '.join(unknown)}")
    return values


def day(value: str | None, *, end: bool = False) -> datetime | None:
    """An ISO date as the first (or last, ``end``) second of that day in UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise LedgerValueError(f"not a date (YYYY-MM-DD): {value!r}") from exc
    moment = datetime.combine(parsed, time(0, 0), UTC)
    return moment + timedelta(days=1, seconds=-1) if end else moment


def reason(form: FormData, default: str | None = None) -> int:
    """The reason code chosen in the form."""
    name = text(form, "reason", required=default is None) or default
    if name not in REASONS:
        raise LedgerValueError(f"unknown reason {name!r}")
    return int(ReasonCode[name])


def document(form: FormData, issuer: str, number: str) -> CertificateDocument:
    """The certificate document the form describes (validated by the library's model)."""
    operator: dict[str, Any] = {
        "legal_name": text(form, "legal_name"),
        "tax_id": text(form, "tax_id"),
        "eori": text(form, "eori", required=False),
        "address": {
            "street": text(form, "street"),
            "city": text(form, "city"),
            "postal_code": text(form, "postal_code", required=False),
            "region": text(form, "region", required=False),
            "country": (text(form, "country", required=False) or issuer).upper(),
        },
    }
    return CertificateDocument.parse(
        {
            "certificate_number": number,
            "issuer": issuer,
            "issuing_office": text(form, "issuing_office"),
            "operator": operator,
            "roles": choices(form, "roles", ROLES),
            "programmes": choices(form, "programmes", PROGRAMMES),
            "sme": form.get("sme") == "on",
            "valid_from": day(text(form, "valid_from")),
            "valid_until": day(text(form, "valid_until", required=False), end=True),
        }
    )


def document_values(doc: CertificateDocument | None) -> dict[str, Any]:
    """A document as the form's initial values (empty for None)."""
    if doc is None:
        return {"roles": [], "programmes": [], "sme": False}
    address = doc.operator.address
    return {
        "issuing_office": doc.issuing_office,
        "legal_name": doc.operator.legal_name,
        "tax_id": doc.operator.tax_id,
        "eori": doc.operator.eori or "",
        "street": address.street,
        "city": address.city,
        "postal_code": address.postal_code or "",
        "region": address.region or "",
        "country": address.country,
        "roles": list(doc.roles),
        "programmes": list(doc.programmes),
        "sme": doc.sme,
        "valid_from": doc.valid_from.date().isoformat(),
        "valid_until": "" if doc.valid_until is None else doc.valid_until.date().isoformat(),
    }

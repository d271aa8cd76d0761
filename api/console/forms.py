"""Console forms → the API's request models and the library's certificate document.

The certificate form's fields are the bulk import's columns and are parsed by the import's own
record parser. Date fields are HTML ``date`` inputs: ``valid_from`` starts at 00:00 UTC of its
day and ``valid_until`` ends at 23:59:59 UTC of its day.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from starlette.datastructures import FormData

from ledger_client.documents import CertificateDocument
from ledger_client.errors import LedgerValueError
from ledger_client.importer.formats import SourceRow
from ledger_client.importer.rows import prepare_row, record_of
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


#: The form's text fields: columns of the bulk import's record, under the same names.
DOCUMENT_FIELDS = (
    "issuing_office",
    "operator_name",
    "tax_id",
    "eori",
    "address",
    "city",
    "postal_code",
    "region",
    "country",
    "valid_from",
    "valid_until",
)


def record(form: FormData, number: str) -> dict[str, Any]:
    """The import record the form describes (its fields are the import's columns)."""
    values: dict[str, Any] = {name: text(form, name, required=False) for name in DOCUMENT_FIELDS}
    values.update(
        certificate_number=number,
        roles=choices(form, "roles", ROLES),
        programmes=choices(form, "programmes", PROGRAMMES),
        sme=form.get("sme") == "on",
    )
    return {name: value for name, value in values.items() if value is not None}


def consent(form: FormData) -> bool:
    """The operator's consent to the exchange with MRA partners (an on-chain flag of the
    certificate, not part of its document): given unless the form's "withheld" box is ticked, so a
    form posted without the box keeps the earlier behaviour (consent given)."""
    return form.get("consent_withheld") != "on"


def document(form: FormData, issuer: str, number: str) -> CertificateDocument:
    """The certificate document the form describes, parsed and validated as the bulk import parses
    a record (:func:`~ledger_client.importer.rows.prepare_row`: the same rules and messages)."""
    return prepare_row(SourceRow(0, record(form, number)), issuer).document


def document_values(doc: CertificateDocument | None) -> dict[str, Any]:
    """A document as the form's initial values (empty for None): its import record, with the
    dates as the form's date inputs show them."""
    if doc is None:
        return {"roles": [], "programmes": [], "sme": False, "consent": True}
    return {
        **record_of(doc),
        "roles": list(doc.roles),
        "programmes": list(doc.programmes),
        "sme": doc.sme,
        "valid_from": doc.valid_from.date().isoformat(),
        "valid_until": "" if doc.valid_until is None else doc.valid_until.date().isoformat(),
    }

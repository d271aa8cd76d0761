"""Turning one registry record into a :class:`~ledger_client.documents.CertificateDocument`.

Value rules (the same for CSV cells and JSON values):

- ``roles``: names separated by ``|`` (``;`` and ``,`` also work) or a JSON list, case-insensitive:
  importer, exporter, carrier, customs_broker (or broker), warehouse, manufacturer, logistics
  (or forwarder, freight_forwarder), port_operator, free_zone_operator.
- ``programmes``: security (or aeo-s, s), simplifications (or aeo-c, c), fiscal, sanitary.
- ``sme``: true/false, yes/no, si/sí/no, 1/0 (or a JSON boolean).
- ``consent``: optional, the same values: the operator's consent to the exchange with MRA partners
  (an on-chain flag, not part of the document); empty or absent = granted.
- ``valid_from``: an ISO date (``2024-03-01`` = 00:00:00 UTC) or an ISO date-time with a zone.
- ``valid_until``: empty/null = open-ended; an ISO date means *through* that day (23:59:59 UTC);
  a date-time with a zone is taken as is.
- ``country``: ISO 3166-1 alpha-2 of the operator's address; empty = the importing administration.
- ``issuer``: optional; when given it must be the importing administration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from eth_utils.crypto import keccak
from pydantic import ValidationError

from ledger_client.certificates import CertificateRequest
from ledger_client.documents import CertificateDocument
from ledger_client.errors import LedgerValueError
from ledger_client.importer.formats import COLUMNS, REQUIRED_COLUMNS, SourceRow
from ledger_client.models import Programme, Role

ROLE_ALIASES: dict[str, Role] = {
    **{role.name.lower(): role for role in Role if role.name is not None},
    "broker": Role.CUSTOMS_BROKER,
    "customs broker": Role.CUSTOMS_BROKER,
    "forwarder": Role.LOGISTICS,
    "freight_forwarder": Role.LOGISTICS,
    "freight forwarder": Role.LOGISTICS,
    "port operator": Role.PORT_OPERATOR,
    "free zone operator": Role.FREE_ZONE_OPERATOR,
    "free_zone": Role.FREE_ZONE_OPERATOR,
}
PROGRAMME_ALIASES: dict[str, Programme] = {
    **{programme.name.lower(): programme for programme in Programme if programme.name is not None},
    "aeo-s": Programme.SECURITY,
    "s": Programme.SECURITY,
    "aeo-c": Programme.SIMPLIFICATIONS,
    "c": Programme.SIMPLIFICATIONS,
    "aeo-f": Programme.FISCAL,
}
_TRUE = frozenset({"true", "yes", "y", "1", "si", "sí", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})
_SPLIT = re.compile(r"[|;,]")
_END_OF_DAY = time(23, 59, 59, tzinfo=UTC)
_START_OF_DAY = time(0, 0, 0, tzinfo=UTC)
#: Document field paths → input column names (for error messages).
_DOCUMENT_FIELDS = {
    "operator.legal_name": "operator_name",
    "operator.tax_id": "tax_id",
    "operator.eori": "eori",
    "operator.address.street": "address",
    "operator.address.city": "city",
    "operator.address.postal_code": "postal_code",
    "operator.address.region": "region",
    "operator.address.country": "country",
}


@dataclass(frozen=True)
class PreparedRow:
    """A valid record: its document, the document's canonical bytes and hash, the on-chain terms."""

    line: int
    document: CertificateDocument
    canonical_json: bytes
    document_hash: bytes
    certificate_id: bytes
    request: CertificateRequest

    @property
    def number(self) -> str:
        """The national certificate number."""
        return self.document.certificate_number


class RowProblem(LedgerValueError):
    """A record that cannot become a certificate document; the message lists every problem."""


def _text(values: Mapping[str, Any], column: str) -> str | None:
    value = values.get(column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flags(value: Any, aliases: Mapping[str, Any], kind: str) -> list[str]:
    items = [str(v) for v in value] if isinstance(value, list | tuple) else _SPLIT.split(str(value))
    names: list[str] = []
    for item in items:
        key = item.strip().lower()
        if not key:
            continue
        flag = aliases.get(key) or aliases.get(key.replace("-", "_"))
        if flag is None:
            allowed = ", ".join(sorted(k for k in aliases if " " not in k))
            raise ValueError(f"unknown {kind} {item.strip()!r} (allowed: {allowed})")
        if flag.name not in names:
            names.append(flag.name)
    if not names:
        raise ValueError(f"at least one {kind} is required")
    return names


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a yes/no value (use true or false)")


def _date(value: Any, end_of_day: bool) -> datetime:
    text = str(value).strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD)") from None
        return datetime.combine(day, _END_OF_DAY if end_of_day else _START_OF_DAY)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date (YYYY-MM-DD) or date-time (2024-03-01T00:00:00Z)") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone; add Z or an offset such as -05:00, or give a date only")
    return moment.replace(microsecond=0).astimezone(UTC)


def prepare_row(row: SourceRow, administration: str) -> PreparedRow:
    """Validate ``row`` for ``administration``; :class:`RowProblem` lists every problem found."""
    values = row.values
    problems: list[str] = [str(values[k]) for k in ("__shape__", "__width__") if k in values]
    if problems:
        raise RowProblem("; ".join(problems))
    problems = _missing(values)
    parsed = _parsed(values, problems)
    issuer = _text(values, "issuer")
    if issuer is not None and issuer.upper() != administration:
        problems.append(f"issuer: {issuer!r} is not the importing administration {administration!r}")
    if problems:
        raise RowProblem("; ".join(problems))
    try:
        document = CertificateDocument.model_validate(_document_data(values, parsed, administration))
    except ValidationError as exc:
        raise RowProblem("; ".join(_describe(error) for error in exc.errors())) from None
    return prepared(row.line, document, consent=parsed.get("consent"))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _missing(values: Mapping[str, Any]) -> list[str]:
    """Unknown fields and required ones left out."""
    problems: list[str] = []
    unknown = sorted(k for k in values if k not in COLUMNS)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}")
    for column in REQUIRED_COLUMNS:
        if column == "sme":
            if _blank(values.get("sme")):
                problems.append("sme: required (true or false)")
        elif _text(values, column) is None:
            problems.append(f"{column}: required")
    return problems


def _parsed(values: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    """Roles, programmes, SME flag and dates parsed (each problem appended to ``problems``)."""
    parsed: dict[str, Any] = {}
    for column, parse in (
        ("roles", lambda v: _flags(v, ROLE_ALIASES, "role")),
        ("programmes", lambda v: _flags(v, PROGRAMME_ALIASES, "programme")),
        ("sme", _boolean),
        ("consent", _boolean),
        ("valid_from", lambda v: _date(v, end_of_day=False)),
        ("valid_until", lambda v: _date(v, end_of_day=True)),
    ):
        value = values.get(column)
        if _blank(value):
            continue
        try:
            parsed[column] = parse(value)
        except ValueError as exc:
            problems.append(f"{column}: {exc}")
    start, end = parsed.get("valid_from"), parsed.get("valid_until")
    if start is not None and end is not None and end <= start:
        problems.append(f"valid_until: {values['valid_until']} is not after valid_from {values['valid_from']}")
    return parsed


def _document_data(values: Mapping[str, Any], parsed: Mapping[str, Any], administration: str) -> dict[str, Any]:
    """The certificate document's fields from a valid row."""
    return {
        "certificate_number": _text(values, "certificate_number"),
        "issuer": administration,
        "issuing_office": _text(values, "issuing_office"),
        "operator": {
            "legal_name": _text(values, "operator_name"),
            "tax_id": _text(values, "tax_id"),
            "eori": _text(values, "eori"),
            "address": {
                "street": _text(values, "address"),
                "city": _text(values, "city"),
                "postal_code": _text(values, "postal_code"),
                "region": _text(values, "region"),
                "country": (_text(values, "country") or administration).upper(),
            },
        },
        "roles": parsed["roles"],
        "programmes": parsed["programmes"],
        "sme": parsed["sme"],
        "valid_from": parsed.get("valid_from"),
        "valid_until": parsed.get("valid_until"),
    }


def _describe(error: Mapping[str, Any]) -> str:
    """A pydantic error phrased with the input's column name."""
    location = ".".join(str(part) for part in error["loc"])
    column = _DOCUMENT_FIELDS.get(location, location)
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{column}: {message}"


def prepared(line: int, document: CertificateDocument, *, consent: bool | None = None) -> PreparedRow:
    """A :class:`PreparedRow` of a validated document (canonical JSON and hash computed once);
    ``consent`` None: granted."""
    canonical = document.canonical_json()
    digest = bytes(keccak(canonical))
    request = CertificateRequest(
        number=document.certificate_number,
        programmes=document.programme_mask,
        roles=document.role_mask,
        sme=document.sme,
        valid_from=document.valid_from_ts,
        valid_until=document.valid_until_ts,
        document_hash=digest,
        consent=consent,
    )
    return PreparedRow(line, document, canonical, digest, document.certificate_id(), request)


def record_of(document: CertificateDocument) -> dict[str, str]:
    """The import record (CSV cells) of ``document``: the inverse of :func:`prepare_row`.

    Dates are written as full ISO date-times so they round-trip to the same document hash.
    """
    address = document.operator.address
    until = document.valid_until
    return {
        "certificate_number": document.certificate_number,
        "operator_name": document.operator.legal_name,
        "tax_id": document.operator.tax_id,
        "eori": document.operator.eori or "",
        "address": address.street,
        "city": address.city,
        "postal_code": address.postal_code or "",
        "region": address.region or "",
        "country": address.country,
        "roles": "|".join(name.lower() for name in document.roles),
        "programmes": "|".join(name.lower() for name in document.programmes),
        "sme": "true" if document.sme else "false",
        "valid_from": document.valid_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "valid_until": "" if until is None else until.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "issuing_office": document.issuing_office,
    }

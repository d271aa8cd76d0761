"""Record → certificate document: value rules, aliases, dates, and the exact round trip."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ledger_client.demo.generator import issuer_documents
from ledger_client.importer import RowProblem, prepare_row, record_of
from ledger_client.importer.formats import SourceRow
from tests.importer.conftest import TODAY

BASE: dict[str, Any] = {
    "certificate_number": "CR-OEA-000123",
    "operator_name": "Exportadora del Valle S.A.",
    "tax_id": "3-101-123456",
    "address": "Calle 5, Av. 2",
    "city": "San José",
    "roles": "importer|exporter",
    "programmes": "security",
    "sme": "true",
    "valid_from": "2024-03-01",
    "valid_until": "",
    "issuing_office": "Aduana Santamaría",
}


def _row(**changes: Any) -> SourceRow:
    return SourceRow(7, {**BASE, **changes})


def test_defaults_and_date_rules() -> None:
    prepared = prepare_row(_row(valid_until="2027-02-28"), "CR")
    document = prepared.document
    assert document.issuer == "CR"
    assert document.operator.address.country == "CR"
    assert document.valid_from == datetime(2024, 3, 1, tzinfo=UTC)
    assert document.valid_until == datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC)  # valid through that day
    assert prepared.request.valid_until == int(datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC).timestamp())
    assert prepare_row(_row(), "CR").document.valid_until is None
    shifted = prepare_row(_row(valid_from="2024-03-01T08:00:00-06:00"), "CR").document
    assert shifted.valid_from == datetime(2024, 3, 1, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("roles", "programmes", "role_mask", "programme_mask"),
    [
        ("Importer | Exporter", "AEO-S|AEO-C", 3, 3),
        ("broker;forwarder", "simplifications", 8 | 64, 2),
        ("customs_broker,free_zone_operator", "s", 8 | 256, 1),
        (["warehouse", "port_operator"], ["security", "fiscal"], 16 | 128, 5),
    ],
)
def test_role_and_programme_aliases(roles: Any, programmes: Any, role_mask: int, programme_mask: int) -> None:
    prepared = prepare_row(_row(roles=roles, programmes=programmes), "CR")
    assert (prepared.request.roles, prepared.request.programmes) == (role_mask, programme_mask)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sme": "si"}, None),
        ({"sme": False}, None),
        ({"sme": ""}, "sme: required"),
        ({"roles": ""}, "roles: required"),
        ({"valid_from": "2024-03-01T00:00:00"}, "has no time zone"),
        ({"valid_from": "1/3/2024"}, "not an ISO date"),
        ({"country": "Costa Rica"}, "country:"),
        ({"colour": "blue"}, "unknown field(s) colour"),
        ({"certificate_number": "CR OEA ñ"}, "certificate_number:"),
    ],
)
def test_value_problems_name_the_column(changes: dict[str, Any], message: str | None) -> None:
    if message is None:
        prepare_row(_row(**changes), "CR")
        return
    with pytest.raises(RowProblem) as info:
        prepare_row(_row(**changes), "CR")
    assert message in str(info.value)


def test_every_problem_of_a_row_is_listed() -> None:
    with pytest.raises(RowProblem) as info:
        prepare_row(_row(tax_id="", roles="pilot", valid_from="tomorrow"), "CR")
    text = str(info.value)
    assert "tax_id: required" in text
    assert "unknown role 'pilot'" in text
    assert "valid_from:" in text


def test_record_of_round_trips_to_the_same_document_hash() -> None:
    for document in issuer_documents("MX", 25, seed=3, today=TODAY):
        row = SourceRow(1, record_of(document))
        assert prepare_row(row, "MX").document_hash == document.document_hash()

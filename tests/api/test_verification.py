"""History audits and off-chain document verification."""

from __future__ import annotations

from typing import Any

from ledger_client.documents import CertificateDocument
from tests.api.conftest import Env, issue_body, unique_number


def _document(number: str) -> CertificateDocument:
    return CertificateDocument.parse(
        {
            "certificate_number": number,
            "issuer": "CR",
            "issuing_office": "Dirección General de Aduanas, San José",
            "operator": {
                "legal_name": "Café del Valle S.A.",
                "tax_id": "3-101-123456",
                "address": {"street": "Calle 5", "city": "San José", "country": "CR"},
            },
            "roles": ["IMPORTER", "EXPORTER"],
            "programmes": ["SECURITY"],
            "sme": True,
            "valid_from": "2025-01-01T00:00:00Z",
        }
    )


def _issue_document(env: Env, document: CertificateDocument) -> dict[str, Any]:
    body = issue_body(
        document.certificate_number,
        programmes=document.programmes,
        roles=document.roles,
        sme=document.sme,
        valid_from="2025-01-01T00:00:00Z",
        document_hash="0x" + document.document_hash().hex(),
    )
    response = env.post("/v1/certificates", "cr_writer", body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_document_verification(env: Env) -> None:
    document = _document(unique_number("DOC"))
    _issue_document(env, document)
    payload = document.model_dump(mode="json", by_alias=True)
    verdict = env.post("/v1/certificates/verify-document", "pe_reader", payload).json()
    assert verdict["ok"] is True
    assert verdict["valid_now"] is True
    assert verdict["status"] == "ACTIVE"
    forged = payload | {"operator": payload["operator"] | {"legal_name": "Someone Else S.A."}}
    bad = env.post("/v1/certificates/verify-document", "pe_reader", forged).json()
    assert (bad["ok"], bad["matches"]) == (False, False)
    assert bad["problems"]
    unknown = env.post(
        "/v1/certificates/verify-document", "pe_reader", payload | {"certificate_number": unique_number("NONE")}
    ).json()
    assert (unknown["ok"], unknown["exists"]) == (False, False)
    invalid = env.post("/v1/certificates/verify-document", "pe_reader", payload | {"issuer": "cr"})
    assert invalid.status_code == 422


def test_audit_certificate_history(env: Env) -> None:
    created = _issue_document(env, _document(unique_number("AUD")))
    cid = created["certificate"]["id"]
    assert env.post(f"/v1/certificates/{cid}/suspend", "cr_writer", {"reason": 3}).status_code == 201
    audit = env.get(f"/v1/certificates/{cid}/audit", "auditor", params={"events": "true"}).json()
    assert audit["ok"] is True
    assert audit["onchain_event_count"] == 2
    assert audit["findings"] == []
    assert [e["action"] for e in audit["events"]] == ["ISSUED", "SUSPENDED"]
    # One vocabulary: the audit speaks like the history endpoint (ISO 8601, names), not Unix times and masks.
    history = env.get(f"/v1/certificates/{cid}/history", "auditor").json()["items"]
    assert [e["block_time"] for e in audit["events"]] == [e["block_time"] for e in history]
    assert [e["status"] for e in audit["events"]] == [e["status"] for e in history]
    issued_change, suspended_change = (e["change"] for e in audit["events"])
    assert issued_change["programmes"] == history[0]["programmes"]
    assert issued_change["roles"] == history[0]["roles"]
    assert issued_change["valid_from"] == history[0]["valid_from"]
    assert issued_change["valid_until"] == history[0]["valid_until"]
    assert suspended_change == {
        "status": ["ACTIVE", "SUSPENDED"],
        "reason": history[1]["reason"],
        "reason_code": history[1]["reason_code"],
    }
    assert env.get(f"/v1/certificates/{cid}/audit", "cr_reader").json()["ok"] is True
    assert env.get(f"/v1/certificates/{cid}/audit", "pe_reader").status_code == 403
    assert env.get("/v1/certificates/0x4352" + "cd" * 30 + "/audit").status_code == 404


def test_audit_mra(env: Env) -> None:
    audit = env.get(f"/v1/mras/{env.mra_id}/audit", "pe_reader").json()
    assert audit["ok"] is True
    assert audit["subject"] == "mra"
    assert env.get(f"/v1/mras/{env.mra_id}/audit", "mx_writer").status_code == 403
